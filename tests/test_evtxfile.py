"""The container layer says what is damaged, splits big logs, and saves records from cut chunks.

The parsers are silent about damage (a bad chunk simply yields fewer records), so each
kind of damage a log can suffer is written here with fixtures/damage.py and ``inspect``
must name it. Recovery is checked against the same records read from the uncut file.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import evtx
import pytest
from Evtx.Evtx import Evtx, FileHeader as PyEvtxFileHeader

from conftest import on_file
from evtxscan.evtx.format import (
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    NotEvtxError,
    chunk_offset,
    parse_chunk_header,
    seal_chunk,
    seal_header,
)
from evtxscan.evtx.layout import inspect
from evtxscan.evtx.recover import recover_truncated_chunk, recover_truncated_tail
from evtxscan.evtx.view import ChunkRangeView
from fixtures import damage
from fixtures.evtxwriter import EventSpec, write_evtx

SHARED = Path(__file__).resolve().parents[2] / "shared"
RS_SAMPLES = SHARED / "evtx-samples" / "evtx-rs-samples"
ATTACK_SAMPLES = SHARED / "evtx-samples" / "EVTX-ATTACK-SAMPLES"
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def process_start(i: int) -> EventSpec:
    return EventSpec(
        time=T0 + timedelta(seconds=i), provider="Microsoft-Windows-Security-Auditing",
        provider_guid="{54849625-5478-4994-A5BA-3E3B0328C30D}", event_id=4688, version=2,
        channel="Security", computer="DC01.corp.example", level=0, task=13312,
        data=[
            ("SubjectUserSid", "sid", "S-1-5-18"),
            ("NewProcessId", "hexint64", 0x1000 + i),
            ("NewProcessName", "string", f"C:\\Windows\\System32\\proc{i}.exe"),
            ("CommandLine", "string", f"proc{i}.exe --arg " + "z" * (i % 500)),
            ("ProcessId", "hexint64", 0x278),
        ],
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 7-chunk Security log written by our writer."""
    path = tmp_path_factory.mktemp("evtxfile") / "clean.evtx"
    write_evtx(path, (process_start(i) for i in range(450)))
    assert (path.stat().st_size - FILE_HEADER_SIZE) // CHUNK_SIZE == 7
    return path


def rs_records(source) -> tuple[dict[int, str], list[str]]:  # noqa: ANN001 - path or file-like
    """Every record pyevtx-rs yields (id -> JSON) and every error, continuing past errors."""
    records: dict[int, str] = {}
    errors: list[str] = []
    iterator = evtx.PyEvtxParser(source).records_json()
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return records, errors
        except RuntimeError as error:
            errors.append(str(error))
        else:
            records[record["event_record_id"]] = record["data"]


def chunk_record_ids(path: Path, index: int) -> range:
    with open(path, "rb") as f:
        f.seek(chunk_offset(index))
        header = parse_chunk_header(f.read(128))
    return range(header.first_record_id, header.last_record_id + 1)


# ---------------------------------------------------------------------------- inspect


def test_a_clean_log_is_ok_and_fully_described(clean):
    layout = on_file(inspect, clean)
    assert layout.status == "ok" and layout.problems == []
    header = layout.header
    assert (header.major_version, header.block_size, header.header_size) == (3, 4096, 128)
    assert header.chunk_count == 7 and header.checksum_ok and header.next_record_id == 451
    assert [c.index for c in layout.chunks] == list(range(7))
    assert all(c.magic_ok and c.header_crc_ok and c.data_crc_ok and c.complete for c in layout.chunks)
    assert layout.chunks[0].first_record_id == 1 and layout.chunks[-1].last_record_id == 450
    assert sum(c.records for c in layout.chunks) == 450
    assert layout.chunks[3].offset == 0x31000


def test_a_bad_chunk_magic_is_named_and_the_parser_loses_exactly_that_chunk(clean, tmp_path):
    bad = damage.bad_chunk_magic(clean, tmp_path / "magic.evtx", 2)
    layout = on_file(inspect, bad)
    assert layout.status == "partial"
    assert layout.problems == [
        "chunk 2 at offset 0x21000: bad magic (starts with b'ElfJunk\\x00...')",
        "file header says 7 chunks, 6 present",
    ]
    records, errors = rs_records(str(bad))
    assert set(records) == set(range(1, 451)) - set(chunk_record_ids(clean, 2))
    assert len(errors) == 1 and "chunk number 2" in errors[0]


