"""Guide-driven triage: answer the rule's investigation steps from the evidence.

``attach_triage(analysis)`` sets ``alert.triage`` on every alert: a JSON-ready dict of
facets, each the evidence for one step of the guide.  Lists are sorted, so the same
evidence always gives the same bytes in alerts.jsonl.

``ancestry``           the parent chain, root first, with how each edge was resolved;
                       flags a dns.exe whose parent is not services.exe and a dns.exe
                       that is not ``C:\\Windows\\System32\\dns.exe`` (masquerading).
``discovery``          discovery utilities (``toolsets.DISCOVERY``) run as the alerted
``lolbins``            process, in its subtree, or named in a command line there.
``crash``              WerFault.exe under the nearest dns.exe: the alerted process itself
                       or a sibling (the guide's denial-of-service signal).
``related_alerts_48h`` other alerts on the same host from exactly 48 h before the alert up
                       to the alert's own time, both ends included (an alert 48 h + 1 s
                       earlier is outside; alerts at the same instant are inside).
``prevalence``         on which hosts the same child name appears under dns.exe and under
                       the same parent name, and with the same command line.
``activity``           Sysmon 3/22/11/12/13/14/7 events of the process and its subtree.
``subtree``            the descendants, pre-order, with depth.
``telemetry``          what the host's logs can and cannot show, with caveats, so that
                       "nothing found" is never mistaken for "nothing happened".

Caveats are values (``code``, ``params``, English ``text``); ``caveat_text`` renders them
in another language.  Tool names live in ``evtxscan.toolsets``, not here.
"""

from __future__ import annotations

import functools

import re
from collections import defaultdict
from datetime import datetime, timezone

from .graph import Process, ts_us
from .records import SECURITY_PROVIDER, SYSMON_PROVIDER
from .toolsets import (CRASH, DISCOVERY, DNS_EXPECTED_PARENT, DNS_SERVICE, DNS_SERVICE_PATH,
                       LOLBINS, mentioned_tools, tool_key, toolsets_of)

WINDOW_HOURS = 48
_WINDOW_US = WINDOW_HOURS * 3600 * 1_000_000
#: Sysmon activity kinds by event id, in the order reports list them.
ACTIVITY_KINDS: dict[int, str] = {3: "network", 22: "dns", 11: "file", 12: "registry",
                                  13: "registry", 14: "registry", 7: "image_load"}
#: At most this many activity events per alert are listed (all are counted).
MAX_ACTIVITY = 1000

CAVEATS: dict[str, dict[str, str]] = {
    "no_logs": {
        "en": "no log file could be attributed to this host",
        "zh": "没有任何日志文件可归属到此主机",
    },
    "no_sysmon": {
        "en": "no Sysmon log for this host: network, DNS, file, registry and image-load "
              "activity cannot be seen",
        "zh": "此主机没有 Sysmon 日志:无法看到网络、DNS、文件、注册表和映像加载活动",
    },
    "sysmon_ids_missing": {
        "en": "the Sysmon log has no event {ids} at all: its configuration may filter them, "
              "so their absence proves nothing",
        "zh": "Sysmon 日志中完全没有事件 {ids}:可能被其配置过滤,因此没有记录不能说明没有发生",
    },
    "no_4688": {
        "en": "no Security 4688 process-creation records for this host",
        "zh": "此主机没有 Security 4688 进程创建记录",
    },
    "cmdline_v0": {
        "en": "Security 4688 version 0 records carry no command lines: what the processes "
              "ran cannot be seen",
        "zh": "Security 4688 版本 0 记录不含命令行:无法看到进程执行的内容",
    },
    "cmdline_off": {
        "en": "Security 4688 records have empty command lines: command-line auditing is off",
        "zh": "Security 4688 记录的命令行为空:未启用命令行审核",
    },
    "no_parent_names": {
        "en": "Security 4688 version {versions} records do not name the parent process: "
              "parents were matched by PID and time",
        "zh": "Security 4688 版本 {versions} 记录不含父进程名称:父进程按 PID 和时间匹配",
    },
    "no_process_ends": {
        "en": "no process-end events (4689 / Sysmon 5): process lifetimes are unknown, so PID "
              "reuse cannot be ruled out when parents are matched by PID",
        "zh": "没有进程结束事件(4689 / Sysmon 5):进程生命周期未知,按 PID 匹配父进程时无法排除 PID 重用",
    },
    "record_gaps": {
        "en": "{file}: {missing} record ids missing in {count} gap(s), first after record "
              "{after}: records were lost, the log was cleared or damaged",
        "zh": "{file}:{count} 处记录编号缺口共缺少 {missing} 条记录(第一处在记录 {after} 之后):"
              "记录丢失、日志被清除或损坏",
    },
    "damaged": {
        "en": "{file} was not read in full ({status}): {skipped} records or chunks skipped, "
              "{recovered} recovered",
        "zh": "{file} 未能完整读取({status}):跳过 {skipped} 条记录或块,恢复 {recovered} 条",
    },
    "log_cleared": {
        "en": "{file} holds a 1102 record: the audit log was cleared",
        "zh": "{file} 含有 1102 记录:审核日志曾被清除",
    },
    "window_not_covered": {
        "en": "{file} starts at {first}, after the start of the 48 h window ({start}): "
              "earlier activity is not in this log",
        "zh": "{file} 从 {first} 开始,晚于 48 小时窗口的开始 ({start}):更早的活动不在此日志中",
    },
}


