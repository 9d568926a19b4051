"""The screens: loading, alert list, investigation (tree + detail + checklist), timeline,
files, help, and small dialogs (note, search, filter, host, status).  They arrange
widgets and route keys to the app, which owns the analysis and the case file."""

from __future__ import annotations

import time
from collections import Counter

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Input, Markdown, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from evtxscan.case import ALERT_STATUSES
from evtxscan.i18n import tr
from evtxscan.textsafe import printable
from evtxscan.timefmt import display

from .alertlist import AlertList, Context
from .files import FileList, file_detail
from .keys import Localized, help_markdown
from .model import (STACK_MODES, SORTS, AlertFilter, FilterError, Row, alert_rows,
                    distinct_command_lines, ordered_marks, sort_alerts)
from .render import (MARK_STYLE, add, decoded_text, mark_word, safe, severity_text,
                     short_time, status_text)
from .widgets import ChecklistList, ChecklistPane, DetailPane, ProcessTree, TimelineView


#: Seconds the tree cursor must rest on an alerted process before the guide follows it.
FOLLOW_DELAY = 0.15
#: Moves closer together than this (a held key) redraw the detail once the cursor rests.
DETAIL_GAP = 0.06


# --------------------------------------------------------------------------- loading
class LoadingScreen(Screen):
    """Shown while the worker reads the evidence; updated by the app's messages."""

    def compose(self) -> ComposeResult:
        # no Header here: this screen may be replaced within milliseconds (small or
        # missing evidence), before a Header would have finished mounting
        lang = self.app.lang
        with Vertical(id="loading"):
            yield Static(Text("evtxscan", style="bold"), id="loading-app")
            yield Static(Text(tr("tui.loading", lang), style="bold"), id="loading-title")
            yield ProgressBar(id="loading-bar", show_eta=False)
            yield Static(id="loading-file")
        yield Footer()

    def progress(self, i: int, total: int, name: str) -> None:
        lang = self.app.lang
        bar = self.query_one(ProgressBar)
        bar.update(total=max(total, 1), progress=i)   # file i is being read now
        t = Text(tr("tui.loading_file", lang, i=i + 1, total=total) + "  ", style="dim")
        if "::" in name:  # a log inside an image or archive: the container, then the log
            container, inner = name.split("::", 1)
            add(t, container, "bold")
            t.append("  ")
            add(t, inner)
        else:
            add(t, name)
        self.query_one("#loading-file", Static).update(t)

    def analysing(self) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(progress=bar.total or 1)
        self.query_one("#loading-file", Static).update(
            Text(tr("tui.analysing", self.app.lang), style="dim"))

    def failed(self, message: str) -> None:
        lang = self.app.lang
        t = Text(tr("tui.load_failed", lang) + "\n\n", style="bold red")
        add(t, message)
        t.append("\n\n" + tr("tui.press_q", lang))
        self.query_one("#loading-title", Static).update(t)
        self.query_one(ProgressBar).display = False
        self.query_one("#loading-file", Static).display = False


