"""Build a >= 1 GB EVTX log of *real* Security and Sysmon chunks for the benchmarks.

Why: responders' Security.evtx from a domain controller is 1-4 GB, and the public sample
corpora are a few MB. So we take every intact chunk of the Security/Sysmon logs in
``../shared/evtx-samples`` and lay them end to end, repeated, into one valid file:

* only intact chunks: magic, header CRC, records CRC, whole framing with the record count
  the header claims, every record parsed by pyevtx-rs, every record's substitution array
  walked, all records from the ``Security`` or Sysmon channel; duplicates dropped;
* record ids renumbered 1..N across the file: in each record header, in the chunk header
  (first/last record number and id) *and* in the BinXML ``EventRecordID`` substitution,
  because that is what both parsers render (pyevtx-rs 0.14 and python-evtx print the
  BinXML value, not the header's; checked by ``--check``);
* each repeat ``k`` is a different stretch of time on the same machines, not a copy: every
  FILETIME value and Sysmon ``UtcTime``-style string moves ``k`` weeks later and every GUID
  other than a provider's is XOR-ed with ``k`` (ProcessGuid, ParentProcessGuid, LogonGuid
  stay consistent within a repeat, so parent links hold). Without this the graph would fold
  the copies into one process with ~80 start records each;
* both CRCs of every chunk and the file header resealed (``evtxscan.evtx.format.seal_chunk/_header``).

Only values of fixed size are edited in place, so the BinXML, string and template tables are
the Windows originals. Output goes to ``bench/data/`` (git-ignored; never commit an .evtx
outside ``fixtures/``)::

    python -m bench.make_big                       # bench/data/mix-1g.evtx, >= 1 GiB
    python -m bench.make_big --size-mb 40 -o bench/data/mix-40m.evtx
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import struct
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evtxscan.evtx.format import (  # noqa: E402
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    NotEvtxError,
    parse_chunk_header,
    seal_chunk,
    synthetic_file_header,
)
from evtxscan.evtx.layout import ChunkInfo, inspect  # noqa: E402
from evtxscan.evtx.view import ChunkRangeView  # noqa: E402
from evtxscan.evtx.walk import walk_records  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "evtx-samples"
DATA = ROOT / "bench" / "data"
CHANNELS = frozenset({"Security", "Microsoft-Windows-Sysmon/Operational"})
SHIFT = timedelta(days=7)          # repeat k is k weeks later
_TICKS_PER_US = 10
_UTCTIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")
T_GUID, T_FILETIME, T_STRING, T_UINT64, T_BINXML = 0x0F, 0x11, 0x01, 0x0A, 0x21


class WalkError(ValueError):
    """The record's BinXML is not a template instance we can walk safely."""


@dataclass(slots=True)
class RecordPatches:
    """Chunk offsets of the fixed-size values one record's repeats rewrite."""

    header: int                          # record header offset
    record_id_value: int                 # the EventRecordID uint64 substitution
    filetimes: list[int] = field(default_factory=list)
    guids: list[int] = field(default_factory=list)
    utctimes: list[tuple[int, int]] = field(default_factory=list)  # (offset, bytes)


def walk_values(chunk: bytes, pos: int, end: int, out: list[tuple[int, int, int, int]],
                depth: int = 0) -> None:
    """Collect ``(depth, type, offset, size)`` of every substitution value of the template
    instance in the BinXML at ``pos`` (a fragment header, then a TemplateInstance token;
    nested values may start at the token); nested BinXML values are walked too."""
    if chunk[pos:pos + 4] == b"\x0f\x01\x01\x00":  # nested values may omit the header
        pos += 4
    if pos + 10 > end or chunk[pos] != 0x0C:
        raise WalkError(f"no template instance at {pos:#x}")
    p = pos + 2
    _template_id, definition = struct.unpack_from("<II", chunk, p)
    p += 8
    if definition == p:  # defined inline: next offset, GUID, data size, data
        size, = struct.unpack_from("<I", chunk, p + 20)
        p += 24 + size
    count, = struct.unpack_from("<I", chunk, p)
    p += 4
    if count > 1000 or p + 4 * count > end:
        raise WalkError(f"implausible substitution count {count} at {pos:#x}")
    descriptors = [struct.unpack_from("<HBB", chunk, p + 4 * i)[:2] for i in range(count)]
    p += 4 * count
    for size, vtype in descriptors:
        if p + size > end:
            raise WalkError(f"value runs past the record at {p:#x}")
        out.append((depth, vtype, p, size))
        if vtype == T_BINXML and size >= 14:
            walk_values(chunk, p, p + size, out, depth + 1)
        p += size


