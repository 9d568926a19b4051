"""The TUI as a responder drives it: keys in, screens out (Textual Pilot, 120x36).

Everything runs on the bundled evidence (``evidence`` / ``analysis`` fixtures from
conftest).  The app is a face over the engine, so the expectations come from the
engine's own objects: the alert's process node, ``checklist``/``answer``, the case file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Input

from evtxscan.checklist import answer, checklist
from evtxscan.textsafe import printable
from evtxscan.tui import widgets
from evtxscan.tui.app import EvtxScanApp, resolve_case_path, run
from evtxscan.tui.keys import KEYS, help_markdown
from evtxscan.tui.options import TuiOptions
from evtxscan.tui.screens import (AlertsScreen, HelpScreen, HostPicker, InvestigateScreen,
                                  TimelineScreen)
from evtxscan.tui.alertlist import AlertList
from evtxscan.tui.widgets import ChecklistPane, DetailPane, ProcessTree, TimelineView

SIZE = (120, 36)
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- helpers
def make_app(analysis, case: Path, **kw) -> EvtxScanApp:
    return EvtxScanApp([str(p) for p in analysis.paths], case, analysis=analysis, **kw)


async def ready(pilot) -> None:
    """Wait for the loading worker, then for the alert list to be drawn."""
    app = pilot.app
    for _ in range(600):
        if app.ready and isinstance(app.screen, AlertsScreen) or app.failed:
            break
        await pilot.pause(0.05)
    assert app.failed is None, app.failed
    assert isinstance(app.screen, AlertsScreen)
    await pilot.pause()


async def open_alert(pilot, alert) -> InvestigateScreen:
    """Move the alert list's cursor to ``alert`` (g, then j) and press Enter; an alert
    inside a stack: Enter on the stack first shows its alerts below it."""
    app = pilot.app
    screen = app.screen
    assert isinstance(screen, AlertsScreen)
    lst = screen.query_one(AlertList)
    want = screen.row_of(alert)
    if want is None:
        stack = screen.stack_of(alert)
        await pilot.press("g", *["j"] * stack, "enter")
        await pilot.pause()
        want = screen.row_of(alert)
    await pilot.press("g", *["j"] * want)
    await pilot.pause()
    assert lst.cursor == want and lst.current.alert is alert
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, InvestigateScreen)
    return app.screen


def rendered(widget) -> str:
    """What the widget paints, line by line (the strips the terminal would get)."""
    w, h = widget.size
    return "\n".join(s.text for s in widget.render_lines(Region(0, 0, w, h)))


def tree_lines(tree: ProcessTree) -> list[str]:
    """Each line's label as stored (before fitting), the alert's "! " left out."""
    out = []
    for i in range(tree.last_line + 1):
        node = tree.get_node_at_line(i)
        out.append(node.label.plain.removeprefix("! "))
    return out


def dns_alerts(analysis) -> list:
    return [a for a in analysis.alerts
            if (a.doc["process"].get("parent") or {}).get("name", "").lower() == "dns.exe"]


def dc01_cmd(analysis):
    return next(a for a in analysis.alerts
                if a.host.startswith("DC01") and a.process.name == "cmd.exe")


# --------------------------------------------------------------------------- loading
async def test_loads_evidence_in_a_worker_then_lists_every_alert(evidence, analysis, tmp_path):
    """Started on paths (no analysis given): the worker reads the evidence and every
    engine alert is in the list (a row, or a stack's), most severe then oldest first."""
    app = EvtxScanApp([str(evidence)], tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = app.screen
        lst = screen.query_one(AlertList)
        assert len(screen.alerts) == len(analysis.alerts) == len(app.analysis.alerts)
        assert {a.id for r in lst.rows for a in r.alerts} == {a.id for a in analysis.alerts}
        text = rendered(lst)
        assert "DNS03 " in text and "DC01.corp.e…" in text and "dns.exe → cmd.exe" in text
        assert "0/19" in text  # guide progress column
    assert (tmp_path / "case.json").exists()  # the case is created at load time


async def test_missing_evidence_says_so_instead_of_a_silent_zero(tmp_path):
    app = EvtxScanApp([str(tmp_path / "missing")], tmp_path / "case.json",
                      rule_paths=[str(tmp_path / "no-such-rules")])
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        text = rendered(app.screen.query_one("#alerts-summary"))
        assert "0 alert(s)" in text and "1 unreadable" in text and "1 rule file(s) skipped" in text


async def test_a_failed_load_is_shown_literally_not_raised(evidence, tmp_path, monkeypatch):
    import evtxscan.analysis

    def boom(*args, **kwargs):
        raise RuntimeError("scheduler [bold red]gone[/bold red] \x1b[2J")
    monkeypatch.setattr(evtxscan.analysis, "analyze", boom)
    app = EvtxScanApp([str(evidence)], tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            if app.failed:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        assert app.failed and "RuntimeError" in app.failed
        text = rendered(app.screen.query_one("#loading-title"))
        assert "[bold red]gone[/bold red] \\x1b[2J" in text and "\x1b" not in text
        assert "q" in text
        await pilot.press("q")
    assert not (tmp_path / "case.json").exists()


# --------------------------------------------------------------------------- the tree
async def test_every_dns_alert_opens_the_tree_on_its_process(analysis, tmp_path):
    """For each dns.exe-child alert: the cursor is on the alerted process, its ancestry
    is expanded, the detail pane shows the process, the checklist the engine's answers."""
    alerts = dns_alerts(analysis)
    assert len(alerts) >= 8
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for alert in alerts:
            screen = await open_alert(pilot, alert)
            tree = screen.query_one(ProcessTree)
            assert tree.cursor_proc == alert.process.node, alert.process_line()
            assert tree.cursor_node.label.plain.startswith("! " + alert.process.name)
            assert "[ALERT]" in tree.cursor_node.label.plain
            for anc in analysis.graph.ancestors(alert.process.node):
                assert tree._tnodes[anc.node].is_expanded
            detail = screen.query_one(DetailPane).text
            p = alert.process
            assert f"{p.name}  pid {p.pid}" in detail
            assert printable(p.cmdline() or "-") in detail
            par = analysis.graph.parent(p.node)
            assert f"Parent: {par.name} pid {par.pid}" in detail
            assert f"resolved by: {p.parent_how}" in detail
            for s in p.sources:
                assert f"{s.channel}  record {s.record_id}  event {s.event_id}" in detail
                assert s.file in detail
            items = checklist(alert.rule)
            pane = screen.query_one(ChecklistPane)
            text = pane.text
            for item in items:
                ans = answer(item, alert, "en")
                if ans:
                    assert ans in text.replace("\n    → ", " ") or \
                        ans.splitlines()[0] in text
            assert text.count("[ ]") == len(items)
            await pilot.press("escape")
            await pilot.pause()


async def test_dc01_tree_shows_the_chain_and_the_subtree(analysis, tmp_path):
    """services.exe → dns.exe → cmd.exe → whoami.exe, with whoami marked discovery, and
    the detail pane of cmd.exe."""
    alert = dc01_cmd(analysis)
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        lines = tree_lines(screen.query_one(ProcessTree))
        names = [ln.split()[0] for ln in lines]
        i = names.index("services.exe")
        j = names.index("dns.exe", i)
        k = names.index("cmd.exe", j)
        assert names[k + 1] == "whoami.exe"
        assert "[discovery]" in lines[k + 1]
        assert any("WerFault.exe" in ln and "[WerFault]" in ln for ln in lines)
        assert any("rundll32.exe" in ln and "[LOLBin]" in ln for ln in lines)
        painted = rendered(screen.query_one(ProcessTree))
        assert "! cmd.exe 6404 [ALERT]" in painted
        # the detail pane: every ECS field of the process, and the facts a responder reads
        from evtxscan.tui.render import flatten
        text = screen.query_one(DetailPane).text
        for key, _ in flatten(analysis.graph.ecs(alert.process.node)):
            assert f"  {key}: " in text
        for label in ("User (Sysmon User field): NT AUTHORITY\\SYSTEM", "Integrity: system",
                      "Start: ",
                      "End: ", "sha256: ", "Source records:"):
            assert label in text


async def test_parent_child_and_next_alert_keys(analysis, tmp_path):
    alert = dc01_cmd(analysis)
    g = analysis.graph
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        tree = screen.query_one(ProcessTree)
        who = g.children(alert.process.node)[0]
        await pilot.press("c")
        await pilot.pause()
        assert tree.cursor_proc == who.node
        await pilot.press("p")
        await pilot.pause()
        assert tree.cursor_proc == alert.process.node
        await pilot.press("h")          # cmd.exe is expanded: h collapses it
        await pilot.pause()
        assert not tree.cursor_node.is_expanded
        await pilot.press("h")          # now h goes to the parent
        await pilot.pause()
        assert g[tree.cursor_proc].name == "dns.exe"
        await pilot.press("a")          # next alert on DC01, in time order
        await pilot.pause()
        host_alerts = app.view.host_alerts_in_time(alert.host)
        nxt = host_alerts[host_alerts.index(alert) + 1]
        assert tree.cursor_proc == nxt.process.node
        assert screen.query_one(ChecklistPane).alert is nxt
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert tree.cursor_proc == nxt.process.node


async def test_search_jumps_to_a_match_expanding_its_ancestors(analysis, tmp_path):
    """/netstat finds NETSTAT.EXE under powershell.exe, which was collapsed."""
    alert = dc01_cmd(analysis)
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        tree = screen.query_one(ProcessTree)
        await pilot.press("slash", *"netstat", "enter")
        await pilot.pause()
        node = tree.cursor_proc
        assert analysis.graph[node].name == "NETSTAT.EXE"
        ps = analysis.graph.parent(node)
        assert ps.name == "powershell.exe" and tree._tnodes[ps.node].is_expanded
        await pilot.press("slash")          # a command-line match: "-enc" of powershell
        app.screen.query_one(Input).insert_text_at_cursor("-enc SQBFAF")
        await pilot.press("enter")
        await pilot.pause()
        assert tree.cursor_proc == ps.node


async def test_children_load_lazily_in_pages(analysis, tmp_path, monkeypatch):
    """With a page of 5, services.exe shows 5 children and a "… more" line; revealing a
    process far down its children shows a page around it; Enter on "… more" adds more."""
    monkeypatch.setattr(widgets, "PAGE", 5)
    alert = dc01_cmd(analysis)
    g = analysis.graph
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        tree = screen.query_one(ProcessTree)
        assert tree.cursor_proc == alert.process.node
        assert len(tree._tnodes) < sum(1 for _ in g.processes(alert.host)) / 4
        services = g.parent(g.parent(alert.process.node).node)
        tservices = tree._tnodes[services.node]
        kids = [c for c in tservices.children if isinstance(c.data, int)]
        mores = [c for c in tservices.children if isinstance(c.data, widgets.More)]
        # a first page, then the page that holds dns.exe (the 6th child)
        assert len(kids) == 10 and mores
        assert g.parent(alert.process.node).node in [c.data for c in kids]
        total = len(g.children(services.node))
        assert sum(int(m.label.plain.split()[1].replace(",", "")) for m in mores) == total - 10
        # Enter on the "… more" line below
        after = next(m for m in mores if not m.data.before)
        tree.move_cursor(after)
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert len([c for c in tservices.children if isinstance(c.data, int)]) == 15


# --------------------------------------------------------------------------- case file
async def test_tick_note_quit_reopen_keeps_everything(analysis, tmp_path):
    """Tick the guide's first step, n/a the second, note the first and the alert; quit;
    reopen on the same case file: all of it is back (and in the JSON)."""
    alert = dc01_cmd(analysis)
    case = tmp_path / "case.json"
    first, second = checklist(alert.rule)[:2]
    app = make_app(analysis, case)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        before = case.read_bytes()
        await pilot.press("3", "e", "t", "y", "escape")   # a cancelled note: nothing saved
        await pilot.pause()
        assert isinstance(app.screen, InvestigateScreen) and case.read_bytes() == before
        await pilot.press("x")                 # tick step 1 (the checklist has the focus)
        await pilot.press("j", "minus")        # step 2 not applicable
        await pilot.press("k", "e")            # note on step 1
        await pilot.pause()
        await pilot.press(*"chain ")
        app.screen.query_one(Input).insert_text_at_cursor("checked with the DC admin")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("E")                 # note on the alert
        await pilot.pause()
        app.screen.query_one(Input).insert_text_at_cursor("SIGRed, confirmed")
        await pilot.press("enter")
        await pilot.pause()
        text = screen.query_one(ChecklistPane).text
        assert "[x] 1." in text and "[-] 2." in text
        assert "chain checked with the DC admin" in text
        assert "SIGRed, confirmed" in text
        await pilot.press("q")
    data = json.loads(case.read_text())
    entry = data["alerts"][alert.id]
    assert entry["items"][first.id]["state"] == "done"
    assert entry["items"][second.id]["state"] == "n/a"
    assert entry["items"][first.id]["note"] == "chain checked with the DC admin"
    assert entry["note"] == "SIGRed, confirmed"

    app = make_app(analysis, case)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        table_text = rendered(app.screen.query_one(AlertList))
        assert "2/38" in table_text             # progress of that alert's stack
        screen = await open_alert(pilot, alert)
        text = screen.query_one(ChecklistPane).text
        assert "[x] 1." in text and "[-] 2." in text
        assert "chain checked with the DC admin" in text and "SIGRed, confirmed" in text
        await pilot.press("3", "x")             # untick: back to open
        await pilot.pause()
        assert "[ ] 1." in screen.query_one(ChecklistPane).text
    assert json.loads(case.read_text())["alerts"][alert.id]["items"][first.id]["state"] == "open"


def test_case_file_defaults_to_the_case_folder_and_never_inside_evidence(evidence, tmp_path,
                                                                         monkeypatch):
    """Issue 18: one rule for scan and tui, OUTDIR/case.json (tui's OUTDIR defaults to
    ./evtxscan-out); --case FILE overrides it."""
    monkeypatch.chdir(tmp_path)
    assert resolve_case_path(None, [str(evidence)]) == tmp_path / "evtxscan-out" / "case.json"
    assert resolve_case_path(None, [str(evidence)], "case1") == tmp_path / "case1" / "case.json"
    assert resolve_case_path("my.json", [str(evidence)], "case1") == tmp_path / "my.json"
    with pytest.raises(ValueError):
        resolve_case_path(str(evidence / "case.json"), [str(evidence)])
    monkeypatch.chdir(evidence)
    with pytest.raises(ValueError):
        resolve_case_path(None, [str(evidence)])

    assert run(TuiOptions(paths=(str(evidence),), case=str(evidence / "DC01" / "case.json"))) == 2
    assert not (evidence / "DC01" / "case.json").exists()



def test_every_tui_flag_reaches_the_typed_options(tmp_path):
    from evtxscan.cli import build_parser, tui_options
    from evtxscan.sources import SourceOptions
    args = build_parser().parse_args([
        "tui", "a", "b", "--backend", "python-evtx", "-j", "3", "--scheduler", "tcp://h:8786",
        "--rules", "r1", "--rules", "r2", "--no-default-rules", "--lang", "zh",
        "--timezone", "+05:30", "--case", "c.json", "--archive-password", "infected",
        "--bitlocker-key", "123456-123456-123456-123456-123456-123456-123456-123456"])
    assert tui_options(args) == TuiOptions(
        paths=("a", "b"), case="c.json", backend="python-evtx", jobs=3,
        scheduler="tcp://h:8786", rule_paths=("r1", "r2"), include_default_rules=False,
        lang="zh", timezone="+05:30", sources=SourceOptions(
            archive_passwords=("infected",),
            bitlocker_keys=("123456-123456-123456-123456-123456-123456-123456-123456",)))
    app = EvtxScanApp.from_options(tui_options(args), tmp_path / "case.json")
    assert (app.read.backend, app.read.jobs, app.read.scheduler) == ("python-evtx", 3,
                                                                     "tcp://h:8786")
    assert app.read.sources.archive_passwords == ("infected",)
    assert (app.rule_paths, app.include_default_rules, app.lang) == (["r1", "r2"], False, "zh")
    assert app.tz.utcoffset(None).total_seconds() == 5.5 * 3600


async def test_the_tui_reads_on_the_dask_scheduler_it_is_given(evidence, tmp_path):
    """``evtxscan tui --scheduler ADDRESS`` runs the per-file stage on that scheduler, as
    ``scan`` does (the flag used to be parsed and then silently dropped)."""
    distributed = pytest.importorskip("distributed", reason="needs the 'distributed' extra")
    from evtxscan.cli import build_parser, tui_options
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        assert "scan_file" not in cluster.scheduler.task_prefixes
        args = build_parser().parse_args(["tui", str(evidence / "DNS02"), "--lang", "en",
                                          "--scheduler", cluster.scheduler_address])
        app = EvtxScanApp.from_options(tui_options(args), tmp_path / "case.json")
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            assert [a.process.name for a in app.analysis.alerts] == ["cmd.exe"]
        assert "scan_file" in cluster.scheduler.task_prefixes   # the workers read the file

# --------------------------------------------------------------------------- safety
HOSTILE = ("[bold red]PWNED[/bold red]", "[link=https://evil.example/x]click[/link]",
           "\\x1b[2J", "\\x1b]0;owned\\x07", "\\x03end")


async def test_hostile_command_line_renders_literally(analysis, tmp_path):
    """The rundll32.exe command line carries Rich markup and terminal escapes: the alert
    list, the detail pane and the timeline paint them as literal characters, with
    control characters shown escaped; no raw ESC reaches the terminal."""
    alert = next(a for a in analysis.alerts if a.process.name == "rundll32.exe")
    assert "\x1b[2J" in alert.process.cmdline()
    app = make_app(analysis, tmp_path / "case.json", )
    async with app.run_test(size=(400, 36)) as pilot:
        await ready(pilot)
        table_text = rendered(app.screen.query_one(AlertList))
        for s in HOSTILE:
            assert s in table_text, s
        assert "\x1b" not in table_text and "\x03" not in table_text
        screen = await open_alert(pilot, alert)
        detail = screen.query_one(DetailPane)
        painted = "\n".join(detail.lines)
        for s in HOSTILE:
            assert s in painted, s
        assert "\x1b" not in painted and "\x07" not in painted and "\x03" not in painted
        assert "[bold red]PWNED" in rendered(detail)   # on screen, not only scrolled away
        svg = app.export_screenshot()                   # the whole frame a terminal gets
        assert "\x1b" not in svg and "\x07" not in svg and "evil.example" in svg
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)
        tl = app.screen.query_one(TimelineView)
        assert tl.current.node == alert.process.node
        line = rendered(tl)
        assert "[bold red]PWNED[/bold red]" in line and "\\x1b[2J" in line
        assert "\x1b" not in line
        bottom = rendered(app.screen.query_one("#timeline-cmdline"))
        assert "[link=https://evil.example/x]click[/link]" in bottom


# --------------------------------------------------------------------------- elsewhere
async def test_timeline_is_the_hosts_48h_window_and_opens_in_the_tree(analysis, tmp_path):
    alert = dc01_cmd(analysis)
    g = analysis.graph
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
        tl = app.screen.query_one(TimelineView)
        expected = list(g.processes(alert.host, "2026-03-08T02:14:07.250000Z",
                                    "2026-03-12T02:14:07.250000Z"))
        assert [p.node for p in tl.procs] == [p.node for p in expected]
        names = [p.name for p in tl.procs]
        assert "nltest.exe" in names and "tasklist.exe" not in names  # the 48 h edges
        assert tl.current.node == alert.process.node
        await pilot.press("j")
        await pilot.pause()
        nxt = tl.current
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one(ProcessTree).cursor_proc == nxt.node
        await pilot.press("t", "a")             # next alerted process in the timeline
        await pilot.pause()
        tl = app.screen.query_one(TimelineView)
        assert tl.current.node in app.view.alerts_by_node


async def test_host_switcher_filters_the_alert_list(analysis, tmp_path):
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, HostPicker)
        hosts = app.view.hosts()
        want = hosts.index("DNS02.corp.example")
        await pilot.press(*(["j"] * (want + 1)), "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        assert screen.host == "DNS02.corp.example"
        assert [a.host for a in screen.alerts] == ["DNS02.corp.example"]
        await pilot.press("H", "enter")          # first line: all hosts
        await pilot.pause()
        assert len(app.screen.alerts) == len(analysis.alerts)


async def test_export_writes_markdown_next_to_the_case_file(analysis, tmp_path):
    alert = dc01_cmd(analysis)
    case = tmp_path / "cases" / "ir-42.json"
    app = make_app(analysis, case)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await open_alert(pilot, alert)
        await pilot.press("3", "x", "s")
        await pilot.pause()
    out = case.parent / f"evtxscan-alert-{alert.id}.md"
    text = out.read_text(encoding="utf-8")
    assert "cmd.exe" in text and "whoami" in text


async def test_chinese_labels_and_checklist(analysis, tmp_path):
    alert = dc01_cmd(analysis)
    app = make_app(analysis, tmp_path / "case.json", lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert "告警" in rendered(app.screen.query_one("#alerts-summary"))
        screen = await open_alert(pilot, alert)
        text = screen.query_one(ChecklistPane).text
        first = checklist(alert.rule)[0]
        assert first.text("zh") in text
        assert answer(first, alert, "zh") in text
        assert "父进程" in screen.query_one(DetailPane).text
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_help_shows_every_key(analysis, tmp_path):
    """Every binding of every screen and widget appears in the help (so in ``?``)."""
    from textual.binding import Binding

    from evtxscan.tui import app as app_mod, screens
    names = {"question_mark": "?", "slash": "/", "minus": "-", "escape": "escape",
             "enter": "enter", "space": "space", "right": "→", "left": "←", "down": "↓",
             "up": "↑", "home": "home", "end": "end", "pageup": "pageup",
             "pagedown": "pagedown", "tab": "tab", "backspace": "backspace",
             "ctrl+c": "ctrl+c"}
    from evtxscan.tui import alertlist, files, rowlist
    classes = [app_mod.EvtxScanApp, screens.AlertsScreen, screens.InvestigateScreen,
               screens.TimelineScreen, screens.HelpScreen, screens.TextPrompt,
               screens.HostPicker, screens.FilesScreen, screens.StatusPicker,
               alertlist.AlertList, files.FileList, rowlist.RowList, widgets.ProcessTree,
               widgets.DetailPane, widgets.ChecklistList, widgets.TimelineView]
    documented = set()
    for _, rows in KEYS:
        for keys, *_ in rows:
            documented.update(k.strip() for k in keys.replace("(detail)", "").split(" / "))
    for cls in classes:
        for b in cls.__dict__.get("BINDINGS", []):
            assert isinstance(b, Binding)
            for key in b.key.split(","):
                assert names.get(key, key) in documented, (cls.__name__, key)
    md = help_markdown("en")
    for _, rows in KEYS:
        for keys, en, _ in rows:
            assert f"`{keys}` — {en}" in md
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)


def test_python_dash_m_tui_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "evtxscan.tui", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--case" in out.stdout


def test_scan_path_never_imports_textual():
    code = ("import sys, evtxscan.analysis, evtxscan.cli, evtxscan.case, evtxscan.checklist;"
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.strip() == "False"


async def test_a_sigma_rule_without_a_guide_shows_what_it_looks_for(evidence, tmp_path):
    """A Sigma rule has no investigation guide: the pane shows its description, false
    positives, author and references instead of an empty list."""
    from conftest import need_shared
    from evtxscan.analysis import analyze
    seed = need_shared("sigma-rules/rules/windows/process_creation/"
                       "proc_creation_win_dns_susp_child_process.yml")
    sigma_analysis = analyze([str(evidence)], rule_paths=[str(seed)], include_default_rules=False)
    alert = dns_alerts(sigma_analysis)[0]
    assert alert.rule.format == "sigma" and not checklist(alert.rule)
    app = make_app(sigma_analysis, tmp_path / "case.json")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        screen = await open_alert(pilot, alert)
        text = screen.query_one(ChecklistPane).text
        assert "This rule has no investigation guide." in text
        assert "What the rule looks for" in text and "CVE-2020-1350 (SigRed)" in text
        assert "Known false positives\nUnknown" in text
        assert "Author\nTim Rauch, Elastic (idea)" in text
        assert "https://www.elastic.co/guide/en/security/current/unusual-child-process-of-dns-exe.html" in text
