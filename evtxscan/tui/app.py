"""The evtxscan TUI: walk the process tree from each alert and work the guide's checklist.

The app is a face over the engine: ``evtxscan.analysis.analyze`` reads the evidence (in a
daemon thread that posts progress messages, so the screen never freezes and quitting
never waits for it), ``evtxscan.checklist`` turns the rule's guide into items with
answers, and ``evtxscan.case.Case`` keeps statuses, ticks and notes (saved on every
change, so quitting never loses one).  Nothing here analyses evidence.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import timezone, tzinfo
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.message import Message

from evtxscan.i18n import tr
from evtxscan.pipeline import ReadOptions

from . import cjkwrap
from .keys import localize_bindings
from .model import View
from .options import TuiOptions
from .screens import (AlertsScreen, FilesScreen, HelpScreen, HostPicker, InvestigateScreen,
                      LoadingScreen, StatusPicker, TimelineScreen)

cjkwrap.install()   # Chinese text breaks between ideographs, never inside a file name

#: the case file ``evtxscan tui`` used before OUTDIR/case.json (issue 18)
OLD_DEFAULT_CASE = "evtxscan-case.json"
EXIT_OK, EXIT_FATAL = 0, 2
#: seconds a signalled app gets to restore the terminal before the process just ends
#: (its scratch folder is removed first; a closed terminal may never take the bytes)
EXIT_GRACE = 3.0


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


class Cancelled(Exception):
    """The app is quitting while the evidence is read: stop at the next file."""


class EvtxScanApp(App):
    """``paths`` are read in a thread unless ``analysis`` is given (tests, benchmarks).

    ``outdir`` is the case folder where alerts are exported (default: the case file's
    folder); ``scratch`` the run's scratch folder (``evtxscan.scratch``) for Sysmon
    records spilled while reading, removed however the app ends.
    """

    CSS_PATH = "app.tcss"
    TITLE = "evtxscan"
    ENABLE_COMMAND_PALETTE = False   # every action has a key, listed by ?
    #: below 110 columns the investigation screen stacks the tree over the panes
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("f", "files", "Files"),
    ]

    def __init__(self, paths: list[str], case_path: str | Path, *, outdir: str | Path | None = None,
                 lang: str = "en", tz: tzinfo = timezone.utc, tz_name: str | None = None,
                 rule_paths: list[str] = (), include_default_rules: bool = True,
                 read: ReadOptions = ReadOptions(), analysis=None, scratch=None) -> None:
        super().__init__()
        self.paths = list(paths)
        self.case_path = Path(case_path)
        self.outdir = Path(outdir) if outdir is not None else self.case_path.resolve().parent
        self.lang = lang
        self.tz = tz
        self.tz_name = tz_name or ("UTC" if tz is timezone.utc else str(tz))
        self.rule_paths = list(rule_paths)
        self.include_default_rules = include_default_rules
        self.read = read
        self.analysis = analysis
        self.scratch = scratch
        self.view: View | None = None
        self.case = None
        self.failed: str | None = None
        self.signalled: int | None = None
        self.handle_signals = False
        self._cancel = threading.Event()
        self._writing = threading.Event()
        self._loader: threading.Thread | None = None
        self._guides: dict[str, tuple[list, dict]] = {}
        self._host_screens: dict[str, str] = {}

    @classmethod
    def from_options(cls, options: TuiOptions, case_path: str | Path, *,
                     outdir: str | Path | None = None, scratch=None) -> EvtxScanApp:
        """The app ``evtxscan tui`` runs: every option reaches the analysis or the screens."""
        from dataclasses import replace

        from evtxscan.timefmt import parse_timezone
        read = options.read_options()
        if scratch is not None:
            read = replace(read, spill_dir=str(scratch.sub("activity")))
        return cls(list(options.paths), case_path, outdir=outdir, lang=options.lang,
                   tz=parse_timezone(options.timezone), tz_name=options.timezone,
                   rule_paths=list(options.rule_paths),
                   include_default_rules=options.include_default_rules, read=read,
                   scratch=scratch)

    # ---------------------------------------------------------------- loading
    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        if self.handle_signals:
            import asyncio
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._on_signal, signum)
        self.push_screen(LoadingScreen())
        self.load_evidence()

    def load_evidence(self) -> None:
        """Read and analyse in a thread (a daemon: quitting while a multi-GB log is read
        does not wait for it); every step is reported by a message."""
        self._loader = threading.Thread(target=self._load, name="evtxscan-load", daemon=True)
        self._loader.start()

    def _load(self) -> None:
        def progress(i: int, total: int, name: str) -> None:
            if self._cancel.is_set():
                raise Cancelled()
            self.post_message(Loading(i, total, name))
        try:
            analysis = self.analysis
            if analysis is None:
                from evtxscan.analysis import analyze
                analysis = analyze(
                    self.paths, read=self.read, rule_paths=self.rule_paths,
                    include_default_rules=self.include_default_rules, progress=progress)
            if self._cancel.is_set():
                return
            self.post_message(Analysing())
            view = View.build(analysis)
            from evtxscan.case import Case
            if self._cancel.is_set():
                return
            self._writing.set()        # quitting now waits for this write (atomic)
            try:
                case = Case.open(self.case_path, analysis, self.paths)
            finally:
                self._writing.clear()
        except Cancelled:
            return
        except Exception as exc:  # shown to the responder; q quits with status 2
            if not self._cancel.is_set():
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

    # ---------------------------------------------------------------- ending
    def _on_signal(self, signum: int) -> None:
        """SIGHUP (the terminal closed), SIGTERM, SIGINT: the Sysmon records copied out
        of the evidence go at once, then the app ends; if restoring a terminal that is
        gone hangs, the process ends anyway after ``EXIT_GRACE`` seconds."""
        self.signalled = signum
        self._cancel.set()
        self.cleanup()

        def last_resort() -> None:
            os._exit(128 + signum)
        timer = threading.Timer(EXIT_GRACE, last_resort)
        timer.daemon = True
        timer.start()
        self.exit(return_code=128 + signum)

    def cleanup(self) -> None:
        """Remove the run's scratch folder (idempotent)."""
        if self.scratch is not None:
            self.scratch.close()

    async def action_quit(self) -> None:
        self._cancel.set()
        self.exit()

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

    def status_of(self, alert_id: str) -> str:
        """The alert's status in the case (``evtxscan.case.ALERT_STATUSES``)."""
        return self.case.alert_status(alert_id) if self.case is not None else "open"

    def choose_status(self, alerts: list, done) -> None:
        """Ask for a status and set it on every alert in ``alerts`` (a stack: all of
        them at once); each change is saved, with its history, before ``done()``."""
        current = {self.status_of(a.id) for a in alerts}

        def chosen(status: str | None) -> None:
            if status is None:
                return
            for a in alerts:
                self.case.set_alert_status(a.id, status)
            done()
            self.notify(tr("tui.status_set", self.lang, n=len(alerts),
                           status=tr("status." + status, self.lang)), timeout=3)
        self.push_screen(StatusPicker(len(alerts), current.pop() if len(current) == 1
                                      else None), chosen)

    def export(self, alerts) -> None:
        """Write each alert as Markdown into the case folder (``evtxscan-alert-<id>.md``:
        a scan into that folder keeps them)."""
        if not isinstance(alerts, (list, tuple)):
            alerts = [alerts] if alerts is not None else []
        if not alerts:
            self.notify(tr("tui.nothing_to_export", self.lang), timeout=3)
            return
        from evtxscan.atomicfile import write_bytes
        from evtxscan.outputs.markdown import render_alert_markdown
        written = []
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
            for alert in alerts:
                path = self.outdir / f"evtxscan-alert-{alert.id}.md"
                text = render_alert_markdown(self.analysis, alert, case=self.case,
                                             lang=self.lang, tz=self.tz, level=1)
                written.append(write_bytes(path, text.encode("utf-8", "backslashreplace")))
        except Exception as exc:
            self.notify(tr("tui.export_failed", self.lang, error=f"{type(exc).__name__}: {exc}"),
                        severity="error", markup=False)
            return
        if len(written) == 1:
            self.notify(tr("tui.exported", self.lang, path=written[0]), markup=False, timeout=6)
        else:
            self.notify(tr("tui.exported_many", self.lang, n=len(written), path=self.outdir),
                        markup=False, timeout=6)

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

    def action_files(self) -> None:
        if self.ready and not isinstance(self.screen, FilesScreen):
            self.push_screen(FilesScreen())


