"""``report.html``: one self-contained page (inline CSS, no scripts, no external resources).

Every string that came from evidence (or from the responder's notes) is
``html.escape``d, and a Content-Security-Policy meta tag forbids scripts and remote
loads outright, so a command line holding ``<script>`` or ``<img src=...>`` is shown,
never run or fetched.  The page prints well and opens from a USB stick on an
air-gapped analysis machine.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..atomicfile import write_bytes
from ..timefmt import display
from . import reportdata as rd
from .reportdata import label

#: the files this format writes (``outputs.outset`` owns the set they belong to)
FILES = ("report.html",)

CSS = """
:root { --fg:#1d232b; --muted:#5c6773; --line:#d6dbe1; --bg:#ffffff; --soft:#f4f6f8;
        --alert:#b42318; --alertbg:#fdecea; --hit:#8a4b00; --hitbg:#fff4e0; --ok:#1a7f37; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
       sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; padding: 24px 32px;
       max-width: 1400px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; }
h4 { font-size: 14px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase;
     letter-spacing: .03em; }
p.muted, .muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Consolas, "DejaVu Sans Mono",
                   monospace; font-size: 12.5px; }
td code { overflow-wrap: anywhere; }
pre.tree { background: var(--soft); border: 1px solid var(--line); border-radius: 4px;
           padding: 10px 12px; overflow-x: auto; white-space: pre; line-height: 1.5; }
