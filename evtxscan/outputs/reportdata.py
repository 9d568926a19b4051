"""What the Markdown, HTML and CSV reports show, built once; they only differ in markup.

Everything here returns plain values (strings that are *not yet escaped* for any
markup, dataclasses, dicts).  Each renderer escapes evidence text for its own format:
Markdown backslash-escapes and fences it, HTML ``html.escape``s it, CSV neutralizes
formulas.  Control characters are made visible here (``textsafe.printable``) so no
format can be repainted by a command line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from pathlib import Path

from ..checklist import ANSWERERS, answer, checklist
from ..textsafe import printable
from ..timefmt import display, parse_timezone
from ..toolsets import toolsets_of
from ..triage import caveat_text

#: Cap on the lines one process tree may take in a report.
MAX_TREE_LINES = 400

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "evtxscan report", "zh": "evtxscan 报告"},
    "summary": {"en": "Case summary", "zh": "案例摘要"},
    "files": {"en": "Files", "zh": "文件"},
    "file": {"en": "file", "zh": "文件"},
    "status": {"en": "status", "zh": "状态"},
    "records": {"en": "records", "zh": "记录"},
    "recovered": {"en": "recovered", "zh": "恢复"},
    "skipped": {"en": "skipped", "zh": "跳过"},
    "hosts": {"en": "Hosts", "zh": "主机"},
    "hosts_col": {"en": "hosts", "zh": "主机"},
    "host": {"en": "host", "zh": "主机"},
    "alerts": {"en": "alerts", "zh": "告警"},
    "alerts_by_rule": {"en": "Alerts per rule", "zh": "各规则告警数"},
    "alerts_by_host": {"en": "Alerts per host", "zh": "各主机告警数"},
    "rule": {"en": "rule", "zh": "规则"},
    "count": {"en": "count", "zh": "数量"},
    "totals": {"en": "{files} files: {ok} ok, {partial} partial, {error} unreadable; "
                     "{records} records read, {recovered} recovered, {skipped} skipped; "
                     "{processes} processes on {hosts} hosts; {alerts} alerts",
               "zh": "{files} 个文件:{ok} 个正常,{partial} 个部分读取,{error} 个无法读取;"
                     "读取 {records} 条记录,恢复 {recovered} 条,跳过 {skipped} 条;"
                     "{hosts} 台主机上 {processes} 个进程;{alerts} 条告警"},
    "per_host": {"en": "Alerts by host", "zh": "按主机列出的告警"},
    "details": {"en": "Alert details", "zh": "告警详情"},
    "time": {"en": "time", "zh": "时间"},
    "severity": {"en": "severity", "zh": "严重性"},
    "risk": {"en": "risk", "zh": "风险"},
    "parent": {"en": "parent", "zh": "父进程"},
    "process": {"en": "process", "zh": "进程"},
    "pid": {"en": "pid", "zh": "pid"},
    "command_line": {"en": "command line", "zh": "命令行"},
    "user": {"en": "user", "zh": "用户"},
    "progress": {"en": "checklist", "zh": "检查清单"},
    "tree": {"en": "Process tree", "zh": "进程树"},
    "findings": {"en": "Findings", "zh": "发现"},
    "checklist": {"en": "Checklist", "zh": "检查清单"},
    "item": {"en": "item", "zh": "条目"},
    "answer": {"en": "from the evidence", "zh": "证据显示"},
    "state": {"en": "state", "zh": "状态"},
    "note": {"en": "note", "zh": "备注"},
    "alert_note": {"en": "Responder's note", "zh": "响应人员备注"},
    "caveats": {"en": "What these logs cannot show", "zh": "这些日志无法显示的内容"},
    "no_caveats": {"en": "no telemetry gaps found for this host",
                   "zh": "未发现此主机的遥测缺口"},
    "provenance": {"en": "Provenance", "zh": "来源"},
    "record_id": {"en": "record id", "zh": "记录编号"},
    "summary_col": {"en": "what", "zh": "内容"},
    "source": {"en": "source", "zh": "来源"},
    "event_id": {"en": "event id", "zh": "事件 ID"},
    "sha256": {"en": "sha256", "zh": "sha256"},
    "case": {"en": "Case file", "zh": "案例文件"},
    "case_none": {"en": "no case file (states and notes are kept in the TUI's case file)",
                  "zh": "没有案例文件(状态和备注保存在 TUI 的案例文件中)"},
    "case_progress": {"en": "{done} of {total} checklist items done or not applicable",
                      "zh": "{total} 个检查项中已完成或不适用 {done} 个"},
    "changes": {"en": "Evidence changed since the case was saved",
                "zh": "自案例保存以来证据的变化"},
    "orphaned": {"en": "Alerts in the case that no longer fire (kept with their notes)",
                 "zh": "案例中不再触发的告警(保留其备注)"},
    "times_in": {"en": "Times are shown in {tz}.", "zh": "时间以 {tz} 显示。"},
    "alert": {"en": "alert", "zh": "告警"},
    "section_investigation": {"en": "Investigation", "zh": "调查"},
    "section_false_positive": {"en": "False positive analysis", "zh": "误报分析"},
    "section_response": {"en": "Response and remediation", "zh": "响应和补救"},
    "none": {"en": "none", "zh": "无"},
    "alerted": {"en": "ALERT", "zh": "告警"},
    "not_logged": {"en": "not logged", "zh": "未记录"},
    "more_lines": {"en": "... {n} more processes", "zh": "... 另有 {n} 个进程"},
    "f_ancestry": {"en": "ancestry", "zh": "祖先链"},
    "f_discovery": {"en": "discovery", "zh": "发现"},
    "f_lolbins": {"en": "LOLBins", "zh": "LOLBin"},
    "f_crash": {"en": "crash", "zh": "崩溃"},
    "f_related_alerts_48h": {"en": "related alerts (48 h)", "zh": "相关告警(48 小时)"},
    "f_prevalence": {"en": "prevalence", "zh": "普遍性"},
    "f_activity": {"en": "activity", "zh": "活动"},
    "f_subtree": {"en": "subtree", "zh": "子树"},
    "state_open": {"en": "open", "zh": "待处理"},
    "state_done": {"en": "done", "zh": "已完成"},
    "state_n/a": {"en": "n/a", "zh": "不适用"},
}

#: Marks on tree lines (``toolsets`` names and ancestry flags).
MARKS: dict[str, dict[str, str]] = {
    "discovery": {"en": "discovery", "zh": "发现"},
    "lolbins": {"en": "LOLBin", "zh": "LOLBin"},
    "crash": {"en": "crash", "zh": "崩溃"},
    "masquerading": {"en": "masquerading", "zh": "伪装"},
    "unexpected_dns_parent": {"en": "unexpected parent", "zh": "异常父进程"},
}

FINDING_FACETS = ("ancestry", "discovery", "lolbins", "crash", "related_alerts_48h",
                  "prevalence", "activity", "subtree")


def label(key: str, lang: str = "en", **params) -> str:
    texts = LABELS[key]
    text = texts.get(lang) or texts["en"]
    return text.format(**params) if params else text


def mark(key: str, lang: str) -> str:
    texts = MARKS.get(key, {})
    return texts.get(lang) or texts.get("en") or key


def s(text) -> str:
    """Evidence text for a report: one line, control characters visible."""
    return printable(str(text)) if text is not None else ""


@dataclass
class ReportOptions:
    lang: str = "en"
    tz: tzinfo = timezone.utc
    tz_name: str = "UTC"
    case: object | None = None          # evtxscan.case.Case
    case_path: str | None = None
    case_error: str | None = None


def report_options(analysis, options=None) -> ReportOptions:
    """Language, display time zone and the case file (read, never written) of a report,
    from the ``WriteOptions`` the outputs are written with."""
    if options is None:
        from . import WriteOptions
        options = WriteOptions()
    tz_name = options.timezone or "UTC"
    out = ReportOptions(lang=options.lang or "en", tz=parse_timezone(tz_name),
                        tz_name=tz_name)
    case = options.case
    if case is None:
        return out
    if not isinstance(case, (str, Path)):
        out.case = case                     # an open Case from the caller
        out.case_path = str(getattr(case, "path", ""))
        return out
    out.case_path = str(case)
    if Path(case).exists():
        from ..case import Case, CaseError
        try:
            out.case = Case.open(Path(case), analysis, save=False)
        except CaseError as exc:
            out.case_error = str(exc)
    return out


# ---------------------------------------------------------------------- summary
def totals(analysis) -> dict:
    """The run totals of summary.json, under the names the report labels use."""
    from .summary import totals as run_totals
    t = run_totals(analysis)
    return {"files": t["files"], "ok": t["files_ok"], "partial": t["files_partial"],
            "error": t["files_error"], "records": t["records"],
            "recovered": t["records_recovered"], "skipped": t["records_skipped"],
            "processes": t["processes"], "hosts": t["hosts"], "alerts": t["alerts"]}


def file_rows(analysis) -> list[dict]:
    rows = []
    for r in analysis.reports:
        problem = r.errors[0].reason if r.errors else ""
        rows.append({"file": s(r.path), "status": r.status, "records": r.records,
                     "recovered": r.recovered, "skipped": r.skipped,
                     "sha256": r.sha256, "size": r.size, "problem": s(problem),
                     "hosts": sorted(s(h) for h in r.stats.computers)})
    return rows


def alerts_by_host(analysis) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in analysis.alerts:
        out.setdefault(a.host, []).append(a)
    return dict(sorted(out.items()))


def parent_name(alert) -> str:
    return alert.doc.get("process", {}).get("parent", {}).get("name", "") or ""


def user_of(alert) -> str:
    u = alert.doc.get("user", {})
    name = u.get("name", "")
    dom = u.get("domain", "")
    return f"{dom}\\{name}" if dom and name else name


def sources_of(alert) -> list[dict]:
    return list(alert.doc.get("evtxscan", {}).get("sources", []))


# ---------------------------------------------------------------------- per alert
@dataclass
class TreeLine:
    """One line of a text tree: ``prefix`` is drawing only (safe); ``text`` (name and
    pid) and ``command_line`` are evidence, made printable but not yet escaped."""

    prefix: str
    text: str
    role: str                      # "ancestor" | "alerted" | "descendant" | "more"
    marks: list[str] = field(default_factory=list)
    command_line: str = ""


#: Command lines longer than this are cut in trees (full text is in the alert's facts
#: and the subtree table).
TREE_CMDLINE = 140


def _proc_text(p, lang: str) -> tuple[str, str]:
    name = p.name or (f"pid {p.pid}" if p.pid is not None else "?")
    pid = f" (pid {p.pid})" if p.pid is not None and p.name else ""
    if p.placeholder:
        return f"{s(name)}{pid} [{label('not_logged', lang)}]", ""
    cmd = s(p.cmdline())
    if len(cmd) > TREE_CMDLINE:
        cmd = cmd[:TREE_CMDLINE - 1] + "…"
    return f"{s(name)}{pid}", cmd


def _marks_for(p, tri: dict, lang: str) -> list[str]:
    out = [mark(k, lang) for k in toolsets_of(p.name)]
    for f in tri.get("ancestry", {}).get("findings", []):
        if f["entity_id"] == p.entity_id:
            out.append(mark(f["flag"], lang))
    for facet in ("discovery", "lolbins"):
        for h in tri.get(facet, {}).get("hits", []):
            if h["where"] == "command line" and h["entity_id"] == p.entity_id:
                out.append(f"{mark(facet, lang)}: {h['tool']}")
    return list(dict.fromkeys(out))


def tree_lines(analysis, alert, lang: str = "en") -> list[TreeLine]:
    """Ancestors (root first) -> the alerted process (marked) -> its subtree, as text."""
    graph = analysis.graph
    p = alert.process
    tri = alert.triage or {}
    lines: list[TreeLine] = []
    chain = list(reversed(graph.ancestors(p.node)))
    for level, q in enumerate(chain):
        prefix = ("   " * (level - 1) + "└─ ") if level else ""
        lines.append(TreeLine(prefix, *_line(q, tri, lang, "ancestor")))
    level = len(chain)
    base = "   " * (level - 1) + "└─ " if level else ""
    text, role, marks, cmd = _line(p, tri, lang, "alerted")
    lines.append(TreeLine(base, text, role, [label("alerted", lang)] + marks, cmd))
    indent = "   " * level if level else ""
    total = len(graph.descendants(p.node))
    shown = 0
    seen = {p.node}

    def walk(node: int, pad: str) -> None:
        nonlocal shown
        kids = [c for c in graph.children(node) if c.node not in seen]
        for i, c in enumerate(kids):
            if shown >= MAX_TREE_LINES:
                return
            seen.add(c.node)
            last = i == len(kids) - 1
            lines.append(TreeLine(indent + pad + ("└─ " if last else "├─ "),
                                  *_line(c, tri, lang, "descendant")))
            shown += 1
            walk(c.node, pad + ("   " if last else "│  "))

    walk(p.node, "")
    if total > shown:
        lines.append(TreeLine(indent, label("more_lines", lang, n=total - shown), "more"))
    return lines


def _line(q, tri: dict, lang: str, role: str) -> tuple[str, str, list[str], str]:
    text, cmd = _proc_text(q, lang)
    return text, role, _marks_for(q, tri, lang), cmd


def tree_text(lines: list[TreeLine]) -> list[str]:
    """Plain text of a tree (for Markdown code blocks and terminals)."""
    out = []
    for ln in lines:
        marks = " " + " ".join(f"[{m}]" for m in ln.marks) if ln.marks else ""
        arrow = "▶ " if ln.role == "alerted" else ""
        cmd = f"  {ln.command_line}" if ln.command_line else ""
        out.append(f"{ln.prefix}{arrow}{ln.text}{marks}{cmd}")
    return out


def subtree_rows(alert) -> list[dict]:
    """The descendants with full command lines (the tree cuts long ones)."""
    return [{"depth": d["depth"], "name": s(d["name"]), "pid": d["pid"],
             "start": d["start"], "command_line": s(d["command_line"]),
             "marks": d.get("toolsets", [])}
            for d in (alert.triage or {}).get("subtree", [])]


def activity_rows(alert) -> list[dict]:
    """Sysmon side events of the process and its subtree, with where each came from."""
    act = (alert.triage or {}).get("activity", {})
    return [{"time": ev["time"], "event_id": ev["event_id"], "kind": ev["kind"],
             "process": s(ev["name"]), "pid": ev["pid"], "summary": s(ev["summary"]),
             "source": f"{s(ev['file'])}#{ev['record_id']}"}
            for ev in act.get("events", [])]


@dataclass
class ChecklistRow:
    id: str
    section: str
    text: str
    answer: str | None
    state: str
    note: str


def checklist_rows(alert, case=None, lang: str = "en",
                   tz: tzinfo = timezone.utc) -> list[ChecklistRow]:
    rows = []
    for item in checklist(alert.rule):
        state = case.state(alert.id, item.id) if case is not None else "open"
        note = case.note(alert.id, item.id) if case is not None else ""
        rows.append(ChecklistRow(item.id, item.section, item.text(lang),
                                 answer(item, alert, lang, tz), state, note))
    return rows


def findings(alert, lang: str = "en", tz: tzinfo = timezone.utc) -> list[tuple[str, str]]:
    """(facet label, what it says) for every facet, in a fixed order."""
    tri = alert.triage or {}
    if not tri:
        return []
    return [(label(f"f_{f}", lang), ANSWERERS[f](tri, lang, tz)) for f in FINDING_FACETS
            if f in ANSWERERS]


def caveats(alert, lang: str = "en") -> list[str]:
    tri = alert.triage or {}
    return [s(caveat_text(c, lang)) for c in tri.get("telemetry", {}).get("caveats", [])]


def triage_summary(alert, lang: str = "en") -> str:
    """One line for a spreadsheet cell: flags, hits, counts, caveat codes."""
    tri = alert.triage or {}
    if not tri:
        return ""
    parts = []
    flags = tri["ancestry"]["flags"]
    if flags:
        parts.append("flags: " + ", ".join(flags))
    for facet in ("discovery", "lolbins"):
        if tri[facet]["tools"]:
            parts.append(f"{facet}: " + ", ".join(tri[facet]["tools"]))
    wer = tri["crash"]["werfault"]
    if wer:
        parts.append("crash: " + ", ".join(sorted({w["name"] for w in wer})))
    parts.append(f"related 48h: {tri['related_alerts_48h']['count']}")
    prev = tri["prevalence"]
    parts.append(f"hosts with same child under dns.exe: {len(prev['under_dns']['hosts'])}"
                 f"/{prev['hosts_in_case']}")
    if tri["activity"]["counts"]:
        parts.append("activity: " + ", ".join(f"{k} {v}" for k, v in
                                              tri["activity"]["counts"].items()))
    parts.append(f"subtree: {len(tri['subtree'])}")
    codes = [c["code"] for c in tri["telemetry"]["caveats"]]
    if codes:
        parts.append("caveats: " + ", ".join(dict.fromkeys(codes)))
    return s("; ".join(parts))


def orphaned_entries(case) -> list[tuple[str, dict]]:
    if case is None:
        return []
    return [(aid, e) for aid, e in case.data.get("alerts", {}).items()
            if e.get("status") == "orphaned"]


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def guide_parts(text: str) -> list[tuple[bool, str]]:
    """A guide item's Markdown split into (is_code, text) runs, so renderers can show
    the guide's own code spans (`` `whoami.exe` ``) as code and escape everything."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        if m.start() > pos:
            out.append((False, text[pos:m.start()]))
        out.append((True, m.group(2).strip()))
        pos = m.end()
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def show_time(ts: str | None, tz: tzinfo) -> str:
    return display(ts, tz)
