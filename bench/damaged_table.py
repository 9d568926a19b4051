"""The damaged-evidence table: records evtxscan reads vs pyevtx-rs with errors skipped.

For every ``.evtx`` in the public sample folders (``../shared/evtx-samples/evtx-rs-samples``
and ``python-evtx-samples``), and for copies of a clean sample damaged by
``fixtures/damage.py`` (in a temp folder), it counts:

* what pyevtx-rs' ``records_json()`` yields when the caller goes on after every
  ``RuntimeError`` (the most a plain pyevtx-rs user gets);
* what evtxscan reads with each backend (``evtx`` and ``python-evtx``), what it recovers
  beyond that, what it counts as skipped (records lost), and the file's status.

The rows are built by ``fixtures/damaged_table.py``, which ``tests/test_damaged.py`` uses
too (evtxscan never reads fewer; the tables here are what the rows print).  Run::

    python bench/damaged_table.py              # print the tables
    python bench/damaged_table.py --write      # rewrite them in docs/damaged.md (and the
                                               # short one in README.md's Damaged evidence)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.damaged_table import SAMPLES, readme_lines, sample_rows, tables  # noqa: E402

DOC = ROOT / "docs" / "damaged.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- damaged-table:begin -->", "<!-- damaged-table:end -->"
RBEGIN, REND = "<!-- damaged-summary:begin -->", "<!-- damaged-summary:end -->"


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
