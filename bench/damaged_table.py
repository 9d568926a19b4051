"""The damaged-evidence table: records evtxscan reads vs pyevtx-rs with errors skipped.

For every ``.evtx`` in the public sample folders (``../shared/evtx-samples/evtx-rs-samples``
and ``python-evtx-samples``), and for copies of a clean sample damaged by
``fixtures/damage.py`` (in a temp folder), it counts:

* what pyevtx-rs' ``records_json()`` yields when the caller goes on after every
  ``RuntimeError`` (the most a plain pyevtx-rs user gets);
* what evtxscan reads with each backend (``evtx`` and ``python-evtx``), what it recovers
  beyond that, what it counts as skipped (records lost), and the file's status.

``tests/test_damaged.py`` asserts the same rows (evtxscan never reads fewer), so the table
in ``docs/damaged.md`` is what the tests hold.  Run::

    python bench/damaged_table.py              # print the tables
    python bench/damaged_table.py --write      # rewrite them in docs/damaged.md (and the
                                               # short one in README.md's Damaged evidence)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLES = ROOT.parent / "shared" / "evtx-samples"
FOLDERS = ("evtx-rs-samples", "python-evtx-samples")
BACKENDS = ("evtx", "python-evtx")
DOC = ROOT / "docs" / "damaged.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- damaged-table:begin -->", "<!-- damaged-table:end -->"
RBEGIN, REND = "<!-- damaged-summary:begin -->", "<!-- damaged-summary:end -->"


@dataclass(frozen=True)
class Side:
    """evtxscan's outcome for one file with one backend."""

    status: str
    read: int
    recovered: int
    skipped: int
    errors: int
    notes: int
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    folder: str
    name: str
    path: str
    rs_records: int
    rs_errors: int
    sides: dict[str, Side]

    @property
    def damaged(self) -> bool:
        return self.rs_errors > 0 or any(s.errors or s.notes or s.recovered
                                         for s in self.sides.values())


def pyevtx_rs_skip_errors(path: str) -> tuple[int, int]:
    """Records and errors of ``records_json()``, calling ``next()`` again after each error."""
    import evtx
    records = errors = 0
    it = evtx.PyEvtxParser(path).records_json()
    while True:
        try:
            next(it)
        except StopIteration:
            return records, errors
        except RuntimeError:
            errors += 1
        else:
            records += 1


#: words in a finding -> the short name of the damage in the table
_KINDS = (
    ("bad magic", "bad chunk"), ("all zero although", "zeroed chunk"),
    ("record framing broken", "framing hole"), ("promises records", "missing records"),
    ("cut after", "cut mid-chunk"), ("ends after", "missing chunks"),
    ("records checksum mismatch", "stale CRC"), ("header checksum mismatch", "header CRC"),
    ("written after the header", "lagging header"), ("no ElfFile", "no file header"),
    ("size field", "bad record size"), ("is longer", "bad record size"),
    ("partly written", "partly written record"), ("Failed to parse record", "bad record"),
    ("BadRecord", "bad record"), ("not a chunk", "junk after chunks"),
)


def _kinds(report) -> tuple[str, ...]:
    out: list[str] = []
    for e in [*report.errors, *report.notes]:
        for needle, kind in _KINDS:
            if needle in e.reason and kind not in out:
                out.append(kind)
                break
    return tuple(out)


def scan(path: str, backend: str) -> Side:
    from evtxscan.scanfile import FileTask, scan_file
    r = scan_file(FileTask(path, Path(path).name, backend)).report
    return Side(r.status, r.records, r.recovered, r.skipped, len(r.errors), len(r.notes),
                _kinds(r))


def row(folder: str, path: Path) -> Row:
    rs_records, rs_errors = pyevtx_rs_skip_errors(str(path))
    return Row(folder, path.name, str(path), rs_records, rs_errors,
               {b: scan(str(path), b) for b in BACKENDS})


def sample_rows(samples: Path = SAMPLES) -> list[Row]:
    rows: list[Row] = []
    for folder in FOLDERS:
        for path in sorted((samples / folder).glob("*.evtx")):
            rows.append(row(folder, path))
    return rows


