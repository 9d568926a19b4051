"""Snapshots of the main screens on the bundled evidence (pytest-textual-snapshot), each
at 80x24 (a laptop's default terminal: issue 18) and 160x45.

Update with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the SVGs
in ``tests/__snapshots__/`` before committing them.  Frames are deterministic: fixed
size, a fresh case file, no clock, no spinner, no notification on screen.
"""

from __future__ import annotations

import pytest

from evtxscan.tui.app import EvtxScanApp
from evtxscan.tui.screens import AlertsScreen

from test_tui import open_alert

SIZES = {"80x24": (80, 24), "160x45": (160, 45)}
sizes = pytest.mark.parametrize("size", list(SIZES))


def _app(analysis, tmp_path, **kw) -> EvtxScanApp:
    return EvtxScanApp([str(p) for p in analysis.paths], tmp_path / "case.json",
                       analysis=analysis, **kw)


def _alert(analysis, host: str, name: str):
    return next(a for a in analysis.alerts if a.host.startswith(host)
                and a.process.name == name)


def _open(alert=None, *keys: str, notify: bool = False):
    async def run_before(pilot) -> None:
        app = pilot.app
        for _ in range(600):
            if app.ready and isinstance(app.screen, AlertsScreen):
                break
            await pilot.pause(0.05)
        await pilot.pause()
        if alert is not None:
            await open_alert(pilot, alert)
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.3)   # past the guide's follow delay; nothing animates after
        if not notify:
            app.clear_notifications()
        await pilot.pause()
    return run_before


@sizes
def test_alert_list(snap_compare, analysis, tmp_path, size):
    """Severity by symbol, word and colour; the rule; the DC01/DNS02 stack (×2); the
    masquerading WS01 alert first with its flags; the preview of the cursor's row."""
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open())


@sizes
def test_status_picker_over_an_expanded_stack(snap_compare, analysis, tmp_path, size):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(None, "g", "j", "j", "j", "enter", "m"))


@sizes
def test_tree_detail_and_checklist_of_the_dc01_cmd_alert(snap_compare, analysis, tmp_path,
                                                         size):
    """services.exe → dns.exe → cmd.exe → whoami.exe with start times, the detail of
    cmd.exe, and the guide with its first step ticked."""
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(_alert(analysis, "DC01", "cmd.exe"), "3", "x", "1"))


@sizes
def test_masquerading_dns_exe_flagged_in_the_tree(snap_compare, analysis, tmp_path, size):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(_alert(analysis, "WS01", "cmd.exe"), "p"))


@sizes
def test_powershell_decoded_and_its_sysmon_activity(snap_compare, analysis, tmp_path, size):
    keys = ("2",) + ("j",) * (17 if size == "80x24" else 9)   # down to the activity
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(_alert(analysis, "DC01", "powershell.exe"), *keys))


@sizes
def test_hostile_command_line_is_literal(snap_compare, analysis, tmp_path, size):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(_alert(analysis, "DC01", "rundll32.exe")))


@sizes
def test_timeline_in_another_time_zone(snap_compare, analysis, tmp_path, size):
    from datetime import timedelta, timezone
    app = _app(analysis, tmp_path, tz=timezone(timedelta(hours=5, minutes=30)),
               tz_name="+05:30")
    assert snap_compare(app, terminal_size=SIZES[size],
                        run_before=_open(_alert(analysis, "DC01", "cmd.exe"), "t"))


@sizes
def test_files_pane(snap_compare, analysis, tmp_path, size):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(None, "f", "j", "j"))


@sizes
def test_help(snap_compare, analysis, tmp_path, size):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZES[size],
                        run_before=_open(None, "question_mark"))


@sizes
def test_chinese_list_and_checklist(snap_compare, analysis, tmp_path, size):
    assert snap_compare(_app(analysis, tmp_path, lang="zh"), terminal_size=SIZES[size],
                        run_before=_open(_alert(analysis, "DC01", "cmd.exe"), "3"))
