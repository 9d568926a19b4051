"""The fixture writer must produce logs that both readers take for Windows' own.

Every other test in the project trusts these fixtures, so these tests read the written
files back with pyevtx-rs and python-evtx and compare every value with what was written,
across several chunks, with the strings that break naive renderers (escape sequences,
markup, XML metacharacters, non-ASCII, control characters).
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import evtx
import pytest
from Evtx.Evtx import Evtx
from lxml import etree

from fixtures.evtxwriter import CHUNK_SIZE, FILE_HEADER_SIZE, EventSpec, filetime, write_evtx

SYSMON = ("Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
          "Microsoft-Windows-Sysmon/Operational")
SECURITY = ("Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-A5BA-3E3B0328C30D}", "Security")
NASTY = ["\x1b[2J", "[bold]red[/bold]", "<>&\"'", "Grüße ä 中文", "end\x03", "", "tab\there"]
T0 = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def sysmon_1(i: int) -> EventSpec:
    nasty = NASTY[i % len(NASTY)]
    return EventSpec(
        time=T0 + timedelta(seconds=i, microseconds=i), provider=SYSMON[0], provider_guid=SYSMON[1],
        event_id=1, version=5, channel=SYSMON[2], computer="WS01.corp.example", task=1,
        user_sid="S-1-5-18", process_id=2212, thread_id=3000 + i,
        data=[
            ("RuleName", "string", ""),
            ("UtcTime", "string", (T0 + timedelta(seconds=i)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]),
            ("ProcessGuid", "guid", f"{{00247C92-858E-5F7B-0000-{i:012X}}}"),
            ("ProcessId", "uint32", 4000 + i),
            ("Image", "string", f"C:\\Windows\\System32\\cmd{i}.exe"),
            ("FileVersion", "string", "10.0.19041.1 (WinBuild.160101.0800)"),
            ("Description", "string", "Windows Command Processor"),
            ("Product", "string", "Microsoft® Windows® Operating System"),
            ("Company", "string", "Microsoft Corporation"),
            ("OriginalFileName", "string", "Cmd.Exe"),
            ("CommandLine", "string", f"cmd.exe /c echo {nasty} " + "x" * (i % 300)),
            ("CurrentDirectory", "string", "C:\\Users\\bob\\"),
            ("User", "string", "CORP\\bob"),
            ("LogonGuid", "guid", "{00247C92-8C8A-5F7B-0000-0020E7030000}"),
            ("LogonId", "hexint64", 0x3E7 + i),
            ("TerminalSessionId", "uint32", 1),
            ("IntegrityLevel", "string", "High"),
            ("Hashes", "string", "SHA256=" + "AB" * 32),
            ("ParentProcessGuid", "guid", "{00247C92-82A5-5F7B-0000-0010C89F0A2B}"),
            ("ParentProcessId", "uint32", 19072),
            ("ParentImage", "string", "C:\\Windows\\explorer.exe"),
            ("ParentCommandLine", "string", "C:\\Windows\\Explorer.EXE"),
            ("ParentUser", "string", "CORP\\bob"),
        ],
    )


def security_4688(i: int) -> EventSpec:
    nasty = NASTY[(i // 2) % len(NASTY)]
    return EventSpec(
        time=T0 + timedelta(seconds=i, microseconds=i), provider=SECURITY[0], provider_guid=SECURITY[1],
        event_id=4688, version=2, channel=SECURITY[2], computer="DC01.corp.example", level=0,
        task=13312, opcode=0, user_sid=None,
        data=[
            ("SubjectUserSid", "sid", "S-1-5-21-3623811015-3361044348-30300820-1013"),
            ("SubjectUserName", "string", "bob"),
            ("SubjectDomainName", "string", "CORP"),
            ("SubjectLogonId", "hexint64", 0x1A2B3C),
            ("NewProcessId", "hexint64", 0x1A2C + i),
            ("NewProcessName", "string", "C:\\Windows\\System32\\dns.exe"),
            ("TokenElevationType", "string", "%%1936"),
            ("ProcessId", "hexint64", 0x278),
            ("CommandLine", "null" if i % 10 == 6 else "string", None if i % 10 == 6 else f"{nasty} #{i}"),
            ("TargetUserSid", "sid", "S-1-0-0"),
            ("TargetUserName", "string", "-"),
            ("TargetDomainName", "string", "-"),
            ("TargetLogonId", "hexint64", 0),
            ("ParentProcessName", "string", "C:\\Windows\\System32\\services.exe"),
            ("MandatoryLabel", "sid", "S-1-16-16384"),
        ],
    )


def corpus(n: int) -> list[EventSpec]:
    return [sysmon_1(i) if i % 2 else security_4688(i) for i in range(n)]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[EventSpec]]:
    events = corpus(400)
    path = tmp_path_factory.mktemp("writer") / "mixed.evtx"
    assert write_evtx(path, events) == 400
    return path, events


# ---------------------------------------------------------------------------- renderings


def rs_render(kind: str, value: object) -> object:
    """How pyevtx-rs renders a value in records_json (Windows' own text, mostly)."""
    if value is None or kind == "null":
        return ""
    if kind in ("hexint32", "hexint64", "sizet"):
        return f"0x{value:x}"
    if kind == "guid":
        return str(value).strip("{}").upper()
    if kind == "filetime":
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # type: ignore[union-attr]
    return value


def pyevtx_render(kind: str, value: object) -> str:
    """How python-evtx's node API renders a substitution (zero-padded hex, lower-case GUID)."""
    if value is None or kind == "null":
        return ""
    if kind == "hexint64":
        return f"0x{value:016x}"
    if kind == "hexint32":
        return f"0x{value:08x}"
    if kind == "guid":
        return "{" + str(value).strip("{}").lower() + "}"
    return str(value)


def python_evtx_event_data(record) -> list[str]:  # noqa: ANN001 - python-evtx record
    nested = record.root().substitutions()[17].root()
    return [sub.string() for sub in nested.substitutions()]


# ---------------------------------------------------------------------------- tests


def test_a_mixed_log_spans_several_chunks_with_valid_checksums(written):
    path, _events = written
    size = path.stat().st_size
    chunks = (size - FILE_HEADER_SIZE) // CHUNK_SIZE
    assert size == FILE_HEADER_SIZE + chunks * CHUNK_SIZE and chunks >= 4
    with Evtx(str(path)) as log:
        header = log.get_file_header()
        assert header.verify() and header.chunk_count() == chunks
        assert all(chunk.verify() for chunk in header.chunks())


def test_each_chunk_defines_each_template_once(written):
    """Per chunk: one System template per computer (Computer is a literal in it, as Windows
    writes it) and one EventData template per event kind; each defined once."""
    path, _events = written
    with Evtx(str(path)) as log:
        for chunk in log.get_file_header().chunks():
            assert len(chunk.templates()) == 4  # 2 computers + 2 event kinds
            raw = bytes(log.get_file_header()._buf[chunk.offset():chunk.offset() + CHUNK_SIZE])
            for offset in chunk.templates():
                guid = raw[offset + 4:offset + 20]
                assert raw.count(guid) == 1  # defined once; later instances point at it


def test_pyevtx_rs_reads_every_value_exactly(written):
    path, events = written
    records = list(evtx.PyEvtxParser(str(path)).records_json())
    assert len(records) == len(events)
    for number, (record, spec) in enumerate(zip(records, events), start=1):
        event = json.loads(record["data"])["Event"]
        system = event["System"]
        assert record["event_record_id"] == system["EventRecordID"] == number
        # the record-header time; pyevtx-rs trims trailing zeros and appends " UTC"
        stamp = datetime.fromisoformat(record["timestamp"].removesuffix(" UTC").replace("Z", "+00:00"))
        assert stamp == spec.time
        assert system["Provider"]["#attributes"] == {"Name": spec.provider, "Guid": spec.provider_guid.strip("{}")}
        assert (system["EventID"], system["Version"], system["Level"], system["Task"]) == (
            spec.event_id, spec.version, spec.level, spec.task)
        assert system["Keywords"] == f"0x{spec.keywords:x}"
        assert system["TimeCreated"]["#attributes"]["SystemTime"] == spec.time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert system["Execution"]["#attributes"] == {"ProcessID": spec.process_id, "ThreadID": spec.thread_id}
        assert (system["Channel"], system["Computer"]) == (spec.channel, spec.computer)
        if spec.user_sid:
            assert system["Security"]["#attributes"]["UserID"] == spec.user_sid
        else:
            assert system["Security"] is None
        assert event["EventData"] == {name: rs_render(kind, value) for name, kind, value in spec.data}


def test_pyevtx_rs_xml_keeps_control_characters_raw(written):
    path, events = written
    xml = [r["data"] for r in evtx.PyEvtxParser(str(path)).records()]
    assert len(xml) == len(events)
    assert '<Data Name="CommandLine">cmd.exe /c echo \x1b[2J ' in xml[7]
    assert '<Data Name="CommandLine">&lt;&gt;&amp;"\' #4</Data>' in xml[4]
    assert '<Data Name="CommandLine">end\x03 #8</Data>' in xml[8]
    assert '<Data Name="CommandLine"></Data>' in xml[6]  # the NULL one


def test_python_evtx_reads_every_value_exactly(written):
    path, events = written
    with Evtx(str(path)) as log:
        records = list(log.records())
        assert len(records) == len(events)
        for number, (record, spec) in enumerate(zip(records, events), start=1):
            assert record.record_num() == number
            # python-evtx converts FILETIME through a float: its datetime may be 2 µs off,
            # the stored ticks are exact.
            assert record.unpack_qword(0x10) == filetime(spec.time)
            assert abs(record.timestamp() - spec.time) <= timedelta(microseconds=2)
            assert python_evtx_event_data(record) == [pyevtx_render(k, v) for _n, k, v in spec.data]
            system = record.root().substitutions()
            assert system[3].string() == str(spec.event_id) and system[14].string() == spec.provider
            assert system[16].string() == spec.channel and system[10].string() == str(number)


def test_python_evtx_xml_drops_control_characters_but_keeps_the_rest(written):
    """python-evtx's xml() strips XML-1.1 restricted chars (\\x1b, \\x03): a documented loss."""
    path, events = written
    with Evtx(str(path)) as log:
        # every 9th record: both kinds, every nasty string, every chunk (xml() is slow)
        sample = list(zip(log.records(), events))[::9]
        assert sum("\x1b" in str(v) or "\x03" in str(v) for _r, e in sample for _n, _k, v in e.data) >= 2
        for record, spec in sample:
            root = etree.fromstring(record.xml().encode())
            ns = {"e": "http://schemas.microsoft.com/win/2004/08/events/event"}
            got = {d.get("Name"): d.text or "" for d in root.iterfind("e:EventData/e:Data", ns)}
            want = {n: pyevtx_render(k, v).replace("\x1b", "").replace("\x03", "") for n, k, v in spec.data}
            assert got == want
            assert root.findtext("e:System/e:Computer", namespaces=ns) == spec.computer


def test_every_value_type_renders_in_both_parsers(tmp_path):
    when = datetime(2023, 12, 31, 23, 59, 58, 250000, tzinfo=timezone.utc)
    data = [
        ("S", "string", "x"), ("Empty", "string", ""), ("Null", "null", None), ("A", "ansi", "cafe"),
        ("I8", "int8", -8), ("U8", "uint8", 255), ("I16", "int16", -16), ("U16", "uint16", 65535),
        ("I32", "int32", -32), ("U32", "uint32", 4294967295), ("I64", "int64", -(2**63)),
        ("U64", "uint64", 2**64 - 1), ("T", "bool", True), ("F", "bool", False),
        ("G", "guid", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"), ("Sid", "sid", "S-1-5-21-1-2-3-500"),
        ("H32", "hexint32", 0x1410), ("H64", "hexint64", "0x1a2c"), ("Sz", "sizet", 0x278),
        ("FT", "filetime", when), ("ST", "systemtime", when),
    ]
    spec = EventSpec(time=when, provider="P", provider_guid="{00000000-0000-0000-0000-000000000001}",
                     event_id=7, version=0, channel="C", computer="H", data=data, record_id=77)
    path = tmp_path / "types.evtx"
    assert write_evtx(path, [spec]) == 1

    (record,) = list(evtx.PyEvtxParser(str(path)).records_json())
    assert record["event_record_id"] == 77
    assert json.loads(record["data"])["Event"]["EventData"] == {
        "S": "x", "Empty": "", "Null": "", "A": "cafe", "I8": -8, "U8": 255, "I16": -16, "U16": 65535,
        "I32": -32, "U32": 4294967295, "I64": -(2**63), "U64": 2**64 - 1, "T": True, "F": False,
        "G": "5770385F-C22A-43E0-BF4C-06F5698FFBD9", "Sid": "S-1-5-21-1-2-3-500",
        "H32": "0x1410", "H64": "0x1a2c", "Sz": "0x278",
        "FT": "2023-12-31T23:59:58.250000Z", "ST": "2023-12-31T23:59:58.250000Z",
    }
    with Evtx(str(path)) as log:
        (pyrecord,) = list(log.records())
        assert dict(zip([n for n, _k, _v in data], python_evtx_event_data(pyrecord))) == {
            "S": "x", "Empty": "", "Null": "", "A": "cafe", "I8": "-8", "U8": "255", "I16": "-16",
            "U16": "65535", "I32": "-32", "U32": "4294967295", "I64": str(-(2**63)),
            "U64": str(2**64 - 1), "T": "True", "F": "False",
            "G": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}", "Sid": "S-1-5-21-1-2-3-500",
            "H32": "0x00001410", "H64": "0x0000000000001a2c",
            "Sz": "632",                                  # python-evtx: 8-byte SizeT as decimal
            "FT": "2023-12-31 23:59:58.250000+00:00",
            "ST": "2023-12-31 23:59:58.000250",           # python-evtx: milliseconds read as µs
        }


def test_record_header_carries_id_and_time_and_is_8_byte_aligned(tmp_path):
    events = [sysmon_1(i) for i in range(3)]
    events[2].record_id = 1000
    path = tmp_path / "ids.evtx"
    write_evtx(path, events)
    raw = path.read_bytes()
    offset = FILE_HEADER_SIZE + 512
    for want_id, spec in zip((1, 2, 1000), events):
        magic, size, record_id, written_time = struct.unpack_from("<4sIQQ", raw, offset)
        assert (magic, record_id, written_time) == (b"**\0\0", want_id, filetime(spec.time))
        assert size % 8 == 0 and struct.unpack_from("<I", raw, offset + size - 4)[0] == size
        offset += size
    header = raw[:FILE_HEADER_SIZE]
    assert header[:8] == b"ElfFile\0" and struct.unpack_from("<Q", header, 24)[0] == 1001
    assert struct.unpack_from("<I", header, 124)[0] == zlib.crc32(header[:120])


def test_writer_refuses_what_windows_could_not_write(tmp_path):
    with pytest.raises(ValueError, match="no time zone"):
        write_evtx(tmp_path / "naive.evtx", [replace(sysmon_1(0), time=datetime(2024, 1, 1))])
    with pytest.raises(ValueError, match="16-bit"):
        write_evtx(tmp_path / "wide.evtx", [replace(sysmon_1(0), data=[("D", "string", "y" * 40000)])])
    huge = replace(sysmon_1(0), data=[("D", "string", "y" * 32000)])
    with pytest.raises(ValueError, match="does not fit"):
        write_evtx(tmp_path / "huge.evtx", [huge])
