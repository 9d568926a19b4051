"""The evtxscan TUI: walk the process tree from each alert and work the guide's checklist.

The app is a face over the engine: ``evtxscan.analysis.analyze`` reads the evidence (in a
thread worker that posts progress messages, so the screen never freezes),
``evtxscan.checklist`` turns the rule's guide into items with answers, and
``evtxscan.case.Case`` keeps ticks and notes (saved on every change, so quitting never
loses one).  Nothing here analyses evidence.
"""

from __future__ import annotations

import sys
from datetime import timezone, tzinfo
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from evtxscan.i18n import tr
from evtxscan.pipeline import ReadOptions

from .keys import localize_bindings
from .model import View
from .options import TuiOptions
from .screens import (AlertsScreen, HelpScreen, HostPicker, InvestigateScreen, LoadingScreen,
                      TimelineScreen)

DEFAULT_CASE = "evtxscan-case.json"
EXIT_OK, EXIT_FATAL = 0, 2


class Loading(Message):
    def __init__(self, i: int, total: int, name: str) -> None:
        self.i, self.total, self.name = i, total, name
        super().__init__()


class Analysing(Message):
    pass


class Loaded(Message):
    def __init__(self, analysis, view: View, case) -> None:
        self.analysis, self.view, self.case = analysis, view, case
        super().__init__()


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        self.error = error
        super().__init__()


