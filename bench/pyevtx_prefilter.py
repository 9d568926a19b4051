"""Records per second: python-evtx rendering every record's XML vs. our prefiltering reader.

    python bench/pyevtx_prefilter.py /work/shared/evtx-samples/evtx-rs-samples/security.evtx

(a) is what a naive python-evtx reader does: ``record.xml()`` for every record of every
chunk (chunks walked by offset, so a lagging file header does not shorten the run).
(b) is ``evtxscan.readers.pyevtx.read_records``, which reads EventID and provider from the
substitutions and renders only wanted records.  python-evtx is slow (about 135 records/s
on security.evtx), so ``--limit`` caps how many records (a) renders; the rate is per record
either way.  The pyevtx-rs reader is timed too when it is installed, for reference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evtxscan.readers import pyevtx  # noqa: E402
from evtxscan.records import FileReport  # noqa: E402


def python_evtx_rate(path: str, limit: int) -> tuple[int, float]:
    """Render up to ``limit`` records with python-evtx; (records, seconds)."""
    import Evtx.Evtx as evtx_file

    n = 0
    start = time.perf_counter()
    with evtx_file.Evtx(path) as log:
        for chunk in log.get_file_header().chunks(include_inactive=True):
            if not chunk.check_magic():
                continue
            for record in chunk.records():
                try:
                    record.xml()
                except Exception:  # noqa: BLE001 - a record python-evtx cannot render
                    pass
                n += 1
                if n >= limit:
                    return n, time.perf_counter() - start
    return n, time.perf_counter() - start


def reader_rate(read_records, path: str, repeat: int) -> tuple[int, float, int]:
    """Best of ``repeat`` full reads; (records read, seconds, records yielded)."""
    best, records, wanted = float("inf"), 0, 0
    for _ in range(repeat):
        report = FileReport(path=path, abspath=path)
        start = time.perf_counter()
        with open(path, "rb") as stream:
            wanted = sum(1 for _ in read_records(stream, report))
        best = min(best, time.perf_counter() - start)
        records = report.records
    return records, best, wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--limit", type=int, default=1000,
                        help="records python-evtx renders (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our reader (best)")
    args = parser.parse_args(argv)

    n_a, t_a = python_evtx_rate(args.file, args.limit)
    rate_a = n_a / t_a if t_a else float("inf")
    print(f"(a) python-evtx record.xml() : {n_a:7d} records in {t_a:8.3f} s = {rate_a:10.0f} rec/s")

    n_b, t_b, wanted = reader_rate(pyevtx.read_records, args.file, args.repeat)
    rate_b = n_b / t_b if t_b else float("inf")
    print(f"(b) evtxscan pyevtx reader   : {n_b:7d} records in {t_b:8.3f} s = {rate_b:10.0f} rec/s"
          f"  ({wanted} wanted, rendered in full)")
    print(f"ratio (b)/(a): {rate_b / rate_a:.1f}x")

    try:
        from evtxscan.readers import rust
    except ImportError:
        return 0
    n_c, t_c, _ = reader_rate(rust.read_records, args.file, args.repeat)
    print(f"(ref) pyevtx-rs reader       : {n_c:7d} records in {t_c:8.3f} s = "
          f"{n_c / t_c:10.0f} rec/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
