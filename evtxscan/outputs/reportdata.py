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

from ..checklist import answer, checklist
from .. import facets
from ..decode import Decoded, decode_command_line
from ..facets.telemetry import caveat_text
from ..i18n import tr
from ..textsafe import printable
from ..timefmt import parse_timezone
from ..toolsets import toolsets_of

#: Cap on the lines one process tree may take in a report.
MAX_TREE_LINES = 400


def label(key: str, lang: str = "en", **params) -> str:
    """A report label (``report.<key>`` in ``evtxscan.i18n``; a dotted key as it is)."""
    return tr(key if "." in key else "report." + key, lang, **params)


def mark(key: str, lang: str) -> str:
    """The mark on a tree line (``alert``, a tool set's name, an ``ancestry`` flag)."""
    return tr("mark." + key, lang)


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


def severity_text(severity: str, lang: str = "en") -> str:
    """A rule's severity in ``lang`` (``severity.<name>``); an unknown one as it is."""
    from ..i18n import has
    return tr("severity." + severity, lang) if has("severity." + severity) else s(severity)


def alert_status(case, alert_id: str) -> str | None:
    """What the responder decided about the alert (``evtxscan.case.ALERT_STATUSES``), and
    None without a case file.  The status is the responder's, not the evidence's: it
    lives in the case and in the reports that read it, never in alerts.jsonl."""
    return case.alert_status(alert_id) if case is not None else None


def status_text(status: str | None, lang: str = "en") -> str:
    return tr("status." + status, lang) if status else ""


def status_since(case, alert_id: str) -> str | None:
    """When the status was last set (UTC), or None if it never was."""
    entry = case.entry(alert_id) if case is not None else None
    history = (entry or {}).get("status_history") or []
    return history[-1].get("at") if history else None


def decoded(alert) -> list[Decoded]:
    """The encoded commands in the alerted process' command line, decoded."""
    return decode_command_line(alert.process.cmdline())


def decoded_label(d: Decoded, lang: str = "en") -> str:
    """``decoded -enc`` (the switch as written: evidence, made printable)."""
    key = "report.decoded" if d.depth == 0 else "report.decoded_nested"
    return tr(key, lang, switch=s(d.switch))


def decoded_text(d: Decoded, lang: str = "en") -> tuple[str, str]:
    """(the decoded script made printable, line breaks kept; what is wrong with it)."""
    text = printable(d.text, keep_newlines=True) if d.text else ""
    return text, tr("decode." + d.problem, lang) if d.problem else ""


def decoded_one_line(alert, lang: str = "en") -> str:
    """Every decoded command of the alert in one cell (alerts.csv)."""
    parts = []
    for d in decoded(alert):
        text, problem = decoded_text(d, lang)
        parts.append(" ".join(p for p in (f"[{decoded_label(d, lang)}]", problem, text) if p))
    return s("\n".join(parts))


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
    for facet in facets.FACETS:
        if not facet.tools:
            continue
        for h in tri.get(facet.name, {}).get("hits", []):
            if h["where"] == "command line" and h["entity_id"] == p.entity_id:
                out.append(f"{mark(facet.name, lang)}: {h['tool']}")
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
    lines.append(TreeLine(base, text, role, [mark("alert", lang)] + marks, cmd))
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
    """(facet label, what it says) for every facet listed under Findings, in order."""
    tri = alert.triage or {}
    if not tri:
        return []
    return [(tr(f.label, lang), f.answer(tri, lang, tz)) for f in facets.FACETS
            if f.label]


def finding_sources(alert, lang: str = "en") -> list[tuple[str, list[str]]]:
    """(facet label, the evidence lines its answer rests on) for facets that list them."""
    tri = alert.triage or {}
    out = []
    for f in facets.FACETS:
        if f.label and f.sources is not None and f.name in tri:
            lines = f.sources(tri[f.name])
            if lines:
                out.append((tr(f.label, lang), lines))
    return out


def caveats(alert, lang: str = "en") -> list[str]:
    tri = alert.triage or {}
    return [s(caveat_text(c, lang)) for c in tri.get("telemetry", {}).get("caveats", [])]


def triage_summary(alert, lang: str = "en") -> str:
    """One line for a spreadsheet cell: each facet's flags, hits, counts, caveat codes."""
    tri = alert.triage or {}
    if not tri:
        return ""
    parts = [f.summary(tri[f.name]) for f in facets.FACETS if f.summary is not None]
    return s("; ".join(p for p in parts if p))


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
