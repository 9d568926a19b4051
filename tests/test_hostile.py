"""Hostile strings: command lines, image paths, host and user names and even file names
come from the attacker's machine.

A responder reads them on a terminal, opens alerts.csv in a spreadsheet, the HTML report in
a browser, and feeds the JSON to other tools.  Terminal escapes and Rich markup are shown
as text, never obeyed; spreadsheet formulas never run; HTML never renders evidence as
markup; JSON keeps the exact text.  Unpaired UTF-16 surrogates, which Windows writes
without complaint, are handled the same way by both backends.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import evtx
import pytest
from Evtx.Evtx import Evtx

from evtxscan.cli import main
from evtxscan.outputs.csv_out import FORMULA_START
from evtxscan.records import FileReport
from evtxscan.readers import pyevtx, rust
from evtxscan.textsafe import printable
from fixtures.evtxwriter import EventSpec, write_evtx

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
S32 = "C:\\Windows\\System32\\"
MARKUP = "[bold red]PWNED[/bold red] [link=https://evil.example/x]click[/link]"
ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\\x9b31m"
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&amp;"
BIDI = "\u202egpj.exe\u202c c\u200bmd"
#: every spreadsheet formula start the CSV must defuse, one alert each
FORMULAS = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
HOST = "DNS9\x1b[31m[red]x[/red]"
USER = "=HYPERLINK(\"https://evil.example\",\"x\")"
DOMAIN = "@evil"
#: what a terminal must never receive from evidence
RAW_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b]")


def spec(i: int, image: str, cmdline: str, pid: int, ppid: int,
         parent: str = S32 + "services.exe", user: str = "SYSTEM") -> EventSpec:
    return EventSpec(
        time=T0 + timedelta(seconds=i), provider="Microsoft-Windows-Security-Auditing",
        provider_guid="{54849625-5478-4994-A5BA-3E3B0328C30D}", event_id=4688, version=2,
        channel="Security", computer=HOST, level=0, task=13312,
        data=[
            ("SubjectUserSid", "sid", "S-1-5-18"), ("SubjectUserName", "string", user),
            ("SubjectDomainName", "string", DOMAIN), ("SubjectLogonId", "hexint64", 0x3E7),
            ("NewProcessId", "hexint64", pid), ("NewProcessName", "string", image),
            ("TokenElevationType", "string", "%%1936"), ("ProcessId", "hexint64", ppid),
            ("CommandLine", "string", cmdline), ("TargetUserSid", "sid", "S-1-0-0"),
            ("TargetUserName", "string", "-"), ("TargetDomainName", "string", "-"),
            ("TargetLogonId", "hexint64", 0), ("ParentProcessName", "string", parent),
            ("MandatoryLabel", "sid", "S-1-16-16384"),
        ],
    )


HOSTILE = f"rundll32.exe {MARKUP} {ESCAPES} {HTML} {BIDI}"
CMDLINES = [HOSTILE] + FORMULAS


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    """dns.exe spawns one child per hostile command line; the log's own name is hostile too."""
    root = tmp_path_factory.mktemp("hostile")
    ev = root / "evidence"
    ev.mkdir()
    events = [spec(0, S32 + "dns.exe", "dns.exe", 0x6F0, 0x2A0)]
    for i, cmd in enumerate(CMDLINES, 1):
        image = f"C:\\Users\\Public\\{cmd.split()[0].strip()[:12]}{i}.exe"
        if cmd == HOSTILE:  # the process name shown in the stdout table is hostile too
            image = "C:\\Users\\Public\\run\x9b31m\u200bdll\u202egpj.exe"
        events.append(spec(i, image, cmd, 0x1000 + i, 0x6F0, parent=S32 + "dns.exe", user=USER))
    name = "Security \x1b[2J\u202e[bold]x[bold].evtx"
    write_evtx(ev / name, events)
    (ev / "junk \x1b]0;owned\x07.evtx").write_text("not a log")
    out = root / "out"
    import contextlib
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = main(["scan", str(ev), "-o", str(out), "-f", "csv", "-f", "html", "-f", "md"])
    return {"rc": rc, "out": out, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
            "name": name}