# --------------------------------------------------------------------------- alerts
class AlertsScreen(Localized, Screen):
    """Every alert (or one host's), stacked, filtered and sorted as asked, with a
    preview of the row under the cursor."""

    BINDINGS = [
        Binding("t", "timeline", "Timeline"),
        Binding("H", "hosts", "Hosts"),
        Binding("slash", "filter", "Filter"),
        Binding("m", "status", "Status"),
        Binding("o", "sort", "Sort"),
        Binding("z", "stack", "Stack"),
        Binding("s", "export", "Export .md"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.host: str | None = None
        self.filter = AlertFilter()
        self.sort = SORTS[0]
        self.stack_mode = STACK_MODES[0]
        self.expanded: set[tuple] = set()
        self.alerts: list = []
        self.rows: list[Row] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="alerts-summary")
        yield AlertList(id="alerts")
        yield Static(id="alert-preview")
        yield Footer()

    def on_mount(self) -> None:
        self.title = tr("tui.title", self.app.lang)
        self.fill()
        self.query_one(AlertList).focus()

    @property
    def list(self) -> AlertList:
        return self.query_one(AlertList)

    def context(self) -> Context:
        app = self.app
        return Context(app.lang, app.tz, app.tz_name, app.status_of, app.progress_text,
                       lambda aid: app.view.flags.get(aid, []))

    def fill(self, host: str | None | object = ..., keep: tuple | str | None = None) -> None:
        """(Re)build the rows: ``host`` (``...``: the current one; None: all hosts), the
        filter, order and stacking; the cursor stays on ``keep`` (a stack key or an alert
        id; default: what it is on now)."""
        app = self.app
        if host is not ...:
            self.host = host
        if keep is None:
            row = self.list.current if self.rows else None
            keep = (row.key if row.stacked else row.alert.id) if row is not None else None
        view = app.view
        alerts = view.sorted_alerts(self.host)
        if self.filter:
            alerts = [a for a in alerts if self.filter.matches(a, app.status_of(a.id),
                                                                view.flags.get(a.id, []))]
        self.alerts = sort_alerts(alerts, self.sort, view.suspect, app.status_of)
        self.rows = alert_rows(self.alerts, self.stack_mode, self.expanded)
        cursor = next((i for i, r in enumerate(self.rows)
                       if (r.key == keep and r.stacked) or (not r.stacked and r.alert.id == keep)),
                      0)
        self.list.show(self.rows, self.context(), cursor)
        self._summary()
        self._preview(self.list.current)

    def _summary(self) -> None:
        app = self.app
        lang = app.lang
        summary = Text(end="")
        host = self.host
        n = len(self.alerts)
        if host is None:
            summary.append(tr("tui.alerts_count", lang, n=n), style="bold")
            self.sub_title = tr("tui.all_hosts", lang)
        else:
            summary.append(tr("tui.alerts_host", lang, n=n, host=printable(host)), style="bold")
            self.sub_title = printable(host)
        if len(self.rows) != n:
            summary.append("  " + tr("tui.in_rows", lang, rows=len(self.rows)), style="dim")
        files = app.analysis.files_by_status
        summary.append("   " + tr("tui.files_status", lang, **files),
                       style="bold yellow" if files.get("partial") or files.get("error")
                       else "dim")
        skipped = len(getattr(app.analysis.ruleset, "skipped", []) or [])
        if skipped:
            summary.append("   " + tr("tui.rules_skipped", lang, n=skipped), style="yellow")
        summary.append("\n")
        summary.append(tr("tui.sorted_by", lang, order=tr("tui.sort_" + self.sort, lang)),
                       style="dim")
        summary.append("  ·  " + tr("tui.stacking", lang,
                                    mode=tr("tui.stack_" + self.stack_mode, lang)), style="dim")
        if self.filter:
            summary.append("  ·  " + tr("tui.filter_shown", lang) + " ", style="bold yellow")
            add(summary, self.filter.text, "bold yellow")
        if not self.alerts:
            summary.append("   " + tr("tui.no_alerts" if not self.filter else
                                      "tui.no_alerts_filtered", lang), style="dim")
        self.query_one("#alerts-summary", Static).update(summary)

    @property
    def current(self):
        """The alert under the cursor (a stack's first alert)."""
        row = self.list.current if self.rows else None
        return row.alert if row is not None else None

    def row_of(self, alert) -> int | None:
        """The row showing ``alert`` on its own (None: it is inside a closed stack)."""
        return next((i for i, r in enumerate(self.rows) if not r.stacked and r.alert is alert),
                    None)

    def stack_of(self, alert) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.stacked and alert in r.alerts),
                    None)

    def on_screen_resume(self) -> None:
        if self.rows:
            self.list.refresh_rows()
            self._preview(self.list.current)

    @on(AlertList.Moved)
    def _moved(self, event: AlertList.Moved) -> None:
        self._preview(event.row)

    def _preview(self, row: Row | None) -> None:
        self.query_one("#alert-preview", Static).update(
            preview_text(row, self.context(), self.app) if row is not None else Text(""))

    def open_row(self, row: Row) -> None:
        """Enter on a row (called by the list itself, not by a message: keys pressed
        right after must see the rows this makes)."""
        if row.stacked:   # Enter shows (or hides) the stack's alerts below it
            self.expanded.symmetric_difference_update({row.key})
            self.fill(keep=row.key)
        else:
            self.app.investigate(row.alert.host, row.alert)

    def action_open(self) -> None:
        self.list.action_open()

    def action_timeline(self) -> None:
        a = self.current
        host = a.host if a is not None else self.host
        if host is None:
            hosts = self.app.view.hosts()
            if not hosts:
                return
            host = hosts[0]
        self.app.open_timeline(host, a)

    def action_hosts(self) -> None:
        self.app.pick_host()

    def _row_alerts(self) -> list:
        row = self.list.current if self.rows else None
        return list(row.alerts) if row is not None else []

    def action_export(self) -> None:
        self.app.export(self._row_alerts())

    def action_status(self) -> None:
        alerts = self._row_alerts()
        if alerts:
            self.app.choose_status(alerts, lambda: self.fill())

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.fill()

    def action_stack(self) -> None:
        self.stack_mode = STACK_MODES[(STACK_MODES.index(self.stack_mode) + 1)
                                      % len(STACK_MODES)]
        self.expanded.clear()
        keep = self.current.id if self.current is not None else None
        self.fill(keep=keep)

    def action_filter(self) -> None:
        lang = self.app.lang
        self.app.push_screen(TextPrompt(tr("tui.filter_prompt", lang), self.filter.text,
                                        hint=tr("tui.filter_hint", lang)), self._filtered)

    def _filtered(self, text: str | None) -> None:
        if text is None:
            return
        try:
            self.filter = AlertFilter.parse(text, self.app.tz)
        except FilterError as exc:
            self.notify(tr(exc.key, self.app.lang, **{k: printable(v) for k, v in
                                                      exc.params.items()}),
                        severity="error", markup=False)
            return
        self.fill()

    def action_clear_filter(self) -> None:
        if self.filter:
            self.filter = AlertFilter()
            self.fill()