def test_a_file_cut_mid_chunk_reports_where_and_how_much(clean, tmp_path):
    cut = damage.truncate_mid_chunk(clean, tmp_path / "cut.evtx", 3, 30000)
    layout = on_file(inspect, cut)
    assert layout.status == "partial"
    start = chunk_offset(3)
    assert layout.problems[0].startswith(
        f"file size {start + 30000} is not 4096 + n*65536: last chunk truncated at offset {start} "
        f"(30000 of 65536 bytes); ")
    assert layout.problems[1] == "file header says 7 chunks, 4 present"
    last = layout.chunks[-1]
    assert last.truncated and not last.complete and last.size == 30000 and last.records > 0
    assert layout.truncated_tail == last
    assert f"{last.records} whole records before the cut" in layout.problems[0]


def test_a_smashed_record_with_stale_crc_is_seen_and_with_fixed_crc_only_the_parser_sees_it(clean, tmp_path):
    stale_id = damage.smash_record(clean, tmp_path / "stale.evtx", 1, 4)
    layout = on_file(inspect, tmp_path / "stale.evtx")
    assert layout.status == "partial"
    assert len(layout.problems) == 1
    assert layout.problems[0].startswith("chunk 1 at offset 0x11000: records checksum mismatch")

    fixed_id = damage.smash_record(clean, tmp_path / "fixed.evtx", 1, 4, fix_crcs=True)
    assert fixed_id == stale_id == chunk_record_ids(clean, 1)[4]
    assert on_file(inspect, tmp_path / "fixed.evtx").status == "ok"  # framing intact: only BinXML is hurt
    records, errors = rs_records(str(tmp_path / "fixed.evtx"))
    assert set(records) == set(range(1, 451)) - {fixed_id}
    assert len(errors) == 1 and f"record number {fixed_id}" in errors[0]


def test_smashing_the_middle_of_a_record_yields_garbage_text_not_an_error(clean, tmp_path):
    record_id = damage.smash_record(clean, tmp_path / "mid.evtx", 1, 4, fix_crcs=True, where="middle")
    records, errors = rs_records(str(tmp_path / "mid.evtx"))
    original, _ = rs_records(str(clean))
    assert errors == [] and len(records) == 450
    assert records[record_id] != original[record_id]


def test_a_lagging_header_is_named_and_python_evtx_believes_it(clean, tmp_path):
    lagging = damage.lag_header(clean, tmp_path / "lag.evtx", 3)
    layout = on_file(inspect, lagging)
    assert layout.header.checksum_ok and layout.header.chunk_count == 3
    assert layout.problems == ["file header says 3 chunks, 7 present"]
    assert layout.header.next_record_id == chunk_record_ids(clean, 2)[-1] + 1
    records, _ = rs_records(str(lagging))
    assert len(records) == 450  # pyevtx-rs reads every chunk on disk
    with Evtx(str(lagging)) as log:
        assert sum(1 for _ in log.records()) == chunk_record_ids(clean, 2)[-1]  # python-evtx stops


def test_a_zeroed_tail_shows_as_checksum_and_magic_problems(clean, tmp_path):
    zeroed = damage.zero_tail(clean, tmp_path / "zero.evtx", chunk_offset(5) + 20000)
    assert zeroed.stat().st_size == clean.stat().st_size
    problems = on_file(inspect, zeroed).problems
    assert problems[0].startswith("chunk 5 at offset 0x51000: records checksum mismatch")
    assert problems[1].startswith("chunk 5 at offset 0x51000: record framing breaks at chunk offset")
    assert problems[2:] == ["chunk 6 at offset 0x61000: bad magic (all zero)",
                            "file header says 7 chunks, 6 present"]


def test_zero_chunks_past_the_header_count_are_preallocation_not_damage(clean, tmp_path):
    padded = tmp_path / "padded.evtx"
    shutil.copyfile(clean, padded)
    with open(padded, "ab") as f:
        f.write(bytes(3 * CHUNK_SIZE))
    layout = on_file(inspect, padded)
    assert layout.status == "ok" and len(layout.chunks) == 10
    assert [c.empty for c in layout.chunks[7:]] == [True, True, True]


def test_not_evtx_files_raise_with_a_reason(tmp_path):
    (tmp_path / "empty.evtx").write_bytes(b"")
    (tmp_path / "pe.evtx").write_bytes(b"MZ\x90\x00" + bytes(5000))
    with pytest.raises(NotEvtxError) as empty:
        on_file(inspect, tmp_path / "empty.evtx")
    assert empty.value.reason == "empty file" and empty.value.path.endswith("empty.evtx")
    with pytest.raises(NotEvtxError) as pe:
        on_file(inspect, tmp_path / "pe.evtx")
    assert pe.value.reason == "no ElfFile header (starts with b'MZ\\x90\\x00\\x00\\x00\\x00\\x00...')"