def resolve_case_path(case: str | None, paths: list[str],
                      outdir: str | Path = "evtxscan-out") -> Path:
    """``--case``, else ``OUTDIR/case.json`` (``evtxscan.case.case_path``: the rule
    ``scan`` follows too); never inside the evidence."""
    from evtxscan.case import case_path, check_outside_evidence
    p = case_path(outdir, case).resolve()
    check_outside_evidence(p, paths)   # raises CaseError (a ValueError) naming both
    return p


def check_outdir(outdir: str | Path, paths: list[str]) -> Path:
    """OUTDIR as ``tui`` may use it: a folder (or none yet), not inside the evidence;
    raises ``ValueError`` with one line for the user."""
    from evtxscan.evidenceguard import evidence_holding
    from evtxscan.textsafe import printable
    out = Path(outdir).resolve()
    held = evidence_holding(out, paths)
    if held is not None:
        raise ValueError(f"output folder {printable(str(out))} is inside the evidence "
                         f"{printable(str(held))}; choose another -o")
    if os.path.lexists(out) and not out.is_dir():
        raise ValueError(f"output {printable(str(out))} exists and is not a folder; "
                         "choose another -o")
    return out


def old_case_note(options: TuiOptions, case_path: Path) -> str | None:
    """One line when the case this run starts differs from the ``./evtxscan-case.json``
    an earlier evtxscan kept here by default, so no one loses their notes unawares."""
    from evtxscan.textsafe import printable
    old = Path(OLD_DEFAULT_CASE)
    if options.case is not None or not old.is_file() or case_path.exists():
        return None
    return (f"evtxscan: note: the case is now {printable(str(case_path))} (-o OUTDIR, "
            f"shared with scan -o); to go on in {old}, add --case {old}")


