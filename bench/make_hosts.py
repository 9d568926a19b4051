"""Write the process-heavy benchmark case: many hosts, hundreds of thousands of processes.

Why: the mix file (``make_big``) is what one big log looks like; a case of many hosts
whose logs are mostly process creation stresses the other half of evtxscan (normalize,
graph, rules, outputs). The fixture writer streams records into chunks, so each log costs
one chunk of memory to write, and the host simulator (``fixtures.scenario.Host``) emits
the records Windows would, field for field.

Each host boots (smss -> wininit -> services -> svchost/lsass, dns.exe on DNS servers),
then long-lived shells and services spawn short-lived children with exits; PIDs are
reused as on Windows. A few DNS servers have a dns.exe child (``cmd.exe /c whoami``) that
the seed rule must find among them. Logs per host, in a KAPE-like folder tree:

* hosts 1-25: Security 4688 v2 (+ 4689);
* hosts 26-40: Sysmon (1 + 5);
* hosts 41-50: both (each process is one node with two start records).

``--noise K`` adds K non-process records per process (Security 4624 on hosts that log
Security, Sysmon 3/11/13 activity of the process otherwise): the same processes with more
records around them, for the memory-growth measurement::

    python -m bench.make_hosts                                 # bench/data/hosts, 510k processes
    python -m bench.make_hosts --hosts 1 --procs 200000 --logs sysmon -o bench/data/rss-sysmon-0
    python -m bench.make_hosts --hosts 1 --procs 200000 --logs sysmon --noise 5 -o bench/data/rss-sysmon-5
"""

from __future__ import annotations

import argparse
import functools
import heapq
import json
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures import evtxwriter  # noqa: E402
from fixtures.evtxwriter import EventSpec, write_evtx  # noqa: E402
from fixtures.scenario import Host, Proc, utc  # noqa: E402

DATA = ROOT / "bench" / "data"
LOGS = Path("C/Windows/System32/winevt/Logs")
S32 = "C:\\Windows\\System32\\"
START = utc(2026, 2, 1)
SPAN = timedelta(days=14)
DNS_HOSTS = (10, 30, 45)  # one Security-only, one Sysmon-only, one with both logs

#: (image, command line) of short-lived children, weighted by repetition.
CHILDREN = [
    ("conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1"),
    ("taskhostw.exe", "taskhostw.exe"), ("wermgr.exe", "wermgr.exe -upload"),
    ("gpupdate.exe", "gpupdate.exe /target:computer"),
    ("wbem\\wmiprvse.exe", "C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding"),
    ("dllhost.exe", "C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}"),
    ("backgroundTaskHost.exe", "backgroundTaskHost.exe -ServerName:App.AppXmtcan0h2tfbfy7k9kmhzxqbfc7q3wqgg.mca"),
    ("whoami.exe", "whoami /all"), ("net.exe", "net group \"domain admins\" /domain"),
    ("ipconfig.exe", "ipconfig /all"), ("tasklist.exe", "tasklist /v"),
    ("cscript.exe", "cscript.exe //nologo C:\\Windows\\system32\\slmgr.vbs /dli"),
    ("sc.exe", "sc.exe query wuauserv"), ("reg.exe", "reg query HKLM\\SOFTWARE\\Policies"),
    ("rundll32.exe", "rundll32.exe C:\\Windows\\system32\\shell32.dll,Control_RunDLL"),
    ("schtasks.exe", "schtasks.exe /query /fo csv"), ("msiexec.exe", "msiexec.exe /V"),
    ("svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"),
]
SHELLS = [("cmd.exe", "cmd.exe /c \"C:\\ops\\nightly.cmd\""),
          ("WindowsPowerShell\\v1.0\\powershell.exe",
           "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\ops\\inventory.ps1")]


@dataclass(frozen=True)
class HostPlan:
    index: int               # 1-based
    procs: int               # process starts to simulate (after boot)
    noise: int               # non-process records per process
    dns_children: int        # dns.exe -> cmd.exe /c whoami incidents
    only: str | None = None  # "security" | "sysmon" | "both": overrides the layout by index

    @property
    def name(self) -> str:
        return f"HOST{self.index:03d}.corp.example"

    @property
    def logs(self) -> tuple[str, ...]:
        if self.only:
            return ("security", "sysmon") if self.only == "both" else (self.only,)
        if self.index <= 25:
            return ("security",)
        if self.index <= 40:
            return ("sysmon",)
        return ("security", "sysmon")


