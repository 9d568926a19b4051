"""evtxscan against the floor, in one run, on the same files; prints one table.

What is measured (see ``bench/README.md`` for the numbers and what they mean):

(a) ``evtxscan scan`` (graph, rules, triage, default outputs) vs the floor
    (``bench/floor.py``: bare pyevtx-rs ``records_json()``, regex EventID prefilter,
    ``json.loads`` of process records) on the >= 1 GiB real-chunk mix (``make_big``) and
    the 510k-process, 50-host case (``make_hosts``);
(b) the python-evtx backend vs rendering every record's XML with python-evtx
    (``bench/pyevtx_prefilter.py``'s measure), records per second;
(c) peak RSS of a scan of 200k processes, its growth with non-process records (Security
    4624s, and Sysmon 3/11/13 activity), bytes per process node;
(d) ``--jobs 1`` vs ``--jobs 2`` on the many-file case and on one huge file split into chunk
    ranges, pyevtx-rs ``number_of_threads`` 1 vs 2, and how much parallel CPU the machine
    gives at all (two CPU-bound processes side by side);
(e) ``scan --help`` and a scan of a tiny folder import no Textual.

Every measurement runs in a child process (wall clock around it; CPU time and peak RSS
from ``os.wait4``).  Each configuration runs ``--repeat`` times, interleaved, and the
fastest wall time counts (the machine is shared and noisy).  Usage::

    python bench/make_big.py && python bench/make_hosts.py     # once: bench/data/
    python bench/run.py                     # everything (~25 min on 2 cores)
    python bench/run.py --only a,e --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / "data"
PY = sys.executable
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))

MIX = DATA / "mix-1g.evtx"
MIX_SMALL = DATA / "mix-40m.evtx"
HOSTS = DATA / "hosts"
RSS = {name: DATA / f"rss-{name}" for name in ("sysmon-0", "sysmon-5", "security-0", "security-5")}
TINY = ROOT / "fixtures" / "evidence" / "DNS02"

_SCAN_API = """
import sys
from pathlib import Path
from evtxscan.analysis import analyze
from evtxscan.pipeline import ReadOptions
from evtxscan.outputs import write
src, out, jobs, threads = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
if __name__ == "__main__":
    a = analyze([src], read=ReadOptions(jobs=jobs, threads=threads))
    write(a, out, ["jsonl", "graphml"], {"lang": "en", "timezone": "UTC",
                                         "case": str(out / "case.json")})
"""

_BURN = "x = 0\nfor i in range(20_000_000):\n    x += i\n"


@dataclass
class Run:
    wall: float
    cpu: float      # user + system of the child itself (not of its pool workers)
    rss_mb: float   # peak RSS of the child itself
    rc: int
    out: str = ""


def run(cmd: list[str], *, capture: bool = False) -> Run:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE if capture else
                         subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read() if capture else ""
    _pid, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024,
               os.waitstatus_to_exitcode(status), out)


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda r: r.wall)


def scan_cmd(src: Path, out: Path, *extra: str) -> list[str]:
    return [PY, "-m", "evtxscan", "scan", str(src), "-o", str(out), "-q", *extra]


def floor_cmd(src: Path, *extra: str) -> list[str]:
    return [PY, str(BENCH / "floor.py"), str(src), *extra]


def api_cmd(src: Path, out: Path, jobs: int, threads: int) -> list[str]:
    return [PY, "-c", _SCAN_API, str(src), str(out), str(jobs), str(threads)]


def interleaved(configs: dict[str, list[str]], repeat: int, log) -> dict[str, Run]:
    runs: dict[str, list[Run]] = {k: [] for k in configs}
    for i in range(repeat):
        for name, cmd in configs.items():
            r = run(cmd)
            if r.rc not in (0, 1):
                raise SystemExit(f"{name} failed (exit {r.rc}): {' '.join(cmd)}")
            runs[name].append(r)
            log(f"  {name:28s} run {i + 1}: {r.wall:7.2f} s wall, {r.cpu:7.2f} s cpu, "
                f"{r.rss_mb:7.1f} MB")
    return {k: best(v) for k, v in runs.items()}


def digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks: this process must stay small, because a child
    forked from it inherits its peak RSS in ``ru_maxrss`` (Linux keeps it across exec)."""
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def summary_totals(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())["totals"]


# --------------------------------------------------------------------------- sections


def machine(log) -> dict:
    """How much parallel CPU this machine gives: one vs two CPU-bound processes."""
    one = run([PY, "-c", _BURN])
    t0 = time.perf_counter()
    procs = [subprocess.Popen([PY, "-c", _BURN]) for _ in range(2)]
    for p in procs:
        p.wait()
    two = time.perf_counter() - t0
    cores = 2 * one.wall / two
    log(f"machine: one CPU loop {one.wall:.2f} s, two side by side {two:.2f} s "
        f"-> {cores:.2f} cores' worth of parallel CPU")
    return {"one_loop_s": round(one.wall, 2), "two_loops_s": round(two, 2),
            "effective_cores": round(cores, 2), "nproc": os.cpu_count()}