def preview_text(row: Row, ctx: Context, app) -> Text:
    """What the list cannot fit about the row under the cursor: the rule in full, its
    severity and status, host(s), parent and process with flags, the command line (and
    its decoded PowerShell), or for a stack how many hosts and command lines it holds."""
    lang = ctx.lang
    a = row.alert
    t = Text(end="")
    add(t, a.rule.name, "bold")
    t.append("  ")
    t.append_text(severity_text(a.rule.severity, lang))
    t.append(f"  {tr('tui.risk', lang)} {a.rule.risk_score}", style="dim")
    statuses = Counter(ctx.status_of(x.id) for x in row.alerts)
    t.append(f"  {tr('tui.col_status', lang)}: ", style="dim")
    for i, (st, n) in enumerate(statuses.most_common()):
        if i:
            t.append(", ")
        t.append_text(status_text(st, lang))
        if row.stacked:
            t.append(f" ×{n}", style="dim")
    t.append("\n")
    if row.stacked:
        hosts = sorted({x.host for x in row.alerts})
        t.append(tr("tui.stack_line", lang, n=row.count, hosts=len(hosts),
                    cmdlines=distinct_command_lines(row.alerts),
                    first=short_time(min(x.timestamp for x in row.alerts), ctx.tz),
                    last=short_time(max(x.timestamp for x in row.alerts), ctx.tz)),
                 style="bold")
        t.append("  ")
        add(t, ", ".join(hosts), "dim")
        t.append("\n")
    else:
        add(t, a.host, "bold")
        t.append(f"  {display(a.timestamp, ctx.tz)}", style="dim")
        t.append("\n")
    parent = (a.doc.get("process", {}).get("parent", {}) or {})
    add(t, parent.get("name") or "?")
    if parent.get("pid") is not None:
        t.append(f" {parent['pid']}", style="dim")
    t.append(" → ", style="dim")
    add(t, a.process.name, "bold")
    if a.process.pid is not None and not row.stacked:
        t.append(f" {a.process.pid}", style="dim")
    for f in ordered_marks(m for x in row.alerts for m in ctx.flags_of(x.id)):
        t.append(" ")
        t.append(f"[{mark_word(f, lang)}]", style=MARK_STYLE.get(f, "bold"))
    t.append("\n")
    t.append(f"{tr('tui.command_line', lang)}: ", style="dim")
    add(t, a.process.cmdline() or "-")
    decoded = decoded_text(a.process.cmdline(), lang)
    if decoded.plain:
        t.append("\n")
        t.append_text(decoded)
    return t


