"""Where the records of a chunk are: the one walk over record framing, for everyone.

A chunk's records follow its 512-byte header back to back, each framed by a magic, its
size and a trailing copy of the size.  Damage breaks that chain (a zeroed stretch, a wrong
size field, a record half written), and both parsers we know give up there: pyevtx-rs
ends the chunk at the first bad record header, and python-evtx stops there too.  We walk
on: from a break, the next *certain* record (8-byte aligned, magic, a size whose copy
closes it, an id in the chunk header's range) resumes the walk, and the bytes in between
are a ``Hole``.  ``inspect`` counts intact framing with the strict ``walk_records``;
``assess`` and ``locate_records`` measure holes with ``walk_chunk``, and the python reader
decodes the records ``walk_chunk`` frames, so what repair predicts and what that reader
reads are the same frames.

All offsets here are chunk-relative.  ``base`` lets a caller walk a chunk inside a buffer
holding the whole file (the reader's memory map) without slicing it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

from .format import (
    CHUNK_HEADER_SIZE,
    CHUNK_SIZE,
    MAX_RECORDS_PER_CHUNK,
    MIN_RECORD_SIZE,
    RECORD_HEADER,
    RECORD_HEADER_SIZE,
    RECORD_MAGIC,
    ChunkHeader,
)

_RECORD = RECORD_HEADER.unpack_from
_U32 = struct.Struct("<I").unpack_from
_new = tuple.__new__  # builds a RecordFrame without NamedTuple's Python-level __new__


class RecordFrame(NamedTuple):
    """Where one record sits in its chunk; its BinXML is bytes [offset+24, offset+size-4)."""

    offset: int
    size: int
    record_id: int
    written_time: int  # FILETIME ticks


class Hole(NamedTuple):
    """Bytes of a chunk's records area that hold no record a parser can frame.

    ``stop`` is where the next certain record starts, or None when none follows before
    the chunk's free space: the walk ends at ``start``.
    """

    start: int
    stop: int | None


def frame_at(chunk, pos: int, end: int, base: int = 0) -> RecordFrame | None:
    """A record as pyevtx-rs accepts it: magic and a size within ``end`` (neither the size
    copy nor the free space offset is checked: a record that starts before the free space
    offset is read whole)."""
    if pos + RECORD_HEADER_SIZE > end:
        return None
    magic, size, record_id, written = _RECORD(chunk, base + pos)
    if magic != RECORD_MAGIC or size < MIN_RECORD_SIZE or pos + size > end:
        return None
    return _new(RecordFrame, (pos, size, record_id, written))


def closes(chunk, frame: RecordFrame, base: int = 0) -> bool:
    """Whether the record ends with a copy of its size, as a whole record does."""
    return _U32(chunk, base + frame.offset + frame.size - 4)[0] == frame.size


def walk_records(chunk, end: int) -> tuple[list[RecordFrame], int]:
    """Follow record framing from 512 up to ``end``: magic, size, size copy.

    Returns the intact records and the offset where the walk stopped (``end`` when every
    record is whole). Framing is all that is checked; BinXML is the parsers' business.
    """
    frames: list[RecordFrame] = []
    offset = CHUNK_HEADER_SIZE
    end = min(end, len(chunk))
    while offset + MIN_RECORD_SIZE <= end:
        frame = frame_at(chunk, offset, end)
        if frame is None or not closes(chunk, frame):
            break
        frames.append(frame)
        offset += frame.size
    return frames, offset


def sane_ids(header: ChunkHeader) -> range | None:
    """The chunk header's record id range when it is plausible for one chunk, else None."""
    first, last = header.first_record_id, header.last_record_id
    if first <= last and last - first < MAX_RECORDS_PER_CHUNK:
        return range(first, last + 1)
    return None


def resync(buf, pos: int, end: int, ids: range | None, base: int = 0) -> int | None:
    """Chunk offset of the next certain record in [pos, end): 8-byte aligned, magic, a size
    whose copy closes it, and (unless ``ids`` is None) an id in ``ids``, so a record left
    from an earlier use of the chunk is not taken for one of this chunk (it would be read
    with this chunk's templates, which need not be its own).

    ``buf`` must have ``find`` (bytes, bytearray, mmap); ``base`` is the chunk's offset in it.
    """
    pos = (pos + 7) & ~7
    while True:
        pos = buf.find(RECORD_MAGIC, base + pos, base + end) - base
        if pos < 0:
            return None
        if pos % 8 == 0 and pos + MIN_RECORD_SIZE <= end:
            _magic, size, record_id, _written = _RECORD(buf, base + pos)
            if (MIN_RECORD_SIZE <= size <= end - pos
                    and _U32(buf, base + pos + size - 4)[0] == size
                    and (ids is None or record_id in ids)):
                return pos
        pos += 1


def walk_chunk(buf, free: int, ids: range | None, base: int = 0,
               end: int = CHUNK_SIZE) -> Iterator[tuple[int, int, int, int] | Hole]:
    """The records of one chunk as the parsers frame them, and the holes between them.

    Records are looked for up to ``free`` (the free space offset, clamped by the caller);
    a record that starts before it may run on to ``end`` (the chunk's end).  A record whose
    size copy does not close it is a hole when a certain record starts inside it (its
    size field is wrong, or it was half written over older ones), else it is read as it
    is.  The walk ends with ``Hole(start, None)`` when the framing breaks and no certain
    record follows.  A record comes as a plain tuple in ``RecordFrame``'s field order
    (offset, size, record id, written time): a named tuple per record would cost the
    python reader a quarter of a microsecond on each (``walk_all`` names them).
    """
    end = min(end, len(buf) - base)
    pos = CHUNK_HEADER_SIZE
    while pos < free:  # per record of every log the python reader reads: kept inline
        if pos + RECORD_HEADER_SIZE > end:
            yield Hole(pos, None)
            return
        at = base + pos
        magic, size, record_id, written = _RECORD(buf, at)
        if magic == RECORD_MAGIC and size >= MIN_RECORD_SIZE and pos + size <= end:
            if _U32(buf, at + size - 4)[0] != size:
                # no size copy where the size says: a partly written record, or a wrong
                # size field hiding whole records behind it
                nxt = resync(buf, pos + 1, free, ids, base)
                if nxt is not None and nxt < pos + size:
                    yield Hole(pos, nxt)
                    pos = nxt
                    continue
            yield pos, size, record_id, written
            pos += size
            continue
        nxt = resync(buf, pos + 1, free, ids, base)
        if nxt is None:
            yield Hole(pos, None)
            return
        yield Hole(pos, nxt)
        pos = nxt


def walk_all(chunk, free: int,
             ids: range | None) -> tuple[list[RecordFrame], list[tuple[int, int]], int]:
    """``walk_chunk`` gathered: (frames, holes as (start, stop), where the walk ended)."""
    frames: list[RecordFrame] = []
    holes: list[tuple[int, int]] = []
    pos = CHUNK_HEADER_SIZE
    for item in walk_chunk(chunk, free, ids):
        if type(item) is Hole:
            if item.stop is None:
                return frames, holes, item.start
            holes.append((item.start, item.stop))
            pos = item.stop
        else:
            frames.append(_new(RecordFrame, item))
            pos = item[0] + item[1]
    return frames, holes, pos


def count_signatures(chunk) -> int:
    """Whole records anywhere in a chunk, by signature and size copy (a bad chunk's count)."""
    data = bytes(chunk)
    n = pos = 0
    end = len(data)
    while True:
        pos = resync(data, pos, end, None)
        if pos is None:
            return n
        n += 1
        pos += _U32(data, pos + 4)[0]
