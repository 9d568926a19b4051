"""Damaged evidence: everything readable is read, and every loss is counted where it is.

A responder's logs come from VSS copies, live collections and failed transfers.  Each kind
of damage is made here with ``fixtures/damage.py`` (or by hand, for the ones it has no
function for) and both backends must read the same records, count what is lost with file
offsets, and call the file ``partial`` only when records were really lost.  The public
sample folders, when present beside the project, are held to the table in docs/damaged.md.
"""

from __future__ import annotations

import json
import shutil
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path

import evtx
import pytest

from evtxscan.cli import main
from evtxscan.discover import discover
from conftest import on_file
from evtxscan.evtx.format import (
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    chunk_offset,
    parse_chunk_header,
    seal_chunk,
)
from evtxscan.evtx.layout import inspect
from evtxscan.evtx.recover import recover_truncated_tail
from evtxscan.evtx.walk import walk_records
from evtxscan.pipeline import ReadOptions, merge, plan
from evtxscan.readers import reader_names
from evtxscan.scanfile import FileTask, scan_file
from fixtures import damage, damaged_table
from fixtures.evtxwriter import EventSpec, write_evtx

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "evtx-samples"
BACKENDS = reader_names()
T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def need_samples() -> Path:
    if not SAMPLES.exists():
        pytest.skip(f"{SAMPLES} not present (public sample corpora are optional)")
    return SAMPLES


def scan(path, backend: str = "evtx"):
    return scan_file(FileTask(str(path), Path(path).name, backend)).report


def rs_ids(path) -> tuple[set[int], int]:
    """Record ids pyevtx-rs yields, going on after each error, and the error count."""
    ids: set[int] = set()
    errors = 0
    it = evtx.PyEvtxParser(str(path)).records_json()
    while True:
        try:
            ids.add(next(it)["event_record_id"])
        except StopIteration:
            return ids, errors
        except RuntimeError:
            errors += 1


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
def clean(tmp_path_factory) -> Path:
    """A 7-chunk Security log of 450 process starts, written by our writer."""
    path = tmp_path_factory.mktemp("damaged") / "clean.evtx"
    write_evtx(path, (process_start(i) for i in range(450)))
    return path


def frames_of(path, index: int):
    with open(path, "rb") as f:
        f.seek(chunk_offset(index))
        chunk = f.read(CHUNK_SIZE)
    return walk_records(chunk, parse_chunk_header(chunk).free_space_offset)[0]