# --------------------------------------------------------------------------- investigate
class InvestigateScreen(Localized, Screen):
    """The process tree of one host, the selected process, the current alert's guide."""

    BINDINGS = [
        Binding("escape,backspace", "back", "Back"),
        Binding("a", "next_alert(1)", "Next alert"),
        Binding("A", "next_alert(-1)", "Prev alert", show=False),
        Binding("slash", "search", "Search"),
        Binding("n", "search_next(1)", "Next match", show=False),
        Binding("N", "search_next(-1)", "Prev match", show=False),
        Binding("E", "alert_note", "Alert note", show=False),
        Binding("1", "focus_pane('tree')", "Tree", show=False),
        Binding("2", "focus_pane('detail')", "Detail", show=False),
        Binding("3", "focus_pane('checklist-items')", "Checklist", show=False),
        Binding("t", "timeline", "Timeline"),
        Binding("m", "status", "Status"),
        Binding("H", "hosts", "Hosts", show=False),
        Binding("s", "export", "Export .md"),
    ]

    def __init__(self, host: str, alert=None, node: int | None = None) -> None:
        super().__init__()
        self.host = host
        self.alert = alert
        self.start_node = node if node is not None else (
            alert.process.node if alert is not None else None)
        self.matches: list = []
        self.match_index = -1
        self._follow = None
        self._detail_timer = None
        self._last_detail = 0.0

    def compose(self) -> ComposeResult:
        app = self.app
        lang = app.lang
        yield Header()
        with Horizontal(id="investigate"):
            tree = ProcessTree(app.view, self.host, lang, app.tz, id="tree")
            tree.border_title = tr("tui.tree", lang)
            yield tree
            with Vertical(id="right"):
                detail = DetailPane(app.view, lang, app.tz, id="detail")
                detail.border_title = tr("tui.detail", lang)
                yield detail
                checklist = ChecklistPane(lang, id="checklist")
                checklist.border_title = tr("tui.checklist", lang)
                yield checklist
        yield Footer()

    @property
    def tree(self) -> ProcessTree:
        return self.query_one(ProcessTree)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def checklist(self) -> ChecklistPane:
        return self.query_one(ChecklistPane)

    def on_mount(self) -> None:
        self.title = tr("tui.title", self.app.lang)
        self.sub_title = printable(self.host)
        tree = self.tree
        tree.focus()
        self.show_alert(self.alert)
        if self.start_node is not None:
            self.goto(self.start_node, expand=True)
        else:
            tree.ensure_loaded(None)
            tree.call_after_refresh(tree.move_cursor_to_line, 0)

    def retarget(self, alert=None, node: int | None = None) -> None:
        """Coming back to this host: show ``alert`` (and ``node``, default its process)."""
        if node is None and alert is not None:
            node = alert.process.node
        if not self.is_mounted:
            self.alert, self.start_node = alert, node
            return
        if alert is not None:
            self.show_alert(alert)
        if node is not None:
            self.goto(node, expand=True)
        self.tree.focus()

    # ---------------------------------------------------------------- moving
    def goto(self, node: int, expand: bool = False) -> None:
        """Reveal ``node`` in the tree (ancestry expanded) and put the cursor on it."""
        tree = self.tree
        tnode = tree.reveal(node)
        if expand and tnode.allow_expand and not tnode.is_expanded:
            tree.ensure_loaded(node)
            tnode.expand()
        self.detail.show(node)

    @on(ProcessTree.Moved)
    def _moved(self, event: ProcessTree.Moved) -> None:
        node = event.node
        # the first move shows its process at once; while keys repeat, the detail is
        # drawn when the cursor rests, so holding j stays smooth on a 100k-process host
        now = time.monotonic()
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if now - self._last_detail >= DETAIL_GAP:
            self.detail.show(node)
        else:
            self._detail_timer = self.set_timer(DETAIL_GAP, lambda: self._rest(node))
        self._last_detail = now
        if node is None:
            return
        alerts = self.app.view.alerts_by_node.get(node)
        if alerts and (self.alert is None or self.alert.process.node != node):
            # the guide follows the cursor onto another alerted process; wait until the
            # cursor rests there, so holding j over many alerts stays smooth
            if self._follow is not None:
                self._follow.stop()
            self._follow = self.set_timer(FOLLOW_DELAY, lambda: self._follow_alert(node))

    def _rest(self, node: int | None) -> None:
        self._detail_timer = None
        self.detail.show(node)

    def _follow_alert(self, node: int) -> None:
        self._follow = None
        if self.tree.cursor_proc == node:
            alerts = self.app.view.alerts_by_node.get(node)
            if alerts and (self.alert is None or self.alert.process.node != node):
                self.show_alert(alerts[0])

    def show_alert(self, alert) -> None:
        self.alert = alert
        app = self.app
        items, answers = app.guide(alert) if alert is not None else ([], {})
        self.checklist.show(alert, items, answers, app.case)

    def action_next_alert(self, direction: int) -> None:
        alerts = self.app.view.host_alerts_in_time(self.host)
        if not alerts:
            self.notify(tr("tui.no_more_alerts", self.app.lang), timeout=2)
            return
        if self.alert in alerts:
            i = (alerts.index(self.alert) + direction) % len(alerts)
        else:
            i = 0 if direction > 0 else len(alerts) - 1
        if alerts[i] is self.alert:
            self.notify(tr("tui.no_more_alerts", self.app.lang), timeout=2)
            return
        self.show_alert(alerts[i])
        self.goto(alerts[i].process.node)

    def action_focus_pane(self, pane_id: str) -> None:
        self.query_one(f"#{pane_id}").focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    # ---------------------------------------------------------------- search
    def action_search(self) -> None:
        lang = self.app.lang
        self.app.push_screen(TextPrompt(tr("tui.search_prompt", lang, host=printable(self.host)),
                                        ""), self._search_done)

    def _search_done(self, needle: str | None) -> None:
        if not needle:
            return
        self.matches = self.app.view.search(self.host, needle)
        if not self.matches:
            self.notify(tr("tui.search_none", self.app.lang), timeout=3)
            return
        # the first match at or after the process under the cursor
        cur = self.tree.cursor_proc
        start = self.app.view.graph[cur].start_time or "" if cur is not None else ""
        self.match_index = next((i for i, p in enumerate(self.matches)
                                 if (p.start_time or "") >= start and p.node != cur), 0)
        self.goto(self.matches[self.match_index].node)

    def action_search_next(self, direction: int) -> None:
        if not self.matches:
            return
        self.match_index = (self.match_index + direction) % len(self.matches)
        self.goto(self.matches[self.match_index].node)

    # ---------------------------------------------------------------- checklist
    @on(ChecklistList.Act)
    def _checklist_act(self, event: ChecklistList.Act) -> None:
        if self.alert is None:
            return
        app = self.app
        if event.action == "note":
            current = app.case.note(self.alert.id, event.item_id) or ""
            alert_id, item_id = self.alert.id, event.item_id
            app.push_screen(TextPrompt(tr("tui.note_prompt", app.lang), current),
                            lambda text: self._note_done(alert_id, item_id, text))
            return
        app.toggle(self.alert, event.item_id, event.action)
        self.checklist.refresh_item(event.item_id, app.case)

    def _note_done(self, alert_id: str, item_id: str, text: str | None) -> None:
        if text is None:
            return
        self.app.case.set_note(alert_id, item_id, text)
        if self.alert is not None and self.alert.id == alert_id:
            self.checklist.refresh_item(item_id, self.app.case)

    def action_alert_note(self) -> None:
        if self.alert is None:
            return
        app = self.app
        alert_id = self.alert.id
        app.push_screen(TextPrompt(tr("tui.alert_note_prompt", app.lang),
                                   app.case.alert_note(alert_id) or ""),
                        lambda text: self._alert_note_done(alert_id, text))

    def _alert_note_done(self, alert_id: str, text: str | None) -> None:
        if text is None:
            return
        self.app.case.set_alert_note(alert_id, text)
        self.show_alert(self.alert)

    # ---------------------------------------------------------------- elsewhere
    def action_timeline(self) -> None:
        self.app.open_timeline(self.host, self.alert, from_tree=self)

    def action_hosts(self) -> None:
        self.app.pick_host()

    def action_export(self) -> None:
        self.app.export([self.alert] if self.alert is not None else [])

    def action_status(self) -> None:
        if self.alert is not None:
            self.app.choose_status([self.alert], lambda: self.show_alert(self.alert))


