"""Fuzz the whole scan path with damaged copies of small, valid logs.

Seeds are 1-3 chunk slices of the bundled evidence (``fixtures/evidence``: Sysmon new and
legacy layouts, Security 4688 v0/v1/v2, the cut DNS04 chunk), each holding a dns.exe child
so the rules have something to match.  A case is a seed and a short list of mutations:

* ``flip``     bit flips anywhere;
* ``run``      a run of bytes overwritten (zeros, 0xff, ``*``, or given bytes);
* ``truncate`` the file cut anywhere;
* ``swap`` / ``dup``  two chunks swapped, or one chunk copied over another;
* ``record``   a record header field (magic, size, size copy, id) set to an edge value;
* ``template`` a TemplateInstance's template offset, substitution count or a
  substitution size set to an edge value (BinXML's own offsets and lengths);
* ``binxml``   a 16- or 32-bit value written inside a record's BinXML;
* ``chunk``    a chunk header field (record numbers and ids, last record and free space
  offsets, string/template table entries);
* ``file``     a file header field (chunk counts, next record id).

``check`` runs what a scan runs on the case, with both backends: discovery, ``inspect``
and ``assess``, the readers, the normalizer, the process graph, the rules and triage
(``evtxscan.analysis.analyze`` on a temp folder).  A case fails on any exception, on a
parser failure that the file loop had to catch (``unexpected ...``), on a broken
invariant of the report, or when it takes too long.  The test (``tests/test_fuzz.py``)
drives the same mutations with hypothesis, derandomized; this script runs many more,
in parallel, with ``random.Random(seed)``::

    python bench/fuzz.py --cases 20000 --jobs 2 --seed 1

A failing case prints its seed name and mutations; ``--replay 'NAME' 'OPS'`` reruns it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import struct
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evtxscan.evtx.format import CHUNK_SIZE, FILE_HEADER_SIZE, chunk_offset, parse_chunk_header  # noqa: E402
from evtxscan.evtx.view import ChunkRangeView  # noqa: E402
from evtxscan.evtx.walk import walk_records  # noqa: E402

EVIDENCE = ROOT / "fixtures" / "evidence"
BACKENDS = ("evtx", "python-evtx")
CASE_SECONDS = 20

#: name -> (file under fixtures/evidence, first chunk, stop chunk)
SEEDS: dict[str, tuple[str, int, int]] = {
    "dc01-sysmon": ("DC01/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx", 6, 8),
    "dc01-security": ("DC01/C/Windows/System32/winevt/Logs/Security.evtx", 5, 6),
    "dns02-security-v1": ("DNS02/Security.evtx", 0, 2),
    "dns03-security-v0": ("DNS03/Windows/System32/winevt/Logs/SECURITY.EVTX", 0, 1),
    "ws01-sysmon-legacy": ("WS01/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx", 15, 16),
    "dns04-cut-chunk": ("DNS04/C/Windows/System32/winevt/Logs/Security.evtx", 3, 5),
}

EDGE32 = (0, 1, 2, 7, 8, 24, 27, 28, 0x1FF, 0x200, 0x201, 0xFFFF, 0x10000, 0xFFF8, 0x7FFFFFFF,
          0x80000000, 0xFFFFFFFF)
EDGE64 = EDGE32 + (0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF)
#: chunk header fields: name -> (offset, struct format)
CHUNK_FIELDS = {"first_number": (8, "<Q"), "last_number": (16, "<Q"), "first_id": (24, "<Q"),
                "last_id": (32, "<Q"), "header_size": (40, "<I"), "last_offset": (44, "<I"),
                "free_offset": (48, "<I"), "data_crc": (52, "<I")}
FILE_FIELDS = {"first_chunk": (8, "<Q"), "last_chunk": (16, "<Q"), "next_id": (24, "<Q"),
               "chunk_count": (42, "<H"), "flags": (120, "<I")}
RECORD_FIELDS = {"magic": (0, "<I"), "size": (4, "<I"), "id": (8, "<Q"), "copy": (-4, "<I")}


@lru_cache(maxsize=None)
def seed_bytes(name: str) -> bytes:
    rel, start, stop = SEEDS[name]
    with open(EVIDENCE / rel, "rb") as f, ChunkRangeView(f, start, stop) as view:
        return view.read()


@lru_cache(maxsize=None)
def frames(data: bytes) -> tuple[tuple[int, int], ...]:
    """(file offset, size) of every record of the unmutated seed."""
    out = []
    for i in range((len(data) - FILE_HEADER_SIZE + CHUNK_SIZE - 1) // CHUNK_SIZE):
        chunk = data[chunk_offset(i):chunk_offset(i) + CHUNK_SIZE]
        if len(chunk) < 512:
            break
        fr, _ = walk_records(chunk, min(parse_chunk_header(chunk).free_space_offset, len(chunk)))
        out += [(chunk_offset(i) + f.offset, f.size) for f in fr]
    return tuple(out)


@lru_cache(maxsize=None)
def template_tokens(data: bytes) -> tuple[int, ...]:
    """File offsets of TemplateInstance tokens (0c 01) inside the seed's records."""
    out = []
    for at, size in frames(data):
        body = data[at + 24:at + size - 4]
        out += [at + 24 + m.start() for m in re.finditer(b"\x0c\x01", body)]
    return tuple(out)


