"""Scan cost of Sigma's process_creation rules against Elastic's process rules.

Issue 14 asks that scanning with all of SigmaHQ's ``process_creation`` rules (1,180 load)
stay within 2x of scanning with Elastic's process rules (the 174 ``process where`` EQL
rules of ``../shared/elastic-rules/windows``).  This runs ``evtxscan scan`` on the same
evidence with each rule set, interleaved, ``--repeat`` times each, in child processes,
and prints the best wall time, CPU time, the stage times ``--timings`` reports, the alert
count and the ratio::

    python -m bench.make_big                      # bench/data/mix-1g.evtx (once)
    python bench/sigma_rules.py bench/data/mix-1g.evtx --repeat 2

Both runs load the packaged default rule too; ``--jobs`` is passed through (default 1:
one process, so the comparison is not blurred by how busy the other core is).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SIGMA = SHARED / "sigma-rules" / "rules" / "windows" / "process_creation"
ELASTIC = SHARED / "elastic-rules" / "windows"


@dataclass
class Run:
    wall: float
    cpu: float
    stages: dict[str, float]
    alerts: int
    loaded: int


def elastic_process_rules() -> list[Path]:
    out = []
    for path in sorted(ELASTIC.glob("*.toml")):
        rule = tomllib.loads(path.read_text("utf-8")).get("rule", {})
        if rule.get("language") == "eql" and rule.get("query", "").strip().startswith("process where"):
            out.append(path)
    return out


def scan(evidence: Path, rules: list[Path], jobs: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="evtxscan-bench-") as tmp:
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "evtxscan", "scan", str(evidence), "-o", str(out), "-q",
               "--timings", "--jobs", str(jobs)]
        for rule in rules:
            cmd += ["--rules", str(rule)]
        start = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True)
        _, err = child.communicate()
        wall = time.perf_counter() - start
        if child.returncode not in (0, 1):
            raise SystemExit(f"scan failed ({child.returncode}): {err[-2000:]}")
        line = next(l for l in err.splitlines() if l.startswith("evtxscan: timings:"))
        stages = {name: float(sec) for name, sec in re.findall(r"(\w+) ([0-9.]+) s", line)}
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        return Run(wall, 0.0, stages, summary["totals"]["alerts"], summary["rules"]["loaded"])


def timed(evidence: Path, rules: list[Path], jobs: int) -> Run:
    before = os.times()
    run = scan(evidence, rules, jobs)
    after = os.times()
    run.cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    return run


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("evidence", type=Path)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    configs = {"elastic": elastic_process_rules(), "sigma": [SIGMA]}
    best: dict[str, Run] = {}
    for _ in range(args.repeat):
        for name, rules in configs.items():
            run = timed(args.evidence, rules, args.jobs)
            print(f"{name:8} wall {run.wall:6.1f} s  cpu {run.cpu:6.1f} s  "
                  + ", ".join(f"{k} {v:.2f}" for k, v in run.stages.items())
                  + f"  rules loaded {run.loaded}, alerts {run.alerts}", file=sys.stderr)
            if name not in best or run.wall < best[name].wall:
                best[name] = run
    e, s = best["elastic"], best["sigma"]
    print(f"| rule set | rules loaded | alerts | wall (best of {args.repeat}) | CPU | "
          "read+load | graph | rules stage |")
    print("|---|---|---|---|---|---|---|---|")
    for name, run in best.items():
        print(f"| {name} | {run.loaded} | {run.alerts} | {run.wall:.1f} s | {run.cpu:.1f} s | "
              f"{run.stages.get('read', 0):.2f} s | {run.stages.get('graph', 0):.2f} s | "
              f"{run.stages.get('rules', 0):.2f} s |")
    print(f"\nsigma / elastic: wall {s.wall / e.wall:.2f}x, CPU {s.cpu / e.cpu:.2f}x, "
          f"rules stage {s.stages.get('rules', 0) / max(e.stages.get('rules', 0), 1e-9):.2f}x")


if __name__ == "__main__":
    main()
