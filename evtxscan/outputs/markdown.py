"""``report.md``: the case summary, alerts per host, and each alert worked through.

Evidence never becomes Markdown syntax: free text is backslash-escaped (so ``<script>``,
``[link](...)`` and ``*`` stay literal on GitHub, GitLab or any CommonMark viewer),
command lines sit in code spans whose fence is longer than any backtick run inside,
and process trees sit in fenced blocks fenced the same way.  Control characters are
shown escaped (``\\x1b``), so ``cat report.md`` cannot repaint a terminal.

``render_alert_markdown`` is also what the TUI's "export alert as Markdown" calls.
"""

from __future__ import annotations

import re
from datetime import timezone, tzinfo
from pathlib import Path

from ..atomicfile import write_bytes
from ..timefmt import display, parse_timezone
from . import reportdata as rd
from .reportdata import label

#: the files this format writes (``outputs.outset`` owns the set they belong to)
FILES = ("report.md",)

_MD_SPECIAL = re.compile(r"([`*_\[\]<>|&~$#!{}])")
#: A backslash escapes only ASCII punctuation in CommonMark (and breaks a line at the end
#: of one); elsewhere it is a literal backslash and needs no escape.
_MD_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")


def md_text(text) -> str:
    """Evidence as inline Markdown text that renders literally, and reads as written in
    the file too: ``CORP\\bob`` stays one backslash, as no punctuation follows it."""
    return _MD_SPECIAL.sub(r"\\\1", _MD_BACKSLASH.sub(r"\\\\", rd.s(text)))


def md_code(text, *, in_table: bool = False) -> str:
    """Evidence as a code span (fence longer than any backtick run in it)."""
    t = rd.s(text)
    if not t:
        return ""
    run = max((len(m) for m in re.findall(r"`+", t)), default=0)
    fence = "`" * (run + 1)
    pad = " " if t.startswith("`") or t.endswith("`") or run else ""
    if in_table:
        t = t.replace("|", "\\|")
    return f"{fence}{pad}{t}{pad}{fence}"


def md_guide(text: str) -> str:
    """A guide item: its own code spans kept as code, everything else escaped."""
    return "".join(md_code(t) if code else md_text(t) for code, t in rd.guide_parts(text))


def _fenced(lines: list[str], info: str = "text") -> list[str]:
    run = max((len(m) for ln in lines for m in re.findall(r"`+", ln)), default=0)
    fence = "`" * max(3, run + 1)
    return [fence + info, *lines, fence]


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _tz(tz) -> tzinfo:
    return parse_timezone(tz) if isinstance(tz, str) or tz is None else tz


#: Task-list boxes: only open items and done ones are boxes; an n/a step is ``[-]`` (as
#: in the TUI), never a ticked box that reads as done.
_BOX = {"open": "[ ]", "done": "[x]", "n/a": "[-]"}