def _host(plan: HostPlan) -> Host:
    sec = 2 if "security" in plan.logs else None
    sysmon = "new" if "sysmon" in plan.logs else None
    return Host(plan.name, seed=1000 + plan.index, sysmon=sysmon, security=sec)


def simulate(plan: HostPlan, log: str) -> Iterator[EventSpec]:
    """The records of one log of one host, in time order, produced as they happen.

    Deterministic (seeded), so the Security and the Sysmon log of a host are two passes of
    the same simulation, each keeping its own records.
    """
    h = _host(plan)
    rng = h.rng
    keep = h.security_records if log == "security" else h.sysmon_records
    other = h.sysmon_records if log == "security" else h.security_records
    live: set[int] = set()
    exits: list[tuple[datetime, int, Proc]] = []
    seq = 0

    def drain() -> Iterator[EventSpec]:
        yield from keep
        keep.clear()
        other.clear()

    def new_pid() -> int:
        while True:
            p = rng.randrange(0x100, 0x10000) & ~3
            if p not in live:
                live.add(p)
                return p

    def spawn(parent: Proc | None, image: str, cmd: str, when: datetime, **kw) -> Proc:
        return h.spawn(parent, image if "\\" in image else S32 + image, cmd, when,
                       pid=new_pid(), **kw)

    def end(p: Proc, when: datetime) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(exits, (when, seq, p))

    def exits_until(t: datetime) -> None:
        while exits and exits[0][0] <= t:
            when, _, p = heapq.heappop(exits)
            h.exit(p, when)
            live.discard(p.pid)

    t = START
    system = Proc(pid=4, image="System", cmdline="", guid=h.guid(t), start=t)
    smss = spawn(system, "smss.exe", "\\SystemRoot\\System32\\smss.exe", t)
    wininit = spawn(smss, "wininit.exe", "wininit.exe", t + timedelta(seconds=2))
    services = spawn(wininit, "services.exe", S32 + "services.exe", t + timedelta(seconds=3))
    spawn(wininit, "lsass.exe", S32 + "lsass.exe", t + timedelta(seconds=3))
    hosts_svc = [spawn(services, "svchost.exe", f"C:\\Windows\\system32\\svchost.exe -k {k} -p",
                       t + timedelta(seconds=5 + i))
                 for i, k in enumerate(("DcomLaunch", "RPCSS", "netsvcs", "LocalService",
                                        "NetworkService"))]
    dns = spawn(services, "dns.exe", S32 + "dns.exe", t + timedelta(seconds=30)) \
        if plan.dns_children else None
    userinit = spawn(wininit, "userinit.exe", "userinit.exe", t + timedelta(minutes=2),
                     user="CORP\\ops", user_sid="S-1-5-21-1-2-3-1107", logon_id=0x5A3C21,
                     integrity="High")
    explorer = spawn(userinit, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE",
                     t + timedelta(minutes=2, seconds=3))
    yield from drain()
    spawners = hosts_svc + [services, explorer]
    shells: list[Proc] = []
    step = SPAN / max(plan.procs, 1)
    incidents = {round(plan.procs * (i + 1) / (plan.dns_children + 1))
                 for i in range(plan.dns_children)}
    t = START + timedelta(minutes=5)
    for i in range(plan.procs):
        t += step * (0.5 + rng.random())
        exits_until(t)
        if i in incidents and dns is not None:
            cmd = spawn(dns, "cmd.exe", "cmd.exe /c whoami", t)
            end(cmd, t + timedelta(seconds=2))
        elif rng.random() < 0.03 or not shells:  # a shell session that runs children
            image, cmd = SHELLS[rng.randrange(len(SHELLS))]
            sh = spawn(explorer if rng.random() < 0.5 else hosts_svc[2], image, cmd, t)
            shells.append(sh)
            if len(shells) > 8:
                end(shells.pop(0), t + timedelta(seconds=1))
        else:
            parent = shells[rng.randrange(len(shells))] if rng.random() < 0.4 \
                else spawners[rng.randrange(len(spawners))]
            image, cmd = CHILDREN[rng.randrange(len(CHILDREN))]
            p = spawn(parent, image, cmd, t)
            end(p, t + timedelta(seconds=rng.randrange(1, 120)))
            for j in range(plan.noise):
                _noise(h, p, t + timedelta(milliseconds=10 * (j + 1)), j)
        yield from drain()
    exits_until(t + timedelta(days=1))
    yield from drain()


