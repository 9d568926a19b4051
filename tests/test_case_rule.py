"""One case-file rule for ``scan`` and ``tui`` (issue 18): OUTDIR/case.json.

``scan EVIDENCE -o case1`` and ``tui EVIDENCE -o case1`` work in the same
``case1/case.json``; what the responder sets in the TUI (statuses, ticks, exported
alerts) is in the next scan's reports and survives its swap of the output folder;
``--case FILE`` overrides it for both.  ``tui -o`` is checked before the screen opens as
``scan -o`` is: not a file, not inside the evidence.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from evtxscan.case import case_path
from evtxscan.cli import build_parser, main, tui_options
from evtxscan.tui.app import EvtxScanApp, old_case_note, resolve_case_path, run
from evtxscan.tui.options import TuiOptions

from test_tui import ready


def test_scan_and_tui_name_the_same_case_file(evidence, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scan = build_parser().parse_args(["scan", str(evidence), "-o", "case1"])
    tui = tui_options(build_parser().parse_args(["tui", str(evidence), "-o", "case1"]))
    assert case_path(scan.output, scan.case) == Path("case1/case.json")
    assert resolve_case_path(tui.case, list(tui.paths), tui.outdir) == \
        tmp_path / "case1" / "case.json"
    default = tui_options(build_parser().parse_args(["tui", str(evidence)]))
    assert default.outdir == "evtxscan-out"
    forced = tui_options(build_parser().parse_args(["tui", str(evidence), "-o", "case1",
                                                    "--case", "mine.json"]))
    assert resolve_case_path(forced.case, list(forced.paths), forced.outdir) == \
        tmp_path / "mine.json"


async def test_what_the_tui_sets_is_in_the_next_scans_reports(evidence, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(evidence), "-o", "case1", "-q"]) == 1
    options = tui_options(build_parser().parse_args(["tui", str(evidence), "-o", "case1"]))
    case = resolve_case_path(options.case, list(options.paths), options.outdir)
    app = EvtxScanApp.from_options(options, case, outdir=tmp_path / "case1")
    async with app.run_test(size=(160, 45)) as pilot:
        await ready(pilot)
        first = app.screen.alerts[0]
        await pilot.press("g", "m", "3", "s")       # true positive; export it
        await pilot.pause()
    exported = tmp_path / "case1" / f"evtxscan-alert-{first.id}.md"
    assert exported.is_file() and "alert status: **true positive**" in exported.read_text()
    assert main(["scan", str(evidence), "-o", "case1", "-q", "-f", "csv", "-f", "md"]) == 1
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "case1" / "alerts.csv").read_text(encoding="utf-8-sig"))))
    assert {r["alert_id"]: r["alert_status"] for r in rows}[first.id] == "true_positive"
    assert "| true positive |" in (tmp_path / "case1" / "report.md").read_text()
    kept = json.loads((tmp_path / "case1" / "case.json").read_text())
    assert kept["alerts"][first.id]["alert_status"] == "true_positive"
    assert exported.is_file()                          # carried over by the scan's swap


def test_tui_output_is_checked_before_the_screen_opens(evidence, tmp_path, capsys):
    """A file, or a folder inside the evidence: one line, exit 2, nothing created."""
    (tmp_path / "afile").write_text("x")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert run(TuiOptions(paths=(str(evidence),), outdir=str(tmp_path / "afile"))) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert run(TuiOptions(paths=(str(evidence),), outdir=str(evidence / "DC01" / "out"))) == 2
    err = capsys.readouterr().err
    assert "inside the evidence" in err and len(err.strip().splitlines()) == 1
    assert not (evidence / "DC01" / "out").exists()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "case.json").write_text('{"format": "something else"}')
    assert run(TuiOptions(paths=(str(evidence),), outdir=str(tmp_path / "bad"))) == 2
    assert "not an evtxscan case file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before + ["bad"]


def test_an_earlier_default_case_file_is_pointed_out(evidence, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = TuiOptions(paths=(str(evidence),))
    new = resolve_case_path(None, [str(evidence)])
    assert old_case_note(options, new) is None
    (tmp_path / "evtxscan-case.json").write_text("{}")
    note = old_case_note(options, new)
    assert note.startswith("evtxscan: note: the case is now ") and \
        "add --case evtxscan-case.json" in note
    assert old_case_note(TuiOptions(paths=(str(evidence),), case="x.json"), new) is None


def test_a_case_change_saved_while_a_scan_swaps_the_folder_is_kept(tmp_path):
    """The scan carries case.json over into the new output set (a hard link) and swaps
    the folders; a TUI saving a change in between would have written it into the old
    folder, lost with it.  The scan takes the case file's lock for that step, so the
    change lands either before the carry-over or after the swap, in the new folder."""
    import threading
    import time

    from evtxscan.atomicfile import exclusive_lock, write_bytes
    from evtxscan.outputs.outset import OutputSet
    out = tmp_path / "case1"
    out.mkdir()
    (out / "case.json").write_bytes(b"before")
    outset = OutputSet(out, [str(tmp_path / "evidence")])
    staging = outset.open()
    (staging / "summary.json").write_text("{}")
    holding, done = threading.Event(), threading.Event()

    def tui_saves() -> None:
        with exclusive_lock(out / ".case.json.lock"):
            holding.set()
            time.sleep(0.5)                      # the scan reaches its commit meanwhile
            write_bytes(out / "case.json", b"after")
        done.set()
    t = threading.Thread(target=tui_saves)
    t.start()
    holding.wait()
    t0 = time.monotonic()
    outset.commit()
    waited = time.monotonic() - t0
    t.join()
    assert waited >= 0.3                         # the commit waited for the save
    assert (out / "case.json").read_bytes() == b"after"
    assert (out / "summary.json").exists()
    assert not (out / ".case.json.lock").exists()