def test_every_hostile_child_of_dns_exe_alerts(scanned):
    assert scanned["rc"] == 1
    alerts = [json.loads(x) for x in (scanned["out"] / "alerts.jsonl").read_text().splitlines()]
    assert sorted(a["process"]["command_line"] for a in alerts) == sorted(CMDLINES)


def test_terminal_output_shows_escapes_and_markup_as_text(scanned):
    for stream in ("stdout", "stderr"):
        text = scanned[stream]
        assert not RAW_CONTROLS.search(text.replace("\n", "")), (stream, RAW_CONTROLS.search(text))
    out = scanned["stdout"]
    assert "[red]x[/red]" in out and "[bold]x[bold]" in out  # markup shown literally
    assert "\\x1b[2J" in out and "\\x9b31m" in out         # escapes shown as text
    assert "\\u202e" in out and "\\u200b" in out           # bidi override and zero-width too
    assert printable(HOST) in out
    assert printable(scanned["name"]) in out               # the log's own name, in the file table
    (line,) = scanned["stderr"].splitlines()
    assert line == "evtxscan: error: junk \\x1b]0;owned\\x07.evtx: no ElfFile header " \
                   "(starts with b'not a lo...') (skipped)"


def test_no_csv_cell_can_run_as_a_formula(scanned):
    raw = (scanned["out"] / "alerts.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == len(CMDLINES)
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    col = header.index("command_line")
    shown = sorted(c[1:] if c.startswith("'") else c for c in (r[col] for r in body))
    # issue 18: control characters are shown escaped in CSV cells, as in report.md,
    # report.html and on the terminal (``cat alerts.csv`` must not clear the screen);
    # apart from that and the quote, the text is the evidence's (JSON keeps it exact)
    assert shown == sorted(printable(c) for c in CMDLINES)
    assert not RAW_CONTROLS.search(raw.replace("\r\n", "")), RAW_CONTROLS.search(raw)
    users = {r[header.index("user")] for r in body}
    assert users == {f"'{DOMAIN}\\{USER}"}  # "@evil\=HYPERLINK(...)" defused as a whole


def test_the_html_report_never_renders_evidence_as_markup(scanned):
    page = (scanned["out"] / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "onerror=alert(2)>" not in page.replace("&gt;", "")  # attribute never live
    assert html.escape("<script>alert(1)</script>") in page
    assert "\x1b" not in page and "\x07" not in page and "\x9b" not in page
    assert "Content-Security-Policy" in page
    # every <script> in the page is none at all: evidence brings no script tags
    assert "<script" not in page.lower().replace(html.escape("<script").lower(), "")


def test_the_markdown_report_carries_no_terminal_escapes(scanned):
    md = (scanned["out"] / "report.md").read_text(encoding="utf-8")
    assert "\x1b" not in md and "\x07" not in md and "\x9b" not in md


def test_json_keeps_the_exact_text(scanned):
    procs = [json.loads(x) for x in (scanned["out"] / "processes.jsonl").read_text().splitlines()]
    got = {d["process"]["command_line"] for d in procs}
    assert set(CMDLINES) <= got
    assert {d["host"]["name"] for d in procs} == {HOST}
    assert {d["evtxscan"]["source"]["file"] for d in procs} == {scanned["name"]}
    raw = (scanned["out"] / "processes.jsonl").read_bytes()
    assert b"\x1b" not in raw and raw.isascii()  # escaped in JSON, exact once decoded
    summary = json.loads((scanned["out"] / "summary.json").read_text(encoding="utf-8"))
    assert scanned["name"] in {f["path"] for f in summary["files"]}


# ------------------------------------------------------------------ unpaired surrogates


SURROGATE_CASES = {
    "a lone high surrogate": ("who\ud800ami", "whoami"),
    "a lone low surrogate first": ("\udc00cmd.exe", "cmd.exe"),
    "a high surrogate at the end": ("cmd.exe /c dir\ud83d", "cmd.exe /c dir"),
    "a pair in the wrong order": ("a\ude00\ud83db", "ab"),
    "a proper pair is kept": ("smile \U0001F600", "smile \U0001F600"),
}


@pytest.fixture(scope="module")
def surrogate_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("surrogates") / "Security.evtx"
    events = [spec(0, S32 + "dns.exe", "dns.exe", 0x6F0, 0x2A0)]
    for i, (written, _) in enumerate(SURROGATE_CASES.values(), 1):
        events.append(spec(i, S32 + "cmd.exe", written, 0x100 + i, 0x6F0, parent=S32 + "dns.exe"))
    write_evtx(path, events)
    return path


def _read(module, path) -> list[str]:
    report = FileReport("x", str(path))
    with open(path, "rb") as stream:
        out = [r.data["CommandLine"] for r in module.read_records(stream, report)]
    assert report.skipped == 0 and report.errors == []
    return out


def test_both_backends_drop_unpaired_surrogates_alike_and_lose_no_record(surrogate_log):
    want = ["dns.exe"] + [expected for _, expected in SURROGATE_CASES.values()]
    assert _read(rust, surrogate_log) == want
    assert _read(pyevtx, surrogate_log) == want
    # pyevtx-rs itself: the unpaired units are gone from its JSON and XML alike
    xml = [r["data"] for r in evtx.PyEvtxParser(str(surrogate_log)).records()]
    assert "<Data Name=\"CommandLine\">whoami</Data>" in xml[1]


def test_python_evtx_itself_would_lose_such_a_record(surrogate_log):
    """Why our python backend decodes strings itself: the library fails the whole record."""
    with Evtx(str(surrogate_log)) as log:
        records = list(log.records())
        with pytest.raises(UnicodeDecodeError):
            records[1].xml()


@pytest.mark.parametrize("backend", ["evtx", "python-evtx"])
def test_json_outputs_agree_across_backends_on_surrogates(surrogate_log, tmp_path, backend):
    out = tmp_path / backend
    assert main(["scan", str(surrogate_log), "-o", str(out), "-q", "--backend", backend]) == 1
    alerts = [json.loads(x) for x in (out / "alerts.jsonl").read_text().splitlines()]
    assert sorted(a["process"]["command_line"] for a in alerts) == sorted(
        expected for _, expected in SURROGATE_CASES.values())


def test_an_odd_byte_string_is_read_by_our_python_backend_and_counted_by_pyevtx_rs(tmp_path):
    """Half a UTF-16 code unit: pyevtx-rs fails the record (counted, with its offset); the
    python backend reads the whole units and drops the odd byte."""
    path = tmp_path / "odd.evtx"
    write_evtx(path, [spec(0, S32 + "cmd.exe", "ok", 0x10, 0x4),
                      spec(1, S32 + "cmd.exe", b"o\x00d\x00d\x00\x41", 0x11, 0x4)])
    report = FileReport("x", str(path))
    with open(path, "rb") as stream:
        assert [r.data["CommandLine"] for r in rust.read_records(stream, report)] == ["ok"]
    assert report.skipped == 1 and report.errors[0].record_id == 2
    assert _read(pyevtx, path) == ["ok", "odd"]


def test_graphml_stays_well_formed_xml_with_characters_xml_forbids(tmp_path):
    """U+FFFE/U+FFFF (and controls) in a host name or command line once made
    graph.graphml invalid XML that lxml, networkx and ElementTree all rejected."""
    import xml.etree.ElementTree as ET

    import networkx as nx
    from lxml import etree
    odd = "cmd.exe /c echo \ufffe\uffff\x01done"
    events = [spec(0, S32 + "dns.exe", "dns.exe", 0x6F0, 0x2A0),
              spec(1, S32 + "cmd.exe", odd, 0x1001, 0x6F0, parent=S32 + "dns.exe")]
    host = "DNS\uffff9"
    events = [EventSpec(**{**e.__dict__, "computer": host}) for e in events]
    ev = tmp_path / "evidence"
    ev.mkdir()
    write_evtx(ev / "Security.evtx", events)
    out = tmp_path / "out"
    assert main(["scan", str(ev), "-o", str(out), "-q"]) == 1
    raw = (out / "graph.graphml").read_bytes()
    etree.fromstring(raw)
    ET.fromstring(raw)
    g = nx.read_graphml(out / "graph.graphml")
    cmds = {d["command_line"] for _, d in g.nodes(data=True)}
    assert "cmd.exe /c echo \\ufffe\\uffff\\x01done" in cmds
    (alert,) = [json.loads(x) for x in (out / "alerts.jsonl").read_text().splitlines()]
    assert alert["process"]["command_line"] == odd          # JSON keeps the exact text
    assert alert["host"]["name"] == host
