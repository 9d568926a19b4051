"""``AlertList``: the alerts (or stacks of them), one line each, fitted to any width.

Columns: severity (symbol, word, colour), status, stack count, time (in the display time
zone, named in the header), host, rule, process (parent → child at a width that has
room) with its triage flags, guide progress, command line.  At 80 columns the least
needed give way first (the command line, the guide, the parent, the year, long status
words), then host, rule and process are shortened with an ellipsis; the preview under
the list has everything about the row the cursor is on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from evtxscan.i18n import tr

from .model import Row
from .render import (MARK_STYLE, STATUS_STYLE, add, fit, mark_word, safe, severity_text,
                     short_time)
from .rowlist import RowList

#: status -> i18n key of its short word (narrow terminals)
STATUS_SHORT = {"open": "tui.status_short_open", "acknowledged": "tui.status_short_ack",
                "true_positive": "tui.status_short_tp", "false_positive": "tui.status_short_fp",
                "benign": "tui.status_short_benign"}
#: columns, in order: (key, i18n key of the title, narrowest, widest)
COLUMNS = (("sev", "tui.col_severity", 6, 14), ("status", "tui.col_status", 4, 14),
           ("count", "tui.col_count", 3, 6), ("time", "tui.col_time", 14, 32),
           ("host", "tui.col_host", 8, 28), ("rule", "tui.col_rule", 10, 56),
           ("process", "tui.col_process", 10, 48), ("guide", "tui.col_progress", 5, 7),
           ("cmd", "tui.col_cmdline", 20, 0))
#: what gives way, in order, when the columns do not fit
DEGRADE = ("cmd", "guide", "parent", "year", "status_short")
#: shortened (ellipsis) in proportion to their width before anything gives way
SHRINK = ("process", "rule", "host")
#: ... but not below this share of their natural width, until nothing else can give way
KEEP = 0.6


@dataclass(frozen=True)
class Context:
    """What the list reads besides the rows: the app's language and time zone, and the
    case (status, guide progress) and triage flags of an alert."""

    lang: str
    tz: object
    tz_name: str
    status_of: Callable[[str], str]
    progress_of: Callable[[object], str]
    flags_of: Callable[[str], list]


class AlertList(RowList):
    """Rows are ``model.Row`` (an alert, a stack, or a stack's member)."""

    BINDINGS = [
        Binding("enter,l", "open", "Open tree"),
    ]

    class Moved(Message):
        def __init__(self, row: Row | None) -> None:
            self.row = row
            super().__init__()

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self.ctx: Context | None = None
        self._cells: list[dict[str, Text]] = []
        self._layouts: dict[int, tuple[dict[str, int], set[str]]] = {}

    # ---------------------------------------------------------------- data
    def show(self, rows: list[Row], ctx: Context, cursor: int = 0) -> None:
        self.rows, self.ctx = rows, ctx
        # the year may be left out at narrow widths only when every row shares it
        self._one_year = len({short_time(r.alert.timestamp, ctx.tz)[:4] for r in rows}) <= 1
        self._cells = [self._row_cells(r) for r in rows]
        self._layouts.clear()
        self.reset(cursor)

    def refresh_rows(self) -> None:
        """Statuses or progress changed: rebuild the cells, keep the cursor."""
        self._cells = [self._row_cells(r) for r in self.rows]
        self._layouts.clear()
        super().refresh_rows()

    @property
    def current(self) -> Row | None:
        return self.rows[self.cursor] if self.rows and self.cursor < len(self.rows) else None

    def row_count(self) -> int:
        return len(self.rows)

    def moved(self, i: int) -> None:
        self.post_message(self.Moved(self.rows[i]))

    def opened(self, i: int) -> None:
        opener = getattr(self.screen, "open_row", None)
        if opener is not None:
            opener(self.rows[i])

    # ---------------------------------------------------------------- cells
    def _row_cells(self, row: Row) -> dict[str, Text]:
        ctx = self.ctx
        a = row.alert
        alerts = row.alerts
        cells: dict[str, Text] = {"sev": severity_text(a.rule.severity, ctx.lang)}
        statuses = {ctx.status_of(x.id) for x in alerts}
        status = statuses.pop() if len(statuses) == 1 else None
        cells["status"] = (Text(tr("status." + status, ctx.lang),
                                style=STATUS_STYLE.get(status, "")) if status else
                           Text(tr("tui.status_mixed", ctx.lang), style="italic"))
        cells["status_short"] = (Text(tr(STATUS_SHORT[status], ctx.lang),
                                      style=STATUS_STYLE.get(status, "")) if status else
                                 Text(tr("tui.status_short_mixed", ctx.lang), style="italic"))
        if row.stacked:
            cells["count"] = Text(f"{'▾' if row.expanded else '▸'}{row.count}", style="bold")
        else:
            cells["count"] = Text(" └" if row.member else "", style="dim")
        cells["time"] = Text(short_time(a.timestamp, ctx.tz))
        cells["time_brief"] = Text(short_time(a.timestamp, ctx.tz,
                                              year=not getattr(self, "_one_year", True)))
        hosts = {x.host for x in alerts}
        cells["host"] = safe(a.host) if len(hosts) == 1 else Text(
            tr("tui.n_hosts", ctx.lang, n=len(hosts)), style="italic")
        cells["rule"] = safe(a.rule.name)
        parent = (a.doc.get("process", {}).get("parent", {}) or {}).get("name") or "?"
        child = Text(end="")
        add(child, a.process.name, "bold")
        flags = []
        for x in alerts:
            flags += [f for f in ctx.flags_of(x.id) if f not in flags]
        for f in flags:
            child.append(" ")
            child.append(f"[{mark_word(f, ctx.lang)}]", style=MARK_STYLE.get(f, "bold"))
        chain = Text(end="")
        add(chain, parent)
        chain.append(" → ", style="dim")
        chain.append_text(child)
        cells["process"], cells["child"] = chain, child
        cells["guide"] = Text(", ".join(dict.fromkeys(ctx.progress_of(x) for x in alerts))
                              if not row.stacked else _sum_progress(ctx, alerts), style="dim")
        cmds = {x.process.cmdline() or "" for x in alerts}
        cells["cmd"] = safe(a.process.cmdline()) if len(cmds) == 1 else Text(
            tr("tui.n_cmdlines", ctx.lang, n=len(cmds)), style="italic")
        return cells

    def header_cells(self) -> dict[str, Text]:
        ctx = self.ctx
        out = {key: Text(tr(title, ctx.lang, tz=ctx.tz_name) if key == "time" else
                         tr(title, ctx.lang)) for key, title, _, _ in COLUMNS}
        out["status_short"] = out["status"]
        out["time_brief"] = out["time"]
        out["child"] = out["process"]
        out["process"] = Text(tr("tui.col_chain", ctx.lang))
        return out

    # ---------------------------------------------------------------- layout
    def layout(self, width: int) -> tuple[dict[str, int], set[str]]:
        """Column widths at ``width`` and the degradations applied (see ``DEGRADE``)."""
        cached = self._layouts.get(width)
        if cached is None:
            cached = self._layouts[width] = columns_for(
                width, [self.header_cells(), *self._cells])
        return cached

    def header_text(self, width: int) -> Text:
        if self.ctx is None:
            return Text("")
        return self._line(self.header_cells(), width, header=True)

    def row_text(self, i: int, width: int) -> Text:
        return self._line(self._cells[i], width)

    def _line(self, cells: dict[str, Text], width: int, header: bool = False) -> Text:
        widths, applied = self.layout(width)
        out = Text(end="", no_wrap=True)
        first = True
        for key, _, _, _ in COLUMNS:
            w = widths.get(key, 0)
            if w <= 0:
                continue
            cell = cells[_variant(key, applied)]
            if not first:
                out.append(" ")
            first = False
            shown = fit(cell, w)
            shown.pad_right(w - shown.cell_len)
            out.append_text(shown)
        return out


def _variant(key: str, applied: set[str]) -> str:
    """The cell a column shows after the degradations: short status, brief time, child."""
    if key == "status" and "status_short" in applied:
        return "status_short"
    if key == "time" and "year" in applied:
        return "time_brief"
    if key == "process" and "parent" in applied:
        return "child"
    return key


def columns_for(width: int, rows: list[dict[str, Text]]) -> tuple[dict[str, int], set[str]]:
    """Widths of the columns at ``width`` for these cells (header first): each as wide as
    its widest cell within its bounds.  When that is too wide, host, rule and process
    first give up room in proportion (down to ``KEEP`` of their width), and then what
    ``DEGRADE`` lists gives way, one after the other; at the end they shrink to their
    narrowest and columns are dropped from the right.  The command line, last, takes what
    is left."""
    applied: set[str] = set()
    bounds = {key: (lo, hi) for key, _, lo, hi in COLUMNS}

    def natural(key: str) -> int:
        v = _variant(key, applied)
        w = max((r[v].cell_len for r in rows), default=0)
        lo, hi = bounds[key]
        return max(lo, min(w, hi)) if hi else max(lo, w)

    def widths() -> dict[str, int]:
        return {key: natural(key) for key, *_ in COLUMNS
                if not (key in ("cmd", "guide") and key in applied)}

    def total(ws: dict[str, int]) -> int:
        shown = [w for w in ws.values() if w > 0]
        return sum(shown) + len(shown) - 1

    def shrink(ws: dict[str, int], keep: float) -> dict[str, int]:
        ws = dict(ws)
        if "cmd" in ws:
            ws["cmd"] = bounds["cmd"][0]
        over = total(ws) - width
        if over > 0:   # host, rule and process give up room in proportion to theirs
            floor = {k: max(bounds[k][0], int(ws[k] * keep)) for k in SHRINK if k in ws}
            slack = {k: ws[k] - floor[k] for k in floor}
            room = sum(slack.values())
            for k, v in slack.items():
                ws[k] -= min(v, -(-over * v // room)) if room else 0
        return ws

    ws = widths()
    for step in (None, *DEGRADE):
        if step is not None:
            applied.add(step)
        ws = widths()
        if total(ws) <= width:
            break
        shrunk = shrink(ws, KEEP)
        if total(shrunk) <= width:
            ws = shrunk
            break
    else:
        ws = shrink(ws, 0)
    while total(ws) > width and len(ws) > 1:
        ws.pop(list(ws)[-1])
    if "cmd" in ws:
        ws["cmd"] = max(ws["cmd"], width - (total(ws) - ws["cmd"]))
    return ws, applied


def _sum_progress(ctx: Context, alerts: list) -> str:
    done = total = 0
    for a in alerts:
        p = ctx.progress_of(a)
        if "/" in p:
            d, n = p.split("/", 1)
            done, total = done + int(d), total + int(n)
    return f"{done}/{total}" if total else "-"
