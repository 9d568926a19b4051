"""Bad input: every unusable path gets one clear line on stderr and the run goes on.

A responder points evtxscan at whatever the collection holds: paths mistyped, folders with
no logs, files the collector could not read, junk named ``.evtx``, empty and header-only
logs, symlink loops, a FIFO, names with spaces, accents, CJK or bytes that are not UTF-8,
and records far bigger than usual.  Exit status 2 only when nothing could be scanned.
And the evidence is never changed: not its bytes, not its times.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from evtxscan.cli import main
from conftest import on_file
from evtxscan.evtx.format import synthetic_file_header
from evtxscan.evtx.layout import inspect
from evtxscan.evtx.walk import walk_records
from fixtures.evtxwriter import EventSpec, write_evtx

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
S32 = "C:\\Windows\\System32\\"


def start(i: int, image: str, cmdline: str, parent: str = S32 + "services.exe",
          pid: int | None = None, ppid: int = 0x2A0) -> EventSpec:
    return EventSpec(
        time=T0 + timedelta(seconds=i), provider="Microsoft-Windows-Security-Auditing",
        provider_guid="{54849625-5478-4994-A5BA-3E3B0328C30D}", event_id=4688, version=2,
        channel="Security", computer="HOST1.corp.example", level=0, task=13312,
        data=[
            ("SubjectUserSid", "sid", "S-1-5-18"), ("SubjectUserName", "string", "HOST1$"),
            ("SubjectDomainName", "string", "CORP"), ("SubjectLogonId", "hexint64", 0x3E7),
            ("NewProcessId", "hexint64", pid or 0x1000 + i), ("NewProcessName", "string", image),
            ("TokenElevationType", "string", "%%1936"), ("ProcessId", "hexint64", ppid),
            ("CommandLine", "string", cmdline), ("TargetUserSid", "sid", "S-1-0-0"),
            ("TargetUserName", "string", "-"), ("TargetDomainName", "string", "-"),
            ("TargetLogonId", "hexint64", 0), ("ParentProcessName", "string", parent),
            ("MandatoryLabel", "sid", "S-1-16-16384"),
        ],
    )


def small_log(path: Path, n: int = 3) -> Path:
    write_evtx(path, [start(i, S32 + "svchost.exe", f"svchost.exe -k n{i}") for i in range(n)])
    return path


def run(args: list[str], capsys) -> tuple[int, list[str], dict]:
    """Run the CLI in-process: exit status, stderr lines, summary.json (when written)."""
    out = Path(args[args.index("-o") + 1])
    rc = main(["scan", *args, "-q"])
    err = capsys.readouterr().err.splitlines()
    summary = json.loads((out / "summary.json").read_text()) if (out / "summary.json").exists() else {}
    return rc, err, summary


def lines_about(err: list[str], name: str) -> list[str]:
    return [line for line in err if f": {name}:" in line]


@pytest.fixture
def junk(tmp_path: Path) -> Path:
    """One folder with every kind of bad input beside one good log."""
    root = tmp_path / "collection"
    root.mkdir()
    small_log(root / "Security.evtx")
    (root / "notes.evtx").write_text("These are not the logs you are looking for.\n")
    (root / "empty.evtx").write_bytes(b"")
    (root / "header-only.evtx").write_bytes(synthetic_file_header(0))
    (root / "dangling.evtx").symlink_to(root / "gone.evtx")
    (root / "loop1.evtx").symlink_to(root / "loop2.evtx")
    (root / "loop2.evtx").symlink_to(root / "loop1.evtx")
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root)
    os.mkfifo(root / "pipe.evtx")
    (tmp_path / "no-logs-here").mkdir()
    ((tmp_path / "no-logs-here") / "readme.txt").write_text("nothing")
    return root


def test_every_bad_input_gets_one_line_and_the_good_log_is_still_scanned(junk, tmp_path, capsys):
    rc, err, summary = run([str(junk), str(tmp_path / "missing"), str(tmp_path / "no-logs-here"),
                            "-o", str(tmp_path / "out")], capsys)
    assert rc == 0  # the good log was scanned (it has no alerts)
    expect = {
        "missing": "does not exist",
        "no-logs-here": "no event logs or evidence containers found in directory",
        "collection/notes.evtx": "no ElfFile header (starts with b'These ar...')",
        "collection/empty.evtx": "empty file",
        "collection/dangling.evtx": "broken symlink",
        "collection/loop1.evtx": "symlink loop",
        "collection/loop2.evtx": "symlink loop",
        "collection/sub/up": "symlink loop",
        "collection/pipe.evtx": "not a regular file (a FIFO): not opened",
    }
    for name, reason in expect.items():
        (line,) = [line for line in err if f"{name}:" in line]
        assert line.startswith("evtxscan: error: ") and reason in line, line
    (note,) = lines_about(err, "collection/header-only.evtx")
    assert note == "evtxscan: note: collection/header-only.evtx: a valid log with no records (nothing to scan)"
    assert len(err) == len(expect) + 1  # one line each, nothing else

    files = {Path(f["path"]).name: f for f in summary["files"]}
    assert files["Security.evtx"]["status"] == "ok" and files["Security.evtx"]["records"] == 3
    assert files["header-only.evtx"]["status"] == "ok" and files["header-only.evtx"]["records"] == 0
    for name in ("notes.evtx", "empty.evtx", "dangling.evtx", "pipe.evtx", "loop1.evtx", "up"):
        assert files[name]["status"] == "error" and files[name]["errors"], name
    assert summary["totals"]["files_ok"] == 2


@pytest.mark.parametrize("make", ["missing", "empty-dir", "junk", "fifo", "all-bad"])
def test_exit_2_only_when_nothing_at_all_could_be_scanned(make, junk, tmp_path, capsys):
    paths = {
        "missing": [tmp_path / "missing"],
        "empty-dir": [tmp_path / "no-logs-here"],
        "junk": [junk / "notes.evtx", junk / "empty.evtx"],
        "fifo": [junk / "pipe.evtx"],
        "all-bad": [junk / "notes.evtx", tmp_path / "missing", junk / "dangling.evtx"],
    }[make]
    rc, err, _ = run([*map(str, paths), "-o", str(tmp_path / "out")], capsys)
    assert rc == 2
    assert err[-1] == "evtxscan: error: nothing could be scanned"
    assert len(err) == len(paths) + 1


def test_a_header_only_log_counts_as_scanned(junk, tmp_path, capsys):
    rc, err, summary = run([str(junk / "header-only.evtx"), "-o", str(tmp_path / "out")], capsys)
    assert rc == 0 and len(err) == 1 and "no records" in err[0]
    assert summary["files"][0]["status"] == "ok"


def _without_dac_override(cmd: list[str]) -> list[str]:
    """Run ``cmd`` so that file permissions apply: tests often run as root, which reads a
    mode-000 file anyway.  Dropping CAP_DAC_OVERRIDE/READ_SEARCH makes root obey them."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    drop = ["--bounding-set=-dac_override,-dac_read_search",
            "--inh-caps=-dac_override,-dac_read_search"]
    if setpriv is None or subprocess.run([setpriv, *drop, "true"], capture_output=True).returncode:
        pytest.skip("running as root without setpriv: cannot make a file unreadable to root")
    return [setpriv, *drop, *cmd]