def plan_chunk(chunk: bytes, provider_guids: set[bytes]) -> list[RecordPatches]:
    """Where every record of an intact chunk keeps the values a repeat rewrites."""
    header = parse_chunk_header(chunk)
    frames, _ = walk_records(chunk, header.free_space_offset)
    plans: list[RecordPatches] = []
    for fr in frames:
        values: list[tuple[int, int, int, int]] = []
        walk_values(chunk, fr.offset + 24, fr.offset + fr.size - 4, values)
        outer = [v for v in values if v[0] == 0]
        # The System template puts EventRecordID at substitution 10.  Exported logs keep
        # the original id there while their record headers restart at 1.
        if len(outer) <= 10 or outer[10][1] != T_UINT64 or outer[10][3] != 8:
            raise WalkError(f"record {fr.record_id}: no EventRecordID substitution")
        rid = outer[10][2]
        rp = RecordPatches(fr.offset, rid)
        for _depth, vt, off, size in values:
            if vt == T_FILETIME and size == 8:
                rp.filetimes.append(off)
            elif vt == T_GUID and size == 16 and bytes(chunk[off:off + 16]) not in provider_guids:
                rp.guids.append(off)
            elif vt == T_STRING and size == 46:  # 23 UTF-16 units: "2019-03-19 23:40:54.123"
                text = bytes(chunk[off:off + 46]).decode("utf-16-le", "replace")
                if _UTCTIME.fullmatch(text):
                    rp.utctimes.append((off, size))
        plans.append(rp)
    return plans


def apply_repeat(chunk: bytearray, plans: list[RecordPatches], first_id: int, k: int) -> int:
    """Renumber from ``first_id``, move repeat ``k`` in time and GUID space; return next id."""
    shift_ticks = int(SHIFT.total_seconds()) * 10_000_000 * k
    xor = struct.pack("<I", k)
    new_id = first_id
    for rp in plans:
        struct.pack_into("<Q", chunk, rp.header + 8, new_id)
        struct.pack_into("<Q", chunk, rp.record_id_value, new_id)
        if k:
            written, = struct.unpack_from("<Q", chunk, rp.header + 16)
            struct.pack_into("<Q", chunk, rp.header + 16, written + shift_ticks)
            for off in rp.filetimes:
                v, = struct.unpack_from("<Q", chunk, off)
                if v:
                    struct.pack_into("<Q", chunk, off, v + shift_ticks)
            for off in rp.guids:
                tail = chunk[off + 12:off + 16]
                chunk[off + 12:off + 16] = bytes(a ^ b for a, b in zip(tail, xor))
            for off, size in rp.utctimes:
                text = bytes(chunk[off:off + size]).decode("utf-16-le")
                t = datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f") + SHIFT * k
                moved = t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
                chunk[off:off + size] = moved.encode("utf-16-le")
        new_id += 1
    last = new_id - 1
    struct.pack_into("<QQQQ", chunk, 8, first_id, last, first_id, last)
    seal_chunk(chunk)
    return new_id


# --------------------------------------------------------------------------- selection


def _one_chunk_file(chunk: bytes) -> bytes:
    return synthetic_file_header(1, parse_chunk_header(chunk).last_record_id + 1) + chunk


def _parsed(chunk: bytes) -> list[dict] | None:
    """Every record of the chunk as pyevtx-rs JSON, or None if any record fails."""
    import evtx
    parser = evtx.PyEvtxParser(io.BytesIO(_one_chunk_file(chunk)))
    out = []
    try:
        for rec in parser.records_json():
            out.append(json.loads(rec["data"]))
    except (RuntimeError, ValueError):
        return None
    return out


@dataclass(slots=True)
class Candidate:
    data: bytes
    source: str
    records: int
    process: int
    channel: str
    plans: list[RecordPatches]


def _chunk_intact(info: ChunkInfo, data: bytes) -> bool:
    if not (info.magic_ok and info.complete and info.header_crc_ok and info.data_crc_ok
            and info.records):
        return False
    h = parse_chunk_header(data)
    frames, stopped = walk_records(data, h.free_space_offset)
    return (stopped >= h.free_space_offset and len(frames) == h.last_record_number
            - h.first_record_number + 1 and frames[0].record_id == h.first_record_id
            and frames[-1].record_id == h.last_record_id)


def _guid_bytes(text: str) -> bytes:
    import uuid
    return uuid.UUID(text.strip("{}")).bytes_le


