"""The floor: the least any pyevtx-rs based tool must do to find process creations.

A bare ``records_json()`` iteration of every file, a regex on each record's JSON text for
its EventID, and ``json.loads`` of the process-creation records only (Sysmon 1, Security
4688). No normalization, no graph, no rules, no output. ``evtxscan scan`` is measured
against this on the same files (``bench/run.py``)::

    python bench/floor.py bench/data/mix-1g.evtx --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import evtx

_EVENT_ID = re.compile(r'"EventID":(?:(\d+)|\{[^{}]*"#text":(\d+))')
PROCESS_IDS = frozenset({1, 4688})


def evtx_files(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                out += [os.path.join(root, f) for f in files if f.lower().endswith(".evtx")]
        else:
            out.append(p)
    return sorted(out)


def floor(paths: list[str], threads: int = 1, loads=json.loads) -> tuple[int, int]:
    records = process = 0
    search = _EVENT_ID.search
    for path in evtx_files(paths):
        for rec in evtx.PyEvtxParser(path, number_of_threads=threads).records_json():
            records += 1
            data = rec["data"]
            m = search(data)
            if m and int(m.group(1) or m.group(2)) in PROCESS_IDS:
                loads(data)
                process += 1
    return records, process


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--threads", type=int, default=1,
                    help="pyevtx-rs number_of_threads (0: one per core)")
    ap.add_argument("--orjson", action="store_true",
                    help="json.loads -> orjson.loads (evtxscan uses orjson when installed)")
    args = ap.parse_args(argv)
    loads = json.loads
    if args.orjson:
        import orjson
        loads = orjson.loads
    t0 = time.perf_counter()
    records, process = floor(args.paths, args.threads, loads)
    print(json.dumps({"records": records, "process": process,
                      "seconds": round(time.perf_counter() - t0, 3)}))


if __name__ == "__main__":
    sys.exit(main())