def test_seal_helpers_make_edited_bytes_verify_again(clean):
    raw = bytearray(clean.read_bytes())
    header, chunk = raw[:FILE_HEADER_SIZE], raw[chunk_offset(1):chunk_offset(2)]
    struct.pack_into("<H", header, 42, 9)
    chunk[600] ^= 0xFF
    assert zlib.crc32(header[:120]) != struct.unpack_from("<I", header, 124)[0]
    seal_header(header)
    seal_chunk(chunk)
    free = parse_chunk_header(chunk).free_space_offset
    assert struct.unpack_from("<I", header, 124)[0] == zlib.crc32(header[:120])
    assert struct.unpack_from("<I", chunk, 52)[0] == zlib.crc32(chunk[512:free])
    assert struct.unpack_from("<I", chunk, 124)[0] == zlib.crc32(chunk[:120] + chunk[128:512])


# ---------------------------------------------------------------------------- chunk ranges


@pytest.mark.parametrize(("start", "stop"), [(0, 1), (2, 5), (6, 7), (0, 7)])
def test_a_chunk_range_view_holds_exactly_the_records_of_its_chunks(clean, start, stop):
    everything, _ = rs_records(str(clean))
    wanted = range(chunk_record_ids(clean, start)[0], chunk_record_ids(clean, stop - 1)[-1] + 1)
    with open(clean, "rb") as stream, ChunkRangeView(stream, start, stop) as view:
        records, errors = rs_records(view)
        assert errors == [] and records == {i: everything[i] for i in wanted}
        view.seek(0)
        data = view.read()
    assert len(data) == FILE_HEADER_SIZE + (stop - start) * CHUNK_SIZE
    # python-evtx needs a buffer: one range in memory is fine for a worker
    header = PyEvtxFileHeader(data, 0)
    assert header.verify() and header.chunk_count() == stop - start
    assert [r.record_num() for c in header.chunks() for r in c.records()] == list(wanted)


def test_a_chunk_range_view_is_a_seekable_read_only_file(clean):
    with open(clean, "rb") as stream:
        with ChunkRangeView(stream, 3, 5) as view:
            assert view.readable() and view.seekable() and not view.writable()
            assert view.seek(0, io.SEEK_END) == FILE_HEADER_SIZE + 2 * CHUNK_SIZE
            assert view.read(10) == b""
            view.seek(FILE_HEADER_SIZE - 4)
            spanning = view.read(12)  # last header bytes + first chunk bytes in one read
            assert spanning[4:] == b"ElfChnk\0"
            with open(clean, "rb") as f:
                f.seek(chunk_offset(4) + 100)
                view.seek(FILE_HEADER_SIZE + CHUNK_SIZE + 100)
                assert view.read(5000) == f.read(5000)
            assert view.tell() == FILE_HEADER_SIZE + CHUNK_SIZE + 5100
        assert view.closed and not stream.closed  # the view reads the stream, never owns it
    with pytest.raises(ValueError, match="outside"):
        on_file(ChunkRangeView, clean, 5, 9)


def test_a_chunk_range_view_of_a_cut_file_ends_where_the_file_ends(clean, tmp_path):
    cut = damage.truncate_mid_chunk(clean, tmp_path / "cut.evtx", 3, 30000)
    with open(cut, "rb") as stream, ChunkRangeView(stream, 2, 4) as view:
        assert view.seek(0, io.SEEK_END) == FILE_HEADER_SIZE + CHUNK_SIZE + 30000
        view.seek(0)  # pyevtx-rs reads from the current position
        records, _ = rs_records(view)
    assert set(records) == set(chunk_record_ids(clean, 2))  # the cut chunk is dropped by the parser


# ---------------------------------------------------------------------------- recovery


def test_records_before_a_cut_are_recovered_from_our_fixture(clean, tmp_path):
    cut = damage.truncate_mid_chunk(clean, tmp_path / "cut.evtx", 3, 30000)
    parsed, _ = rs_records(str(cut))
    assert max(parsed) == chunk_record_ids(clean, 2)[-1]  # the parser alone loses the whole chunk
    layout = on_file(inspect, cut)
    recovered = on_file(recover_truncated_tail, cut, layout)
    assert recovered is not None and recovered == on_file(recover_truncated_tail, cut)
    assert recovered.records == layout.truncated_tail.records
    assert recovered.cut_offset == 30000 and recovered.dropped_from <= 30000
    assert recovered.chunk_file_offset == chunk_offset(3)
    assert recovered.cut_file_offset == cut.stat().st_size
    assert len(recovered.data) == FILE_HEADER_SIZE + CHUNK_SIZE
    first = chunk_record_ids(clean, 3)[0]
    assert (recovered.first_record_id, recovered.last_record_id) == (first, first + recovered.records - 1)
    original, _ = rs_records(str(clean))
    got, errors = rs_records(io.BytesIO(recovered.data))
    assert errors == [] and got == {i: original[i] for i in range(first, first + recovered.records)}