def render_alert_markdown(analysis, alert, case=None, lang: str = "en",
                          tz: tzinfo | str = timezone.utc, level: int = 2) -> str:
    """One alert as a Markdown section: facts, process tree, findings, checklist with
    answers, states and notes, telemetry caveats, provenance."""
    tz = _tz(tz)
    h = "#" * level
    r = alert.rule
    p = alert.process
    lines: list[str] = []
    lines.append(f"{h} {md_text(display(alert.timestamp, tz))} · {md_text(alert.host)} · "
                 f"{md_text(r.name)}")
    lines.append("")
    lines.append(f"- {label('alert', lang)}: `{alert.id}`")
    lines.append(f"- {label('rule', lang)}: {md_text(r.name)} "
                 f"({label('severity', lang)} {md_text(rd.severity_text(r.severity, lang))}, "
                 f"{label('risk', lang)} {r.risk_score})")
    lines.append(f"- {label('process', lang)}: {md_text(p.name)} (pid {p.pid}) ← "
                 f"{label('parent', lang)} {md_text(rd.parent_name(alert) or '?')}")
    if p.cmdline():
        lines.append(f"- {label('command_line', lang)}: {md_code(p.cmdline())}")
    for d in rd.decoded(alert):
        text, problem = rd.decoded_text(d, lang)
        lines.append(f"- {md_text(rd.decoded_label(d, lang))}:"
                     + (f" {md_text(problem)}" if problem else ""))
        if text:
            lines += ["", *("  " + ln for ln in _fenced(text.split("\n"), "powershell")), ""]
    user = rd.user_of(alert)
    if user:
        lines.append(f"- {label('user', lang)}: {md_text(user)}")
    if case is not None:
        status = rd.alert_status(case, alert.id)
        since = rd.status_since(case, alert.id)
        lines.append(f"- {label('alert_status', lang)}: **{md_text(rd.status_text(status, lang))}**"
                     + (f" ({label('status_since', lang, time=md_text(since))})"
                        if since else ""))
        done, total = case.progress(alert.id)
        lines.append(f"- {label('progress', lang)}: {done}/{total}")
        note = case.alert_note(alert.id)
        if note:
            lines.append(f"- {label('alert_note', lang)}: {md_text(note)}")
    lines.append("")
    lines.append(f"{h}# {label('tree', lang)}")
    lines.append("")
    lines += _fenced(rd.tree_text(rd.tree_lines(analysis, alert, lang)))
    lines.append("")
    sub = rd.subtree_rows(alert)
    if sub:
        lines.append(f"{h}# {label('facet.subtree', lang)}")
        lines.append("")
        lines += _table(["depth", label("time", lang), label("process", lang),
                         label("pid", lang), label("command_line", lang)],
                        [[str(d["depth"]), md_text(display(d["start"], tz)), md_text(d["name"]),
                          str(d["pid"]), md_code(d["command_line"], in_table=True)]
                         for d in sub])
        lines.append("")
    act = rd.activity_rows(alert)
    if act:
        lines.append(f"{h}# {label('facet.activity', lang)}")
        lines.append("")
        lines += _table([label("time", lang), label("event_id", lang), label("process", lang),
                         label("summary_col", lang), label("source", lang)],
                        [[md_text(display(a["time"], tz)), str(a["event_id"]),
                          f"{md_text(a['process'])} ({a['pid']})",
                          md_code(a["summary"], in_table=True),
                          md_code(a["source"], in_table=True)] for a in act])
        lines.append("")
    found = rd.findings(alert, lang, tz)
    if found:
        lines.append(f"{h}# {label('findings', lang)}")
        lines.append("")
        lines += [f"- **{md_text(name)}**: {md_text(text)}" for name, text in found]
        lines.append("")
    for name, evidence in rd.finding_sources(alert, lang):
        lines.append(md_text(label("sources", lang, facet=name)))
        lines.append("")
        lines += [f"- {md_code(t)}" for t in evidence]
        lines.append("")
    lines.append(f"{h}# {label('checklist', lang)}")
    section = None
    for row in rd.checklist_rows(alert, case, lang, tz):
        if row.section != section:
            section = row.section
            lines.append("")
            lines.append(f"{h}## {label('section_' + section, lang)}")
            lines.append("")
        state = "" if row.state == "open" else f" ({label('state_' + row.state, lang)})"
        lines.append(f"- {_BOX.get(row.state, '[ ]')} `{row.id}`{state} {md_guide(row.text)}")
        if row.answer:
            lines.append(f"  - {label('answer', lang)}: {md_text(row.answer)}")
        if row.note:
            lines.append(f"  - {label('note', lang)}: {md_text(row.note)}")
    lines.append("")
    lines.append(f"{h}# {label('caveats', lang)}")
    lines.append("")
    cav = rd.caveats(alert, lang)
    lines += [f"- {md_text(c)}" for c in cav] or [f"- {label('facet.telemetry.none', lang)}"]
    lines.append("")
    lines.append(f"{h}# {label('provenance', lang)}")
    lines.append("")
    lines += _table([label("file", lang), label("record_id", lang), label("event_id", lang),
                     label("sha256", lang)],
                    [[md_code(src.get("file"), in_table=True), str(src.get("record_id")),
                      str(src.get("event_id")), f"`{src.get('sha256', '')}`"]
                     for src in rd.sources_of(alert)])
    lines.append("")
    return "\n".join(lines)


