"""Snapshots of the main screens on the bundled evidence (pytest-textual-snapshot).

Update with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the SVGs
in ``tests/__snapshots__/`` before committing them.  Frames are deterministic: fixed
size, a fresh case file, no clock, no spinner, no notification on screen.
"""

from __future__ import annotations

from evtxscan.tui.app import EvtxScanApp
from evtxscan.tui.screens import AlertsScreen

SIZE = (120, 36)


def _app(analysis, tmp_path, **kw) -> EvtxScanApp:
    return EvtxScanApp([str(p) for p in analysis.paths], tmp_path / "case.json",
                       analysis=analysis, **kw)


def _row(analysis, host: str, name: str) -> int:
    from evtxscan.tui.model import View
    alerts = View.build(analysis).sorted_alerts()
    return next(i for i, a in enumerate(alerts) if a.host.startswith(host)
                and a.process.name == name)


def _open(row: int, *keys: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        for _ in range(600):
            if app.ready and isinstance(app.screen, AlertsScreen):
                break
            await pilot.pause(0.05)
        await pilot.pause()
        if row >= 0:
            await pilot.press("g", *["j"] * row, "enter")
            await pilot.pause()
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.3)   # past the guide's follow delay; nothing animates after
        await pilot.pause()
    return run_before


def test_alert_list(snap_compare, analysis, tmp_path):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZE, run_before=_open(-1))


def test_tree_detail_and_checklist_of_the_dc01_cmd_alert(snap_compare, analysis, tmp_path):
    """services.exe → dns.exe → cmd.exe → whoami.exe, the detail of cmd.exe, and the
    guide with its first step ticked."""
    row = _row(analysis, "DC01", "cmd.exe")
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZE,
                        run_before=_open(row, "3", "x", "1"))


def test_hostile_command_line_is_literal(snap_compare, analysis, tmp_path):
    row = _row(analysis, "DC01", "rundll32.exe")
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZE,
                        run_before=_open(row))


def test_timeline(snap_compare, analysis, tmp_path):
    row = _row(analysis, "DC01", "cmd.exe")
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZE,
                        run_before=_open(row, "t"))


def test_help(snap_compare, analysis, tmp_path):
    assert snap_compare(_app(analysis, tmp_path), terminal_size=SIZE,
                        run_before=_open(-1, "question_mark"))


def test_chinese_checklist(snap_compare, analysis, tmp_path):
    row = _row(analysis, "DC01", "cmd.exe")
    assert snap_compare(_app(analysis, tmp_path, lang="zh"), terminal_size=SIZE,
                        run_before=_open(row, "3"))