def caveat_text(caveat: dict, lang: str = "en") -> str:
    """One caveat as a sentence in ``lang`` (English when there is no translation)."""
    texts = CAVEATS.get(caveat.get("code", ""), {})
    fmt = texts.get(lang) or texts.get("en")
    if not fmt:
        return caveat.get("text", "")
    params = {k: (", ".join(map(str, v)) if isinstance(v, list) else v)
              for k, v in caveat.get("params", {}).items()}
    try:
        return fmt.format(**params)
    except (KeyError, IndexError, ValueError):
        return caveat.get("text", fmt)


def _caveat(code: str, **params) -> dict:
    c = {"code": code, "params": params}
    c["text"] = caveat_text(c, "en")
    return c


def _iso(us: int) -> str:
    dt = datetime.fromtimestamp(us // 1_000_000, tz=timezone.utc).replace(
        microsecond=us % 1_000_000)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _proc_brief(p: Process) -> dict:
    return {"name": p.name, "pid": p.pid, "executable": p.executable,
            "entity_id": p.entity_id, "start": p.start_time,
            "command_line": p.cmdline()}


def norm_image_path(path: str) -> str:
    """Lower-case Windows path with ``\\??\\``, ``%SystemRoot%`` and ``\\SystemRoot``
    spelled out, for comparing an image with where Windows installs it."""
    p = path.strip().strip('"').replace("/", "\\").lower()
    if p.startswith("\\??\\"):
        p = p[4:]
    for prefix in ("%systemroot%", "%windir%", "\\systemroot"):
        if p.startswith(prefix):
            p = "c:\\windows" + p[len(prefix):]
    return p


def _norm_cmdline(cmd: str | None) -> str | None:
    if not cmd:
        return None
    return " ".join(cmd.split()).lower()


# ---------------------------------------------------------------------- facets
def ancestry(graph, p: Process) -> dict:
    """Parent chain root first, ending with the alerted process, and its flags."""
    chain = list(reversed(graph.ancestors(p.node))) + [p]
    entries = []
    findings = []
    for i, q in enumerate(chain):
        entries.append({"name": q.name, "pid": q.pid, "executable": q.executable,
                        "entity_id": q.entity_id, "start": q.start_time,
                        "placeholder": q.placeholder, "how": q.parent_how,
                        "alerted": q is p})
        if tool_key(q.name) != DNS_SERVICE:
            continue
        parent = chain[i - 1] if i > 0 else None
        if parent is not None and parent.name and tool_key(parent.name) != DNS_EXPECTED_PARENT:
            findings.append({"flag": "unexpected_dns_parent", "name": q.name, "pid": q.pid,
                             "executable": q.executable, "entity_id": q.entity_id,
                             "parent": parent.name, "parent_pid": parent.pid,
                             "parent_executable": parent.executable})
        if "\\" in q.executable and norm_image_path(q.executable) != DNS_SERVICE_PATH:
            findings.append({"flag": "masquerading", "name": q.name, "pid": q.pid,
                             "executable": q.executable, "entity_id": q.entity_id,
                             "expected": "C:\\Windows\\System32\\dns.exe"})
    findings.sort(key=lambda f: (f["flag"], f["pid"] or 0, f["entity_id"]))
    return {"chain": entries, "flags": sorted({f["flag"] for f in findings}),
            "findings": findings}