pre.tree .alerted { background: var(--alertbg); color: var(--alert); font-weight: 700; }
pre.tree .more { color: var(--muted); }
pre.tree .cmd { color: #3d4752; }
.mark { display: inline-block; border-radius: 3px; padding: 0 5px; margin-left: 4px;
        font-size: 11px; font-weight: 600; background: var(--hitbg); color: var(--hit); }
.mark.alert { background: var(--alert); color: #fff; }
section.alert { border: 1px solid var(--line); border-left: 4px solid var(--alert);
                border-radius: 4px; padding: 4px 16px 12px; margin: 18px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ul.findings li { margin: 2px 0; }
.state { white-space: nowrap; font-weight: 600; }
.state-done { color: var(--ok); }
.state-na { color: var(--muted); }
.state-open { color: var(--fg); }
.answer { color: #0b4f8a; }
.caveat { color: var(--hit); }
.sev-high, .sev-critical { color: var(--alert); font-weight: 600; }
pre.decoded { background: var(--soft); border: 1px solid var(--line); border-radius: 4px;
              padding: 6px 10px; margin: 2px 0; white-space: pre-wrap;
              overflow-wrap: anywhere; }
.status { white-space: nowrap; font-weight: 600; }
.status-true_positive { color: var(--alert); }
.status-false_positive, .status-benign { color: var(--ok); }
nav.toc a { margin-right: 12px; }
@media print { section.alert { break-inside: avoid-page; } }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def e(text) -> str:
    """Escape evidence text for HTML (control characters shown, then HTML-escaped)."""
    return html.escape(rd.s(text), quote=True)


def _table(headers: list[str], rows: list[list[str]], num: set[int] = frozenset(),
           nowrap: set[int] = frozenset()) -> str:
    def td(i: int, c: str) -> str:
        cls = "num" if i in num else "nowrap" if i in nowrap else ""
        return f'<td class="{cls}">{c}</td>' if cls else f"<td>{c}</td>"
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(td(i, c) for i, c in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _code(text) -> str:
    t = rd.s(text)
    return f"<code>{html.escape(t)}</code>" if t else ""


def _state(state: str, lang: str) -> str:
    cls = {"done": "state-done", "n/a": "state-na"}.get(state, "state-open")
    box = {"done": "☑", "n/a": "☒"}.get(state, "☐")
    return f'<span class="state {cls}">{box} {e(label("state_" + state, lang))}</span>'


def _tree(analysis, alert, lang: str) -> str:
    out = []
    for ln in rd.tree_lines(analysis, alert, lang):
        marks = "".join(
            f'<span class="mark{" alert" if m == rd.mark("alert", lang) else ""}">{e(m)}</span>'
            for m in ln.marks)
        text = e(ln.text)
        if ln.role == "alerted":
            text = f'<span class="alerted">▶ {text}</span>'
        elif ln.role == "more":
            text = f'<span class="more">{text}</span>'
        cmd = f'  <span class="cmd">{e(ln.command_line)}</span>' if ln.command_line else ""
        out.append(f"{e(ln.prefix)}{text}{marks}{cmd}")
    return '<pre class="tree">' + "\n".join(out) + "</pre>"


def render_alert_html(analysis, alert, case=None, lang: str = "en", tz=None) -> str:
    from datetime import timezone
    tz = tz or timezone.utc
    r = alert.rule
    p = alert.process
    parts = [f'<section class="alert" id="alert-{e(alert.id)}">',
             f"<h3>{e(display(alert.timestamp, tz))} · {e(alert.host)} · {e(r.name)}</h3>"]
    facts = [(label("alert", lang), f"<code>{e(alert.id)}</code>"),
             (label("rule", lang), f'{e(r.name)} (<span class="sev-{e(r.severity)}">'
                                   f"{e(rd.severity_text(r.severity, lang))}</span>, "
                                   f"{label('risk', lang)} {e(r.risk_score)})"),
             (label("process", lang), f"{e(p.name)} (pid {e(p.pid)}) ← "
                                      f"{e(rd.parent_name(alert) or '?')}")]
    if p.cmdline():
        facts.append((label("command_line", lang), _code(p.cmdline())))
    for d in rd.decoded(alert):
        text, problem = rd.decoded_text(d, lang)
        facts.append((rd.decoded_label(d, lang),
                      (f'<span class="caveat">{e(problem)}</span>' if problem else "")
                      + (f'<pre class="decoded">{html.escape(text)}</pre>' if text else "")))
    if rd.user_of(alert):
        facts.append((label("user", lang), e(rd.user_of(alert))))
    if case is not None:
        status = rd.alert_status(case, alert.id)
        since = rd.status_since(case, alert.id)
        facts.append((label("alert_status", lang),
                      f'<span class="status status-{e(status)}">'
                      f"{e(rd.status_text(status, lang))}</span>"
                      + (f' <span class="muted">({e(label("status_since", lang, time=since))})'
                         "</span>" if since else "")))
        done, total = case.progress(alert.id)
        facts.append((label("progress", lang), f"{done}/{total}"))
        if case.alert_note(alert.id):
            facts.append((label("alert_note", lang), e(case.alert_note(alert.id))))
    parts.append('<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>"
                                                for k, v in facts) + "</dl>")
    parts.append(f"<h4>{e(label('tree', lang))}</h4>")
    parts.append(_tree(analysis, alert, lang))
    sub = rd.subtree_rows(alert)
    if sub:
        parts.append(f"<h4>{e(label('facet.subtree', lang))}</h4>")
        parts.append(_table(["depth", e(label("time", lang)), e(label("process", lang)),
                             e(label("pid", lang)), e(label("command_line", lang))],
                            [[e(d["depth"]), e(display(d["start"], tz)), e(d["name"]),
                              e(d["pid"]), _code(d["command_line"])] for d in sub],
                            num={0, 3}, nowrap={1}))
    act = rd.activity_rows(alert)
    if act:
        parts.append(f"<h4>{e(label('facet.activity', lang))}</h4>")
        parts.append(_table([e(label("time", lang)), e(label("event_id", lang)),
                             e(label("process", lang)), e(label("summary_col", lang)),
                             e(label("source", lang))],
                            [[e(display(a["time"], tz)), e(a["event_id"]),
                              f'{e(a["process"])} ({e(a["pid"])})', _code(a["summary"]),
                              _code(a["source"])] for a in act], num={1}, nowrap={0}))
    found = rd.findings(alert, lang, tz)
    if found:
        parts.append(f"<h4>{e(label('findings', lang))}</h4>")
        parts.append('<ul class="findings">' + "".join(
            f"<li><strong>{e(name)}</strong>: {e(text)}</li>" for name, text in found) + "</ul>")
    for name, lines in rd.finding_sources(alert, lang):
        parts.append(f"<p>{e(label('sources', lang, facet=name))}</p>")
        parts.append('<ul class="sources">' + "".join(f"<li>{_code(t)}</li>" for t in lines)
                     + "</ul>")
    parts.append(f"<h4>{e(label('checklist', lang))}</h4>")
    rows = []
    for row in rd.checklist_rows(alert, case, lang, tz):
        cell = "".join(_code(t) if code else e(t) for code, t in rd.guide_parts(row.text))
        if row.answer:
            cell += f'<br><span class="answer">→ {e(row.answer)}</span>'
        rows.append([_state(row.state, lang), f"<code>{e(row.id)}</code>", cell, e(row.note)])
    checklist_table = _table([e(label("state", lang)), "id", e(label("item", lang)),
                              e(label("note", lang))], rows, nowrap={0, 1})
    parts.append(checklist_table)
    parts.append(f"<h4>{e(label('caveats', lang))}</h4>")
    cav = rd.caveats(alert, lang)
    parts.append("<ul>" + ("".join(f'<li class="caveat">{e(c)}</li>' for c in cav)
                           or f"<li>{e(label('facet.telemetry.none', lang))}</li>") + "</ul>")
    parts.append(f"<h4>{e(label('provenance', lang))}</h4>")
    parts.append(_table([e(label("file", lang)), e(label("record_id", lang)),
                         e(label("event_id", lang)), e(label("sha256", lang))],
                        [[_code(src.get("file")), e(src.get("record_id")),
                          e(src.get("event_id")), _code(src.get("sha256"))]
                         for src in rd.sources_of(alert)], num={1, 2}))
    parts.append("</section>")
    return "\n".join(parts)


def render(analysis, options=None) -> str:
    opts = rd.report_options(analysis, options)
    lang, tz, case = opts.lang, opts.tz, opts.case
    t = rd.totals(analysis)
    out = ["<!DOCTYPE html>",
           f'<html lang="{label("html_lang", lang)}"><head><meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(label('title', lang))}</title>",
           f"<style>{CSS}</style></head><body>",
           f"<h1>{e(label('title', lang))}</h1>",
           f'<p class="muted">{e(label("times_in", lang, tz=opts.tz_name))}</p>',
           f"<h2>{e(label('summary', lang))}</h2>",
           f"<p>{e(label('totals', lang, **t))}</p>"]
    out.append(f"<h3>{e(label('files', lang))}</h3>")
    out.append(_table(
        [e(label(k, lang)) for k in ("file", "status", "records", "recovered", "skipped",
                                     "hosts_col", "sha256")],
        [[_code(f["file"]), e(f["status"]) + (f'<br><span class="muted">{e(f["problem"])}</span>'
                                              if f["problem"] else ""),
          e(f["records"]), e(f["recovered"]), e(f["skipped"]), e(", ".join(f["hosts"])),
          _code(f["sha256"])] for f in rd.file_rows(analysis)], num={2, 3, 4}))
    by_host = analysis.alerts_by_host()
    out.append(f"<h3>{e(label('alerts_by_host', lang))}</h3>")
    out.append(_table([e(label("host", lang)), e(label("alerts", lang))],
                      [[f'<a href="#host-{i}">{e(h)}</a>' if by_host.get(h) else e(h),
                        e(by_host.get(h, 0))]
                       for i, h in enumerate(analysis.graph.hosts())], num={1}))
    out.append(f"<h3>{e(label('alerts_by_rule', lang))}</h3>")
    out.append(_table([e(label("rule", lang)), e(label("count", lang))],
                      [[e(k), e(v)] for k, v in analysis.alerts_by_rule().items()], num={1}))
    out.append(f"<h3>{e(label('case', lang))}</h3>")
    out.append(_case_html(opts, analysis))
    out.append(f"<h2>{e(label('per_host', lang))}</h2>")
    host_index = {h: i for i, h in enumerate(analysis.graph.hosts())}
    for host, alerts in rd.alerts_by_host(analysis).items():
        out.append(f'<h3 id="host-{host_index.get(host, 0)}">{e(host)}</h3>')
        rows = []
        for a in alerts:
            prog = "/".join(map(str, case.progress(a.id))) if case is not None else ""
            status = rd.alert_status(case, a.id)
            rows.append([e(display(a.timestamp, tz)), e(a.rule.name),
                         f'<span class="sev-{e(a.rule.severity)}">'
                         f"{e(rd.severity_text(a.rule.severity, lang))}</span>",
                         e(rd.parent_name(a)), e(a.process.name), e(a.process.pid),
                         _code(a.process.cmdline()),
                         f'<span class="status status-{e(status)}">'
                         f"{e(rd.status_text(status, lang))}</span>" if status else "",
                         e(prog), f'<a href="#alert-{e(a.id)}"><code>{e(a.id)}</code></a>'])
        out.append(_table([e(label(k, lang)) for k in ("time", "rule", "severity", "parent",
                                                        "process", "pid", "command_line",
                                                        "alert_status", "progress", "alert")],
                          rows, num={5}, nowrap={0, 2, 7, 9}))
    out.append(f"<h2>{e(label('details', lang))}</h2>")
    for a in analysis.alerts:
        out.append(render_alert_html(analysis, a, case, lang, tz))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _case_html(opts, analysis) -> str:
    lang, case = opts.lang, opts.case
    if opts.case_error:
        return f'<p class="caveat">{e(opts.case_error)}</p>'
    if case is None:
        return f'<p class="muted">{e(label("case_none", lang))}</p>'
    done = total = 0
    for a in analysis.alerts:
        d, n = case.progress(a.id)
        done, total = done + d, total + n
    out = [f"<p>{_code(opts.case_path)} — {e(label('case_progress', lang, done=done, total=total))}</p>"]
    if case.changes:
        out.append(f"<p><strong>{e(label('changes', lang))}</strong></p><ul>"
                   + "".join(f"<li>{e(c)}</li>" for c in case.changes) + "</ul>")
    orphans = rd.orphaned_entries(case)
    if orphans:
        items = []
        for aid, ent in orphans:
            sub = "".join(f"<li><code>{e(iid)}</code> {e(it.get('state'))}"
                          + (f": {e(it.get('note'))}" if it.get("note") else "") + "</li>"
                          for iid, it in ent.get("items", {}).items()
                          if it.get("note") or it.get("state") != "open")
            items.append(f"<li><code>{e(aid)}</code> {e(ent.get('time'))} {e(ent.get('host'))} "
                         f"{e(ent.get('process'))}"
                         + (f": {e(ent.get('note'))}" if ent.get("note") else "")
                         + (f"<ul>{sub}</ul>" if sub else "") + "</li>")
        out.append(f"<p><strong>{e(label('orphaned', lang))}</strong></p><ul>"
                   + "".join(items) + "</ul>")
    return "\n".join(out)


def write(analysis, outdir: Path, options) -> list[Path]:
    return [write_bytes(outdir / FILES[0],
                        render(analysis, options).encode("utf-8", "backslashreplace"))]
