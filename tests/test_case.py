"""The case file: a responder ticks items and writes notes; nothing they wrote is lost.

Every test opens its own case in ``tmp_path`` (never inside the evidence) over the shared
analysis of the bundled evidence; the evidence-change tests analyse a modified copy.
"""

from __future__ import annotations

import json
import shutil

import pytest

from evtxscan.analysis import analyze
from evtxscan.case import Case, CaseError

ZH_NOTE = "已隔离主机;凭据已重置"


def alert_of(analysis, host: str, name: str):
    return next(a for a in analysis.alerts
                if a.host.split(".")[0] == host and a.process.name == name)


def test_a_new_case_lists_every_alert_with_every_item_open(analysis, tmp_path):
    case = Case.open(tmp_path / "case.json", analysis)
    assert case.path.exists() and case.changes == []
    data = json.loads(case.path.read_text(encoding="utf-8"))
    assert data["format"] == "evtxscan-case" and data["version"] == 1
    assert set(data["alerts"]) == {a.id for a in analysis.alerts}
    cmd = alert_of(analysis, "DC01", "cmd.exe")
    entry = data["alerts"][cmd.id]
    assert entry["host"] == "DC01.corp.example" and entry["rule_id"] == cmd.rule.rule_id
    assert entry["process"] == "dns.exe -> cmd.exe (pid %d)" % cmd.process.pid
    assert case.progress(cmd.id) == (0, 19)
    assert case.state(cmd.id, "investigation-1") == "open"
    assert [f["path"] for f in data["evidence"]["files"]] == sorted(r.path for r in analysis.reports)
    assert all(len(f["sha256"]) == 64 for f in data["evidence"]["files"])
    assert "\n  " in case.path.read_text(encoding="utf-8")    # indented for humans


def test_ticks_and_notes_round_trip_byte_for_byte(analysis, tmp_path):
    path = tmp_path / "out" / "case.json"
    case = Case.open(path, analysis)
    cmd = alert_of(analysis, "DC01", "cmd.exe")
    case.set_state(cmd.id, "investigation-1", "done")
    case.set_state(cmd.id, "investigation-7", "n/a")
    case.set_note(cmd.id, "investigation-2", "whoami ran as SYSTEM <b>bold?</b>")
    case.set_alert_note(cmd.id, ZH_NOTE)
    saved = path.read_bytes()
    assert ZH_NOTE in saved.decode("utf-8")        # readable, not \\u-escaped
    again = Case.open(path, analysis)
    assert again.changes == []
    assert again.state(cmd.id, "investigation-1") == "done"
    assert again.state(cmd.id, "investigation-7") == "n/a"
    assert again.note(cmd.id, "investigation-2") == "whoami ran as SYSTEM <b>bold?</b>"
    assert again.alert_note(cmd.id) == ZH_NOTE
    assert again.progress(cmd.id) == (2, 19)
    again.save()
    assert path.read_bytes() == saved
    hist = again.entry(cmd.id)["items"]["investigation-1"]["history"]
    assert hist[0]["state"] == "done" and hist[0]["was"] == "open"
    assert hist[0]["at"].endswith("Z") and hist[0]["at"][10] == "T"
    assert [p.name for p in path.parent.iterdir()] == ["case.json"]   # no temp files left


def test_an_unchanged_rescan_keeps_the_case_identical(analysis, evidence, tmp_path):
    path = tmp_path / "case.json"
    case = Case.open(path, analysis)
    cmd = alert_of(analysis, "DC01", "cmd.exe")
    case.set_state(cmd.id, "investigation-2", "done")
    case.set_note(cmd.id, "investigation-2", "whoami.exe under cmd.exe")
    saved = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    rescan = analyze([str(evidence)])
    reopened = Case.open(path, rescan)
    assert reopened.changes == []
    assert path.read_bytes() == saved and path.stat().st_mtime_ns == mtime


