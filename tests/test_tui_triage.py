"""Issue 18, as a responder drives the TUI: the alert list (rule column, stacks, filter,
sort, statuses, triage flags), the tree at 80x24 (PIDs never cut, alerts marked by
colour, symbol and word, start times), the process pane (decoded PowerShell, Sysmon
activity, users labelled as the record says), the timeline (search, export, the time
zone named), the files pane, Backspace, Chinese.

Each test runs the app on the bundled evidence at 80x24 or 160x45 (some at both) and
takes its expectations from the engine's objects and the case file, not from the screen.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta, timezone

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Input

from evtxscan.case import ALERT_STATUSES
from evtxscan.tui import cjkwrap
from evtxscan.tui.alertlist import AlertList
from evtxscan.tui.files import FileList
from evtxscan.tui.model import AlertFilter, FilterError, alert_rows, stack_key
from evtxscan.tui.screens import (AlertsScreen, FilesScreen, HelpScreen, InvestigateScreen,
                                  StatusPicker, TimelineScreen)
from evtxscan.tui.widgets import DetailPane, ProcessTree, TimelineView

from test_tui import make_app, open_alert, ready, rendered

NARROW, WIDE = (80, 24), (160, 45)
IST = timezone(timedelta(hours=5, minutes=30))


def alert(analysis, host: str, name: str):
    return next(a for a in analysis.alerts
                if a.host.split(".")[0] == host and a.process.name == name)


def footer(app) -> str:
    """The footer's keys that are on screen, as "key Description" (one that would be
    drawn past the right edge is not)."""
    from textual.widgets._footer import FooterKey
    width = app.size.width
    return "  ".join(f"{k.key_display} {k.description}" for k in app.screen.query(FooterKey)
                     if k.region.right <= width and k.region.width > 0)


async def filtered(pilot, text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    inp = pilot.app.screen.query_one(Input)
    inp.value = ""
    inp.insert_text_at_cursor(text)
    await pilot.press("enter")
    await pilot.pause()


# --------------------------------------------------------------------------- the list
@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_the_list_shows_the_rule_and_stacks_alike_alerts(analysis, tmp_path, size):
    """DC01's and DNS02's ``cmd.exe /c whoami`` under dns.exe are one row (×2) until
    Enter shows them; ``z`` cycles: same rule+image+parent, same rule+image+command
    line (they still stack), off (one row per alert)."""
    dc01, dns02 = alert(analysis, "DC01", "cmd.exe"), alert(analysis, "DNS02", "cmd.exe")
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        screen = app.screen
        lst = screen.query_one(AlertList)
        head = lst.header_text(lst.row_width).plain
        assert "Rule" in head and "Severity" in head and "Status" in head
        assert "Unusual Child" in rendered(lst)            # the rule, in every row
        stacks = [r for r in lst.rows if r.stacked]
        assert [(r.count, {a.id for a in r.alerts}) for r in stacks] == [(2, {dc01.id, dns02.id})]
        assert len(lst.rows) == len(analysis.alerts) - 1
        i = lst.rows.index(stacks[0])
        assert "▸2" in lst.lines[i] and "2 hosts" in lst.lines[i]
        await pilot.press("g", *["j"] * i, "enter")
        await pilot.pause()
        assert len(lst.rows) == len(analysis.alerts) + 1 and "▾2" in lst.lines[i]
        assert {lst.rows[i + 1].alert.id, lst.rows[i + 2].alert.id} == {dc01.id, dns02.id}
        preview = rendered(screen.query_one("#alert-preview"))
        assert "×2 on 2 host(s), 1 command line(s)" in preview
        await pilot.press("z")                       # same rule, image, command line
        await pilot.pause()
        assert screen.stack_mode == "identical"
        assert [r.count for r in lst.rows if r.stacked] == [2]
        await pilot.press("z")                       # off
        await pilot.pause()
        assert len(lst.rows) == len(analysis.alerts) and not any(r.stacked for r in lst.rows)
        assert "stacked: off" in rendered(screen.query_one("#alerts-summary"))


def test_stack_keys_on_the_public_samples_appcmd_alerts():
    """The 36 IIS appcmd.exe alerts of the public sample differ in one quoted word of
    their command lines: one stack by rule + image + parent, several by command line."""
    from conftest import need_shared

    from evtxscan.analysis import analyze
    samples = need_shared("evtx-samples")
    rules = need_shared("elastic-rules/windows")
    log = samples / "EVTX-ATTACK-SAMPLES" / "Credential Access" / \
        "discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx"
    analysis = analyze([str(log)], rule_paths=[str(rules)])
    appcmd = [a for a in analysis.alerts if a.process.name.lower() == "appcmd.exe"]
    assert len(appcmd) == 36
    similar = [r for r in alert_rows(appcmd, "similar") if r.stacked]
    assert [r.count for r in similar] == [36]
    identical = alert_rows(appcmd, "identical")
    assert 1 < len(identical) < 36 and sum(r.count for r in identical if not r.member) == 36
    assert len({stack_key(a, "identical") for a in appcmd}) == len(identical)


async def test_filter_by_rule_severity_host_time_status_and_words(analysis, tmp_path):
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        screen = app.screen
        await filtered(pilot, "host:dns02")
        assert [a.host for a in screen.alerts] == ["DNS02.corp.example"]
        assert "filter (Esc clears): host:dns02" in rendered(screen.query_one("#alerts-summary"))
        await filtered(pilot, "after:2026-03-10T03:00 sev:high,critical")
        assert {a.process.name for a in screen.alerts} == {"mshta.exe", "certutil.exe"}
        await filtered(pilot, "rule:unusual -host:DC01 process:cmd.exe")
        assert {a.host for a in screen.alerts} == {"DNS02.corp.example", "WS01.corp.example"}
        await filtered(pilot, "flag:masq")
        assert [a.host for a in screen.alerts] == ["WS01.corp.example"]
        await filtered(pilot, "whoami")                     # a word: any text of the alert
        assert {a.process.name for a in screen.alerts} == {"cmd.exe"}
        await filtered(pilot, "sev:low")
        assert screen.alerts == []
        assert "No alert matches the filter" in rendered(screen.query_one("#alerts-summary"))
        await filtered(pilot, "before:yesterday")            # refused, the filter stays
        assert screen.filter.text == "sev:low"
        await pilot.press("escape")                          # Escape clears the filter
        await pilot.pause()
        assert len(screen.alerts) == len(analysis.alerts)


def test_filter_times_are_read_in_the_display_time_zone():
    f = AlertFilter.parse("after:2026-03-10T07:44:07 before:2026-03-10T08:00", IST)
    assert f.times == (("after", "2026-03-10T02:14:07.000000Z"),
                       ("before", "2026-03-10T02:30:00.000000Z"))
    assert AlertFilter.parse("after:2026-03-10T02:14:07Z", IST).times[0][1] == \
        "2026-03-10T02:14:07.000000Z"
    with pytest.raises(FilterError) as e:
        AlertFilter.parse("host:")
    assert e.value.key == "tui.filter_no_value"
    assert not AlertFilter.parse("  ")


async def test_sort_cycles_through_time_host_rule_status(analysis, tmp_path):
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        screen = app.screen
        first = screen.alerts[0]
        assert first.host.startswith("WS01")     # a masquerading parent: first of its severity
        await pilot.press("o")
        await pilot.pause()
        assert screen.sort == "time"
        assert [a.timestamp for a in screen.alerts] == sorted(a.timestamp for a in analysis.alerts)
        await pilot.press("o")
        await pilot.pause()
        assert [a.host for a in screen.alerts] == sorted(a.host for a in analysis.alerts)
        await pilot.press("o", "o")
        await pilot.pause()
        assert screen.sort == "status"
        assert "sorted by status" in rendered(screen.query_one("#alerts-summary"))


# --------------------------------------------------------------------------- status
@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_alert_status_is_set_shown_filtered_and_kept(analysis, tmp_path, size):
    """``m`` then a number sets the status (a stack: every alert in it), the list and
    the guide show it, ``status:`` filters on it, the case file keeps it with its
    history, and it is there again after a restart."""
    case = tmp_path / "case.json"
    ws = alert(analysis, "WS01", "cmd.exe")
    dc01, dns02 = alert(analysis, "DC01", "cmd.exe"), alert(analysis, "DNS02", "cmd.exe")
    app = make_app(analysis, case)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        screen = app.screen
        lst = screen.query_one(AlertList)
        assert screen.row_of(ws) == 0
        await pilot.press("g", "m")
        await pilot.pause()
        assert isinstance(app.screen, StatusPicker)
        await pilot.press("3")                                   # true positive
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        assert ("true positive" if size == WIDE else "TP") in lst.lines[0]
        stack = screen.stack_of(dc01)
        await pilot.press("g", *["j"] * stack, "m", "5")         # the whole stack: benign
        await pilot.pause()
        await filtered(pilot, "status:benign")
        assert {a.id for a in screen.alerts} == {dc01.id, dns02.id}
        await filtered(pilot, "status:tp")
        assert screen.alerts == [ws]
        await pilot.press("escape")
        await pilot.pause()
        inv = await open_alert(pilot, ws)
        assert "Status: true positive" in inv.checklist.text
        await pilot.press("m", "4")                              # false positive, from the tree
        await pilot.pause()
        assert "Status: false positive" in inv.checklist.text
    entry = json.loads(case.read_text())["alerts"][ws.id]
    assert entry["alert_status"] == "false_positive"
    assert [(h["was"], h["status"]) for h in entry["status_history"]] == [
        ("open", "true_positive"), ("true_positive", "false_positive")]
    assert {json.loads(case.read_text())["alerts"][a.id]["alert_status"]
            for a in (dc01, dns02)} == {"benign"}
    app = make_app(analysis, case)
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        assert "false positive" in app.screen.query_one(AlertList).lines[0]


def test_every_status_is_a_number_in_the_picker():
    keys = [b.key for b in StatusPicker.BINDINGS if b.action.startswith("pick(")]
    assert keys == [str(i) for i in range(1, len(ALERT_STATUSES) + 1)]


# --------------------------------------------------------------------------- 80x24
async def test_80x24_keeps_pids_alert_marks_and_the_footers_quit_and_help(analysis, tmp_path):
    """At 80x24 every tree line keeps its whole PID (names are shortened with an
    ellipsis instead), an alerted process is marked by a red "!", the word [ALERT]
    and its colour, and the footer keeps "q Quit" and "? Help" on every screen."""
    nltest = alert(analysis, "DC01", "nltest.exe")
    g = analysis.graph
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        assert "q Quit" in footer(app) and "? Help" in footer(app)
        lst = app.screen.query_one(AlertList)
        for line in lst.lines:
            assert line.startswith("!!  high"), line                  # symbol and word
        screen = await open_alert(pilot, nltest)
        tree = screen.query_one(ProcessTree)
        assert "q Quit" in footer(app) and "? Help" in footer(app)
        painted = [ln[1:-1] for ln in rendered(tree).splitlines()[1:-1]]   # inside its border
        top = tree.scroll_offset.y
        checked = 0
        for y, line in enumerate(painted[:tree.scrollable_content_region.height]):
            node = tree.get_node_at_line(top + y)
            if node is None or not isinstance(node.data, int):
                continue
            p = g[node.data]
            if p.pid is not None:
                assert f" {p.pid}" in line and f" {p.pid}" in line.split("…")[-1], line
            if node.data in app.view.alerts_by_node:
                assert "! " in line and "[ALERT]" in line, line
                label = tree.render_label(node, tree.rich_style, tree.rich_style)
                assert any("red" in str(span.style) for span in label.spans)
            checked += 1
        assert checked >= 6
        assert tree.cursor_proc == nltest.process.node
        cursor_line = painted[tree.cursor_line - top]
        assert "nltest.exe 4516 [ALERT]" in cursor_line          # was "nltest.exe 451"
        await pilot.press("t")
        await pilot.pause()
        assert "q Quit" in footer(app) and "? Help" in footer(app)


async def test_a_deep_tree_in_a_narrow_pane_shortens_names_never_pids(analysis, tmp_path):
    from evtxscan.tui.render import proc_label
    p = alert(analysis, "DC01", "nltest.exe").process
    for width in (40, 24, 16, 10):
        label = proc_label(p, {"alert", "discovery"}, "en", tz=timezone.utc, width=width)
        assert label.cell_len <= max(width, len("! … 4516"))
        assert label.plain.startswith("! ") and label.plain.split()[-1] != "451"
        assert " 4516" in label.plain
    assert proc_label(p, {"alert"}, "en", tz=timezone.utc, width=20).plain == \
        "! nlte… 4516 [ALERT]"


# --------------------------------------------------------------------------- flags
@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_a_masquerading_dns_exe_is_flagged_in_the_list_and_the_tree(analysis, tmp_path,
                                                                          size):
    ws = alert(analysis, "WS01", "cmd.exe")
    dns = analysis.graph.parent(ws.process.node)
    assert dns.executable == "C:\\Users\\Public\\dns.exe"
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        screen = app.screen
        assert screen.alerts[0] is ws                       # first of its severity
        preview = rendered(screen.query_one("#alert-preview"))
        assert "[unexpected parent] [masquerading]" in preview
        assert "cmd.exe [unexpect" in screen.query_one(AlertList).lines[0]
        inv = await open_alert(pilot, ws)
        tree = inv.query_one(ProcessTree)
        label = tree._tnodes[dns.node].label.plain
        assert "[unexpected parent]" in label and "[masquerading]" in label
        assert "[masquerading]" in rendered(tree)
        await pilot.press("p")
        await pilot.pause()
        assert "dns.exe  pid 664 [unexpected parent] [masquerading]" in \
            inv.query_one(DetailPane).text


# --------------------------------------------------------------------------- process pane
async def test_the_process_pane_decodes_powershell_and_lists_its_sysmon_records(analysis,
                                                                                 tmp_path):
    ps = alert(analysis, "DC01", "powershell.exe")
    events = analysis.activity.of(ps.host, ps.process.entity_id)
    assert len(events) == 5
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        inv = await open_alert(pilot, ps)
        text = inv.query_one(DetailPane).text
        assert "Decoded -enc (base64 of UTF-16LE):\n  IEX (New-Object)\n" in text
        assert "Sysmon activity (5):" in text
        for label, what in (("network", "TCP 10.0.0.10:49731 -> 203.0.113.7:443 "
                                        "(update.evil.example)"),
                            ("DNS", "DNS update.evil.example -> ::ffff:203.0.113.7;"),
                            ("file", "file created C:\\Windows\\Temp\\svc.ps1"),
                            ("registry", "registry set HKLM\\SOFTWARE\\Microsoft\\Windows\\"
                                         "CurrentVersion\\Run\\Updater"),
                            ("image load", "image loaded C:\\Windows\\assembly")):
            assert f"  {label}  {what}" in text, label
        for e in events:
            assert f"record {e.source.record_id}  {e.source.file}" in text
        await pilot.press("p")                              # dns.exe: Sysmon, no activity
        await pilot.pause()
        assert "Sysmon activity (0):\n  none:" in inv.query_one(DetailPane).text


def test_a_hostile_encoded_script_is_shown_literally():
    from evtxscan.tui.render import decoded_text
    script = "[bold red]x[/bold red] \x1b[2J\x07"
    cmd = "powershell -enc " + base64.b64encode(script.encode("utf-16-le")).decode()
    t = decoded_text(cmd, "en")
    assert "[bold red]x[/bold red] \\x1b[2J\\x07" in t.plain and "\x1b" not in t.plain
    assert {str(s.style) for s in t.spans} <= {"bold magenta", "magenta", "yellow"}


async def test_users_are_shown_as_the_record_says_them(analysis, tmp_path):
    """Sysmon 1: the User field, and apart from it the record's own SID (Sysmon's
    service), never "CORP\\bob (S-1-5-18)"; 4688: the Subject that created the process."""
    ws = alert(analysis, "WS01", "cmd.exe")
    dns02 = alert(analysis, "DNS02", "cmd.exe")
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        inv = await open_alert(pilot, ws)
        text = inv.query_one(DetailPane).text
        assert "User (Sysmon User field): CORP\\bob\n" in text
        assert "Record written by (System UserID: Sysmon's own account): S-1-5-18" in text
        assert "CORP\\bob (S-1-5-18)" not in text
        await pilot.press("escape")
        await pilot.pause()
        inv = await open_alert(pilot, dns02)
        user = dns02.doc["user"]
        assert (f"Created by (4688 Subject): {user['domain']}\\{user['name']} ({user['id']})"
                in inv.query_one(DetailPane).text)


async def test_tree_lines_show_start_times_in_the_display_zone(analysis, tmp_path):
    cmd = alert(analysis, "DC01", "cmd.exe")
    app = make_app(analysis, tmp_path / "case.json", tz=IST, tz_name="+05:30")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        inv = await open_alert(pilot, cmd)
        tree = inv.query_one(ProcessTree)
        label = tree._tnodes[cmd.process.node].label.plain
        assert label == "! cmd.exe 6404 [ALERT] 2026-03-10 07:44:07"   # 02:14:07Z
        # siblings of one name are told apart by their start
        conhosts = [tree._tnodes[c.node].label.plain
                    for c in analysis.graph.children(analysis.graph.parent(cmd.process.node).node)
                    if c.name.lower() == "conhost.exe" and c.node in tree._tnodes]
        assert len(conhosts) == len(set(conhosts)) >= 2


# --------------------------------------------------------------------------- timeline
@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_timeline_search_export_and_the_time_zone_named(analysis, tmp_path, size):
    ps = alert(analysis, "DC01", "powershell.exe")
    case = tmp_path / "case.json"
    app = make_app(analysis, case, tz=IST, tz_name="+05:30")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        head = app.screen.query_one(AlertList).header_text(200).plain
        assert "Time (+05:30)" in head and "UTC" not in head
        await open_alert(pilot, ps)
        await pilot.press("t")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, TimelineScreen)
        tl = app.screen.query_one(TimelineView)
        assert rendered(tl).splitlines()[0].startswith("Time (+05:30)")
        assert ("2026-03-10T07:44:37.250000+05:30" if size == WIDE else
                "2026-03-10 07:44:37") in rendered(tl)
        await pilot.press("slash")
        await pilot.pause()
        app.screen.query_one(Input).insert_text_at_cursor("netstat")
        await pilot.press("enter")
        await pilot.pause()
        assert tl.current.name == "NETSTAT.EXE"
        await pilot.press("slash")
        await pilot.pause()
        inp = app.screen.query_one(Input)
        inp.value = ""
        inp.insert_text_at_cursor("whoami")
        await pilot.press("enter")
        await pilot.pause()
        first = tl.cursor
        assert "whoami" in (tl.current.cmdline() or "").lower() + tl.current.name.lower()
        await pilot.press("n")
        await pilot.pause()
        assert tl.cursor != first
        await pilot.press("N")
        await pilot.pause()
        assert tl.cursor == first
        tl.cursor = next(i for i, p in enumerate(tl.procs) if p.node == ps.process.node)
        await pilot.press("s")                              # export works here too
        await pilot.pause()
        assert (tmp_path / f"evtxscan-alert-{ps.id}.md").is_file()
        await pilot.press("backspace")                      # back, as Escape
        await pilot.pause()
        assert isinstance(app.screen, InvestigateScreen)


# --------------------------------------------------------------------------- files
@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_the_files_pane_lists_every_log_worst_first(analysis, tmp_path, size):
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FilesScreen)
        fl = app.screen.query_one(FileList)
        assert sorted(r.path for r in fl.reports) == sorted(r.path for r in analysis.reports)
        assert [r.status for r in fl.reports][:2] == ["error", "error"]
        assert [r.status for r in fl.reports][2:4] == ["partial", "partial"]
        lines = fl.lines
        notes = next(i for i, r in enumerate(fl.reports) if r.path == "MISC/notes.evtx")
        assert lines[notes].startswith("error") and "notes.evtx" in lines[notes]
        dns04 = next(i for i, r in enumerate(fl.reports) if r.path.startswith("DNS04"))
        assert lines[dns04].split()[:4] == ["partial", "551", "79", "100"]
        header = fl.header_text(fl.row_width).plain
        assert "records" in header and "skipped" in header
        summary = rendered(app.screen.query_one("#files-summary"))
        assert "8 files: 4 ok, 2 partial, 2 unreadable" in summary
        await pilot.press("g", *["j"] * dns04)
        await pilot.pause()
        detail = rendered(app.screen.query_one("#file-text"))
        assert "file header says 6 chunks" in detail and "offset" in detail
        await pilot.press("backspace")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)


# --------------------------------------------------------------------------- keys, language
async def test_backspace_goes_back_everywhere(analysis, tmp_path):
    app = make_app(analysis, tmp_path / "case.json")
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        await open_alert(pilot, alert(analysis, "DC01", "cmd.exe"))
        await pilot.press("backspace")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("backspace")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        await pilot.press("slash")                   # in a text box Backspace edits
        await pilot.pause()
        app.screen.query_one(Input).insert_text_at_cursor("ab")
        await pilot.press("backspace", "enter")
        await pilot.pause()
        assert app.screen.filter.text == "a"


@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_chinese_translates_severities_and_breaks_lines_between_ideographs(analysis,
                                                                                 tmp_path,
                                                                                 size):
    app = make_app(analysis, tmp_path / "case.json", lang="zh")
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        lines = app.screen.query_one(AlertList).lines
        assert all(line.startswith("!!  高") for line in lines) and "high" not in "".join(lines)
        assert "退出" in footer(app) and "帮助" in footer(app)


def test_cjk_text_wraps_between_ideographs_and_keeps_paths_whole():
    assert cjkwrap.install()
    console = Console(width=200)
    path = "DC01/C/Windows/System32/winevt/Logs/Security.evtx"
    text = f"注意:{path} 未能完整读取(partial):跳过 3 条记录或块,恢复 0 条。"
    for width in (30, 40, 56, 70):
        lines = [ln.plain for ln in Text(text).wrap(console, width)]
        assert all(Text(ln).cell_len <= width for ln in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        if width >= len(path):
            assert any(path in ln for ln in lines), lines       # never cut in a path
        assert not any(ln.startswith(("。", ":", ")", ",")) for ln in lines), lines
    # a sentence with no space at all still fills its lines
    lines = [ln.plain for ln in Text("[ ] 1. 调查未知进程的进程执行链(父进程树)。").wrap(console, 24)]
    assert lines[0].startswith("[ ] 1. 调查") and len(lines) == 2
    # text without CJK wraps exactly as Rich does
    plain = "rundll32.exe javascript:\"\\..\\mshtml,RunHTMLApplication \";[bold red]PWNED x"
    assert list(cjkwrap.words(plain)) == list(cjkwrap._original(plain))