# --------------------------------------------------------------------------- timeline
class TimelineScreen(Localized, Screen):
    """The host's processes by time (±48 h around the alert); Enter opens one, ``/``
    searches names and command lines, ``s`` exports the alert of the process under the
    cursor (else the one the timeline was opened for)."""

    BINDINGS = [
        Binding("escape,backspace", "back", "Back"),
        Binding("slash", "search", "Search"),
        Binding("n", "search_next(1)", "Next match", show=False),
        Binding("N", "search_next(-1)", "Prev match", show=False),
        Binding("s", "export", "Export .md"),
    ]

    def __init__(self, host: str, alert=None) -> None:
        super().__init__()
        self.host = host
        self.alert = alert
        self.needle = ""

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header()
        yield Static(id="timeline-head")
        view = TimelineView(app.view, app.lang, app.tz, app.tz_name, id="timeline")
        yield view
        with VerticalScroll(id="timeline-detail"):
            yield Static(id="timeline-cmdline")
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        lang = app.lang
        self.title = tr("tui.title", lang)
        self.sub_title = printable(self.host) + " — " + tr("tui.timeline", lang)
        procs, start, end = app.view.window(self.host, self.alert)
        head = Text(end="")
        if start is not None:
            head.append(tr("tui.timeline_title", lang, host=printable(self.host),
                           n=f"{len(procs):,}", start=short_time(start, app.tz),
                           end=short_time(end, app.tz)), style="bold")
        else:
            head.append(tr("tui.timeline_all", lang, host=printable(self.host),
                           n=f"{len(procs):,}"), style="bold")
        self.query_one("#timeline-head", Static).update(head)
        cursor = 0
        if self.alert is not None:
            cursor = next((i for i, p in enumerate(procs)
                           if p.node == self.alert.process.node), 0)
        tl = self.query_one(TimelineView)
        tl.set_rows(procs, cursor)
        tl.focus()

    @on(TimelineView.Moved)
    def _moved(self, event: TimelineView.Moved) -> None:
        p = event.proc
        t = Text(end="")
        add(t, p.name, "bold")
        t.append(f"  pid {p.pid}  " if p.pid is not None else "  ", style="dim")
        add(t, p.cmdline() or "")
        self.query_one("#timeline-cmdline", Static).update(t)

    @on(TimelineView.Opened)
    def _opened(self, event: TimelineView.Opened) -> None:
        self.dismiss(event.proc.node)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_search(self) -> None:
        lang = self.app.lang
        self.app.push_screen(TextPrompt(tr("tui.search_prompt", lang,
                                           host=printable(self.host)), self.needle),
                             self._search_done)

    def _search_done(self, needle: str | None) -> None:
        if not needle:
            return
        self.needle = needle
        self.action_search_next(1)

    def action_search_next(self, direction: int) -> None:
        tl = self.query_one(TimelineView)
        if not self.needle:
            return
        i = tl.find(self.needle, direction)
        if i is None:
            self.notify(tr("tui.search_none", self.app.lang), timeout=3)
            return
        tl.cursor = i

    def action_export(self) -> None:
        p = self.query_one(TimelineView).current
        alerts = self.app.view.alerts_by_node.get(p.node, []) if p is not None else []
        self.app.export(alerts or ([self.alert] if self.alert is not None else []))


