"""Where everything is in an EVTX file, and what is wrong with it, in words.

``inspect`` reads a log chunk by chunk and gives a ``Layout``: the file header, every
64 KiB slot (magic, checksums, record ids, whole records) and each problem as a sentence a
responder can act on.  It is the first look at every file, so it also feeds the SHA-256
(one read for both) and it never needs more than one chunk in memory.  ``locate_records``
answers the question parser errors leave open: where in the file is record N.

Damaged files are evidence too: nothing here raises for damage, only for a file that is
not an EVTX log at all (``NotEvtxError``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

from .format import (
    CHUNK_HEADER_SIZE,
    CHUNK_MAGIC,
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    FILE_HEADER_USED,
    FILE_MAGIC,
    MIN_RECORD_SIZE,
    ZERO_CHUNK,
    FileHeader,
    NotEvtxError,
    chunk_data_crc,
    chunk_header_crc,
    chunk_offset,
    file_header_crc,
    parse_chunk_header,
    parse_file_header,
    synthetic_file_header,
)
from .stream import name_of, read_at, size_of
from .tables import chain_faults
from .walk import walk_all, walk_records

Status = Literal["ok", "partial"]


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    """One 64 KiB slot of the file, as found on disk."""

    index: int
    offset: int
    size: int  # bytes present (CHUNK_SIZE unless the file was cut inside this chunk)
    magic_ok: bool
    empty: bool  # all zero: preallocated space, not damage (unless the header counts it)
    header_crc_ok: bool
    data_crc_ok: bool
    first_record_id: int | None
    last_record_id: int | None
    records: int  # whole records found by walking the framing
    tables_ok: bool = True  # string/template table chains end (a loop hangs pyevtx-rs)

    @property
    def complete(self) -> bool:
        return self.size == CHUNK_SIZE

    @property
    def truncated(self) -> bool:
        return self.size < CHUNK_SIZE


@dataclass(slots=True)
class Layout:
    """What ``inspect`` found: header, chunks and, in words, every problem."""

    path: str  # the stream's name
    file_size: int
    header: FileHeader
    chunks: list[ChunkInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: A stand-in file header when the file's own has no ``ElfFile`` magic but chunks follow
    #: it (a header overwritten or zeroed): readers are given this one.
    synthetic_header: bytes | None = None

    @property
    def status(self) -> Status:
        return "partial" if self.problems else "ok"

    @property
    def used_chunks(self) -> list[ChunkInfo]:
        """Chunks with a valid magic: what a parser will try to read."""
        return [c for c in self.chunks if c.magic_ok]

    @property
    def truncated_tail(self) -> ChunkInfo | None:
        """The last chunk when the file ends inside it (the parsers drop it whole)."""
        return self.chunks[-1] if self.chunks and self.chunks[-1].truncated else None


def chunk_words(index: int, offset: int) -> str:
    """How findings name a chunk: ``chunk 3 at offset 0x31000``."""
    return f"chunk {index} at offset {offset:#x}"


def first_bytes(data: bytes) -> str:
    """The first 8 bytes as findings show them: ``b'ElfJunk\\x00...'``."""
    return repr(data[:8])[:-1] + "...'"


def _check_chunk(index: int, offset: int, data: memoryview, claimed: bool,
                 problems: list[str]) -> ChunkInfo:
    """Judge one chunk; ``claimed`` says whether the file header counts it as in use."""
    size = len(data)
    where = chunk_words(index, offset)
    if size < CHUNK_HEADER_SIZE or bytes(data[:8]) != CHUNK_MAGIC:
        empty = data == ZERO_CHUNK[:size]
        if size >= 8 and bytes(data[:8]) != CHUNK_MAGIC and (claimed or not empty):
            found = "all zero" if empty else f"starts with {first_bytes(bytes(data[:8]))}"
            problems.append(f"{where}: bad magic ({found})")
        elif size < CHUNK_HEADER_SIZE and not empty:
            problems.append(f"{where}: only {size} bytes, chunk header incomplete")
        return ChunkInfo(index, offset, size, False, empty, False, False, None, None, 0)

    header = parse_chunk_header(data)
    header_ok = header.header_checksum == chunk_header_crc(data)
    free = header.free_space_offset
    free_ok = CHUNK_HEADER_SIZE <= free <= CHUNK_SIZE
    data_ok = free_ok and free <= size and header.data_checksum == chunk_data_crc(data, free)
    frames, stopped = walk_records(data, free if free_ok else size)
    if not header_ok:
        problems.append(f"{where}: header checksum mismatch (stored {header.header_checksum:#010x}, "
                        f"computed {chunk_header_crc(data):#010x})")
    if not free_ok:
        problems.append(f"{where}: free space offset {free:#x} outside the chunk")
    elif size >= free and not data_ok:
        problems.append(f"{where}: records checksum mismatch (stored {header.data_checksum:#010x}, "
                        f"computed {chunk_data_crc(data, free):#010x})")
    if size == CHUNK_SIZE and free_ok and stopped + MIN_RECORD_SIZE <= free:
        problems.append(f"{where}: record framing breaks at chunk offset {stopped:#x} "
                        f"after {len(frames)} records")
    expected = header.last_record_number - header.first_record_number + 1
    if size == CHUNK_SIZE and free_ok and stopped >= free and len(frames) != expected:
        problems.append(f"{where}: header says {expected} records, {len(frames)} found")
    bad_chains = chain_faults(data, size)
    for fault in bad_chains:
        problems.append(f"{where}: {fault}")
    return ChunkInfo(index, offset, size, True, False, header_ok, data_ok,
                     header.first_record_id, header.last_record_id, len(frames), not bad_chains)


def _glance_chunk(stream: BinaryIO, index: int, offset: int) -> ChunkInfo | None:
    """A whole chunk outside the range being checked: its header only, when the magic is
    there (None: read and check it in full)."""
    head = read_at(stream, offset, 40)
    if len(head) < 40 or head[:8] != CHUNK_MAGIC:
        return None
    first_num, last_num, first_id, last_id = struct.unpack_from("<QQQQ", head, 8)
    records = last_num - first_num + 1 if last_num >= first_num else 0
    return ChunkInfo(index, offset, CHUNK_SIZE, True, False, True, True, first_id, last_id,
                     records)


def _read_file_header(stream: BinaryIO, size: int) -> bytes:
    if size == 0:
        raise NotEvtxError(name_of(stream), "empty file")
    head = read_at(stream, 0, FILE_HEADER_SIZE)
    if head[:8] != FILE_MAGIC:
        if len(head) == FILE_HEADER_SIZE and read_at(stream, FILE_HEADER_SIZE, 8) == CHUNK_MAGIC:
            return head  # the header is damaged but chunks follow: inspect goes on
        raise NotEvtxError(name_of(stream), f"no ElfFile header (starts with {first_bytes(head)})")
    if len(head) < FILE_HEADER_USED:
        raise NotEvtxError(name_of(stream),
                           f"file header cut short: {len(head)} of {FILE_HEADER_USED} bytes")
    return head


def inspect(stream: BinaryIO, chunks: range | None = None, hasher=None) -> Layout:
    """Check an EVTX file's framing chunk by chunk and describe every problem in words.

    Raises ``NotEvtxError`` for empty and non-EVTX files. Everything else is reported, not
    raised: a damaged log is evidence too. Checks: header magic/CRC/sizes, chunk count
    against chunks present, each chunk's magic, header CRC, records CRC and record framing,
    and a file cut mid-chunk. All-zero chunks beyond the header's count are preallocated
    space and are not problems.

    ``chunks`` limits the full checks to a range of chunks (a worker's share of a split
    file; the file header and a cut last chunk are always checked): the other chunks only
    have their header read for the magic and record ids, so a worker does not read the
    whole multi-GB file again; their checksums and framing are left to the workers that
    own them (``header_crc_ok``/``data_crc_ok`` say True, ``records`` is the header's
    count) and their problems are not listed.  A chunk without the magic is always read
    in full.  ``hasher`` (a ``hashlib`` object) is fed every byte of the file, in order,
    when the whole file is checked: the SHA-256 costs no second read.
    """
    if chunks is not None:
        hasher = None
    size = size_of(stream)
    head = _read_file_header(stream, size)
    if hasher is not None:
        hasher.update(head)
    synthetic = None
    if head[:8] != FILE_MAGIC:
        synthetic = synthetic_file_header((size - FILE_HEADER_SIZE) // CHUNK_SIZE)
        lost_head, head = head, synthetic
    header = parse_file_header(head)
    layout = Layout(name_of(stream), size, header, synthetic_header=synthetic)
    problems = layout.problems
    if synthetic is not None:
        problems.append(f"no ElfFile header (starts with {first_bytes(lost_head)}) but a chunk "
                        f"follows it: the chunks are read with a stand-in header")
    elif not header.checksum_ok:
        problems.append(f"file header checksum mismatch (stored {header.checksum:#010x}, "
                        f"computed {file_header_crc(head):#010x})")
    if synthetic is None and (header.header_size != FILE_HEADER_USED
                              or header.block_size != FILE_HEADER_SIZE
                              or header.major_version != 3):
        problems.append(f"unexpected file header: size {header.header_size}, block size "
                        f"{header.block_size}, version {header.major_version}.{header.minor_version}")
    if size < FILE_HEADER_SIZE:
        problems.append(f"file is {size} bytes, shorter than its {FILE_HEADER_SIZE}-byte header")
        return layout

    whole_chunks = (size - FILE_HEADER_SIZE) // CHUNK_SIZE
    index = 0
    while True:
        offset = chunk_offset(index)
        if chunks is not None and index not in chunks and index < whole_chunks:
            info = _glance_chunk(stream, index, offset)
            if info is not None:
                layout.chunks.append(info)
                index += 1
                continue
        data = read_at(stream, offset, CHUNK_SIZE)
        if not data:
            break
        if hasher is not None:
            hasher.update(data)
        layout.chunks.append(_check_chunk(index, offset, memoryview(data),
                                          index < header.chunk_count, problems))
        index += 1
        if len(data) < CHUNK_SIZE:
            break

    tail = (size - FILE_HEADER_SIZE) % CHUNK_SIZE
    if tail:
        start = size - tail
        whole = layout.chunks[-1].records
        problems.append(f"file size {size} is not {FILE_HEADER_SIZE} + n*{CHUNK_SIZE}: last chunk "
                        f"truncated at offset {start} ({tail} of {CHUNK_SIZE} bytes); "
                        f"{whole} whole records before the cut")
    present = sum(1 for c in layout.chunks if c.magic_ok)
    if present != header.chunk_count:
        problems.append(f"file header says {header.chunk_count} chunks, {present} present")
    return layout


def locate_records(stream: BinaryIO, layout: Layout, record_ids: set[int],
                   patches: dict[int, bytes] | None = None) -> dict[int, tuple[int, int]]:
    """(file offset, chunk index) of records by id (for parser errors that name only the record)."""
    found: dict[int, tuple[int, int]] = {}
    want = set(record_ids)
    candidates = [c for c in layout.chunks if c.magic_ok and c.complete
                  and c.first_record_id is not None and c.last_record_id is not None
                  and any(c.first_record_id <= i <= c.last_record_id for i in want)]
    for c in candidates:
        data = (patches or {}).get(c.index)
        if data is None:
            data = read_at(stream, c.offset, CHUNK_SIZE)
        free = parse_chunk_header(data).free_space_offset
        for frame in walk_all(data, min(max(free, CHUNK_HEADER_SIZE), CHUNK_SIZE), None)[0]:
            if frame.record_id in want and frame.record_id not in found:
                found[frame.record_id] = (c.offset + frame.offset, c.index)
        if want <= found.keys():
            break
    return found