def select_chunks(samples: Path, log=print) -> list[Candidate]:
    """Every intact, distinct chunk of every Security/Sysmon log under ``samples``."""
    files = sorted(p for p in samples.rglob("*") if p.is_file() and p.suffix.lower() == ".evtx")
    seen: set[bytes] = set()
    out: list[Candidate] = []
    dropped = {"damaged": 0, "unparsed": 0, "other channel": 0, "duplicate": 0, "unwalkable": 0}
    for path in files:
        with open(path, "rb") as f:
            try:
                layout = inspect(f)
            except NotEvtxError:
                continue
            for info in layout.chunks:
                f.seek(info.offset)
                data = f.read(CHUNK_SIZE)
                if not info.magic_ok:
                    continue
                if not _chunk_intact(info, data):
                    dropped["damaged"] += 1
                    continue
                digest = hashlib.sha256(data).digest()
                if digest in seen:
                    dropped["duplicate"] += 1
                    continue
                docs = _parsed(data)
                if docs is None or len(docs) != info.records:
                    dropped["unparsed"] += 1
                    continue
                systems = [d["Event"]["System"] for d in docs]
                channels = {s.get("Channel") for s in systems}
                if not channels <= CHANNELS:
                    dropped["other channel"] += 1
                    continue
                provider_guids = set()
                for s in systems:
                    g = ((s.get("Provider") or {}).get("#attributes") or {}).get("Guid")
                    if g:
                        provider_guids.add(_guid_bytes(g))
                try:
                    plans = plan_chunk(data, provider_guids)
                except (WalkError, struct.error):
                    dropped["unwalkable"] += 1
                    continue
                seen.add(digest)
                process = sum(1 for s in systems if _event_id(s) in (1, 4688))
                out.append(Candidate(data, str(path.relative_to(samples)), len(docs), process,
                                     channels.pop(), plans))
    log(f"selected {len(out)} intact Security/Sysmon chunks "
        f"({sum(c.records for c in out)} records, {sum(c.process for c in out)} process starts); "
        f"dropped {dropped}")
    return out


def _event_id(system: dict) -> int | None:
    v = system.get("EventID")
    if isinstance(v, dict):
        v = v.get("#text")
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- writing


def _file_header(chunks: int, next_id: int) -> bytes:
    return synthetic_file_header(chunks, next_id)


def build(out: Path, size_bytes: int, samples: Path = SAMPLES, log=print) -> dict:
    """Write the mix file (>= ``size_bytes``); return what it holds."""
    cands = select_chunks(samples, log)
    if not cands:
        raise SystemExit(f"no intact Security/Sysmon chunks under {samples}")
    per_repeat = len(cands) * CHUNK_SIZE
    repeats = max(1, -(-(size_bytes - FILE_HEADER_SIZE) // per_repeat))
    chunks = repeats * len(cands)
    if chunks > 0xFFFF:
        raise SystemExit("more than 65535 chunks: the EVTX file header cannot count them")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    next_id = 1
    t0 = time.perf_counter()
    with open(tmp, "wb") as f:
        f.write(bytes(FILE_HEADER_SIZE))
        for k in range(repeats):
            for c in cands:
                buf = bytearray(c.data)
                next_id = apply_repeat(buf, c.plans, next_id, k)
                f.write(buf)
        f.seek(0)
        f.write(_file_header(chunks, next_id))
    tmp.replace(out)
    info = {"path": str(out), "bytes": out.stat().st_size, "chunks": chunks,
            "repeats": repeats, "records": next_id - 1,
            "process_starts": repeats * sum(c.process for c in cands),
            "sources": sorted({c.source for c in cands}),
            "seconds": round(time.perf_counter() - t0, 1)}
    out.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")
    log(f"wrote {out}: {info['bytes'] / 2**30:.2f} GiB, {chunks} chunks, {repeats} repeats, "
        f"{info['records']} records, {info['process_starts']} process starts "
        f"in {info['seconds']} s")
    return info


def check(path: Path, limit_chunks: int = 400) -> None:
    """Cheap proof the file is sound: layout clean, ids 1..N in order from both sources
    (record header and rendered EventRecordID), repeats distinct in time."""
    import evtx
    with open(path, "rb") as f:
        layout = inspect(f)
        assert not layout.problems, layout.problems[:5]
        view = ChunkRangeView(f, 0, min(limit_chunks, len(layout.chunks)))
        expect = 1
        for rec in evtx.PyEvtxParser(view).records_json():
            rendered = int(json.loads(rec["data"])["Event"]["System"]["EventRecordID"])
            assert rec["event_record_id"] == rendered == expect, (rec["event_record_id"], rendered, expect)
            expect += 1
    print(f"check ok: layout clean, {len(layout.chunks)} chunks; first {expect - 1} "
          "records numbered 1..N in header and BinXML")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", type=Path, default=DATA / "mix-1g.evtx")
    ap.add_argument("--size-mb", type=float, default=1024 + 16,
                    help="minimum size in MiB (default 1040: > 1 GiB)")
    ap.add_argument("--samples", type=Path, default=SAMPLES)
    ap.add_argument("--check", action="store_true", help="verify the file after writing")
    args = ap.parse_args(argv)
    build(args.out, int(args.size_mb * 2**20), args.samples)
    if args.check:
        check(args.out)


if __name__ == "__main__":
    main()
