"""The process graph: PID reuse, placeholders, Sysmon+4688 duplicates, edge provenance."""

from __future__ import annotations

from evtxscan.graph import ProcessGraph
from evtxscan.normalize import SECURITY_PROVIDER, SYSMON_PROVIDER, ProcEvent, Source

_rid = iter(range(1, 10_000))


def sec(kind, t, pid, exe, ppid=None, *, parent_exe=None, logon="0x3e7", host="H",
        target_logon=None):
    src = Source("Security.evtx", "0" * 64, next(_rid), 4688 if kind == "start" else 4689,
                 "Security", "evtx")
    extra = {"target_logon_id": target_logon} if target_logon else None
    return ProcEvent(kind=kind, host=host, timestamp=t, pid=pid, executable=exe, source=src,
                     provider=SECURITY_PROVIDER, version=1, parent_pid=ppid,
                     parent_executable=parent_exe, logon_id=logon, extra=extra)


def sysmon(t, pid, exe, guid, ppid, pguid, pexe, host="H"):
    src = Source("Sysmon.evtx", "1" * 64, next(_rid), 1, "Microsoft-Windows-Sysmon/Operational",
                 "evtx")
    return ProcEvent(kind="start", host=host, timestamp=t, pid=pid, executable=exe, source=src,
                     provider=SYSMON_PROVIDER, version=5, entity_id=guid, parent_pid=ppid,
                     parent_entity_id=pguid, parent_executable=pexe)


def ts(minute: int, second: int = 0) -> str:
    return f"2026-03-10T02:{minute:02d}:{second:02d}.000000Z"


def by_name(g: ProcessGraph, name: str):
    return [p for p in g.procs if p.name == name]


def test_a_child_is_never_attached_to_an_earlier_holder_of_a_reused_pid():
    g = ProcessGraph.build([
        sec("start", ts(0), 0x6F0, r"C:\W\svchost.exe", 0x25C),
        sec("end", ts(5), 0x6F0, r"C:\W\svchost.exe"),
        sec("start", ts(10), 0x6F0, r"C:\W\dns.exe", 0x25C),
        sec("start", ts(12), 0x100, r"C:\W\cmd.exe", 0x6F0),
        sec("start", ts(3), 0x104, r"C:\W\ipconfig.exe", 0x6F0),
    ])
    (cmd,) = by_name(g, "cmd.exe")
    (ipc,) = by_name(g, "ipconfig.exe")
    assert g.parent(cmd.node).name == "dns.exe"
    assert g.parent(ipc.node).name == "svchost.exe"


def test_a_child_is_never_attached_to_a_later_holder_of_a_reused_pid():
    g = ProcessGraph.build([
        sec("start", ts(0), 0x6F0, r"C:\W\dns.exe", 0x25C),
        sec("end", ts(10), 0x6F0, r"C:\W\dns.exe"),
        sec("start", ts(20), 0x6F0, r"C:\W\notepad.exe", 0x300),
        sec("start", ts(25), 0x108, r"C:\W\calc.exe", 0x6F0),
        sec("start", ts(5), 0x10C, r"C:\W\cmd.exe", 0x6F0),
    ])
    assert g.parent(by_name(g, "calc.exe")[0].node).name == "notepad.exe"
    assert g.parent(by_name(g, "cmd.exe")[0].node).name == "dns.exe"


def test_an_ended_process_does_not_adopt_children_even_without_a_later_holder():
    g = ProcessGraph.build([
        sec("start", ts(0), 0x6F0, r"C:\W\dns.exe", 0x25C),
        sec("end", ts(10), 0x6F0, r"C:\W\dns.exe"),
        sec("start", ts(25), 0x108, r"C:\W\calc.exe", 0x6F0),
    ])
    calc = by_name(g, "calc.exe")[0]
    par = g.parent(calc.node)
    assert par.placeholder and par.name == "" and calc.parent_how == "placeholder"


def test_logon_session_narrows_candidates_and_is_recorded():
    g = ProcessGraph.build([
        sec("start", ts(0), 0x6F0, r"C:\W\dns.exe", 0x25C, logon="0x3e7"),
        sec("start", ts(1), 0x100, r"C:\W\cmd.exe", 0x6F0, logon="0x3e7"),
        sec("start", ts(2), 0x104, r"C:\W\x.exe", 0x25C, logon="0x3e7"),
    ])
    cmd = by_name(g, "cmd.exe")[0]
    assert cmd.parent_how == "pid+time+logon"
    x = by_name(g, "x.exe")[0]
    assert x.parent_how == "placeholder"  # 0x25c never logged


