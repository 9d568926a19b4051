"""Normalization to ECS, on records written by the fixture writer and read back."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest

from evtxscan.ecs import event_doc as to_ecs
from evtxscan.normalize import ProcEvent, Source, normalize, parse_hashes, parse_pid
from evtxscan.records import FileReport
from evtxscan.winargs import split_command_line
from fixtures.evtxwriter import write_evtx
from fixtures.scenario import Host, Proc, utc

T0 = utc(2026, 3, 10, 2, 0, 0)


@pytest.mark.parametrize("cmdline,argv", [
    ("", []),
    ("cmd.exe /c whoami", ["cmd.exe", "/c", "whoami"]),
    ('"C:\\Program Files\\x y\\a.exe" -f "a b"', ["C:\\Program Files\\x y\\a.exe", "-f", "a b"]),
    ('a.exe "a\\"b"', ["a.exe", 'a"b']),
    ('a.exe a\\\\\\\\"b c" d', ["a.exe", "a\\\\b c", "d"]),
    ('a.exe a\\\\\\"b', ["a.exe", 'a\\"b']),
    ("a.exe C:\\dir\\ x", ["a.exe", "C:\\dir\\", "x"]),
    ('C:\\a\\b.exe\\"x y', ['C:\\a\\b.exe\\"x', "y"]),  # argv[0]: backslashes literal
    ('a.exe "a""b"', ["a.exe", 'a"b']),
    ("  a.exe   x  ", ["", "a.exe", "x"]),  # leading blank: empty program name
])
def test_windows_command_line_splitting(cmdline, argv):
    assert split_command_line(cmdline) == argv


def test_pids_hex_in_security_decimal_in_sysmon():
    assert parse_pid("0x1a2c", hex_text=True) == 0x1A2C
    assert parse_pid("1a2c", hex_text=True) == 0x1A2C
    assert parse_pid("6700", hex_text=False) == 6700   # never read a Sysmon PID as hex
    assert parse_pid("", hex_text=True) is None
    assert parse_pid("garbage", hex_text=False) is None


def test_hashes_new_and_legacy_forms():
    assert parse_hashes("SHA1=AB,MD5=CD,SHA256=EF,IMPHASH=01") == {
        "sha1": "ab", "md5": "cd", "sha256": "ef", "imphash": "01"}
    assert parse_hashes("ABCDEF", "SHA1") == {"sha1": "abcdef"}


def _host_events(host: Host, tmp_path, backend: str):
    (tmp_path / backend).mkdir(exist_ok=True)
    path = tmp_path / backend / f"{host.name}.evtx"
    recs = sorted(host.sysmon_records + host.security_records, key=lambda e: e.time)
    write_evtx(path, recs)
    rep = FileReport(path.name, str(path))
    if backend == "evtx":
        from evtxscan.readers.rust import read_records
    else:
        from evtxscan.readers.pyevtx import read_records
    with warnings.catch_warnings(), open(path, "rb") as stream:
        warnings.simplefilter("ignore")
        raws = list(read_records(stream, rep))
    out = []
    for raw in raws:
        ev = normalize(raw, Source(path.name, "", raw.record_id, raw.event_id, raw.channel, "x"))
        if ev is not None:
            out.append(ev)
    assert rep.skipped == 0
    return out


def _scenario(version: int | None, sysmon: str | None) -> tuple[Host, Proc]:
    h = Host("H1", seed=7, sysmon=sysmon, security=version)
    system = Proc(pid=4, image="System", cmdline="", guid=h.guid(T0), start=T0)
    dns = h.spawn(system, "C:\\Windows\\System32\\dns.exe", "dns.exe", T0, pid=0x6F0)
    child = h.spawn(dns, "C:\\Windows\\System32\\cmd.exe", 'cmd.exe /c "whoami /all"',
                    T0 + timedelta(seconds=5), pid=6700, user="CORP\\svc", user_sid="S-1-5-21-9",
                    logon_id=0x1A2B3C, integrity="High")
    h.exit(child, T0 + timedelta(seconds=9))
    return h, child


@pytest.mark.parametrize("version", [0, 1, 2])
def test_4688_every_version(tmp_path, version):
    h, child = _scenario(version, None)
    evs = [e for e in _host_events(h, tmp_path, "evtx") if isinstance(e, ProcEvent)]
    start = [e for e in evs if e.kind == "start" and e.pid == 6700][0]
    doc = to_ecs(start)
    p = doc["process"]
    assert doc["event"]["code"] == "4688" and doc["event"]["type"] == ["start"]
    assert doc["host"]["name"] == "H1" and doc["host"]["os"]["type"] == "windows"
    assert p["pid"] == 6700 and p["parent"]["pid"] == 0x6F0   # hex text -> int
    assert p["executable"] == "C:\\Windows\\System32\\cmd.exe" and p["name"] == "cmd.exe"
    if version == 0:
        assert "command_line" not in p
    else:
        assert p["command_line"] == 'cmd.exe /c "whoami /all"'
        assert p["args"] == ["cmd.exe", "/c", "whoami /all"]
    if version == 2:
        assert p["parent"]["name"] == "dns.exe"
        assert p["Ext"]["token"]["integrity_level_name"] == "high"
        assert doc["user"]["effective"]["name"] == "svc"
    else:
        assert "name" not in p.get("parent", {})   # the graph fills it later
    assert doc["@timestamp"].endswith("Z") and len(doc["@timestamp"]) == 27
    ends = [e for e in evs if e.kind == "end"]
    assert ends and ends[0].pid == 6700


@pytest.mark.parametrize("layout", ["legacy", "new"])
def test_sysmon_layouts(tmp_path, layout):
    h, child = _scenario(None, layout)
    evs = _host_events(h, tmp_path, "evtx")
    start = [e for e in evs if isinstance(e, ProcEvent) and e.kind == "start" and e.pid == 6700][0]
    doc = to_ecs(start)
    p = doc["process"]
    assert p["pid"] == 6700  # decimal, not 0x6700
    assert p["entity_id"] == child.guid.lower()
    assert p["parent"]["entity_id"].startswith("{") and p["parent"]["pid"] == 0x6F0
    assert p["parent"]["name"] == "dns.exe"
    assert doc["user"]["name"] == "svc" and doc["user"]["domain"] == "CORP"
    assert p["working_directory"] == "C:\\Windows\\system32\\"
    assert p["Ext"]["token"]["integrity_level_name"] == "high"
    assert "sha1" in p["hash"]
    if layout == "new":
        assert p["pe"]["original_file_name"] == "cmd.exe" and "imphash" in p["pe"]
        assert "sha256" in p["hash"]
    else:
        assert "pe" not in p
    assert doc["@timestamp"] == "2026-03-10T02:00:05.000000Z"  # Sysmon UtcTime


@pytest.mark.parametrize("version,sysmon", [(0, None), (1, None), (2, "new"), (None, "legacy")])
def test_round_trip_writer_to_both_readers_gives_identical_events(tmp_path, version, sysmon):
    h, _ = _scenario(version, sysmon)
    for i in range(50):
        h.noise(T0 + timedelta(seconds=20 + i))
    a = _host_events(h, tmp_path, "evtx")
    b = _host_events(h, tmp_path, "python-evtx")
    assert a and [to_ecs(e) if isinstance(e, ProcEvent) else e.summary for e in a] == \
        [to_ecs(e) if isinstance(e, ProcEvent) else e.summary for e in b]
