"""Records written before a file was cut mid-chunk, re-framed so both parsers read them.

A log copied while the service wrote it, or cut by a full disk or a failed transfer, ends
inside a chunk.  Both parsers drop a short chunk outright, losing records that are intact.
Records only reference strings and templates defined earlier in the same chunk, so cutting
after the last whole record leaves every kept record valid: ``recover_truncated_chunk``
pads the chunk to 64 KiB, points its header at the records that are there, rebuilds the
table heads that pointed past the cut and reseals both CRCs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

from .format import (
    CHUNK_HEADER_SIZE,
    CHUNK_LAST_RECORD_OFFSET,
    CHUNK_MAGIC,
    CHUNK_RECORD_NUMBERS,
    CHUNK_SIZE,
    FILE_CHUNK_COUNT,
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    MAX_U64,
    parse_chunk_header,
    seal_chunk,
    seal_header,
)
from .layout import Layout
from .stream import read_at, size_of
from .tables import chain_faults, heads_before, write_heads
from .walk import walk_records


@dataclass(frozen=True, slots=True)
class RecoveredChunk:
    """A cut chunk re-framed as a one-chunk EVTX file (4096 + 65536 bytes)."""

    data: bytes
    records: int
    first_record_id: int
    last_record_id: int
    cut_offset: int  # offset *within the chunk* where the bytes ended
    dropped_from: int  # offset within the chunk where the kept records end (first lost record)
    chunk_file_offset: int | None = None  # where the chunk starts in the file, when known

    @property
    def cut_file_offset(self) -> int | None:
        """File offset of the cut (the file size), when the chunk's position is known."""
        return None if self.chunk_file_offset is None else self.chunk_file_offset + self.cut_offset


def recover_truncated_chunk(partial: bytes | bytearray | memoryview, file_header: bytes) -> RecoveredChunk | None:
    """Keep the whole records of a chunk cut mid-way, as a file both parsers will read.

    We pad to 64 KiB, set the last record number/id/offset and the free space offset,
    rebuild the string/template table heads that pointed past the cut (python-evtx
    resolves names only through these tables), and reseal both CRCs.
    Returns None when no whole record survives or the chunk header itself is cut.
    """
    partial = memoryview(partial).cast("B")
    if len(partial) < CHUNK_HEADER_SIZE or bytes(partial[:8]) != CHUNK_MAGIC:
        return None
    header = parse_chunk_header(partial)
    end = len(partial)
    if CHUNK_HEADER_SIZE <= header.free_space_offset <= end:
        end = header.free_space_offset
    frames, stopped = walk_records(partial, end)
    if not frames:
        return None
    last = frames[-1]
    kept_end = last.offset + last.size
    chunk = bytearray(CHUNK_SIZE)
    chunk[:kept_end] = partial[:kept_end]
    write_heads(chunk, *heads_before(partial, kept_end))
    struct.pack_into("<QQQQ", chunk, CHUNK_RECORD_NUMBERS, header.first_record_number,
                     (header.first_record_number + len(frames) - 1) & MAX_U64, frames[0].record_id,
                     last.record_id)
    struct.pack_into("<II", chunk, CHUNK_LAST_RECORD_OFFSET, last.offset, kept_end)
    chain_faults(chunk, kept_end, fix=chunk)  # a looping chain hangs pyevtx-rs
    seal_chunk(chunk)

    head = bytearray(file_header[:FILE_HEADER_SIZE].ljust(FILE_HEADER_SIZE, b"\0"))
    struct.pack_into("<QQQ", head, 8, 0, 0, (last.record_id + 1) & MAX_U64)  # ids are evidence: any value
    struct.pack_into("<H", head, FILE_CHUNK_COUNT, 1)
    seal_header(head)
    return RecoveredChunk(bytes(head) + bytes(chunk), len(frames), frames[0].record_id,
                          last.record_id, len(partial), stopped)


def recover_truncated_tail(stream: BinaryIO, layout: Layout | None = None) -> RecoveredChunk | None:
    """Recover the whole records of a file's last chunk if the file was cut inside it.

    Pass the ``Layout`` from ``inspect`` to save a second look at the file size. Reads only
    the file header and the cut chunk.
    """
    if layout is not None:
        tail = layout.truncated_tail
        start = tail.offset if tail is not None else None
    else:
        size = size_of(stream)
        extra = (size - FILE_HEADER_SIZE) % CHUNK_SIZE if size > FILE_HEADER_SIZE else 0
        start = size - extra if extra else None
    if start is None:
        return None
    header = read_at(stream, 0, FILE_HEADER_SIZE)
    if header[:8] != FILE_MAGIC:
        return None
    recovered = recover_truncated_chunk(read_at(stream, start, CHUNK_SIZE), header)
    return None if recovered is None else replace(recovered, chunk_file_offset=start)
