"""The screens: loading, alert list, investigation (tree + detail + checklist), timeline,
help, and small dialogs (note, search, host).  They arrange widgets and route keys to
the app, which owns the analysis and the case file."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Input, Markdown, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from evtxscan.i18n import tr
from evtxscan.textsafe import printable

from .keys import help_markdown
from .render import add, safe
from .widgets import (AlertTable, ChecklistList, ChecklistPane, DetailPane, Localized,
                      ProcessTree, TimelineView)


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
    BINDINGS = [
        Binding("t", "timeline", "Timeline"),
        Binding("H", "hosts", "Hosts"),
        Binding("s", "export", "Export .md"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.host: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="alerts-summary")
        yield AlertTable(id="alerts")
        yield Footer()

    def on_mount(self) -> None:
        self.title = tr("tui.title", self.app.lang)
        self.fill()
        self.query_one(AlertTable).focus()

    def fill(self, host: str | None = None) -> None:
        app = self.app
        self.host = host
        self.alerts = app.view.sorted_alerts(host)
        table = self.query_one(AlertTable)
        table.show(self.alerts, app.lang, app.tz, app.progress_text)
        lang = app.lang
        summary = Text(end="")
        if host is None:
            summary.append(tr("tui.alerts_count", lang, n=len(self.alerts)), style="bold")
            self.sub_title = tr("tui.all_hosts", lang)
        else:
            summary.append(tr("tui.alerts_host", lang, n=len(self.alerts),
                              host=printable(host)), style="bold")
            self.sub_title = printable(host)
        files = app.analysis.files_by_status
        summary.append("   " + tr("tui.files_status", lang, **files),
                       style="yellow" if files.get("partial") or files.get("error") else "dim")
        skipped = len(getattr(app.analysis.ruleset, "skipped", []) or [])
        if skipped:
            summary.append("   " + tr("tui.rules_skipped", lang, n=skipped), style="yellow")
        if not self.alerts:
            summary.append("   " + tr("tui.no_alerts", lang), style="dim")
        self.query_one("#alerts-summary", Static).update(summary)

    @property
    def current(self):
        table = self.query_one(AlertTable)
        if not self.alerts or table.cursor_row is None or table.cursor_row < 0:
            return None
        return self.alerts[min(table.cursor_row, len(self.alerts) - 1)]

    def on_screen_resume(self) -> None:
        table = self.query_one(AlertTable)
        for a in getattr(self, "alerts", []):
            table.set_progress(a.id, self.app.progress_text(a))

    @on(AlertTable.RowSelected)
    def _row_selected(self, event: AlertTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        a = self.current
        if a is not None:
            self.app.investigate(a.host, a)

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

    def action_export(self) -> None:
        self.app.export(self.current)


# --------------------------------------------------------------------------- investigate
class InvestigateScreen(Localized, Screen):
    """The process tree of one host, the selected process, the current alert's guide."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
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
            tree = ProcessTree(app.view, self.host, lang, id="tree")
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
        self.app.export(self.alert)


# --------------------------------------------------------------------------- timeline
class TimelineScreen(Localized, Screen):
    """The host's processes by time (±48 h around the alert); Enter opens one."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, host: str, alert=None) -> None:
        super().__init__()
        self.host = host
        self.alert = alert

    def compose(self) -> ComposeResult:
        app = self.app
        yield Header()
        yield Static(id="timeline-head")
        view = TimelineView(app.view, app.lang, app.tz, id="timeline")
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
                           n=f"{len(procs):,}", start=start, end=end), style="bold")
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


# --------------------------------------------------------------------------- help
class HelpScreen(Localized, Screen):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
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

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.prompt), id="dialog-prompt")
            yield Input(value=self.value, id="dialog-input")

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


__all__ = ["AlertsScreen", "HelpScreen", "HostPicker", "InvestigateScreen", "LoadingScreen",
           "TextPrompt", "TimelineScreen", "safe"]
