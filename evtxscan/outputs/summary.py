"""``summary.json`` and the run summary a responder reads on stdout.

Never a silent zero: the summary says how many files were read, partial or unreadable,
how many records were skipped or recovered, and alerts per rule and per host.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomicfile import write_bytes
from ..textsafe import printable

#: the files this format writes (``outputs.outset`` owns the set they belong to)
FILES = ("summary.json",)


def totals(analysis) -> dict:
    """Run totals: the one place they are counted (summary.json, stdout, reports)."""
    reports = analysis.reports
    copies = _copy_totals(analysis)
    return {
        "files": len(reports),
        "files_ok": sum(r.status == "ok" for r in reports),
        "files_partial": sum(r.status == "partial" for r in reports),
        "files_error": sum(r.status == "error" for r in reports),
        # a record in several copies of one log (live and shadow copies) counts once
        "records": sum(r.records for r in reports) - copies.get("records_in_several_copies", 0),
        "records_recovered": sum(r.recovered for r in reports),
        "records_skipped": sum(r.skipped for r in reports),
        "process_events": sum(r.process_events for r in reports),
        "processes": sum(1 for p in analysis.graph.procs if not p.placeholder),
        "hosts": len(analysis.graph.hosts()),
        "alerts": len(analysis.alerts),
        **copies,
    }


def _copy_totals(analysis) -> dict:
    """With shadow copies, a record in several copies of one log counts once."""
    groups = getattr(analysis, "copies", None) or []
    if not groups:
        return {}
    again = sum(r.records - r.only_here for g in groups for r in g.reports)
    only = sum(r.only_here for g in groups for r in g.reports if r.snapshot)
    return {"records_in_several_copies": again, "records_only_in_shadow_copies": only}


def summary_doc(analysis) -> dict:
    from ..rules.loader import rule_costs  # here: importing eql costs 0.4 s
    doc = {
        "files": [r.to_json() for r in analysis.reports],
        "totals": totals(analysis),
        "alerts_by_rule": analysis.alerts_by_rule(),
        "alerts_by_host": analysis.alerts_by_host(),
        "rules": {"loaded": len(analysis.ruleset.rules),
                  "skipped": [{"source": s.source, "name": s.name, "reason": s.reason}
                              for s in analysis.ruleset.skipped],
                  **rule_costs(analysis.ruleset)},
    }
    # evidence containers (images, archives) with their own SHA-256, and the copies of
    # logs read from shadow copies: only when there are any
    if getattr(analysis, "containers", None):
        doc["containers"] = [c.to_json() for c in analysis.containers]
    if getattr(analysis, "copies", None):
        doc["copies"] = [g.to_json() for g in analysis.copies]
    # registry hives read for the CVE-2020-1350 exposure answer: only when there are any
    if getattr(analysis, "hives", None):
        doc["hives"] = [h.to_json() for h in analysis.hives]
    return doc


def write(analysis, outdir: Path, options) -> list[Path]:
    path = outdir / FILES[0]
    # a path that is not valid UTF-8 (a Linux name with stray bytes) reaches us with lone
    # surrogates (surrogateescape); they become \udcXX escapes, as in processes.jsonl
    text = json.dumps(summary_doc(analysis), indent=2, ensure_ascii=False, sort_keys=False)
    return [write_bytes(path, (text + "\n").encode("utf-8", "backslashreplace"))]


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]


def render_text(analysis, max_file_rows: int = 40) -> str:
    """The stdout summary (every evidence string passed through ``printable``)."""
    doc = summary_doc(analysis)
    t = doc["totals"]
    lines: list[str] = []
    reports = analysis.reports
    shown = reports if len(reports) <= max_file_rows else [r for r in reports if r.status != "ok"]
    rows = [[printable(r.path), r.status, str(r.records), str(r.recovered), str(r.skipped),
             str(r.process_events)] for r in shown]
    lines.append("Files")
    lines += _table(["file", "status", "records", "recovered", "skipped", "process"], rows)
    if len(shown) < len(reports):
        lines.append(f"({len(reports) - len(shown)} more files ok)")
    lines.append("")
    lines.append(
        f"{t['files']} files: {t['files_ok']} ok, {t['files_partial']} partial, "
        f"{t['files_error']} unreadable; {t['records']} records read, "
        f"{t['records_recovered']} recovered, {t['records_skipped']} skipped; "
        f"{t['process_events']} process starts, {t['processes']} processes on {t['hosts']} hosts")
    if analysis.alerts:
        lines.append("")
        lines.append("Alerts")
        arows = [[a.timestamp, a.rule.severity, printable(a.host), printable(a.process_line()),
                  printable(a.rule.name)] for a in analysis.alerts]
        lines += _table(["time (UTC)", "severity", "host", "parent -> process", "rule"], arows)
        lines.append("")
        lines.append("Alerts per rule: " + ", ".join(
            f"{printable(k)}: {v}" for k, v in doc["alerts_by_rule"].items()))
        lines.append("Alerts per host: " + ", ".join(
            f"{printable(k)}: {v}" for k, v in doc["alerts_by_host"].items()))
    lines.append(f"{t['alerts']} alerts")
    return "\n".join(lines)