def subtree(graph, p: Process) -> list[dict]:
    out = []
    for depth, q in graph.descendants(p.node):
        out.append({"depth": depth, "name": q.name, "pid": q.pid,
                    "command_line": q.cmdline(), "start": q.start_time, "end": q.end_time,
                    "entity_id": q.entity_id, "how": q.parent_how,
                    "toolsets": toolsets_of(q.name)})
    return out


def tool_hits(p: Process, below: list[tuple[int, Process]], names: frozenset[str]) -> dict:
    """Processes of ``names`` (the alerted one or in its subtree), then tools only named
    in a command line there (when no such process was logged)."""
    procs = [(0, p)] + below
    hits: list[dict] = []
    present: set[str] = set()
    for depth, q in procs:
        key = tool_key(q.name)
        if key in names:
            present.add(key)
            hits.append({"tool": key, "where": "process" if depth == 0 else "subtree",
                         "depth": depth, **_proc_brief(q)})
    for depth, q in procs:
        for key in mentioned_tools(q.cmdline(), names, q.name):
            if key not in present:
                hits.append({"tool": key, "where": "command line", "depth": depth,
                             **_proc_brief(q)})
    hits.sort(key=lambda h: (h["start"] or "", h["depth"], h["tool"], h["where"],
                             h["entity_id"]))
    return {"tools": sorted({h["tool"] for h in hits}), "hits": hits}


_WER_PID = re.compile(r"(?:^|\s)[-/]p\s+(\d+)", re.IGNORECASE)


def crash(graph, p: Process) -> dict:
    """WerFault under the nearest dns.exe at or above the alerted process' parent."""
    dns = next((a for a in graph.ancestors(p.node) if tool_key(a.name) == DNS_SERVICE), None)
    if dns is None:
        return {"dns": None, "werfault": []}
    found = []
    for c in graph.children(dns.node):
        if tool_key(c.name) not in CRASH:
            continue
        cmd = c.cmdline()
        m = _WER_PID.search(cmd or "")
        found.append({"where": "process" if c is p else "sibling",
                      "targets_dns": (int(m.group(1)) == dns.pid) if m else None,
                      "end": c.end_time, **_proc_brief(c)})
    found.sort(key=lambda w: (w["start"] or "", w["entity_id"]))
    return {"dns": {**_proc_brief(dns), "end": dns.end_time}, "werfault": found}


def related_alerts(alert, by_host: dict[str, list]) -> dict:
    t = ts_us(alert.timestamp)
    lo = t - _WINDOW_US
    out = []
    for other in by_host.get(alert.host.lower(), ()):
        if other is alert:
            continue
        u = ts_us(other.timestamp)
        if lo <= u <= t:
            out.append({"alert_id": other.id, "time": other.timestamp,
                        "seconds_before": (t - u) / 1_000_000,
                        "rule": other.rule.name, "severity": other.rule.severity,
                        "name": other.process.name, "pid": other.process.pid,
                        "command_line": other.process.cmdline()})
    out.sort(key=lambda a: (a["time"], a["alert_id"]))
    return {"window_hours": WINDOW_HOURS, "from": _iso(lo), "to": alert.timestamp,
            "bounds": "from and to included", "count": len(out), "alerts": out}


