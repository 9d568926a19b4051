"""``alerts.csv``: one row per alert, for spreadsheets and ticket systems.

Spreadsheets execute a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some
treat a leading tab or carriage return the same way), and a command line from the
evidence can start with anything; such cells get a leading ``'`` (OWASP's advice), which
Excel and LibreOffice show as text.  Control characters are shown escaped (``\x1b``) as
in the Markdown and HTML reports and on the terminal, so ``cat alerts.csv`` cannot clear
or retitle a terminal (issue 18); JSON keeps the exact text.  UTF-8 with a byte-order
mark, so Excel reads non-ASCII host names and notes correctly.

``alert_status`` and ``checklist`` come from the case file (the responder's work);
every other column from the evidence.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..atomicfile import write_bytes
from ..textsafe import printable
from ..timefmt import display
from . import reportdata as rd

#: the files this format writes (``outputs.outset`` owns the set they belong to)
FILES = ("alerts.csv",)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = ["alert_id", "time_utc", "time_display", "host", "rule", "severity", "risk_score",
           "parent", "process", "pid", "command_line", "command_line_decoded", "user",
           "sources", "triage_summary", "checklist", "alert_status"]


def neutralize(value) -> str:
    """A cell a spreadsheet will show, never evaluate, and a terminal only print."""
    text = printable("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def rows(analysis, options=None) -> list[list[str]]:
    opts = rd.report_options(analysis, options)
    out = []
    for a in analysis.alerts:
        srcs = "; ".join(f"{src.get('file')}#{src.get('record_id')} (event {src.get('event_id')})"
                         for src in rd.sources_of(a))
        prog = ("/".join(map(str, opts.case.progress(a.id))) if opts.case is not None else "")
        out.append([a.id, a.timestamp, display(a.timestamp, opts.tz), a.host, a.rule.name,
                    a.rule.severity, a.rule.risk_score, rd.parent_name(a), a.process.name,
                    "" if a.process.pid is None else a.process.pid,
                    a.process.cmdline() or "", rd.decoded_one_line(a, opts.lang),
                    rd.user_of(a), srcs, rd.triage_summary(a, opts.lang), prog,
                    rd.alert_status(opts.case, a.id) or ""])
    return out


def render(analysis, options=None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(COLUMNS)
    for row in rows(analysis, options):
        w.writerow([neutralize(c) for c in row])
    return buf.getvalue()


def write(analysis, outdir: Path, options) -> list[Path]:
    return [write_bytes(outdir / FILES[0],
                        render(analysis, options).encode("utf-8-sig", "backslashreplace"))]