def test_changed_evidence_says_what_changed_and_keeps_every_note(analysis, evidence, tmp_path):
    path = tmp_path / "case.json"
    case = Case.open(path, analysis)
    certutil = alert_of(analysis, "DNS04", "certutil.exe")
    case.set_state(certutil.id, "response-2", "done")
    case.set_note(certutil.id, "response-2", "DNS04 isolated at 03:10")
    copy = tmp_path / "evidence2"
    shutil.copytree(evidence, copy)
    shutil.rmtree(copy / "DNS04")
    (copy / "MISC" / "notes.evtx").write_text("changed\n")
    changed = analyze([str(copy)])
    reopened = Case.open(path, changed)
    text = "\n".join(reopened.changes)
    assert "file removed: DNS04/C/Windows/System32/winevt/Logs/Security.evtx" in text
    assert "file changed: MISC/notes.evtx" in text
    assert "alert gone (kept, marked orphaned)" in text and "certutil.exe" in text
    assert reopened.entry(certutil.id)["status"] == "orphaned"
    assert reopened.note(certutil.id, "response-2") == "DNS04 isolated at 03:10"
    assert reopened.state(certutil.id, "response-2") == "done"
    assert json.loads(path.read_text(encoding="utf-8"))["history"][-1]["evidence_changes"] \
        == reopened.changes
    # the original evidence again: the alert is back, with its note
    back = Case.open(path, analysis)
    assert any(c.startswith("alert back:") for c in back.changes)
    assert "file added: DNS04/C/Windows/System32/winevt/Logs/Security.evtx" in back.changes
    assert back.entry(certutil.id)["status"] == "active"
    assert back.note(certutil.id, "response-2") == "DNS04 isolated at 03:10"


def test_the_case_is_never_written_inside_the_evidence(analysis, evidence, tmp_path):
    with pytest.raises(CaseError, match="inside the evidence"):
        Case.open(evidence / "case.json", analysis)
    with pytest.raises(CaseError, match="inside the evidence"):
        Case.open(evidence / "DC01" / "deeper" / "case.json", analysis)
    other = tmp_path / "more-evidence"
    other.mkdir()
    with pytest.raises(CaseError, match="inside the evidence"):
        Case.open(other / "case.json", analysis, evidence_roots=[str(other)])
    assert not (evidence / "case.json").exists()


def test_bad_input_is_refused_without_touching_the_file(analysis, tmp_path):
    path = tmp_path / "case.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CaseError, match="cannot read case file"):
        Case.open(path, analysis)
    assert path.read_text(encoding="utf-8") == "{not json"
    path.write_text('{"something": "else"}', encoding="utf-8")
    with pytest.raises(CaseError, match="not an evtxscan case file"):
        Case.open(path, analysis)
    path.unlink()
    case = Case.open(path, analysis)
    aid = analysis.alerts[0].id
    with pytest.raises(ValueError, match="open, done, n/a"):
        case.set_state(aid, "investigation-1", "finished")
    with pytest.raises(KeyError):
        case.set_note("0000000000000000", "investigation-1", "x")
    assert case.state("0000000000000000", "investigation-1") == "open"
    assert case.progress("0000000000000000") == (0, 0)


def test_reading_a_case_for_a_report_does_not_write_it(analysis, tmp_path):
    path = tmp_path / "case.json"
    Case.open(path, analysis).set_state(analysis.alerts[0].id, "investigation-1", "done")
    before = path.read_bytes()
    data = json.loads(before)
    data["evidence"]["files"] = data["evidence"]["files"][1:]   # pretend a file is new
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written = path.read_bytes()
    ro = Case.open(path, analysis, save=False)
    assert ro.changes and ro.changes[0].startswith("file added:")
    assert path.read_bytes() == written


def test_the_cli_refuses_a_case_inside_the_evidence(evidence, tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-m", "evtxscan", "scan", str(evidence), "-q",
                           "-o", str(tmp_path / "out"), "--case", str(evidence / "case.json")],
                          cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "inside the evidence" in proc.stderr and not (evidence / "case.json").exists()