def section_a(tmp: Path, repeat: int, log) -> dict:
    out: dict = {}
    for name, src in (("mix", MIX), ("hosts", HOSTS)):
        log(f"(a)/(d) {name}: {src}")
        configs = {
            "floor t1": floor_cmd(src, "--threads", "1"),
            "floor t2": floor_cmd(src, "--threads", "2"),
            "floor t1 orjson": floor_cmd(src, "--threads", "1", "--orjson"),
            "scan jobs1": scan_cmd(src, tmp / f"{name}-j1", "--jobs", "1"),
            "scan jobs2": scan_cmd(src, tmp / f"{name}-j2", "--jobs", "2"),
        }
        variants = ["j2"]
        if src.is_file():  # one huge file: do pyevtx-rs' own parser threads help?
            configs["scan jobs1 threads2"] = api_cmd(src, tmp / f"{name}-j1t2", 1, 2)
            variants.append("j1t2")
        res = interleaved(configs, repeat, log)
        same = all(digest(tmp / f"{name}-{v}" / f) == digest(tmp / f"{name}-j1" / f)
                   for v in variants for f in ("processes.jsonl", "alerts.jsonl"))
        totals = summary_totals(tmp / f"{name}-j1")
        size = sum(p.stat().st_size for p in ([src] if src.is_file() else src.rglob("*.evtx")))
        out[name] = {"bytes": size, "files": totals["files"], "records": totals["records"],
                     "process_events": totals["process_events"],
                     "processes": totals["processes"], "alerts": totals["alerts"],
                     "identical_outputs": same,
                     "runs": {k: asdict(v) | {"out": ""} for k, v in res.items()}}
    return out