def damage_rows(workdir: Path, samples: Path = SAMPLES) -> list[Row]:
    """Each kind of damage ``fixtures/damage.py`` makes, applied to a clean real log."""
    from evtxscan.evtx.format import chunk_offset
    from fixtures import damage
    src = samples / "evtx-rs-samples" / "security.evtx"
    made = {
        "bad chunk magic (chunk 3)": lambda d: damage.bad_chunk_magic(src, d, 3),
        "cut mid-chunk (chunk 20, 33333 bytes)": lambda d: damage.truncate_mid_chunk(src, d, 20, 33333),
        "smashed record (chunk 5, stale CRC)": lambda d: damage.smash_record(src, d, 5, 7),
        "header lagging (claims 4 chunks)": lambda d: damage.lag_header(src, d, 4),
        "zeroed tail (from chunk 25 + 20000)": lambda d: damage.zero_tail(src, d, chunk_offset(25) + 20000),
    }
    rows = []
    for i, (label, make) in enumerate(made.items()):
        dst = workdir / f"damaged-{i}.evtx"
        make(dst)
        r = row("security.evtx +", dst)
        rows.append(Row(r.folder, label, r.path, r.rs_records, r.rs_errors, r.sides))
    return rows


def _cell(side: Side) -> str:
    """Records read as the file stands, plus those recovered (``read`` counts both)."""
    got = f"{side.read - side.recovered}"
    if side.recovered:
        got += f" + {side.recovered} recovered"
    return got


def markdown(rows: list[Row]) -> list[str]:
    lines = ["| file | pyevtx-rs records (errors) | evtxscan `evtx` | evtxscan `python-evtx` "
             "| status | skipped (lost) | what the damage is |",
             "|---|---:|---:|---:|---|---:|---|"]
    for r in rows:
        ev, py = r.sides["evtx"], r.sides["python-evtx"]
        status = ev.status if ev.status == py.status else f"{ev.status} / {py.status}"
        skipped = str(ev.skipped) if ev.skipped == py.skipped else f"{ev.skipped} / {py.skipped}"
        kinds = ", ".join(dict.fromkeys(ev.kinds + py.kinds)) or "—"
        name = f"`{r.folder}/{r.name}`" if not r.folder.endswith("+") else f"`security.evtx`: {r.name}"
        lines.append(f"| {name} | {r.rs_records} ({r.rs_errors}) | {_cell(ev)} | {_cell(py)} "
                     f"| {status} | {skipped} | {kinds} |")
    return lines


def readme_lines(rows: list[Row]) -> list[str]:
    """The short table for README.md: the damaged samples only."""
    lines = ["| damaged sample | pyevtx-rs (skip errors) | evtxscan `evtx` / `python-evtx` | status | records lost |",
             "|---|---:|---:|---|---:|"]
    for r in rows:
        ev, py = r.sides["evtx"], r.sides["python-evtx"]
        if not (r.rs_errors or ev.skipped or py.skipped):
            continue
        lines.append(f"| `{r.name}` | {r.rs_records} | {_cell(ev)} / {_cell(py)} | "
                     f"{ev.status} | {ev.skipped} |")
    return lines


def tables(samples: Path = SAMPLES) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="evtxscan-damaged-") as tmp:
        rows = sample_rows(samples)
        damaged = damage_rows(Path(tmp), samples)
    out = ["Every file of the sample folders (the clean ones too: nothing is lost or invented "
           "there either):", ""]
    out += markdown(rows)
    out += ["", "A clean real log (`evtx-rs-samples/security.evtx`, 33 chunks, 2261 records) "
            "damaged by `fixtures/damage.py`:", ""]
    out += markdown(damaged)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"rewrite the tables in {DOC}")
    args = ap.parse_args(argv)
    if not SAMPLES.exists():
        print(f"{SAMPLES} not present", file=sys.stderr)
        return 2
    text = "\n".join(tables())
    if not args.write:
        print(text)
        return 0
    _replace(DOC, BEGIN, END, text)
    _replace(README, RBEGIN, REND, "\n".join(readme_lines(sample_rows())))
    print(f"wrote {DOC} and the Damaged evidence table in {README}")
    return 0


def _replace(path: Path, begin: str, end: str, text: str) -> None:
    """Rewrite what lies between two markers, nothing else."""
    doc = path.read_text(encoding="utf-8")
    head, rest = doc.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
