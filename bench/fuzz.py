"""Fuzz the whole scan path with damaged copies of small, valid logs: many cases, in parallel.

The seeds and mutations are ``fixtures/mutations.py`` and the check each case must pass is
``fixtures/fuzzcheck.py`` (both shared with ``tests/test_fuzz.py``, which drives the same
mutations with hypothesis, derandomized).  This script draws many more cases with
``random.Random(seed)`` and tallies the outcomes::

    python bench/fuzz.py --cases 20000 --jobs 2 --seed 1

A failing case prints its seed name and mutations; ``--replay 'NAME' 'OPS'`` reruns it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.fuzzcheck import check  # noqa: E402
from fixtures.mutations import (  # noqa: E402
    CHUNK_FIELDS,
    EDGE32,
    EDGE64,
    FILE_FIELDS,
    RECORD_FIELDS,
    SEEDS,
    apply,
    seed_bytes,
)


# ------------------------------------------------------------------ random cases


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