def test_a_file_that_cannot_be_opened_is_named_and_the_rest_is_scanned(tmp_path):
    root = tmp_path / "evidence"
    root.mkdir()
    small_log(root / "Security.evtx")
    locked = small_log(root / "System.evtx")
    locked.chmod(0)
    try:
        proc = subprocess.run(
            _without_dac_override([sys.executable, "-m", "evtxscan", "scan", str(root), "-o",
                                   str(tmp_path / "out"), "-q"]),
            capture_output=True, text=True, cwd=ROOT, timeout=120)
    finally:
        locked.chmod(0o644)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "evtxscan: error: System.evtx: cannot read: Permission denied (skipped)"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    status = {f["path"]: f["status"] for f in summary["files"]}
    assert status == {"Security.evtx": "ok", "System.evtx": "error"}


@pytest.mark.parametrize("backend", ["evtx", "python-evtx"])
def test_a_record_of_60_kb_is_read_whole(tmp_path, capsys, backend):
    """A 30,000-character command line (60 KB of UTF-16): one record nearly fills a chunk."""
    huge = "powershell.exe -enc " + "QUFB" * 7495
    assert len(huge.encode("utf-16-le")) == 60_000
    log = tmp_path / "ev" / "Security.evtx"
    log.parent.mkdir()
    write_evtx(log, [start(0, S32 + "dns.exe", "dns.exe", pid=0x6F0),
                     start(1, S32 + "WindowsPowerShell\\v1.0\\powershell.exe", huge,
                           parent=S32 + "dns.exe", ppid=0x6F0),
                     start(2, S32 + "svchost.exe", "svchost.exe -k after")])
    layout = on_file(inspect, log)
    with open(log, "rb") as f:
        f.seek(layout.chunks[0].offset)
        frames, _ = walk_records(f.read(65536), 65536)
    assert max(fr.size for fr in frames) > 60_000  # one record nearly fills its chunk
    rc, err, summary = run([str(log.parent), "-o", str(tmp_path / "out"), "--backend", backend], capsys)
    assert rc == 1 and err == []  # dns.exe -> powershell.exe alerts
    assert summary["files"][0]["records"] == 3 and summary["files"][0]["status"] == "ok"
    docs = [json.loads(line) for line in (tmp_path / "out" / "processes.jsonl").read_text().splitlines()]
    (big,) = [d for d in docs if d["process"]["name"] == "powershell.exe"]
    assert big["process"]["command_line"] == huge
    (alert,) = [json.loads(line) for line in (tmp_path / "out" / "alerts.jsonl").read_text().splitlines()]
    assert alert["process"]["command_line"] == huge