def test_parent_name_in_4688_v2_rejects_a_holder_with_another_image():
    g = ProcessGraph.build([
        sec("start", ts(0), 0x6F0, r"C:\W\notepad.exe", 0x25C),
        sec("start", ts(1), 0x100, r"C:\W\cmd.exe", 0x6F0, parent_exe=r"C:\W\dns.exe"),
    ])
    cmd = by_name(g, "cmd.exe")[0]
    par = g.parent(cmd.node)
    assert par.placeholder and par.name == "dns.exe" and cmd.parent_how == "name-only"


def test_placeholder_is_shared_by_siblings_naming_the_same_parent():
    g = ProcessGraph.build([
        sysmon(ts(1), 10, r"C:\W\a.exe", "{a}", 4, "{sys}", "System"),
        sysmon(ts(2), 11, r"C:\W\b.exe", "{b}", 4, "{sys}", "System"),
    ])
    a, b = by_name(g, "a.exe")[0], by_name(g, "b.exe")[0]
    assert a.parent == b.parent and g[a.parent].placeholder and g[a.parent].name == "System"
    assert a.parent_how == "name-only"


def test_sysmon_and_security_records_of_one_process_are_one_node():
    g = ProcessGraph.build([
        sysmon(ts(0), 2144, r"C:\Windows\System32\dns.exe", "{dns}", 640, "{svc}", "services.exe"),
        sysmon(ts(1), 400, r"C:\Windows\System32\cmd.exe", "{cmd}", 2144, "{dns}",
               r"C:\Windows\System32\dns.exe"),
        sec("start", ts(1, 1), 400, r"C:\WINDOWS\system32\CMD.EXE", 2144),
    ])
    cmds = [p for p in g.procs if p.name.lower() == "cmd.exe"]
    assert len(cmds) == 1
    assert len(cmds[0].starts) == 2 and cmds[0].primary.is_sysmon
    assert cmds[0].parent_how == "guid"


def test_records_too_far_apart_are_not_merged():
    g = ProcessGraph.build([
        sysmon(ts(1), 400, r"C:\W\cmd.exe", "{cmd}", 2144, "{dns}", r"C:\W\dns.exe"),
        sec("start", ts(1, 5), 400, r"C:\W\cmd.exe", 2144),
    ])
    assert len([p for p in g.procs if p.name == "cmd.exe"]) == 2


def test_the_same_record_in_two_copies_of_a_log_is_one_node():
    a = sec("start", ts(0), 0x100, r"C:\W\cmd.exe", 0x200)
    b = sec("start", ts(0), 0x100, r"C:\W\cmd.exe", 0x200)
    g = ProcessGraph.build([a, b])
    (cmd,) = by_name(g, "cmd.exe")
    assert len(cmd.starts) == 2


def test_graph_fills_parent_fields_the_4688_v1_record_lacks():
    g = ProcessGraph.build([
        sec("start", ts(0), 0x6F0, r"C:\Windows\System32\dns.exe", 0x25C),
        sec("start", ts(1), 0x100, r"C:\Windows\System32\cmd.exe", 0x6F0),
    ])
    doc = g.ecs(by_name(g, "cmd.exe")[0].node)
    assert doc["process"]["parent"]["name"] == "dns.exe"
    assert doc["process"]["parent"]["pid"] == 0x6F0
    assert doc["evtxscan"]["parent_resolution"] == "pid+time+logon"


def test_queries_ancestors_descendants_siblings():
    g = ProcessGraph.build([
        sec("start", ts(0), 1, r"C:\W\services.exe", 0),
        sec("start", ts(1), 2, r"C:\W\dns.exe", 1),
        sec("start", ts(2), 3, r"C:\W\cmd.exe", 2),
        sec("start", ts(3), 4, r"C:\W\whoami.exe", 3),
        sec("start", ts(4), 5, r"C:\W\conhost.exe", 2),
    ])
    who = by_name(g, "whoami.exe")[0]
    assert [p.name for p in g.ancestors(who.node)][:3] == ["cmd.exe", "dns.exe", "services.exe"]
    dns = by_name(g, "dns.exe")[0]
    assert [(d, p.name) for d, p in g.descendants(dns.node)] == [
        (1, "cmd.exe"), (2, "whoami.exe"), (1, "conhost.exe")]
    assert [p.name for p in g.siblings(by_name(g, "cmd.exe")[0].node)] == ["conhost.exe"]
    assert [p.name for p in g.processes("H", ts(1), ts(3))] == ["dns.exe", "cmd.exe", "whoami.exe"]


def test_bundled_evidence_pid_reuse_on_dns02(analysis):
    g = analysis.graph
    on = [p for p in g.procs if p.host.startswith("DNS02")]
    name = {p.name: p for p in on if not p.placeholder}
    assert g.parent(name["ipconfig.exe"].node).name == "svchost.exe"
    assert g.parent(name["calc.exe"].node).name == "notepad.exe"
    assert g.parent(name["cmd.exe"].node).name == "dns.exe"
    assert name["dns.exe"].end_time is not None