def render(analysis, options=None) -> str:
    """The whole report as one Markdown document."""
    opts = rd.report_options(analysis, options)
    lang, tz, case = opts.lang, opts.tz, opts.case
    t = rd.totals(analysis)
    lines = [f"# {label('title', lang)}", "",
             label("times_in", lang, tz=md_text(opts.tz_name)), "",
             f"## {label('summary', lang)}", "",
             label("totals", lang, **t), "",
             f"### {label('files', lang)}", ""]
    lines += _table([label("file", lang), label("status", lang), label("records", lang),
                     label("recovered", lang), label("skipped", lang), label("hosts_col", lang),
                     label("sha256", lang)],
                    [[md_code(f["file"], in_table=True), f["status"]
                      + (f" ({md_text(f['problem'])})" if f["problem"] else ""),
                      str(f["records"]), str(f["recovered"]), str(f["skipped"]),
                      md_text(", ".join(f["hosts"])), f"`{f['sha256']}`" if f["sha256"] else ""]
                     for f in rd.file_rows(analysis)])
    lines += ["", f"### {label('alerts_by_host', lang)}", ""]
    hosts = analysis.graph.hosts()
    by_host = analysis.alerts_by_host()
    lines += _table([label("host", lang), label("alerts", lang)],
                    [[md_text(hn), str(by_host.get(hn, 0))] for hn in hosts])
    lines += ["", f"### {label('alerts_by_rule', lang)}", ""]
    lines += _table([label("rule", lang), label("count", lang)],
                    [[md_text(k), str(v)] for k, v in analysis.alerts_by_rule().items()])
    lines += ["", f"### {label('case', lang)}", ""]
    lines += _case_lines(opts, analysis)
    lines += ["", f"## {label('per_host', lang)}"]
    for host, alerts in rd.alerts_by_host(analysis).items():
        lines += ["", f"### {md_text(host)}", ""]
        rows = []
        for a in alerts:
            prog = "/".join(map(str, case.progress(a.id))) if case is not None else ""
            status = md_text(rd.status_text(rd.alert_status(case, a.id), lang))
            rows.append([md_text(display(a.timestamp, tz)), md_text(a.rule.name),
                         md_text(rd.severity_text(a.rule.severity, lang)),
                         md_text(rd.parent_name(a)),
                         md_text(a.process.name), str(a.process.pid),
                         md_code(a.process.cmdline(), in_table=True), status, prog,
                         f"`{a.id}`"])
        lines += _table([label("time", lang), label("rule", lang), label("severity", lang),
                         label("parent", lang), label("process", lang), label("pid", lang),
                         label("command_line", lang), label("alert_status", lang),
                         label("progress", lang), label("alert", lang)], rows)
    lines += ["", f"## {label('details', lang)}", ""]
    for a in analysis.alerts:
        lines.append(render_alert_markdown(analysis, a, case, lang, tz, level=3))
    return "\n".join(lines).rstrip("\n") + "\n"


def _case_lines(opts, analysis) -> list[str]:
    lang, case = opts.lang, opts.case
    if opts.case_error:
        return [f"- {md_text(opts.case_error)}"]
    if case is None:
        return [f"- {label('case_none', lang)}"]
    out = [f"- {md_code(opts.case_path)}"]
    done = total = 0
    for a in analysis.alerts:
        d, n = case.progress(a.id)
        done, total = done + d, total + n
    out.append(f"- {label('case_progress', lang, done=done, total=total)}")
    if case.changes:
        out += ["", f"**{label('changes', lang)}**", ""]
        out += [f"- {md_text(c)}" for c in case.changes]
    orphans = rd.orphaned_entries(case)
    if orphans:
        out += ["", f"**{label('orphaned', lang)}**", ""]
        for aid, e in orphans:
            out.append(f"- `{aid}` {md_text(e.get('time'))} {md_text(e.get('host'))} "
                       f"{md_text(e.get('process'))}"
                       + (f": {md_text(e.get('note'))}" if e.get("note") else ""))
            for iid, item in e.get("items", {}).items():
                if item.get("note") or item.get("state") != "open":
                    out.append(f"  - `{iid}` {item.get('state')}"
                               + (f": {md_text(item.get('note'))}" if item.get("note") else ""))
    return out


def write(analysis, outdir: Path, options) -> list[Path]:
    return [write_bytes(outdir / FILES[0],
                        render(analysis, options).encode("utf-8", "backslashreplace"))]
