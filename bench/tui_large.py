"""How the TUI copes with a 100k-process host (a script, not a timed test).

    python bench/tui_large.py [--processes 100000] [--keep DIR]

Writes one host with the fixture writer: a boot chain, ``services.exe`` with half of
the host's processes as direct children (``dns.exe`` sits in the middle of them), a
service host with the other half, and one alerted ``dns.exe -> cmd.exe -> whoami.exe``
in the middle of the timeline.  Then it analyses the log and drives the app with
``App.run_test`` (120x36), printing:

* load:      analyze() on the log (the engine; not the TUI's budget)
* ready:     data loaded -> alert list drawn (target < 2 s)
* tree:      Enter on the alert -> tree drawn with the cursor on the alerted process
             (target < 2 s)
* moves:     per cursor move / page in the tree and the timeline (target < 50 ms),
             as wall time per Pilot key press and as CPU time in the app; an idle key
             press is measured too, to show what the Pilot round trip itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.evtxwriter import write_evtx  # noqa: E402
from fixtures.generate import BOOT, S32, boot  # noqa: E402
from fixtures.scenario import Host  # noqa: E402

BENIGN = [("taskhostw.exe", "taskhostw.exe"), ("wermgr.exe", "wermgr.exe -upload"),
          ("gpupdate.exe", "gpupdate.exe /target:computer"),
          ("sppsvc.exe", "C:\\Windows\\system32\\sppsvc.exe"),
          ("dllhost.exe", "C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4}")]


def build_host(n: int) -> Host:
    """``n`` processes over ten days, the alert in the middle."""
    h = Host("BIG01.corp.example", seed=100, sysmon="new", security=None, end_events=False)
    procs = boot(h, BOOT, dns_pid=None, dns_image="")   # dns.exe is spawned below
    services, svc = procs["services"], procs["svchost2"]
    start, span = BOOT + timedelta(minutes=5), timedelta(days=10)
    half = n // 2
    for i in range(n):
        when = start + span * (i / n)
        if i == half:   # the middle of services.exe's children, and of the timeline
            dns = h.spawn(services, S32 + "dns.exe", S32 + "dns.exe", when)
            cmd = h.spawn(dns, S32 + "cmd.exe", "cmd.exe /c whoami", when + timedelta(hours=1))
            h.spawn(cmd, S32 + "whoami.exe", "whoami", when + timedelta(hours=1, seconds=1))
        exe, cmdline = BENIGN[i % len(BENIGN)]
        # every other process under services.exe, the rest under one service host
        # Windows reuses PIDs; the scenario's random PIDs would run out at ~3,000
        h.spawn(services if i % 2 else svc, S32 + exe, f"{cmdline} #{i}", when,
                pid=0x4000 + 4 * (i % 0x3000))
    return h


def write(root: Path, n: int) -> Path:
    h = build_host(n)
    folder = root / "BIG01"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Microsoft-Windows-Sysmon%4Operational.evtx"
    write_evtx(path, sorted(h.sysmon_records, key=lambda e: e.time))
    return path


def step(what: str) -> None:
    print(f"  … {what}", file=sys.stderr, flush=True)


async def drive(analysis, case: Path) -> dict[str, object]:
    from evtxscan.tui.app import EvtxScanApp
    from evtxscan.tui.screens import AlertsScreen, InvestigateScreen, TimelineScreen
    from evtxscan.tui.widgets import ProcessTree, TimelineView

    out: dict[str, object] = {}
    alert = next(a for a in analysis.alerts if a.process.name == "cmd.exe")
    t0 = time.perf_counter()
    app = EvtxScanApp(list(analysis.paths), case, analysis=analysis)
    async with app.run_test(size=(120, 36)) as pilot:
        await until(pilot, lambda: app.ready and isinstance(app.screen, AlertsScreen))
        await pilot.pause()
        out["ready"] = time.perf_counter() - t0

        step("alert list drawn")
        row = app.screen.alerts.index(alert)
        await pilot.press("g", *["j"] * row)
        t0 = time.perf_counter()
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, InvestigateScreen)
        tree = screen.query_one(ProcessTree)
        await until(pilot, lambda: tree.cursor_proc == alert.process.node)
        await pilot.pause()
        out["tree"] = time.perf_counter() - t0
        out["tree_nodes"] = len(tree._tnodes)
        step("tree drawn")

        out["idle key"] = await per_key(pilot, "f1", 20)        # unbound: round trip only
        out["tree j"] = await per_key(pilot, "j", 40)
        out["tree k"] = await per_key(pilot, "k", 40)
        out["tree pagedown"] = await per_key(pilot, "pagedown", 10)
        await pilot.press("g")
        step("tree keys measured")
        await pilot.press("slash", *"whoami.exe")
        t0 = time.perf_counter()
        await pilot.press("enter")
        await until(pilot, lambda: tree.cursor_proc is not None
                    and app.view.graph[tree.cursor_proc].name == "whoami.exe")
        out["search /whoami.exe"] = time.perf_counter() - t0
        out["tree p (parent)"] = await per_key(pilot, "p", 3)

        step("search done")
        t0 = time.perf_counter()
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await pilot.pause()
        out["timeline open"] = time.perf_counter() - t0
        tl = app.screen.query_one(TimelineView)
        out["timeline rows"] = len(tl.procs)
        out["timeline j"] = await per_key(pilot, "j", 40)
        out["timeline pagedown"] = await per_key(pilot, "pagedown", 20)
        out["timeline G (end)"] = await per_key(pilot, "G", 3)
    return out


async def until(pilot, cond, timeout: float = 60.0) -> None:
    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise TimeoutError("the app did not get there")
        await pilot.pause(0.005)


async def per_key(pilot, key: str, n: int) -> tuple[float, float]:
    """(median wall seconds per press, mean CPU seconds per press)."""
    walls = []
    c0 = time.process_time()
    for _ in range(n):
        t = time.perf_counter()
        await pilot.press(key)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls), (time.process_time() - c0) / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--processes", type=int, default=100_000)
    ap.add_argument("--keep", metavar="DIR",
                    help="write the evidence here and keep it (reused when already there)")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    root = Path(args.keep) if args.keep else Path(tmp.name) / "evidence"

    t0 = time.perf_counter()
    path = root / "BIG01" / "Microsoft-Windows-Sysmon%4Operational.evtx"
    if path.exists():
        print(f"reusing {path}")
    else:
        path = write(root, args.processes)
        print(f"wrote {args.processes:,} processes to {path} "
              f"({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - t0:.1f} s")

    from evtxscan.analysis import analyze
    t0 = time.perf_counter()
    analysis = analyze([str(root)])
    host = analysis.graph.hosts()[0]
    print(f"load (analyze): {time.perf_counter() - t0:.2f} s, "
          f"{sum(1 for _ in analysis.graph.processes(host)):,} processes, "
          f"{len(analysis.alerts)} alert(s)")

    res = asyncio.run(drive(analysis, Path(tmp.name) / "case.json"))
    print(f"data loaded -> alert list usable:   {res['ready']:.2f} s   (target < 2 s)")
    print(f"Enter -> tree on the alert:         {res['tree']:.2f} s   (target < 2 s; "
          f"{res['tree_nodes']} tree nodes built)")
    print(f"search Enter -> cursor on whoami.exe: {res['search /whoami.exe']:.2f} s")
    print(f"timeline open ({res['timeline rows']:,} rows):   {res['timeline open']:.2f} s")
    print("per key press                       wall (Pilot round trip)   CPU in app")
    for key in ("idle key", "tree j", "tree k", "tree pagedown", "tree p (parent)",
                "timeline j", "timeline pagedown", "timeline G (end)"):
        wall, cpu = res[key]
        print(f"  {key:<32} {wall * 1000:7.1f} ms              {cpu * 1000:7.1f} ms")
    print("smooth = CPU per move < 50 ms; the Pilot wall time adds its own wait for idle")
    tmp.cleanup()


if __name__ == "__main__":
    main()
