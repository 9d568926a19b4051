"""What the damage in a file cost, and how to show the file to a parser so it reads the rest.

Both parsers we use are quiet about damage: pyevtx-rs skips a chunk with a bad magic or a
cut tail without a word and ends a chunk at the first bad record header; python-evtx
trusts a lagging file header.  ``assess`` turns the ``Layout`` that ``inspect`` found into
findings (records lost, with offsets, or only a note) and into *patches*: replacement
chunks that ``view.ChunkRangeView`` lays over the file in memory so an unmodified parser
reads everything that is left.  The evidence itself is only ever read.

Note-or-loss decisions: a stale checksum, a lagging file header or a damaged chunk header
lose nothing when every record still parses, so they are notes; a bad chunk, a hole in
the record framing, records a chunk header promises but the disk never got, and records
cut off by a truncation are losses, counted where the framing allows.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO

from .format import (
    CHUNK_FREE_SPACE,
    CHUNK_HEADER_SIZE,
    CHUNK_LAST_RECORD_ID,
    CHUNK_LAST_RECORD_NUMBER,
    CHUNK_LAST_RECORD_OFFSET,
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    MAX_RECORDS_PER_CHUNK,
    MAX_U64,
    MIN_RECORD_SIZE,
    RECORD_MAGIC,
    ZERO_CHUNK,
    chunk_data_crc,
    chunk_header_crc,
    parse_chunk_header,
    seal_chunk,
)
from .layout import ChunkInfo, Layout, chunk_words, first_bytes
from .stream import read_at
from .tables import chain_faults
from .walk import count_signatures, frame_at, sane_ids, walk_all, walk_records


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing ``assess`` found at ``offset`` (in the file): records lost, or only a note.

    ``lost`` is the number of records the framing shows were there and cannot be read
    (at least 1 when any were lost and the framing cannot say how many); 0 makes the
    finding a note: the bytes are odd, but every record is read.
    """

    reason: str
    offset: int | None = None
    chunk: int | None = None
    lost: int = 0


@dataclass(slots=True)
class Repair:
    """What the damage in a file cost, and how to show the file to a parser.

    ``patches`` replace chunks (by index) in what the parsers read (see ``ChunkRangeView``):
    a bad chunk becomes zeros, so both parsers pass over it quietly and we count it here
    once, with its records; a hole in a chunk's record framing is bridged by growing the
    record before it (pyevtx-rs stops a chunk at the first bad record header, silently
    when it is zeros); a chunk header that promises more records than the chunk holds is
    cut back to what is there. Records are never moved: BinXML refers to its templates
    and names by chunk offset.
    """

    findings: list[Finding] = field(default_factory=list)
    patches: dict[int, bytes] = field(default_factory=dict)
    header: bytes | None = None

    @property
    def lost(self) -> int:
        return sum(f.lost for f in self.findings)

    @property
    def needs_view(self) -> bool:
        return bool(self.patches) or self.header is not None


