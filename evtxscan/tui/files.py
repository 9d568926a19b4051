"""``FileList``: every log the TUI read, as the scan's file table has it, so a zero is
never silent: status, records read, recovered, skipped, process events, hosts, path and
the first problem (all of a file's problems, with their offsets, under the list)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message

from evtxscan.i18n import tr
from evtxscan.textsafe import printable

from .render import add, fit, fit_left
from .rowlist import RowList

STATUS_STYLE = {"ok": "green", "partial": "bold yellow", "error": "bold red"}
#: i18n keys of the titles of the number columns, after the status
NUMBERS = ("tui.col_records", "tui.col_recovered", "tui.col_skipped", "tui.col_process_events")
#: from this width on, the first problem has a column; the path takes this share of
#: what is left
WIDE = 120
PATH_SHARE = 0.6


class FileList(RowList):
    """Rows are ``evtxscan.records.FileReport``s, worst first."""

    class Moved(Message):
        def __init__(self, report) -> None:
            self.report = report
            super().__init__()

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.reports: list = []

    def set_reports(self, reports: list) -> None:
        order = {"error": 0, "partial": 1, "ok": 2}
        self.reports = sorted(reports, key=lambda r: (order.get(r.status, 3),
                                                      r.records != 0, r.path))
        self.reset(0)

    def row_count(self) -> int:
        return len(self.reports)

    def moved(self, i: int) -> None:
        self.post_message(self.Moved(self.reports[i]))

    def _num_widths(self) -> list[int]:
        """Each number column as wide as its title or its widest number."""
        values = [(r.records, r.recovered, r.skipped, r.process_events) for r in self.reports]
        return [max([cell_len(tr(key, self.lang))] + [len(f"{v[i]:,}") for v in values])
                for i, key in enumerate(NUMBERS)]

    def _cols(self, width: int) -> tuple[int, int]:
        """(path width, problem width): below ``WIDE`` columns the first problem is
        left to the detail under the list and the path gets the room."""
        fixed = 8 + sum(w + 1 for w in self._num_widths())
        rest = max(10, width - fixed - 1)
        if width < WIDE:
            return rest, 0
        path = max(10, int(rest * PATH_SHARE))
        return path, max(0, rest - path - 1)

    def header_text(self, width: int) -> Text:
        path_w, prob_w = self._cols(width)
        t = Text(end="")
        t.append(fit(tr("tui.col_status", self.lang), 7).plain.ljust(8))
        for key, w in zip(NUMBERS, self._num_widths()):
            title = tr(key, self.lang)
            t.append(" " * (w - cell_len(title)) + title + " ")
        t.append(" " + fit(tr("tui.col_file", self.lang), path_w).plain.ljust(path_w))
        if prob_w:
            t.append(" " + tr("tui.col_problem", self.lang))
        return t

    def row_text(self, i: int, width: int) -> Text:
        r = self.reports[i]
        path_w, prob_w = self._cols(width)
        t = Text(end="", no_wrap=True)
        t.append(r.status.ljust(8), style=STATUS_STYLE.get(r.status, ""))
        for key, w, n in zip(NUMBERS, self._num_widths(),
                                  (r.records, r.recovered, r.skipped, r.process_events)):
            zero_hurts = n == 0 and key in ("tui.col_records", "tui.col_process_events")
            t.append(f"{n:,}".rjust(w) + " ", style="bold yellow" if zero_hurts else
                     "bold red" if key == "tui.col_skipped" and n else "")
        path = fit_left(printable(r.path), path_w)
        path.pad_right(path_w - path.cell_len)
        t.append(" ")
        t.append_text(path)
        if prob_w and (r.errors or r.notes):
            prob = Text(end="")
            add(prob, (r.errors or r.notes)[0].reason, "yellow" if r.errors else "dim")
            t.append(" ")
            t.append_text(fit(prob, prob_w))
        return t


def file_detail(report, lang: str) -> Text:
    """One file in full: its path (and container), hash, hosts, every problem with its
    offset, chunk and record id."""
    t = Text(end="")
    add(t, report.path, "bold")
    t.append("\n")
    t.append(f"{tr('tui.col_status', lang)}: ", style="dim")
    t.append(report.status, style=STATUS_STYLE.get(report.status, ""))
    t.append(f"   sha256: {report.sha256 or '-'}", style="dim")
    hosts = sorted(report.stats.computers)
    if hosts:
        t.append(f"   {tr('tui.hosts', lang)}: ", style="dim")
        add(t, ", ".join(hosts))
    t.append("\n")
    problems = [(e, True) for e in report.errors] + [(n, False) for n in report.notes]
    if not problems:
        t.append(tr("tui.file_no_problems", lang), style="dim")
    for e, error in problems:
        where = ", ".join(f"{k} {v}" for k, v in (("offset", e.offset), ("chunk", e.chunk),
                                                  ("record", e.record_id)) if v is not None)
        t.append("  ")
        add(t, e.reason, "yellow" if error else "dim")
        if where:
            t.append(f"  ({where})", style="dim")
        t.append("\n")
    return t