def test_recovery_gives_up_when_nothing_whole_survives(clean):
    with open(clean, "rb") as f:
        header = f.read(FILE_HEADER_SIZE)
        f.seek(chunk_offset(1))
        chunk = f.read(CHUNK_SIZE)
    assert recover_truncated_chunk(chunk[:300], header) is None  # chunk header itself cut
    assert recover_truncated_chunk(chunk[:540], header) is None  # first record cut
    assert recover_truncated_chunk(b"\0" * 4000, header) is None
    assert on_file(recover_truncated_tail, clean) is None  # nothing is cut
    assert on_file(recover_truncated_tail, clean, on_file(inspect, clean)) is None
    assert on_file(inspect, clean).truncated_tail is None


def _needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


@pytest.mark.parametrize(("chunk", "keep"), [(0, 9000), (7, 33333), (15, 20000)])
def test_records_before_a_cut_are_recovered_from_a_real_security_log(tmp_path, chunk, keep):
    """Windows' own chunks: the rebuilt string/template tables must let both parsers read
    every surviving record, even out of order, exactly as in the uncut file."""
    source = _needs(RS_SAMPLES / "security.evtx")
    copy = tmp_path / "security.evtx"
    shutil.copyfile(source, copy)
    cut = damage.truncate_mid_chunk(copy, tmp_path / "security-cut.evtx", chunk, keep)
    recovered = on_file(recover_truncated_tail, cut)
    assert recovered is not None and recovered.records > 5

    original, _ = rs_records(str(copy))
    got, errors = rs_records(io.BytesIO(recovered.data))
    ids = range(recovered.first_record_id, recovered.last_record_id + 1)
    assert errors == [] and got == {i: original[i] for i in ids}

    with Evtx(str(copy)) as log:
        want_xml = {r.record_num(): r.xml() for r in log.records() if r.record_num() in ids}
    header = PyEvtxFileHeader(recovered.data, 0)
    assert header.verify()
    records = [r for c in header.chunks() for r in c.records()]
    assert {r.record_num(): r.xml() for r in reversed(records)} == want_xml


# ---------------------------------------------------------------------------- real corpora


def test_inspect_reads_every_evtx_rs_sample_and_flags_the_bad_magic_one():
    folder = _needs(RS_SAMPLES)
    layouts = {}
    for path in sorted(folder.glob("*.evtx")):
        try:
            layouts[path.name] = on_file(inspect, path)
        except NotEvtxError:
            continue
    assert len(layouts) >= 20
    bad = layouts["sample_with_a_bad_chunk_magic.evtx"]
    assert bad.status == "partial"
    assert "chunk 1 at offset 0x11000: bad magic (all zero)" in bad.problems
    assert layouts["security.evtx"].status == "ok"
    assert layouts["system.evtx"].problems == ["file header says 3 chunks, 15 present"]
    assert any("header checksum mismatch" in p for p in layouts["security_bad_string_cache.evtx"].problems)


def test_inspect_finds_nothing_wrong_in_the_attack_samples():
    """No false alarms: the EVTX-ATTACK-SAMPLES logs are clean exports."""
    folder = _needs(ATTACK_SAMPLES)
    flagged = {p.name: on_file(inspect, p).problems for p in folder.rglob("*.evtx")}
    assert len(flagged) > 200
    assert {name: problems for name, problems in flagged.items() if problems} == {}


def test_chunk_range_views_split_a_real_log_without_losing_or_repeating_a_record():
    source = _needs(RS_SAMPLES / "security.evtx")
    everything, _ = rs_records(str(source))
    chunks = len(on_file(inspect, source).used_chunks)
    pieces: dict[int, str] = {}
    for start in range(0, chunks, 5):
        with open(source, "rb") as stream, ChunkRangeView(stream, start, min(start + 5, chunks)) as view:
            records, errors = rs_records(view)
        assert errors == [] and not set(records) & set(pieces)
        pieces.update(records)
    assert pieces == everything
    assert json.loads(next(iter(pieces.values())))["Event"]["System"]["Channel"] == "Security"