def _noise(h: Host, p: Proc, when: datetime, j: int) -> None:
    if h.security is not None:
        h.noise(when)
        return
    kind = (3, 11, 13)[j % 3]
    if kind == 3:
        h.sysmon_event(p, when, 3, [
            ("User", "string", p.user), ("Protocol", "string", "tcp"),
            ("Initiated", "bool", True), ("SourceIsIpv6", "bool", False),
            ("SourceIp", "string", "10.0.0.10"), ("SourceHostname", "string", h.name),
            ("SourcePort", "uint16", 49152 + j), ("SourcePortName", "string", ""),
            ("DestinationIsIpv6", "bool", False), ("DestinationIp", "string", "10.0.0.1"),
            ("DestinationHostname", "string", "dc1.corp.example"),
            ("DestinationPort", "uint16", 445), ("DestinationPortName", "string", "microsoft-ds")],
            version=5)
    elif kind == 11:
        h.sysmon_event(p, when, 11, [
            ("TargetFilename", "string", f"C:\\Windows\\Temp\\~tmp{j:04d}.tmp"),
            ("CreationUtcTime", "string", when.strftime("%Y-%m-%d %H:%M:%S.000"))])
    else:
        h.sysmon_event(p, when, 13, [
            ("TargetObject", "string", "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x"),
            ("Details", "string", "C:\\Windows\\system32\\rundll32.exe")])


# --------------------------------------------------------------------------- writer speed


def _speed_up_writer() -> None:
    """Memoize the fixture writer's template construction (same bytes, ~2x faster).

    The writer rebuilds both templates and hashes their ``repr`` for every record; for a
    million records that is most of the time. Templates depend only on the computer name
    and the (name, type) list, so they can be shared.
    """
    if getattr(evtxwriter, "_bench_memoized", False):
        return
    system = functools.lru_cache(maxsize=None)(evtxwriter._system_template)
    original_eventdata = evtxwriter._eventdata_template
    eventdata = functools.lru_cache(maxsize=None)(
        lambda shape: original_eventdata([(n, k, None) for n, k in shape]))
    guids: dict[int, tuple[object, bytes]] = {}
    original_guid = evtxwriter._template_guid

    def template_guid(template):
        hit = guids.get(id(template))
        if hit is None or hit[0] is not template:
            hit = (template, original_guid(template))
            guids[id(template)] = hit
        return hit[1]

    evtxwriter._system_template = system
    evtxwriter._eventdata_template = lambda items: eventdata(tuple((n, k) for n, k, _ in items))
    evtxwriter._template_guid = template_guid
    evtxwriter._bench_memoized = True


def write_log(plan: HostPlan, log: str, out: Path) -> tuple[str, int, int]:
    _speed_up_writer()
    name = "Security.evtx" if log == "security" else "Microsoft-Windows-Sysmon%4Operational.evtx"
    folder = out / plan.name.split(".")[0] / LOGS
    folder.mkdir(parents=True, exist_ok=True)
    starts = 0

    def counted():
        nonlocal starts
        for ev in simulate(plan, log):
            if ev.event_id in (1, 4688):
                starts += 1
            yield ev

    written = write_evtx(folder / name, counted())
    return str((folder / name).relative_to(out)), written, starts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", type=Path, default=DATA / "hosts")
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--procs", type=int, default=510_000, help="processes in all (default 510000)")
    ap.add_argument("--noise", type=int, default=0, help="non-process records per process")
    ap.add_argument("--dns-hosts", type=int, default=3,
                    help="hosts with a dns.exe child incident (default 3)")
    ap.add_argument("--logs", choices=("security", "sysmon", "both"),
                    help="the same logs on every host (default: by host number, see above)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    per = -(-args.procs // args.hosts)
    # one-host cases (RSS) use host 41's layout: Security and Sysmon
    first = 41 if args.hosts == 1 else 1
    dns_hosts = {41} if args.hosts == 1 else set(DNS_HOSTS[:args.dns_hosts])
    plans = [HostPlan(i, per, args.noise, 1 if i in dns_hosts else 0, args.logs)
             for i in range(first, first + args.hosts)]
    tasks = [(p, log) for p in plans for log in p.logs]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        done = list(pool.map(write_log, [p for p, _ in tasks], [lg for _, lg in tasks],
                             [args.out] * len(tasks)))
    info = {"hosts": args.hosts, "processes": per * args.hosts, "noise_per_process": args.noise,
            "files": len(done), "records": sum(d[1] for d in done),
            "process_start_records": sum(d[2] for d in done),
            "dns_incidents": sum(p.dns_children for p in plans),
            "seconds": round(time.perf_counter() - t0, 1)}
    (args.out / "manifest.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {args.out}: {info}")


if __name__ == "__main__":
    main()