# --------------------------------------------------------------------------- help
class HelpScreen(Localized, Screen):
    BINDINGS = [
        Binding("escape,backspace,q,question_mark", "close", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="help"):
            with Horizontal(id="help-columns"):
                yield Markdown(help_markdown(self.app.lang, 0), id="help-left")
                yield Markdown(help_markdown(self.app.lang, 1), id="help-right")
        yield Footer()

    def on_mount(self) -> None:
        self.title = tr("tui.title", self.app.lang)
        self.sub_title = tr("tui.help_title", self.app.lang)
        self.query_one("#help").focus()

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, n: int) -> None:
        self.query_one("#help", VerticalScroll).scroll_relative(y=n, animate=False)


# --------------------------------------------------------------------------- dialogs
class TextPrompt(Localized, ModalScreen[str | None]):
    """One line of text: Enter returns it, Escape returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "", hint: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.prompt), id="dialog-prompt")
            yield Input(value=self.value, id="dialog-input")
            if self.hint:
                yield Static(Text(self.hint, style="dim"), id="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HostPicker(Localized, ModalScreen[str | None]):
    """Choose a host (or all hosts); returns the host name, "" for all, None to cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("j", "down", show=False), Binding("k", "up", show=False)]

    def compose(self) -> ComposeResult:
        app = self.app
        lang = app.lang
        view = app.view
        opts = [Option(Text(tr("tui.all_hosts", lang), style="bold"), id="all")]
        self.hosts = view.hosts()
        for i, h in enumerate(self.hosts):
            t = Text(end="")
            add(t, h, "bold")
            t.append("  " + tr("tui.host_line", lang,
                               alerts=len(view.alerts_by_host.get(h, [])),
                               procs=f"{view.host_process_count(h):,}"), style="dim")
            opts.append(Option(t, id=f"host-{i}"))
        with Vertical(id="dialog"):
            yield Static(Text(tr("tui.hosts", lang), style="bold"))
            yield OptionList(*opts, id="hosts")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or "all"
        self.dismiss("" if oid == "all" else self.hosts[int(oid.split("-", 1)[1])])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- files