# ------------------------------------------------------------------ our own damaged logs


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_bad_chunk_is_skipped_with_its_records_counted_and_the_rest_is_read(clean, tmp_path, backend):
    bad = damage.bad_chunk_magic(clean, tmp_path / "magic.evtx", 2)
    lost = len(frames_of(clean, 2))
    rep = scan(bad, backend)
    assert rep.status == "partial" and rep.records == 450 - lost and rep.skipped == lost
    (err,) = rep.errors
    assert (err.offset, err.chunk, err.lost) == (chunk_offset(2), 2, lost)
    assert "bad magic" in err.reason and f"{lost} records in it lost" in err.reason


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_broken_record_is_counted_at_its_file_offset(clean, tmp_path, backend):
    record_id = damage.smash_record(clean, tmp_path / "smash.evtx", 1, 4, fix_crcs=True)
    frame = frames_of(clean, 1)[4]
    rep = scan(tmp_path / "smash.evtx", backend)
    assert rep.status == "partial" and rep.records == 449 and rep.skipped == 1
    (err,) = rep.errors
    assert err.offset == chunk_offset(1) + frame.offset and err.chunk == 1 and err.lost == 1
    if backend == "evtx":  # pyevtx-rs names the record; we found where it is
        assert err.record_id == record_id


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stale_checksum_alone_loses_nothing_so_the_file_is_ok_with_a_note(clean, tmp_path, backend):
    """A live copy: bytes changed after the CRC was computed, yet every record parses."""
    damage.smash_record(clean, tmp_path / "mid.evtx", 1, 4, where="middle")
    rep = scan(tmp_path / "mid.evtx", backend)
    assert rep.status == "ok" and rep.records == 450 and rep.skipped == 0 and rep.errors == []
    (note,) = rep.notes
    assert note.offset == chunk_offset(1) and "records checksum mismatch" in note.reason


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_header_lagging_its_chunks_is_read_to_the_real_end(clean, tmp_path, backend):
    lagging = damage.lag_header(clean, tmp_path / "lag.evtx", 3)
    rep = scan(lagging, backend)
    assert rep.status == "ok" and rep.records == 450
    assert [n.reason for n in rep.notes] == [
        "file header says 3 chunks, 7 present (written after the header was): all are read"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_zeroed_record_no_longer_hides_the_rest_of_its_chunk(clean, tmp_path, backend):
    """pyevtx-rs stops a chunk silently at zeros; the hole is bridged and counted."""
    data = bytearray(clean.read_bytes())
    frame = frames_of(clean, 1)[5]
    at = chunk_offset(1) + frame.offset
    data[at:at + frame.size] = bytes(frame.size)
    holed = tmp_path / "hole.evtx"
    holed.write_bytes(data)
    alone, _ = rs_ids(holed)
    assert len(alone) == 450 - (len(frames_of(clean, 1)) - 5)  # the parser alone loses 80
    rep = scan(holed, backend)
    assert rep.status == "partial" and rep.records == 449 and rep.skipped == 1
    (err,) = rep.errors
    assert err.offset == at and err.lost == 1 and "record framing broken" in err.reason


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_wrong_record_size_is_mended_from_its_size_copy(clean, tmp_path, backend):
    data = bytearray(clean.read_bytes())
    frame = frames_of(clean, 1)[5]
    struct.pack_into("<I", data, chunk_offset(1) + frame.offset + 4, 60000)
    (tmp_path / "size.evtx").write_bytes(data)
    rep = scan(tmp_path / "size.evtx", backend)
    assert rep.status == "ok" and rep.records == 450
    assert any("size field 60000 is wrong" in n.reason for n in rep.notes)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_chunk_header_promising_records_the_disk_never_got_counts_them(clean, tmp_path, backend):
    zeroed = damage.zero_tail(clean, tmp_path / "zero.evtx", chunk_offset(5) + 20000)
    rep = scan(zeroed, backend)
    ids, _ = rs_ids(zeroed)
    assert rep.status == "partial" and rep.records == len(ids)
    assert rep.records + rep.skipped == 450  # every lost record is counted, none twice
    assert [e.chunk for e in rep.errors] == [5, 6]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_looping_string_table_chain_is_cut_instead_of_hanging_the_parser(clean, tmp_path, backend):
    """Two names' next-offsets pointing at each other, checksums resealed (a crafted log):
    pyevtx-rs follows the chain forever, holding the GIL, and the scan would never end
    (found by bench/fuzz.py as a flipped bit in a string table entry)."""
    data = bytearray(clean.read_bytes())
    chunk = bytearray(data[chunk_offset(1):chunk_offset(2)])
    heads = struct.unpack_from("<64I", chunk, 128)
    low, high = sorted(h for h in heads if h)[:2]
    bucket = heads.index(low)
    struct.pack_into("<I", chunk, high, low)
    struct.pack_into("<I", chunk, low, high)  # low -> high -> low -> ...
    seal_chunk(chunk)
    data[chunk_offset(1):chunk_offset(2)] = chunk
    (tmp_path / "loop.evtx").write_bytes(data)
    rep = scan(tmp_path / "loop.evtx", backend)
    assert rep.status == "ok" and rep.records == 450
    assert rep.notes and all(n.chunk == 1 and "loops" in n.reason for n in rep.notes)
    assert any(f"string table chain {bucket} loops" in n.reason for n in rep.notes)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_lost_file_header_does_not_lose_the_chunks(clean, tmp_path, backend):
    data = bytearray(clean.read_bytes())
    data[:FILE_HEADER_SIZE] = bytes(FILE_HEADER_SIZE)
    (tmp_path / "nohead.evtx").write_bytes(data)
    rep = scan(tmp_path / "nohead.evtx", backend)
    assert rep.status == "ok" and rep.records == 450
    assert "no ElfFile file header" in rep.notes[0].reason


@pytest.mark.parametrize("backend", BACKENDS)
def test_records_before_a_cut_are_recovered_and_the_cut_is_counted(clean, tmp_path, backend):
    cut = damage.truncate_mid_chunk(clean, tmp_path / "cut.evtx", 3, 30000)
    whole = on_file(recover_truncated_tail, cut).records
    rep = scan(cut, backend)
    before = sum(len(frames_of(clean, i)) for i in range(3))
    assert rep.status == "partial" and rep.recovered == whole
    assert rep.records == before + whole
    # the cut chunk's other records, and those of the three chunks the file no longer
    # holds (from the header's next record id), are counted as lost: exactly
    assert rep.records + rep.skipped == 450
    assert any("recovered" in n.reason and n.chunk == 3 for n in rep.notes)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_split_damaged_file_reports_exactly_what_the_whole_file_does(clean, tmp_path, backend):
    data = bytearray(damage.bad_chunk_magic(clean, tmp_path / "m.evtx", 2).read_bytes())
    frame = frames_of(clean, 5)[3]
    at = chunk_offset(5) + frame.offset
    data[at:at + frame.size] = bytes(frame.size)
    path = tmp_path / "several.evtx"
    path.write_bytes(data[:chunk_offset(6) + 20000])
    found = discover([str(path)])
    whole = [scan_file(t) for t in plan(found, ReadOptions(backend=backend))]
    tasks = plan(found, ReadOptions(backend=backend, jobs=2, split_bytes=0))
    assert len(tasks) > 1
    split = list(merge(scan_file(t) for t in tasks))

    def key(res):
        r = res.report
        return (r.status, r.records, r.recovered, r.skipped, len(res.events),
                sorted((e.offset, e.chunk, e.lost) for e in r.errors),
                sorted((n.offset, n.reason) for n in r.notes))
    assert key(whole[0]) == key(split[0])


# ------------------------------------------------------------------ the bundled evidence


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_cut_host_is_recovered_alerted_and_said_so_in_every_output(evidence, tmp_path, capsys, backend):
    out = tmp_path / "out"
    assert main(["scan", str(evidence), "-o", str(out), "-q", "--backend", backend]) == 1
    err = capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    files = {f["path"]: f for f in summary["files"]}
    dns04 = files["DNS04/C/Windows/System32/winevt/Logs/Security.evtx"]
    assert dns04["status"] == "partial" and dns04["recovered"] == 79
    assert all(e["offset"] is not None for e in dns04["errors"])
    assert any("recovered 79 records" in n["reason"] for n in dns04["notes"])
    assert summary["totals"]["records_recovered"] == 79
    ws01 = files["WS01/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx"]
    assert ws01["status"] == "partial" and ws01["skipped"] == 86
    assert [(e["offset"], e["lost"]) for e in ws01["errors"]] == [(chunk_offset(1), 86)]
    assert "DNS04/C/Windows/System32/winevt/Logs/Security.evtx: partial: 551 records read " \
           "(79 of them recovered), 100 skipped" in err  # 651 written: every one accounted for

    procs = [json.loads(line) for line in (out / "processes.jsonl").read_text().splitlines()]
    recovered = [d for d in procs if d["evtxscan"]["source"].get("recovered")]
    assert recovered and {d["host"]["name"] for d in recovered} == {"DNS04.corp.example"}
    alerts = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    (certutil,) = [a for a in alerts if a["process"]["name"] == "certutil.exe"]
    assert [s["recovered"] for s in certutil["evtxscan"]["sources"]] == [True]


# ------------------------------------------------------------------ the public samples


@pytest.fixture(scope="module")
def table():
    need_samples()
    return damaged_table.sample_rows(SAMPLES)


def test_every_sample_reads_at_least_what_pyevtx_rs_skip_errors_does(table):
    assert len(table) >= 25
    for row in table:
        for backend, side in row.sides.items():
            assert side.read >= row.rs_records, (row.name, backend)
            assert side.status in ("ok", "partial"), (row.name, backend)


def test_both_backends_read_the_same_damaged_samples(table):
    for row in table:
        ev, py = row.sides["evtx"], row.sides["python-evtx"]
        if row.name.startswith("2-vss_0-Microsoft-Windows-TerminalServices"):
            # one half-written record: our python reader decodes it, pyevtx-rs does not
            assert py.read == ev.read + 1 and py.skipped == ev.skipped - 1
            continue
        assert (ev.read, ev.skipped, ev.status) == (py.read, py.skipped, py.status), row.name


def test_records_really_lost_make_a_sample_partial_and_odd_bytes_alone_do_not(table):
    rows = {r.name: r for r in table if r.folder == "evtx-rs-samples"}
    bad = rows["sample_with_a_bad_chunk_magic.evtx"].sides["evtx"]
    assert bad.status == "partial" and bad.skipped >= 82 + 10  # 15 + 67 by signature, 10 zeroed
    for name in ("Application_no_crc32.evtx", "security_bad_string_cache.evtx", "system.evtx",
                 "2-vss_7-System.evtx", "sysmon.evtx"):
        side = rows[name].sides["evtx"]
        assert side.status == "ok" and side.skipped == 0 and side.notes, name
    for name in ("security.evtx", "Security_with_size_t.evtx", "issue_201.evtx"):
        side = rows[name].sides["evtx"]
        assert (side.status, side.errors, side.notes) == ("ok", 0, 0), name
    zero = rows["sample-with-zero-data-size-event.evtx"]
    assert zero.sides["evtx"].read == zero.rs_records + 114  # read past the size-0 record


def test_the_table_in_docs_is_the_one_the_tests_hold(table):
    mod = damaged_table
    doc = (ROOT / "docs" / "damaged.md").read_text(encoding="utf-8")
    for line in mod.markdown(table)[2:]:
        assert line in doc, f"docs/damaged.md is stale; run python bench/damaged_table.py --write\n{line}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for line in mod.readme_lines(table):
        assert line in readme, f"README.md is stale; run python bench/damaged_table.py --write\n{line}"


def _cut_inside_last_chunk(src: Path, dst: Path) -> int | None:
    """Cut ``src`` in the middle of its last chunk with records; the whole records kept."""
    layout = on_file(inspect, src)
    chunks = [c for c in layout.chunks if c.magic_ok and c.complete and c.records >= 2]
    if not chunks:
        return None
    last = chunks[-1]
    frames = frames_of(src, last.index)
    keep = frames[len(frames) // 2]
    damage.truncate_mid_chunk(src, dst, last.index, keep.offset + keep.size // 2)
    return len(frames) // 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_cut_chunk_recovery_works_on_every_sample(tmp_path, backend):
    """Cut every real log inside its last chunk: every whole record before the cut comes back."""
    samples = need_samples()
    tried = 0
    for path in sorted(samples.glob("*-samples/*.evtx")):
        copy = tmp_path / path.name
        shutil.copyfile(path, copy)
        cut = tmp_path / f"cut-{path.name}"
        kept = _cut_inside_last_chunk(copy, cut)
        if kept is None:
            continue
        tried += 1
        rep = scan(cut, backend)
        assert rep.recovered == kept, path.name
        assert rep.status == "partial" and rep.skipped >= 1, path.name
        alone, _ = rs_ids(cut)
        assert rep.records >= len(alone) + kept, path.name
    assert tried >= 25