class _PrevalenceIndex:
    """(parent name, child name) -> [(host, normalized command line)] over the case, for
    the child names asked about (``facet`` only looks up pairs of an alert's child)."""

    def __init__(self, graph, children: set[str]) -> None:
        self.pairs: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
        key = functools.lru_cache(maxsize=1 << 14)(tool_key)  # names repeat all case long
        for q in graph.processes():
            child = key(q.name)
            if child not in children:
                continue
            par = graph.parent(q.node)
            if par is None:
                continue
            self.pairs[(key(par.name), child)].append((q.host, _norm_cmdline(q.cmdline())))
        self.hosts = graph.hosts()

    def facet(self, graph, p: Process) -> dict:
        child = tool_key(p.name)
        par = graph.parent(p.node)
        parent = tool_key(par.name) if par is not None else ""

        def count(rows):
            return {"hosts": sorted({h for h, _ in rows}), "processes": len(rows)}

        under_dns = self.pairs.get((DNS_SERVICE, child), [])
        under_parent = self.pairs.get((parent, child), []) if parent else []
        cmd = _norm_cmdline(p.cmdline())
        same = [r for r in under_parent if cmd is not None and r[1] == cmd]
        unknown = sorted({h for h, c in under_parent if c is None})
        return {"child": child, "parent": parent, "hosts_in_case": len(self.hosts),
                "under_dns": count(under_dns), "under_parent": count(under_parent),
                "same_command_line": {"command_line": p.cmdline(), **count(same),
                                      "hosts_without_command_line": unknown}}


def activity(analysis, p: Process, below: list[tuple[int, Process]]) -> dict:
    events = []
    for depth, q in [(0, p)] + below:
        for ev in analysis.activity.of(p.host, q.entity_id):
            if ev.event_id not in ACTIVITY_KINDS:
                continue
            events.append({"time": ev.timestamp, "event_id": ev.event_id,
                           "kind": ACTIVITY_KINDS[ev.event_id], "summary": ev.summary,
                           "name": q.name, "pid": q.pid, "depth": depth,
                           "entity_id": q.entity_id, "file": ev.source.file,
                           "record_id": ev.source.record_id})
    events.sort(key=lambda e: (e["time"], e["file"], e["record_id"]))
    counts: dict[str, int] = {}
    for kind in dict.fromkeys(ACTIVITY_KINDS.values()):
        n = sum(1 for e in events if e["kind"] == kind)
        if n:
            counts[kind] = n
    return {"counts": counts, "total": len(events), "events": events[:MAX_ACTIVITY],
            "omitted": max(0, len(events) - MAX_ACTIVITY)}