class EvtxScanApp(App):
    """``paths`` are read in a worker unless ``analysis`` is given (tests, benchmarks)."""

    CSS_PATH = "app.tcss"
    TITLE = "evtxscan"
    ENABLE_COMMAND_PALETTE = False   # every action has a key, listed by ?
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, paths: list[str], case_path: str | Path, *, lang: str = "en",
                 tz: tzinfo = timezone.utc, rule_paths: list[str] = (),
                 include_default_rules: bool = True, read: ReadOptions = ReadOptions(),
                 analysis=None) -> None:
        super().__init__()
        self.paths = list(paths)
        self.case_path = Path(case_path)
        self.lang = lang
        self.tz = tz
        self.rule_paths = list(rule_paths)
        self.include_default_rules = include_default_rules
        self.read = read
        self.analysis = analysis
        self.view: View | None = None
        self.case = None
        self.failed: str | None = None
        self._guides: dict[str, tuple[list, dict]] = {}
        self._host_screens: dict[str, str] = {}

    @classmethod
    def from_options(cls, options: TuiOptions, case_path: str | Path) -> EvtxScanApp:
        """The app ``evtxscan tui`` runs: every option reaches the analysis or the screens."""
        from evtxscan.timefmt import parse_timezone
        return cls(list(options.paths), case_path, lang=options.lang,
                   tz=parse_timezone(options.timezone), rule_paths=list(options.rule_paths),
                   include_default_rules=options.include_default_rules,
                   read=options.read_options())

    # ---------------------------------------------------------------- loading
    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        self.push_screen(LoadingScreen())
        self.load_evidence()

    @work(thread=True, exclusive=True, name="load-evidence")
    def load_evidence(self) -> None:
        """Read and analyse in a thread; every step is reported by a message."""
        try:
            analysis = self.analysis
            if analysis is None:
                from evtxscan.analysis import analyze
                analysis = analyze(
                    self.paths, read=self.read, rule_paths=self.rule_paths,
                    include_default_rules=self.include_default_rules,
                    progress=lambda i, total, name: self.post_message(Loading(i, total, name)))
            self.post_message(Analysing())
            view = View.build(analysis)
            from evtxscan.case import Case
            case = Case.open(self.case_path, analysis, self.paths)
        except Exception as exc:  # shown to the responder; q quits with status 2
            self.post_message(LoadFailed(f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(Loaded(analysis, view, case))

    def on_loading(self, msg: Loading) -> None:
        if isinstance(self.screen, LoadingScreen):
            self.screen.progress(msg.i, msg.total, msg.name)

    def on_analysing(self, msg: Analysing) -> None:
        if isinstance(self.screen, LoadingScreen):
            self.screen.analysing()

    def on_loaded(self, msg: Loaded) -> None:
        self.analysis, self.view, self.case = msg.analysis, msg.view, msg.case
        while not isinstance(self.screen, LoadingScreen) and len(self.screen_stack) > 1:
            self.pop_screen()   # e.g. the help, opened while the evidence loaded
        self.switch_screen(AlertsScreen())
        changes = getattr(self.case, "changes", None)
        if changes:  # the evidence differs from when the case was last saved
            self.notify("\n".join(changes[:8]), title=tr("tui.evidence_changed", self.lang),
                        severity="warning", markup=False, timeout=10)

    def on_load_failed(self, msg: LoadFailed) -> None:
        self.failed = msg.error
        if isinstance(self.screen, LoadingScreen):
            self.screen.failed(msg.error)

    @property
    def ready(self) -> bool:
        return self.view is not None

    # ---------------------------------------------------------------- engine glue
    def guide(self, alert) -> tuple[list, dict]:
        """The checklist items of ``alert``'s rule and the engine's answer to each."""
        cached = self._guides.get(alert.id)
        if cached is None:
            from evtxscan.checklist import answer, checklist, sources
            items = checklist(alert.rule)
            answers = {}
            for i in items:
                text = answer(i, alert, self.lang, self.tz)
                evidence = sources(i, alert) if text else []
                # the evidence under the answer, one line each (the pane splits lines)
                answers[i.id] = "\n".join([text, *("  " + e for e in evidence)]) if evidence \
                    else text
            cached = self._guides[alert.id] = (items, answers)
        return cached

    def toggle(self, alert, item_id: str, state: str) -> None:
        """``x`` ticks / unticks, ``-`` marks / unmarks n/a; the case saves at once."""
        current = self.case.state(alert.id, item_id)
        self.case.set_state(alert.id, item_id, "open" if current == state else state)

    def progress_text(self, alert) -> str:
        """``done/total`` of the alert's guide (n/a counts as dealt with)."""
        if self.case is None:
            return ""
        dealt, total = self.case.progress(alert.id)
        return f"{dealt}/{total}" if total else "-"

    def export(self, alert) -> None:
        if alert is None:
            return
        from evtxscan.outputs.markdown import render_alert_markdown
        path = self.case_path.resolve().parent / f"evtxscan-alert-{alert.id}.md"
        try:
            text = render_alert_markdown(self.analysis, alert, case=self.case, lang=self.lang,
                                         tz=self.tz, level=1)
            path.write_text(text, encoding="utf-8")
        except Exception as exc:
            self.notify(tr("tui.export_failed", self.lang, error=f"{type(exc).__name__}: {exc}"),
                        severity="error", markup=False)
            return
        self.notify(tr("tui.exported", self.lang, path=path), markup=False, timeout=6)

    # ---------------------------------------------------------------- navigation
    def investigate(self, host: str, alert=None, node: int | None = None) -> None:
        """Show ``host``'s tree at ``node`` (default: the alert's process).

        One investigation screen per host is kept (installed), so coming back to a host
        is instant and its tree is as the responder left it.
        """
        name = self._host_screens.get(host)
        if name is None:
            name = self._host_screens[host] = f"investigate-{len(self._host_screens)}"
            self.install_screen(InvestigateScreen(host, alert=alert, node=node), name)
        else:
            self.get_screen(name).retarget(alert, node)
        if self.screen is not self.get_screen(name):
            self.push_screen(name)

    def open_timeline(self, host: str, alert=None, from_tree: InvestigateScreen | None = None):
        def opened(node: int | None) -> None:
            if node is None:
                return
            if from_tree is not None:
                alerts = self.view.alerts_by_node.get(node)
                if alerts:
                    from_tree.show_alert(alerts[0])
                from_tree.goto(node)
            else:
                alerts = self.view.alerts_by_node.get(node)
                self.investigate(host, alerts[0] if alerts else alert, node)
        self.push_screen(TimelineScreen(host, alert), opened)

    def pick_host(self) -> None:
        def chosen(host: str | None) -> None:
            if host is None:
                return
            while not isinstance(self.screen, AlertsScreen) and len(self.screen_stack) > 1:
                self.pop_screen()
            if isinstance(self.screen, AlertsScreen):
                self.screen.fill(host or None)
        self.push_screen(HostPicker(), chosen)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def resolve_case_path(case: str | None, paths: list[str]) -> Path:
    """``--case``, else ``./evtxscan-case.json``; never inside the evidence."""
    from evtxscan.case import check_outside_evidence
    p = Path(case or DEFAULT_CASE).resolve()
    check_outside_evidence(p, paths)   # raises CaseError (a ValueError) naming both
    return p


def run(options: TuiOptions) -> int:
    """Entry point of ``evtxscan tui``; returns the exit status."""
    from evtxscan.textsafe import printable
    try:
        case_path = resolve_case_path(options.case, list(options.paths))
    except ValueError as exc:
        print(f"evtxscan: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FATAL
    app = EvtxScanApp.from_options(options, case_path)
    app.run()
    if app.failed:
        print(f"evtxscan: error: {printable(app.failed)}", file=sys.stderr)
        return EXIT_FATAL
    return EXIT_OK