def _clamp_lost(gap: int, nbytes: int) -> int:
    """Records lost in ``nbytes``: the id gap when plausible, else at least one."""
    return max(1, min(gap, nbytes // MIN_RECORD_SIZE))


def _assess_chunk(info: ChunkInfo, data: bytes, claimed: bool,
                  findings: list[Finding]) -> bytes | None:
    """Findings for one damaged whole chunk and the bytes readers should see (None: as is)."""
    where = chunk_words(info.index, info.offset)
    at = info.offset
    if not info.magic_ok:
        if info.empty:  # ``assess`` counts runs of zeroed chunks
            return None
        header = parse_chunk_header(data)
        ids = sane_ids(header)
        free = header.free_space_offset
        frames = walk_all(data, free if CHUNK_HEADER_SIZE <= free <= CHUNK_SIZE else CHUNK_SIZE, ids)[0]
        n = len(frames) or count_signatures(data)
        if not n and not claimed:
            # past the header's count and no record in it: bytes the file held before the
            # log grew into them, not a chunk whose records we lose
            findings.append(Finding(f"{where}: not a chunk (starts with {first_bytes(data[:8])}) "
                                    f"and no record in it, past the {info.index} chunks the file "
                                    f"header counts: left aside", at, info.index))
            return ZERO_CHUNK
        count = f"{n} records in it lost" if n else "its records are lost (how many is unknown)"
        findings.append(Finding(f"{where}: bad magic (starts with {first_bytes(data[:8])}); "
                                f"chunk skipped, {count}", at, info.index, max(n, 1)))
        return ZERO_CHUNK

    header = parse_chunk_header(data)
    if not info.header_crc_ok:
        findings.append(Finding(f"{where}: header checksum mismatch (stored "
                                f"{header.header_checksum:#010x}, computed {chunk_header_crc(data):#010x}); "
                                f"read anyway", at, info.index))
    free = header.free_space_offset
    if not CHUNK_HEADER_SIZE <= free <= CHUNK_SIZE:
        findings.append(Finding(f"{where}: free space offset {free:#x} outside the chunk; "
                                f"records looked for up to the chunk's end", at, info.index))
        free = CHUNK_SIZE
    elif not info.data_crc_ok:
        findings.append(Finding(f"{where}: records checksum mismatch (stored {header.data_checksum:#010x}, "
                                f"computed {chunk_data_crc(data, free):#010x}): a copy taken while the "
                                f"log was written, or bytes changed since", at, info.index))
    last_at = header.last_record_offset
    if CHUNK_HEADER_SIZE <= last_at < CHUNK_SIZE and free <= last_at:
        whole = frame_at(data, last_at, CHUNK_SIZE)
        if whole is not None:
            findings.append(Finding(f"{where}: free space offset {free:#x} is before the last record "
                                    f"(at chunk offset {last_at:#x}); records read up to its end",
                                    at, info.index))
            free = last_at + whole.size
    ids = sane_ids(header)
    frames, holes, stopped = walk_all(data, free, ids)
    patched = bytearray(data)
    for fault in chain_faults(data, CHUNK_SIZE, fix=patched):
        findings.append(Finding(f"{where}: {fault}", at, info.index))
    by_end = {f.offset + f.size: f for f in frames}
    by_start = {f.offset: f for f in frames}
    for start, stop in holes:
        nxt = by_start[stop]
        size_copy = struct.unpack_from("<I", data, stop - 4)[0]
        prev = by_end.get(start)
        if bytes(data[start:start + 4]) == RECORD_MAGIC and size_copy == stop - start:
            # only the record's size field is wrong: its size copy gives the true size
            rid = struct.unpack_from("<Q", data, start + 8)[0]
            struct.pack_into("<I", patched, start + 4, stop - start)
            findings.append(Finding(f"{where}: record {rid} at chunk offset {start:#x}: size field "
                                    f"{struct.unpack_from('<I', data, start + 4)[0]} is wrong, its copy "
                                    f"says {stop - start}; read with that", at + start, info.index))
            continue
        if prev is None:
            # a hole right after the chunk header: nothing to grow over it
            lost = (nxt.record_id - header.first_record_id if ids else 0) + sum(
                1 for f in frames if f.offset >= stop)
            findings.append(Finding(f"{where}: record framing broken from the first record "
                                    f"(chunk offset {start:#x} to {stop:#x}); the chunk's records "
                                    f"cannot be read", at + start, info.index, max(lost, 1)))
            return ZERO_CHUNK
        gap = nxt.record_id - prev.record_id - 1
        struct.pack_into("<I", patched, prev.offset + 4, stop - prev.offset)
        struct.pack_into("<I", patched, stop - 4, stop - prev.offset)
        if ids is not None and gap == 0:  # ids run on: record ``prev`` was longer than it said
            findings.append(Finding(f"{where}: record {prev.record_id} at chunk offset "
                                    f"{prev.offset:#x} is {stop - prev.offset} bytes, not the "
                                    f"{prev.size} its header says; read with the longer size",
                                    at + prev.offset, info.index))
            continue
        lost = _clamp_lost(gap if ids is not None else 1, stop - start)
        findings.append(Finding(f"{where}: record framing broken at chunk offset {start:#x}: "
                                f"{stop - start} bytes up to record {nxt.record_id} hold no readable "
                                f"record; {lost} record{'s' if lost != 1 else ''} lost there",
                                at + start, info.index, lost))
    if stopped >= free and stopped != header.free_space_offset:
        # the free space offset was outside the chunk, before the last record, or inside a
        # record that runs past it: show the parsers where the records really end
        struct.pack_into("<I", patched, CHUNK_FREE_SPACE, stopped)
    if stopped < free:
        rest = bytes(data[stopped:free])
        last = frames[-1] if frames else None
        gap = (header.last_record_id - last.record_id) if (last and ids) else 0
        if not frames:
            findings.append(Finding(f"{where}: no record where the first should be (chunk offset "
                                    f"{stopped:#x}); the chunk's records cannot be read",
                                    at + stopped, info.index, max(len(ids) if ids else 1, 1)))
            return ZERO_CHUNK
        if gap > 0 or rest.strip(b"\0"):
            lost = _clamp_lost(max(gap, 1), free - stopped)
            state = "zeros" if not rest.strip(b"\0") else "not records"
            findings.append(Finding(
                f"{where}: the chunk header promises records up to {header.last_record_id} "
                f"and free space at chunk offset {free:#x}, but from chunk offset {stopped:#x} the "
                f"bytes are {state}; {lost} record{'s' if lost != 1 else ''} after record "
                f"{last.record_id} lost", at + stopped, info.index, lost))
        # cut the chunk back to the records that are there. Both parsers also stop at the
        # first record whose id is the header's last id, so that must be the last frame's
        # id only if no earlier frame carries it (ids in damaged chunks repeat)
        struct.pack_into("<Q", patched, CHUNK_LAST_RECORD_NUMBER, (header.first_record_number + len(frames) - 1) & MAX_U64)
        ids_seen = [f.record_id for f in frames]
        if ids_seen.index(last.record_id) == len(ids_seen) - 1:
            struct.pack_into("<Q", patched, CHUNK_LAST_RECORD_ID, last.record_id)
        elif header.last_record_id in ids_seen[:-1]:
            struct.pack_into("<Q", patched, CHUNK_LAST_RECORD_ID, (max(ids_seen) + 1) & MAX_U64)
        struct.pack_into("<II", patched, CHUNK_LAST_RECORD_OFFSET, last.offset, stopped)
    for f in frames:
        if struct.unpack_from("<I", data, f.offset + f.size - 4)[0] != f.size and f.offset + f.size <= stopped:
            findings.append(Finding(f"{where}: record {f.record_id} at chunk offset {f.offset:#x} does not "
                                    f"end with its size (partly written?); read as it is",
                                    at + f.offset, info.index))
    if bytes(patched) == bytes(data):
        return None
    seal_chunk(patched)
    return bytes(patched)


def assess(stream: BinaryIO, layout: Layout, chunks: range | None = None, *,
           file_level: bool = True, tail: bool = True) -> Repair:
    """Say what the damage in ``layout`` cost and how readers should see the file.

    ``chunks`` limits the work to a chunk range (a worker's share of a split file);
    ``file_level`` adds the header findings and ``tail`` the cut last chunk's, so that a
    split file reports each once. Only chunks ``inspect`` found damaged are read again.
    Note-or-loss decisions: a stale checksum, a lagging file header or a damaged chunk
    header lose nothing when every record still parses, so they are notes; a bad chunk, a
    hole in the record framing, records a chunk header promises but the disk never got,
    and records cut off by a truncation are losses, counted where the framing allows.
    """
    repair = Repair(header=layout.synthetic_header)
    findings = repair.findings
    header = layout.header
    if file_level:
        if layout.synthetic_header is not None:
            findings.append(Finding("no ElfFile file header, but chunks follow it: read with a "
                                    "stand-in header", 0))
        elif not header.checksum_ok:
            findings.append(Finding(f"file header checksum mismatch (stored {header.checksum:#010x}); "
                                    f"chunks read anyway", 0))
        used = sum(1 for c in layout.chunks if c.magic_ok)
        slots = len(layout.chunks)
        if layout.file_size < FILE_HEADER_SIZE:
            findings.append(Finding(f"file is {layout.file_size} bytes, shorter than its "
                                    f"{FILE_HEADER_SIZE}-byte header", 0, None,
                                    1 if header.chunk_count else 0))
        elif header.chunk_count > slots:
            missing = header.chunk_count - slots
            last = layout.chunks[-1] if layout.chunks else None
            gap = (header.next_record_id - 1 - last.last_record_id
                   if last is not None and last.magic_ok and last.last_record_id is not None else 0)
            if 0 < gap <= missing * (MAX_RECORDS_PER_CHUNK):
                what, lost = f"{gap} records (counted from the header's next record id)", gap
            else:
                what, lost = "their records (how many is unknown)", missing
            findings.append(Finding(f"file header says {header.chunk_count} chunks but the file ends "
                                    f"after {slots}: {missing} chunk{'s' if missing != 1 else ''} and "
                                    f"{what} are missing", layout.file_size, None, lost))
        elif used > header.chunk_count and layout.synthetic_header is None:
            findings.append(Finding(f"file header says {header.chunk_count} chunks, {used} present "
                                    f"(written after the header was): all are read", 0))
    todo = [c for c in layout.chunks if (chunks is None or c.index in chunks) and c.complete
            and not (c.magic_ok and c.header_crc_ok and c.data_crc_ok and c.tables_ok)
            and not (c.empty and c.index >= header.chunk_count)]
    if todo:
        for c in todo:
            data = read_at(stream, c.offset, CHUNK_SIZE)
            patch = _assess_chunk(c, data, c.index < header.chunk_count, findings)
            if patch is not None:
                repair.patches[c.index] = patch
    findings += _zeroed_runs(layout, chunks)
    cut = layout.truncated_tail
    if tail and cut is not None:
        findings.append(_cut_finding(stream, cut))
    return repair


def _zeroed_runs(layout: Layout, chunks: range | None) -> list[Finding]:
    """Chunks the file header counts that are all zeros, one finding per run of them.

    Their records are gone, but the record ids around the run (the chunk before it, the
    chunk after it or the header's next record id) often say how many there were.
    """
    header = layout.header
    out: list[Finding] = []
    cs = layout.chunks
    i = 0
    while i < len(cs):
        c = cs[i]
        if not (c.empty and not c.magic_ok and c.complete and c.index < header.chunk_count):
            i += 1
            continue
        j = i
        while (j + 1 < len(cs) and cs[j + 1].empty and not cs[j + 1].magic_ok and cs[j + 1].complete
               and cs[j + 1].index < header.chunk_count):
            j += 1
        first, last = cs[i], cs[j]
        i = j + 1
        if chunks is not None and first.index not in chunks:
            continue
        n = last.index - first.index + 1
        before = cs[first.index - 1] if first.index > 0 else None
        after = cs[last.index + 1] if last.index + 1 < len(cs) else None
        lo = before.last_record_id if before is not None and before.magic_ok else None
        if after is not None and after.magic_ok:
            hi = after.first_record_id
        elif last.index + 1 >= header.chunk_count and layout.synthetic_header is None:
            hi = header.next_record_id
        else:
            hi = None
        gap = hi - lo - 1 if lo is not None and hi is not None else 0
        name = (f"chunk {first.index}" if n == 1 else f"chunks {first.index}-{last.index}")
        if 0 < gap <= n * (MAX_RECORDS_PER_CHUNK):
            what, lost = f"{gap} records lost (counted from the record ids around {'it' if n == 1 else 'them'})", gap
        else:
            what, lost = "their records are lost (how many is unknown)", n
        out.append(Finding(f"{name} at offset {first.offset:#x}: all zero although the file header "
                           f"counts {'it' if n == 1 else 'them'}: {what}", first.offset, first.index, lost))
    return out


def _cut_finding(stream: BinaryIO, cut: ChunkInfo) -> Finding:
    """What the truncation of the last chunk cost (the records before the cut are recovered)."""
    where = f"last chunk (chunk {cut.index} at offset {cut.offset:#x}) cut after {cut.size} of {CHUNK_SIZE} bytes"
    if cut.empty:
        return Finding(f"{where}; it was all zero", cut.offset + cut.size, cut.index)
    if not cut.magic_ok:
        return Finding(f"{where}, and its header is incomplete or damaged: its records are lost",
                       cut.offset + cut.size, cut.index, 1)
    data = read_at(stream, cut.offset, cut.size)
    header = parse_chunk_header(data)
    end = min(cut.size, header.free_space_offset) if header.free_space_offset >= CHUNK_HEADER_SIZE else cut.size
    frames, stopped = walk_records(data, end)
    ids = sane_ids(header)
    if frames and ids and header.last_record_id == frames[-1].record_id and header.free_space_offset <= stopped:
        return Finding(f"{where}: every record the chunk header names is before the cut",
                       cut.offset + cut.size, cut.index)
    gap = header.last_record_id - frames[-1].record_id if (frames and ids) else 0
    lost = _clamp_lost(max(gap, 1), CHUNK_SIZE - stopped)
    return Finding(f"{where}: {len(frames)} whole records before the cut are recovered, "
                   f"{lost} record{'s' if lost != 1 else ''} at and after the cut lost",
                   cut.offset + stopped, cut.index, lost)