# ---------------------------------------------------------------------- telemetry
def host_telemetry(analysis, host: str) -> dict:
    """What the logs attributed to ``host`` can and cannot show (alert-independent)."""
    reports = sorted(analysis.host_reports(host), key=lambda r: r.path)
    logs = []
    sysmon_ids: set[int] = set()
    has_sysmon = False
    ends: set[str] = set()
    caveats: list[dict] = []
    for r in reports:
        st = r.stats
        is_sysmon = SYSMON_PROVIDER in st.providers
        is_security = SECURITY_PROVIDER in st.providers
        missing = sum(b - a - 1 for a, b in st.gaps)
        logs.append({"file": r.path, "sha256": r.sha256, "size": r.size, "status": r.status,
                     "records": r.records, "skipped": r.skipped, "recovered": r.recovered,
                     "providers": sorted(st.providers), "channels": sorted(st.channels),
                     "first_time": st.first_time, "last_time": st.last_time,
                     "first_record_id": st.first_record_id,
                     "last_record_id": st.last_record_id,
                     "gaps": [list(g) for g in st.gaps], "missing_records": missing,
                     "event_ids": sorted(st.event_ids)})
        if is_sysmon:
            has_sysmon = True
            sysmon_ids.update(st.event_ids)
            if 5 in st.event_ids:
                ends.add("sysmon 5")
        if is_security:
            if 4689 in st.event_ids:
                ends.add("security 4689")
            if 1102 in st.event_ids:
                caveats.append(_caveat("log_cleared", file=r.path))
        if st.gaps:
            caveats.append(_caveat("record_gaps", file=r.path, missing=missing,
                                   count=len(st.gaps), after=st.gaps[0][0]))
        if r.skipped or r.recovered or r.status != "ok":
            caveats.append(_caveat("damaged", file=r.path, status=r.status,
                                   skipped=r.skipped, recovered=r.recovered))
    # 4688 versions and command lines, from the records themselves
    versions: set[int] = set()
    n4688 = with_cmd = 0
    for q in analysis.graph.processes(host):
        for ev in q.starts:
            if ev.is_sysmon or ev.source.event_id != 4688:
                continue
            n4688 += 1
            versions.add(ev.version)
            if ev.command_line:
                with_cmd += 1
    if n4688 == 0:
        cmd_state = "none"
    elif with_cmd == n4688:
        cmd_state = "logged"
    elif with_cmd:
        cmd_state = "partial"
    elif versions == {0}:
        cmd_state = "absent_v0"
    else:
        cmd_state = "audit_off"
    if not reports:
        caveats.insert(0, _caveat("no_logs"))
    if not has_sysmon:
        caveats.insert(0, _caveat("no_sysmon"))
        if n4688 == 0:
            caveats.append(_caveat("no_4688"))
    else:
        absent = sorted(i for i in ACTIVITY_KINDS if i not in sysmon_ids)
        if absent:
            caveats.append(_caveat("sysmon_ids_missing", ids=absent))
    if cmd_state == "absent_v0":
        caveats.append(_caveat("cmdline_v0"))
    elif cmd_state in ("audit_off", "partial") and not has_sysmon:
        caveats.append(_caveat("cmdline_off"))
    old = sorted(v for v in versions if v < 2)
    if old and not has_sysmon:
        caveats.append(_caveat("no_parent_names", versions=old))
    if not ends:
        caveats.append(_caveat("no_process_ends"))
    spans = [(lg["first_time"], lg["last_time"]) for lg in logs if lg["first_time"]]
    return {
        "host": host,
        "logs": logs,
        "first_time": min((a for a, _ in spans), default=None),
        "last_time": max((b for _, b in spans), default=None),
        "sysmon": {"present": has_sysmon, "event_ids": sorted(sysmon_ids)},
        "security_4688": {"present": n4688 > 0, "records": n4688,
                          "versions": sorted(versions), "command_lines": cmd_state,
                          "with_command_line": with_cmd},
        "process_ends": {"present": bool(ends), "sources": sorted(ends)},
        "caveats": caveats,
    }


def alert_telemetry(base: dict, alert) -> dict:
    """The host's telemetry plus caveats that depend on the alert's time."""
    out = dict(base)
    caveats = list(base["caveats"])
    start_us = ts_us(alert.timestamp) - _WINDOW_US
    for lg in base["logs"]:
        if lg["first_time"] and ts_us(lg["first_time"]) > start_us:
            caveats.append(_caveat("window_not_covered", file=lg["file"],
                                   first=lg["first_time"], start=_iso(start_us)))
    out["caveats"] = caveats
    return out


# ---------------------------------------------------------------------- driver
def triage_alert(analysis, alert, *, by_host: dict, prevalence: _PrevalenceIndex,
                 telemetry: dict) -> dict:
    graph = analysis.graph
    p = alert.process
    below = graph.descendants(p.node)
    return {
        "ancestry": ancestry(graph, p),
        "discovery": tool_hits(p, below, DISCOVERY),
        "lolbins": tool_hits(p, below, LOLBINS),
        "crash": crash(graph, p),
        "related_alerts_48h": related_alerts(alert, by_host),
        "prevalence": prevalence.facet(graph, p),
        "activity": activity(analysis, p, below),
        "subtree": subtree(graph, p),
        "telemetry": alert_telemetry(telemetry, alert),
    }


def attach_triage(analysis) -> None:
    """Attach the triage facets to every alert of ``analysis`` (``alert.triage``)."""
    if not analysis.alerts:
        return
    by_host: dict[str, list] = defaultdict(list)
    for a in analysis.alerts:
        by_host[a.host.lower()].append(a)
    prevalence = _PrevalenceIndex(analysis.graph, {tool_key(a.process.name)
                                                   for a in analysis.alerts})
    telemetry: dict[str, dict] = {}
    for a in analysis.alerts:
        if a.host not in telemetry:
            telemetry[a.host] = host_telemetry(analysis, a.host)
        a.triage = triage_alert(analysis, a, by_host=by_host, prevalence=prevalence,
                                telemetry=telemetry[a.host])