_PYEVTX_RATES = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import pyevtx_prefilter as pp  # another engineer's measure, reused as is
n_xml, t_xml = pp.python_evtx_rate(sys.argv[3], 2000)
n_rd, t_rd, wanted = pp.reader_rate(pp.pyevtx.read_records, sys.argv[3], 1)
print(json.dumps([n_xml, t_xml, n_rd, t_rd]))
"""


def section_b(log) -> dict:
    """python-evtx: our backend's records/s vs python-evtx rendering every record's XML.

    In a child process, so that this one stays small (see ``digest``)."""
    out = {}
    files = {"mix-40m (real chunks)": MIX_SMALL,
             "security.evtx (evtx-rs sample)": ROOT.parent / "shared" / "evtx-samples"
             / "evtx-rs-samples" / "security.evtx"}
    for label, path in files.items():
        if not path.exists():
            continue
        rates = run([PY, "-c", _PYEVTX_RATES, str(BENCH), str(ROOT), str(path)], capture=True)
        n_xml, t_xml, n_rd, t_rd = json.loads(rates.out.strip().splitlines()[-1])
        xml_rate = n_xml / t_xml
        with tempfile.TemporaryDirectory() as d:
            scan = run(scan_cmd(path, Path(d), "--backend", "python-evtx"))
            records = summary_totals(Path(d))["records"]
        scan_rate = records / scan.wall
        log(f"(b) {label}: python-evtx XML {xml_rate:,.0f} rec/s; our python-evtx reader "
            f"{n_rd / t_rd:,.0f} rec/s; full scan --backend python-evtx {scan_rate:,.0f} rec/s "
            f"({records} records in {scan.wall:.1f} s)")
        out[label] = {"xml_rate": round(xml_rate), "xml_records_timed": n_xml,
                      "reader_rate": round(n_rd / t_rd), "scan_rate": round(scan_rate),
                      "records": records, "scan_wall": round(scan.wall, 2),
                      "reader_speedup": round(n_rd / t_rd / xml_rate, 1),
                      "scan_speedup": round(scan_rate / xml_rate, 1)}
    return out


def section_c(tmp: Path, log) -> dict:
    """Peak RSS: 200k processes, then the same with 1M non-process records around them."""
    base = run(scan_cmd(TINY, tmp / "tiny"))
    out = {"tiny_scan_rss_mb": round(base.rss_mb, 1)}
    for name, src in RSS.items():
        if not src.exists():
            log(f"(c) {name}: {src} missing (python bench/make_hosts.py --help)")
            continue
        r = run(scan_cmd(src, tmp / f"rss-{name}", "--jobs", "1"))  # all of it in one process
        t = summary_totals(tmp / f"rss-{name}")
        out[name] = {"rss_mb": round(r.rss_mb, 1), "wall": round(r.wall, 2),
                     "records": t["records"], "process_events": t["process_events"],
                     "processes": t["processes"]}
        log(f"(c) {name}: {r.rss_mb:.1f} MB peak, {t['records']} records, "
            f"{t['processes']} processes, {r.wall:.1f} s")
    for kind in ("sysmon", "security"):
        a, b = out.get(f"{kind}-0"), out.get(f"{kind}-5")
        if a:
            a["bytes_per_process"] = round((a["rss_mb"] - out["tiny_scan_rss_mb"]) * 2**20
                                           / a["processes"])
        if a and b:
            extra = b["records"] - a["records"]
            out[f"{kind}_growth"] = {
                "extra_records": extra, "rss_delta_mb": round(b["rss_mb"] - a["rss_mb"], 1),
                "bytes_per_extra_record": round((b["rss_mb"] - a["rss_mb"]) * 2**20 / extra, 1)}
    return out


def section_e(log) -> dict:
    probe = ("import json, sys\nfrom evtxscan.cli import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(p for p in ('textual', 'rich', 'evtxscan.tui')"
             " if any(m == p or m.startswith(p + '.') for m in sys.modules))))\n")
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for label, args in (("scan --help", ["scan", "--help"]),
                            ("tiny scan", ["scan", str(TINY), "-o", d, "-q"])):
            r = run([PY, "-c", probe, *args], capture=True)
            ui = json.loads(r.out.strip().splitlines()[-1])
            out[label] = {"wall": round(r.wall, 2), "rss_mb": round(r.rss_mb, 1), "ui_modules": ui}
            log(f"(e) {label}: {r.wall:.2f} s, {r.rss_mb:.1f} MB, UI modules imported: {ui}")
    return out


# --------------------------------------------------------------------------- report


def table(res: dict) -> str:
    rows = ["| measure | value |", "|---|---|"]
    m = res.get("machine")
    if m:
        rows.append(f"| parallel CPU on this machine (two CPU loops vs one) | "
                    f"{m['effective_cores']} cores' worth of {m['nproc']} |")
    for name, a in res.get("a", {}).items():
        r = a["runs"]
        f1, f2, fo = r["floor t1"]["wall"], r["floor t2"]["wall"], r["floor t1 orjson"]["wall"]
        j1, j2 = r["scan jobs1"]["wall"], r["scan jobs2"]["wall"]
        rows += [
            f"| **{name}**: {a['bytes'] / 2**30:.2f} GiB, {a['files']} files, {a['records']:,} "
            f"records, {a['process_events']:,} process starts, {a['processes']:,} processes, "
            f"{a['alerts']} alerts | |",
            f"| floor, 1 parser thread / 2 threads / orjson | {f1:.1f} s / {f2:.1f} s / {fo:.1f} s |",
            f"| scan --jobs 1 / --jobs 2 | {j1:.1f} s / {j2:.1f} s |",
            *([f"| scan --jobs 1 with 2 pyevtx-rs parser threads | "
               f"{r['scan jobs1 threads2']['wall']:.1f} s |"] if "scan jobs1 threads2" in r else []),
            f"| **ratio** scan --jobs 1 / floor (1 thread) | **{j1 / f1:.2f}x** |",
            f"| **ratio** best scan / best floor | **{min(j1, j2) / min(f1, f2):.2f}x** |",
            f"| --jobs 2 speed-up | {j1 / j2:.2f}x |",
            f"| scan --jobs 1 CPU / peak RSS | {r['scan jobs1']['cpu']:.1f} s / "
            f"{r['scan jobs1']['rss_mb']:.0f} MB |",
            f"| outputs identical across jobs/threads | {a['identical_outputs']} |",
        ]
    for label, b in res.get("b", {}).items():
        rows.append(f"| python-evtx, {label}: XML render / our reader / full scan | "
                    f"{b['xml_rate']:,} / {b['reader_rate']:,} / {b['scan_rate']:,} rec/s "
                    f"(**{b['reader_speedup']}x** reader, **{b['scan_speedup']}x** scan) |")
    c = res.get("c", {})
    for kind in ("sysmon", "security"):
        a = c.get(f"{kind}-0")
        if a:
            rows.append(f"| peak RSS, {a['processes']:,} processes ({kind}, with ends) | "
                        f"**{a['rss_mb']:.0f} MB** ({a['bytes_per_process']} bytes/process "
                        f"above a tiny scan's {c['tiny_scan_rss_mb']:.0f} MB) |")
        g = c.get(f"{kind}_growth")
        if g:
            rows.append(f"| + {g['extra_records']:,} non-process records ({kind}) | "
                        f"{g['rss_delta_mb']:+.0f} MB ({g['bytes_per_extra_record']} bytes/record) |")
    for label, e in res.get("e", {}).items():
        rows.append(f"| {label}: UI modules imported | {e['ui_modules'] or 'none'} "
                    f"({e['wall']:.2f} s, {e['rss_mb']:.0f} MB) |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default="a,b,c,d,e", help="sections (d runs with a)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--json", type=Path, default=DATA / "results.json")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    missing = [p for p in (MIX, HOSTS) if not p.exists()]
    if missing and only & {"a", "d"}:
        raise SystemExit(f"missing {missing}: run bench/make_big.py and bench/make_hosts.py")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    res: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="evtxscan-bench-") as d:
        tmp = Path(d)
        res["machine"] = machine(log)
        if only & {"a", "d"}:
            res["a"] = section_a(tmp, args.repeat, log)
        if "c" in only:
            res["c"] = section_c(tmp, log)
        if "e" in only:
            res["e"] = section_e(log)
        if "b" in only:
            res["b"] = section_b(log)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    print(table(res))


if __name__ == "__main__":
    main()