def run(options: TuiOptions) -> int:
    """Entry point of ``evtxscan tui``; returns the exit status.

    Checked before the screen opens (one line and exit 2): OUTDIR and the case file are
    outside the evidence, OUTDIR is a folder, an existing case file is one.  The Sysmon
    records spilled while reading live in a scratch folder beside OUTDIR, removed on
    every way out: q, Ctrl-C, SIGTERM, a closed terminal (SIGHUP), a failed load."""
    from evtxscan.case import Case
    from evtxscan.scratch import Scratch
    from evtxscan.textsafe import printable
    paths = list(options.paths)
    try:
        outdir = check_outdir(options.outdir, paths)
        case_path = resolve_case_path(options.case, paths, outdir)
        Case.check(case_path)
    except ValueError as exc:
        print(f"evtxscan: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_FATAL
    note = old_case_note(options, case_path)
    if note:
        print(note, file=sys.stderr)
    try:
        scratch = Scratch(outdir.parent if os.access(outdir.parent, os.W_OK) else None)
    except OSError:
        scratch = Scratch()
    app = EvtxScanApp.from_options(options, case_path, outdir=outdir, scratch=scratch)
    app.handle_signals = True
    try:
        app.run()
    finally:
        app._cancel.set()
        app.cleanup()
    if app.signalled is not None:
        if app.signalled != signal.SIGHUP:   # a closed terminal has no one to tell
            print(f"evtxscan: interrupted; ticks, notes and statuses are saved in "
                  f"{printable(str(case_path))}", file=sys.stderr)
        code = 128 + app.signalled
    elif app.failed:
        print(f"evtxscan: error: {printable(app.failed)}", file=sys.stderr)
        code = EXIT_FATAL
    else:
        code = EXIT_OK
    _leave_loader(app, code)
    return code


def _leave_loader(app: EvtxScanApp, code: int) -> None:
    """Quit while the evidence is still being read: the reader (a daemon thread, and
    the rule loader's pool thread, which the interpreter would wait for) is left behind
    by ending the process now, its scratch folder already gone; only a case file being
    written is waited for, so it is whole."""
    loader = app._loader
    if loader is None or not loader.is_alive():
        return
    loader.join(timeout=10 if app._writing.is_set() else 0.2)
    if loader.is_alive() or threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