@pytest.mark.parametrize("name", ["Sécurité (copie).evtx", "日志.evtx", "with  two spaces.evtx",
                                  "-f starts like an option.evtx"])
def test_names_with_spaces_accents_and_cjk_are_scanned_and_kept_exact(name, tmp_path, capsys):
    root = tmp_path / "Évidence dir"
    root.mkdir()
    small_log(root / name)
    rc, err, summary = run([str(root), "-o", str(tmp_path / "out")], capsys)
    assert (rc, err) == (0, [])
    assert [f["path"] for f in summary["files"]] == [name]
    docs = [json.loads(line) for line in (tmp_path / "out" / "processes.jsonl").read_text().splitlines()]
    assert {d["evtxscan"]["source"]["file"] for d in docs} == {name}


def test_a_name_that_is_not_utf8_round_trips_through_the_reports(tmp_path, capsys):
    root = tmp_path / "ev"
    root.mkdir()
    raw = b"Security-\xff\xfe.evtx"
    try:
        small_log(Path(os.fsdecode(os.path.join(os.fsencode(root), raw))))
    except (OSError, UnicodeError):
        pytest.skip("this file system does not store arbitrary bytes in names")
    out = tmp_path / "out"
    rc, err, summary = run([str(root), "-o", str(out), "-f", "csv", "-f", "md", "-f", "html"], capsys)
    assert (rc, err) == (0, [])
    (f,) = summary["files"]
    assert os.fsencode(f["path"]) == raw  # \udcff\udcfe in JSON: the bytes come back
    docs = [json.loads(line) for line in (out / "processes.jsonl").read_text().splitlines()]
    assert {os.fsencode(d["evtxscan"]["source"]["file"]) for d in docs} == {raw}


# ------------------------------------------------------------------ evidence is read-only


def fingerprint(root: Path) -> dict[str, tuple]:
    """Every file under ``root``: bytes (SHA-256), size, mode, mtime and ctime (atime is
    allowed to move: reading may update it on a relatime mount)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            digest = None
            if os.path.isfile(p) and not os.path.islink(p):
                digest = hashlib.sha256(Path(p).read_bytes()).hexdigest()
            out[os.path.relpath(p, root)] = (digest, st.st_size, st.st_mode, st.st_mtime_ns,
                                             st.st_ctime_ns)
    return out


@pytest.fixture
def evidence_copy(evidence, tmp_path) -> Path:
    copy = tmp_path / "evidence"
    shutil.copytree(evidence, copy, symlinks=True)
    return copy


@pytest.mark.parametrize("backend", ["evtx", "python-evtx"])
def test_a_scan_leaves_every_input_byte_and_time_as_it_was(evidence_copy, tmp_path, capsys, backend):
    before = fingerprint(evidence_copy)
    rc, _, summary = run([str(evidence_copy), "-o", str(tmp_path / "out"), "--backend", backend,
                          "-f", "csv", "-f", "md", "-f", "html", "-f", "graphml", "--jobs", "2"],
                         capsys)
    assert rc == 1
    assert fingerprint(evidence_copy) == before  # nothing changed, nothing added
    recorded = {f["path"]: f["sha256"] for f in summary["files"] if f["sha256"]}
    for path, digest in recorded.items():
        assert hashlib.sha256((evidence_copy / path).read_bytes()).hexdigest() == digest


async def test_a_tui_session_leaves_the_evidence_as_it_was(evidence_copy, tmp_path):
    from evtxscan.tui.app import EvtxScanApp
    before = fingerprint(evidence_copy)
    app = EvtxScanApp([str(evidence_copy)], tmp_path / "case.json")
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(600):
            if app.ready or app.failed:
                break
            await pilot.pause(0.05)
        assert app.failed is None and app.ready
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("q")
    assert fingerprint(evidence_copy) == before
    assert (tmp_path / "case.json").exists()  # the case lives beside, never inside, the evidence