def _put(buf: bytearray, at: int, fmt: str, value: int) -> None:
    width = struct.calcsize(fmt)
    if 0 <= at and at + width <= len(buf):
        struct.pack_into(fmt, buf, at, value & ((1 << (8 * width)) - 1))


def apply(seed: bytes, ops: list) -> bytes:
    """The seed with ``ops`` applied in order (every op is a plain tuple: easy to replay)."""
    buf = bytearray(seed)
    recs = frames(seed)
    toks = template_tokens(seed)
    for op in ops:
        kind = op[0]
        n = len(buf)
        if kind == "flip" and n:
            for pos, bit in op[1]:
                buf[pos % n] ^= 1 << bit
        elif kind == "run" and n:
            _, pos, length, fill = op
            pos %= n
            fill = bytes([fill]) if isinstance(fill, int) else bytes(fill) or b"\0"
            chunk = (fill * (length // len(fill) + 1))[:length]
            buf[pos:pos + length] = chunk[:max(0, n - pos)]
        elif kind == "truncate":
            del buf[op[1] % (n + 1):]
        elif kind in ("swap", "dup"):
            count = (n - FILE_HEADER_SIZE) // CHUNK_SIZE
            if count >= 1:
                a, b = chunk_offset(op[1] % count), chunk_offset(op[2] % count)
                ca, cb = bytes(buf[a:a + CHUNK_SIZE]), bytes(buf[b:b + CHUNK_SIZE])
                buf[b:b + CHUNK_SIZE] = ca
                if kind == "swap":
                    buf[a:a + CHUNK_SIZE] = cb
        elif kind == "record" and recs:
            at, size = recs[op[1] % len(recs)]
            off, fmt = RECORD_FIELDS[op[2]]
            _put(buf, at + (off if off >= 0 else size + off), fmt, op[3])
        elif kind == "template" and toks:
            at = toks[op[1] % len(toks)]
            # 0c 01 <template id u32> <definition offset u32>, later: count u32, (u16 size, u8 type, 0)*
            target = {"definition": (at + 6, "<I"), "template_id": (at + 2, "<I")}.get(op[2])
            if target is None:  # substitution count / sizes follow the (inline) definition
                def_off = struct.unpack_from("<I", buf, at + 6)[0] if at + 10 <= n else 0
                chunk_start = FILE_HEADER_SIZE + (at - FILE_HEADER_SIZE) // CHUNK_SIZE * CHUNK_SIZE
                after = at + 10
                if def_off == after - chunk_start and after + 24 <= n:
                    after += 24 + struct.unpack_from("<I", buf, after + 20)[0]
                target = (after, "<I") if op[2] == "count" else (after + 4 + 4 * (op[1] % 20), "<H")
            _put(buf, target[0], target[1], op[3])
        elif kind == "binxml" and recs:
            at, size = recs[op[1] % len(recs)]
            body = max(1, size - 28)
            _put(buf, at + 24 + op[2] % body, "<I" if op[4] else "<H", op[3])
        elif kind == "chunk":
            count = max(1, (n - FILE_HEADER_SIZE + CHUNK_SIZE - 1) // CHUNK_SIZE)
            base = chunk_offset(op[1] % count)
            if op[2] == "table":  # one of the 64 string and 32 template table heads
                _put(buf, base + 128 + 4 * (op[3] % 96), "<I", op[4])
            else:
                off, fmt = CHUNK_FIELDS[op[2]]
                _put(buf, base + off, fmt, op[3])
        elif kind == "file":
            off, fmt = FILE_FIELDS[op[1]]
            _put(buf, off, fmt, op[2])
    return bytes(buf)


# ------------------------------------------------------------------ random cases (bench)


def random_op(rng: random.Random) -> tuple:
    pos = rng.randrange(1 << 22)
    v32 = rng.choice(EDGE32) if rng.random() < 0.7 else rng.randrange(1 << 32)
    kind = rng.choice(["flip", "flip", "run", "truncate", "swap", "dup", "record", "record",
                       "template", "template", "binxml", "binxml", "chunk", "chunk", "file"])
    if kind == "flip":
        return ("flip", [(rng.randrange(1 << 22), rng.randrange(8)) for _ in range(rng.randint(1, 16))])
    if kind == "run":
        fill = rng.choice([0, 0xFF, 0x2A, 0x41, bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))])
        return ("run", pos, rng.choice([1, 4, 8, 24, 100, 512, 4096, rng.randint(1, 70000)]), fill)
    if kind == "truncate":
        return ("truncate", pos)
    if kind in ("swap", "dup"):
        return (kind, rng.randrange(8), rng.randrange(8))
    if kind == "record":
        field = rng.choice(list(RECORD_FIELDS))
        return ("record", rng.randrange(1000), field, rng.choice(EDGE64) if field == "id" else v32)
    if kind == "template":
        return ("template", rng.randrange(1000), rng.choice(["definition", "template_id", "count", "size"]), v32)
    if kind == "binxml":
        return ("binxml", rng.randrange(1000), rng.randrange(4096), v32, rng.random() < 0.5)
    if kind == "chunk":
        field = rng.choice(list(CHUNK_FIELDS) + ["table", "table"])
        if field == "table":
            return ("chunk", rng.randrange(8), "table", rng.randrange(96), v32)
        return ("chunk", rng.randrange(8), field, rng.choice(EDGE64))
    field = rng.choice(list(FILE_FIELDS))
    return ("file", field, rng.choice(EDGE64))


def random_case(rng: random.Random) -> tuple[str, list]:
    return rng.choice(sorted(SEEDS)), [random_op(rng) for _ in range(rng.choice([1, 1, 2, 3, 5]))]


# ------------------------------------------------------------------ one case


class CaseTimeout(Exception):
    pass


@dataclass
class Outcome:
    """What one case did (for the bench's tally)."""

    statuses: tuple[str, ...]
    records: tuple[int, ...]
    rs_records: int
    seconds: float


def _count_pyevtx_rs(path: str) -> int:
    import evtx
    n = 0
    try:
        it = evtx.PyEvtxParser(path).records_json()
    except (RuntimeError, OSError):
        return 0
    while True:
        try:
            next(it)
        except StopIteration:
            return n
        except RuntimeError:
            continue
        n += 1


def pyevtx_rs_records(path: str, timeout: float = 10) -> int:
    """What pyevtx-rs alone reads (going on after errors), or -1 when it hangs.

    pyevtx-rs on the *raw* mutated bytes can hang for good (a looping string table chain
    does it, holding the GIL), so it runs in a forked child that is killed after
    ``timeout``.  evtxscan never hands pyevtx-rs such a chunk (``assess`` cuts the loop).
    """
    if not hasattr(os, "fork"):
        return _count_pyevtx_rs(path)
    import select
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: count, report, leave without running any cleanup
        try:
            os.close(r)
            os.write(w, str(_count_pyevtx_rs(path)).encode())
        finally:
            os._exit(0)
    os.close(w)
    out = b""
    try:
        ready, _, _ = select.select([r], [], [], timeout)
        out = os.read(r, 64) if ready else b""
    finally:
        os.close(r)
        if not out:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return int(out) if out else -1


def _alarm(signum, frame):  # noqa: ANN001
    raise CaseTimeout(f"case took more than {CASE_SECONDS} s")


def check(data: bytes, workdir: Path) -> Outcome:
    """Run the scan path on ``data`` with both backends; raise AssertionError on a finding."""
    from evtxscan.analysis import analyze
    from evtxscan.pipeline import ReadOptions

    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "Security.evtx"
    path.write_bytes(data)
    started = time.monotonic()
    old = signal.signal(signal.SIGALRM, _alarm) if hasattr(signal, "SIGALRM") else None
    if old is not None:
        signal.alarm(CASE_SECONDS)
    try:
        statuses, records = [], []
        for backend in BACKENDS:
            analysis = analyze([str(workdir)], read=ReadOptions(backend=backend))
            (rep,) = analysis.reports
            crashes = [e.reason for e in rep.errors if e.reason.startswith("unexpected ")]
            assert not crashes, f"{backend}: {crashes[0]}"
            _invariants(rep, len(data), backend)
            statuses.append(rep.status)
            records.append(rep.records)
            # the graph and the rules saw every process event the reader produced
            assert len(analysis.graph.procs) >= 0 and isinstance(analysis.alerts, list)
    finally:
        if old is not None:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    seconds = time.monotonic() - started
    return Outcome(tuple(statuses), tuple(records), pyevtx_rs_records(str(path)), seconds)


#: a python-backend record/chunk error names the exception it caught; only BadRecord (the
#: reader's own "this BinXML does not parse") is expected: anything else is a reader bug
#: hidden by its per-record catch-all
_CAUGHT = re.compile(r"^(?:record \d+|chunk unreadable): (\w+(?:\.\w+)*): ")


def _invariants(rep, size: int, backend: str) -> None:
    where = f"{backend}: {rep.status}"
    for e in rep.errors:
        m = _CAUGHT.match(e.reason)
        assert m is None or m.group(1) == "BadRecord", f"{backend}: reader bug: {e.reason}"
    assert rep.status in ("ok", "partial", "error"), where
    assert 0 <= rep.recovered <= rep.records and rep.skipped >= 0, where
    assert (rep.status == "partial") == (rep.skipped > 0) or rep.status == "error", where
    if rep.status == "error":
        assert rep.records == 0 or rep.errors, where
    for e in [*rep.errors, *rep.notes]:
        assert e.offset is None or 0 <= e.offset <= size, (where, e)
        assert e.lost >= 0, (where, e)
    json.dumps(rep.to_json())  # summary.json can always be written


# ------------------------------------------------------------------ the bench


def _worker(args: tuple[int, int, int, str]) -> dict:
    """Run cases [first, first + count) of a seeded stream; return a tally."""
    seed, first, count, tmp = args
    import resource
    limit = 2 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # a runaway allocation fails the case
    tally = {"cases": 0, "failures": [], "statuses": {}, "fewer_than_pyevtx_rs": [],
             "max_seconds": 0.0, "seconds": 0.0}
    for index in range(first, first + count):
        rng = random.Random(f"{seed}:{index}")
        name, ops = random_case(rng)
        data = apply(seed_bytes(name), ops)
        try:
            out = check(data, Path(tmp) / f"case-{index}")
        except Exception as exc:  # noqa: BLE001 - every failure is reported with its case
            tally["failures"].append({"index": index, "seed": name, "ops": repr(ops),
                                      "error": f"{type(exc).__name__}: {exc}"[:500],
                                      "where": traceback.format_exc(limit=-3)[-1500:]})
        else:
            key = "/".join(out.statuses)
            tally["statuses"][key] = tally["statuses"].get(key, 0) + 1
            if out.rs_records < 0:
                tally.setdefault("pyevtx_rs_hangs", []).append({"index": index, "seed": name,
                                                                "ops": repr(ops)})
            if out.records[0] < out.rs_records:
                tally["fewer_than_pyevtx_rs"].append({"index": index, "seed": name, "ops": repr(ops),
                                                      "ours": out.records[0], "pyevtx_rs": out.rs_records})
            tally["max_seconds"] = max(tally["max_seconds"], out.seconds)
            tally["seconds"] += out.seconds
        finally:
            for p in (Path(tmp) / f"case-{index}").glob("*"):
                p.unlink()
            (Path(tmp) / f"case-{index}").rmdir() if (Path(tmp) / f"case-{index}").exists() else None
        tally["cases"] += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="fuzz the scan path with mutated fixture logs")
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--replay", nargs=2, metavar=("SEED", "OPS"),
                    help="rerun one case: seed name and the ops list as printed")
    args = ap.parse_args(argv)
    if args.replay:
        import ast
        name, ops = args.replay[0], ast.literal_eval(args.replay[1])
        with tempfile.TemporaryDirectory() as tmp:
            print(check(apply(seed_bytes(name), ops), Path(tmp) / "case"))
        return 0
    started = time.monotonic()
    per = -(-args.cases // args.jobs)
    with tempfile.TemporaryDirectory(prefix="evtxscan-fuzz-") as tmp:
        work = [(args.seed, i * per, min(per, args.cases - i * per), tmp) for i in range(args.jobs)
                if i * per < args.cases]
        if args.jobs > 1:
            from concurrent.futures import ProcessPoolExecutor
            with ProcessPoolExecutor(args.jobs) as pool:
                tallies = list(pool.map(_worker, work))
        else:
            tallies = [_worker(w) for w in work]
    total = sum(t["cases"] for t in tallies)
    failures = [f for t in tallies for f in t["failures"]]
    fewer = [f for t in tallies for f in t["fewer_than_pyevtx_rs"]]
    statuses: dict[str, int] = {}
    for t in tallies:
        for k, v in t["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    elapsed = time.monotonic() - started
    print(f"{total} cases (seed {args.seed}) in {elapsed:.0f} s on {args.jobs} jobs: "
          f"{len(failures)} failures; slowest case {max(t['max_seconds'] for t in tallies):.2f} s")
    print("statuses (evtx/python-evtx):", json.dumps(dict(sorted(statuses.items(), key=lambda kv: -kv[1]))))
    hangs = [f for t in tallies for f in t.get("pyevtx_rs_hangs", [])]
    print(f"cases where the evtx backend read fewer records than pyevtx-rs alone: {len(fewer)}")
    print(f"cases where pyevtx-rs alone hangs on the raw bytes (evtxscan does not): {len(hangs)}")
    for f in hangs[:5]:
        print("  pyevtx-rs hangs:", json.dumps(f))
    for f in fewer[:10]:
        print("  fewer:", json.dumps(f))
    for f in failures[:20]:
        print("FAIL", json.dumps(f, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