class FilesScreen(Localized, Screen):
    """Every log read: status, records, recovered, skipped, process events, problems."""

    BINDINGS = [Binding("escape,backspace", "back", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="files-summary")
        yield FileList(self.app.lang, id="files")
        with VerticalScroll(id="file-detail"):
            yield Static(id="file-text")
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        lang = app.lang
        self.title = tr("tui.title", lang)
        self.sub_title = tr("tui.files_title", lang)
        from evtxscan.outputs.reportdata import totals
        self.query_one("#files-summary", Static).update(
            Text(tr("report.totals", lang, **totals(app.analysis)), style="bold"))
        fl = self.query_one(FileList)
        fl.set_reports(list(app.analysis.reports))
        fl.focus()
        if not app.analysis.reports:
            self.query_one("#file-text", Static).update(
                Text(tr("tui.no_files", lang), style="bold yellow"))

    @on(FileList.Moved)
    def _moved(self, event: FileList.Moved) -> None:
        self.query_one("#file-text", Static).update(file_detail(event.report, self.app.lang))

    def action_back(self) -> None:
        self.app.pop_screen()


class StatusPicker(Localized, ModalScreen[str | None]):
    """What the responder decided about an alert (or every alert of a stack): one of
    ``evtxscan.case.ALERT_STATUSES``, by its number or with Enter."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                *(Binding(str(i), f"pick({i - 1})", show=False)
                  for i in range(1, len(ALERT_STATUSES) + 1)),
                Binding("j", "down", show=False), Binding("k", "up", show=False)]

    def __init__(self, n: int, current: str | None) -> None:
        super().__init__()
        self.n = n
        self.current_status = current

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        opts = []
        for i, st in enumerate(ALERT_STATUSES, 1):
            t = Text(f"{i}  ", style="bold")
            t.append_text(status_text(st, lang))
            if st == self.current_status:
                t.append("  ←", style="dim")
            opts.append(Option(t, id=st))
        with Vertical(id="dialog"):
            yield Static(Text(tr("tui.status_prompt", lang, n=self.n), style="bold"))
            yield OptionList(*opts, id="statuses")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if self.current_status in ALERT_STATUSES:
            ol.highlighted = ALERT_STATUSES.index(self.current_status)
        ol.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_pick(self, i: int) -> None:
        self.dismiss(ALERT_STATUSES[i])

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = ["AlertsScreen", "FilesScreen", "HelpScreen", "HostPicker", "InvestigateScreen",
           "LoadingScreen", "StatusPicker", "TextPrompt", "TimelineScreen", "safe"]
