"""The EVTX container: file header, 64 KiB chunks, record framing and their checksums.

This module knows where things are in an .evtx file and whether the framing is intact; it
never decodes BinXML or decides what an event means (readers do that). It exists because
both parsers we use are silent about damage: pyevtx-rs and python-evtx skip a chunk with a
bad magic or a cut tail without a word, and python-evtx trusts a lagging file header. A
forensic tool has to say what it could not read, and, where the bytes allow it, read it
anyway. So this module offers:

* ``inspect(path)`` - a ``Layout`` listing every chunk and, in words, every problem found;
* ``ChunkRangeView`` - chunks [start, stop) of a huge file presented as a small EVTX file,
  so parallel workers can each hand a slice to an unmodified parser;
* ``recover_truncated_chunk`` - re-frames a chunk that was cut mid-way so the parsers read
  the records that survived before the cut;
* ``assess`` - what the damage cost (records lost, with offsets, or only a note) and how to
  present the file to an unmodified parser so it reads everything that is left: bad chunks
  blanked, holes in the record framing bridged, a chunk header that promises records the
  disk never got cut back to the records that are there;
* ``seal_chunk`` / ``seal_header`` - recompute checksums after a deliberate edit.

Files are only ever opened read-only and read one chunk at a time, so multi-GB logs cost
one chunk of memory.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass, field, replace
from typing import Literal

__all__ = [
    "FILE_MAGIC", "CHUNK_MAGIC", "RECORD_MAGIC",
    "FILE_HEADER_SIZE", "CHUNK_SIZE", "CHUNK_HEADER_SIZE", "RECORD_HEADER_SIZE",
    "NotEvtxError", "FileHeader", "ChunkHeader", "ChunkInfo", "Layout", "RecordFrame",
    "RecoveredChunk", "parse_file_header", "parse_chunk_header", "file_header_crc",
    "chunk_header_crc", "chunk_data_crc", "seal_header", "seal_chunk", "walk_records",
    "inspect", "ChunkRangeView", "recover_truncated_chunk", "recover_truncated_chunk_from_file", "chunk_offset",
    "name_hash", "template_bucket", "Finding", "Repair", "assess", "locate_records",
    "synthetic_file_header",
]

FILE_MAGIC = b"ElfFile\0"
CHUNK_MAGIC = b"ElfChnk\0"
RECORD_MAGIC = b"**\0\0"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
RECORD_HEADER_SIZE = 24  # magic, size, record id, written FILETIME
_MIN_RECORD_SIZE = RECORD_HEADER_SIZE + 4  # + trailing size copy
_U64 = (1 << 64) - 1
_ZEROS = bytes(CHUNK_SIZE)
_FILE_HEADER_FORMAT = "<8sQQQIHHHH"  # magic .. chunk count (bytes 0..44)
_CHUNK_HEADER_FORMAT = "<8sQQQQIIII"  # magic .. records checksum (bytes 0..56)

Status = Literal["ok", "partial"]


def chunk_offset(index: int) -> int:
    """File offset of chunk ``index``."""
    return FILE_HEADER_SIZE + index * CHUNK_SIZE


class NotEvtxError(Exception):
    """The file is not an EVTX log at all (empty, or no ``ElfFile`` header).

    Raised rather than reported because there is nothing to read: the file loop catches it
    and names the file.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"{path}: not an EVTX file: {reason}")
        self.path = str(path)
        self.reason = reason


# --------------------------------------------------------------------------- headers


@dataclass(frozen=True, slots=True)
class FileHeader:
    """The 128 meaningful bytes of the 4096-byte file header."""

    first_chunk: int
    last_chunk: int
    next_record_id: int
    header_size: int
    minor_version: int
    major_version: int
    block_size: int
    chunk_count: int
    flags: int
    checksum: int
    checksum_ok: bool

    @property
    def dirty(self) -> bool:
        """Set while the service has the log open: counts may lag the chunks on disk."""
        return bool(self.flags & 1)

    @property
    def full(self) -> bool:
        return bool(self.flags & 2)


@dataclass(frozen=True, slots=True)
class ChunkHeader:
    """The fixed part of a chunk header (the string/template tables follow it)."""

    magic: bytes
    first_record_number: int
    last_record_number: int
    first_record_id: int
    last_record_id: int
    header_size: int
    last_record_offset: int
    free_space_offset: int
    data_checksum: int
    flags: int
    header_checksum: int


def file_header_crc(header: bytes | bytearray | memoryview) -> int:
    """CRC32 of the first 120 bytes, as stored at offset 124."""
    return zlib.crc32(header[:120])


def chunk_header_crc(chunk: bytes | bytearray | memoryview) -> int:
    """CRC32 of bytes 0..120 and 128..512 (skipping the flags and the checksum itself)."""
    return zlib.crc32(chunk[128:CHUNK_HEADER_SIZE], zlib.crc32(chunk[:120]))


def chunk_data_crc(chunk: bytes | bytearray | memoryview, free_space_offset: int) -> int:
    """CRC32 of the records area, 512 up to the free-space offset."""
    return zlib.crc32(chunk[CHUNK_HEADER_SIZE:free_space_offset])


def parse_file_header(header: bytes | bytearray | memoryview) -> FileHeader:
    """Decode a file header; the caller has checked the magic and that 128 bytes exist."""
    (_magic, first, last, next_id, size, minor, major, block, count) = struct.unpack_from(
        _FILE_HEADER_FORMAT, header)
    flags, checksum = struct.unpack_from("<II", header, 120)
    return FileHeader(first, last, next_id, size, minor, major, block, count, flags, checksum,
                      checksum == file_header_crc(header))


def parse_chunk_header(chunk: bytes | bytearray | memoryview) -> ChunkHeader:
    """Decode the first 128 bytes of a chunk (magic not checked here)."""
    (magic, first_num, last_num, first_id, last_id, size, last_offset, free, data_crc) = (
        struct.unpack_from(_CHUNK_HEADER_FORMAT, chunk))
    flags, header_crc = struct.unpack_from("<II", chunk, 120)
    return ChunkHeader(bytes(magic), first_num, last_num, first_id, last_id, size, last_offset,
                       free, data_crc, flags, header_crc)


def seal_header(header: bytearray) -> None:
    """Recompute the file header CRC in place (after patching counts, say)."""
    struct.pack_into("<I", header, 124, file_header_crc(header))


def seal_chunk(chunk: bytearray) -> None:
    """Recompute a chunk's records CRC and header CRC in place, in that order.

    The records CRC is part of the header, so it must be written before the header CRC.
    """
    free = min(parse_chunk_header(chunk).free_space_offset, len(chunk))
    struct.pack_into("<I", chunk, 52, chunk_data_crc(chunk, max(free, CHUNK_HEADER_SIZE)))
    struct.pack_into("<I", chunk, 124, chunk_header_crc(chunk))


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class RecordFrame:
    """Where one record sits in its chunk; its BinXML is bytes [offset+24, offset+size-4)."""

    offset: int
    size: int
    record_id: int
    written_time: int  # FILETIME ticks


def walk_records(chunk: bytes | bytearray | memoryview, end: int) -> tuple[list[RecordFrame], int]:
    """Follow record framing from 512 up to ``end``: magic, size, size copy.

    Returns the intact records and the offset where the walk stopped (``end`` when every
    record is whole). Framing is all that is checked; BinXML is the parsers' business.
    """
    frames: list[RecordFrame] = []
    offset = CHUNK_HEADER_SIZE
    end = min(end, len(chunk))
    while offset + _MIN_RECORD_SIZE <= end:
        magic, size, record_id, written = struct.unpack_from("<4sIQQ", chunk, offset)
        if magic != RECORD_MAGIC or size < _MIN_RECORD_SIZE or offset + size > end:
            break
        if struct.unpack_from("<I", chunk, offset + size - 4)[0] != size:
            break
        frames.append(RecordFrame(offset, size, record_id, written))
        offset += size
    return frames, offset


# --------------------------------------------------------------------------- inspect


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

    path: str
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


def _where(index: int, offset: int) -> str:
    return f"chunk {index} at offset {offset:#x}"


def _starts_with(data: bytes) -> str:
    return repr(data[:8])[:-1] + "...'"


def _check_chunk(index: int, offset: int, data: memoryview, claimed: bool,
                 problems: list[str]) -> ChunkInfo:
    """Judge one chunk; ``claimed`` says whether the file header counts it as in use."""
    size = len(data)
    where = _where(index, offset)
    if size < CHUNK_HEADER_SIZE or bytes(data[:8]) != CHUNK_MAGIC:
        empty = data == _ZEROS[:size]
        if size >= 8 and bytes(data[:8]) != CHUNK_MAGIC and (claimed or not empty):
            found = "all zero" if empty else f"starts with {_starts_with(bytes(data[:8]))}"
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
    if size == CHUNK_SIZE and free_ok and stopped + _MIN_RECORD_SIZE <= free:
        problems.append(f"{where}: record framing breaks at chunk offset {stopped:#x} "
                        f"after {len(frames)} records")
    expected = header.last_record_number - header.first_record_number + 1
    if size == CHUNK_SIZE and free_ok and stopped >= free and len(frames) != expected:
        problems.append(f"{where}: header says {expected} records, {len(frames)} found")
    bad_chains = _table_chain_faults(data, size)
    for fault in bad_chains:
        problems.append(f"{where}: {fault}")
    return ChunkInfo(index, offset, size, True, False, header_ok, data_ok,
                     header.first_record_id, header.last_record_id, len(frames), not bad_chains)


_U32 = struct.Struct("<I").unpack_from
_TABLE_HEADS = struct.Struct("<96I").unpack_from


def _table_chain_faults(chunk: bytes | bytearray | memoryview, end: int,
                        fix: bytearray | None = None) -> list[str]:
    """Faults in the chunk's string (64) and template (32) hash chains, in words.

    Each table entry starts a chain through the entries' next-offsets, which pyevtx-rs
    follows until it reads 0 when it loads a chunk: a chain that loops (one flipped bit
    can do it) hangs it for good, holding the GIL; and it resolves names through that
    cache, so a chain cut short costs it the records that use the names it held. Windows
    prepends each new entry, so a chain runs to strictly lower offsets inside the records
    area (true of every chunk in the public samples); anything else is a fault. With
    ``fix``, each faulty chain is linked again in ``fix`` from the definitions found in the
    chunk (see ``_relink_chains``). About 50 us a chunk without faults.
    """
    faults: list[str] = []
    bad: set[int] = set()
    heads = _TABLE_HEADS(chunk, 128)
    for bucket in range(96):
        off = heads[bucket]
        if not off:
            continue
        room = 8 if bucket < 64 else 24
        link = 128 + 4 * bucket  # where the pointer to ``off`` is stored
        while off:
            if not CHUNK_HEADER_SIZE <= off <= end - room:
                why = f"points outside the records (offset {off:#x})"
            else:
                nxt = _U32(chunk, off)[0]
                if nxt < off:
                    link, off = off, nxt
                    continue
                why = f"loops (offset {off:#x} leads to {nxt:#x})"
            kind, n = ("string", bucket) if bucket < 64 else ("template", bucket - 64)
            faults.append(f"{kind} table chain {n} {why}: linked again from the "
                          f"definitions in the chunk")
            bad.add(bucket)
            break
    if fix is not None and bad:
        _relink_chains(fix, end, bad)
    return faults


def _relink_chains(chunk: bytearray, end: int, buckets: set[int]) -> None:
    """Link the given table buckets (0-63 strings, 64-95 templates) again, as Windows links
    them: every inline definition of the bucket found in [512, end), newest at the head,
    each pointing to the one before. Only next-offsets change, which BinXML never reads."""
    view = memoryview(chunk)
    found: dict[int, list[int]] = {b: [] for b in buckets}
    strings = any(b < 64 for b in buckets)
    templates = any(b >= 64 for b in buckets)
    for p in range(CHUNK_HEADER_SIZE + 4, end):
        if _U32(chunk, p - 4)[0] != p:  # an inline definition follows a reference to itself
            continue
        if strings:
            b = _string_definition_at(view, p, end, check_next=False)
            if b in found:
                found[b].append(p)
        if templates:
            b = _template_definition_at(view, p, end, check_next=False)
            if b is not None and b + 64 in found:
                found[b + 64].append(p)
    view.release()
    for bucket, offsets in found.items():
        prev = 0
        for p in offsets:
            struct.pack_into("<I", chunk, p, prev)
            prev = p
        struct.pack_into("<I", chunk, 128 + 4 * bucket, prev)


def _glance_chunk(f: io.BufferedReader, index: int, offset: int) -> ChunkInfo | None:
    """A whole chunk outside the range being checked: its header only, when the magic is
    there (None: read and check it in full).  Leaves ``f`` after the chunk."""
    f.seek(offset)
    head = f.read(40)
    f.seek(offset + CHUNK_SIZE)
    if len(head) < 40 or head[:8] != CHUNK_MAGIC:
        return None
    first_num, last_num, first_id, last_id = struct.unpack_from("<QQQQ", head, 8)
    records = last_num - first_num + 1 if last_num >= first_num else 0
    return ChunkInfo(index, offset, CHUNK_SIZE, True, False, True, True, first_id, last_id,
                     records)


def _read_file_header(path: str | os.PathLike[str], f: io.BufferedReader, size: int) -> bytes:
    if size == 0:
        raise NotEvtxError(path, "empty file")
    head = f.read(FILE_HEADER_SIZE)
    if head[:8] != FILE_MAGIC:
        f.seek(FILE_HEADER_SIZE)
        if len(head) == FILE_HEADER_SIZE and f.read(8) == CHUNK_MAGIC:
            return head  # the header is damaged but chunks follow: inspect goes on
        raise NotEvtxError(path, f"no ElfFile header (starts with {_starts_with(head)})")
    if len(head) < 128:
        raise NotEvtxError(path, f"file header cut short: {len(head)} of 128 bytes")
    return head


def synthetic_file_header(chunk_count: int, next_record_id: int = 0) -> bytes:
    """A valid file header for ``chunk_count`` chunks (both parsers need one to start)."""
    head = bytearray(FILE_HEADER_SIZE)
    struct.pack_into(_FILE_HEADER_FORMAT, head, 0, FILE_MAGIC, 0, max(chunk_count - 1, 0),
                     next_record_id, 128, 1, 3, FILE_HEADER_SIZE, min(chunk_count, 0xFFFF))
    seal_header(head)
    return bytes(head)


def inspect(path: str | os.PathLike[str], chunks: range | None = None,
            hasher=None) -> Layout:
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
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = _read_file_header(path, f, size)
        if hasher is not None:
            hasher.update(head)
        synthetic = None
        if head[:8] != FILE_MAGIC:
            synthetic = synthetic_file_header((size - FILE_HEADER_SIZE) // CHUNK_SIZE)
            lost_head, head = head, synthetic
        header = parse_file_header(head)
        layout = Layout(str(path), size, header, synthetic_header=synthetic)
        problems = layout.problems
        if synthetic is not None:
            problems.append(f"no ElfFile header (starts with {_starts_with(lost_head)}) but a chunk "
                            f"follows it: the chunks are read with a stand-in header")
        elif not header.checksum_ok:
            problems.append(f"file header checksum mismatch (stored {header.checksum:#010x}, "
                            f"computed {file_header_crc(head):#010x})")
        if synthetic is None and (header.header_size != 128 or header.block_size != FILE_HEADER_SIZE
                                  or header.major_version != 3):
            problems.append(f"unexpected file header: size {header.header_size}, block size "
                            f"{header.block_size}, version {header.major_version}.{header.minor_version}")
        if size < FILE_HEADER_SIZE:
            problems.append(f"file is {size} bytes, shorter than its {FILE_HEADER_SIZE}-byte header")
            return layout

        f.seek(FILE_HEADER_SIZE)
        buf = bytearray(CHUNK_SIZE)
        view = memoryview(buf)
        index = 0
        whole_chunks = (size - FILE_HEADER_SIZE) // CHUNK_SIZE
        while True:
            offset = FILE_HEADER_SIZE + index * CHUNK_SIZE
            if chunks is not None and index not in chunks and index < whole_chunks:
                info = _glance_chunk(f, index, offset)
                if info is not None:
                    layout.chunks.append(info)
                    index += 1
                    continue
                f.seek(offset)
            got = f.readinto(buf)
            if not got:
                break
            if hasher is not None:
                hasher.update(view[:got])
            layout.chunks.append(_check_chunk(index, offset, view[:got], index < header.chunk_count, problems))
            index += 1
            if got < CHUNK_SIZE:
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


# --------------------------------------------------------------------------- chunk ranges


class ChunkRangeView(io.RawIOBase):
    """Chunks [start, stop) of an EVTX file, presented as a complete EVTX file.

    Why: to split a multi-GB log across workers without copying it. Each worker gets a
    view whose first 4096 bytes are the original file header patched in memory (chunk
    count, first/last chunk number, CRC) and whose remaining bytes are read lazily from the
    original file. pyevtx-rs accepts it as a file-like object; python-evtx needs a buffer,
    so give it ``view.read()`` (one range in memory) or, better, its own ``ChunkHeader`` on
    an mmap of the original file.
    """

    def __init__(self, path: str | os.PathLike[str], start: int, stop: int, *,
                 patches: dict[int, bytes] | None = None, header: bytes | None = None) -> None:
        """``patches`` replaces whole chunks (by file chunk index) in what readers see, and
        ``header`` the file header (``assess`` and ``inspect`` supply both); the file on
        disk is only ever read."""
        super().__init__()
        self._file = open(path, "rb")
        try:
            size = os.fstat(self._file.fileno()).st_size
            header = bytearray(header or self._file.read(FILE_HEADER_SIZE))
            if header[:8] != FILE_MAGIC or len(header) < FILE_HEADER_SIZE:
                raise NotEvtxError(path, "no complete ElfFile header")
            available = max(0, -(-(size - FILE_HEADER_SIZE) // CHUNK_SIZE))
            if not 0 <= start < stop <= available:
                raise ValueError(f"chunk range [{start}, {stop}) outside the {available} chunks of {path}")
        except BaseException:
            self._file.close()
            raise
        struct.pack_into("<QQ", header, 8, 0, stop - start - 1)
        struct.pack_into("<H", header, 42, min(stop - start, 0xFFFF))  # parsers read on anyway
        seal_header(header)
        self._header = bytes(header)
        self._patches = {i - start: bytes(c) for i, c in (patches or {}).items() if start <= i < stop}
        self._base = FILE_HEADER_SIZE + start * CHUNK_SIZE
        self._length = min(size, FILE_HEADER_SIZE + stop * CHUNK_SIZE) - self._base + FILE_HEADER_SIZE
        self._pos = 0
        self.start, self.stop = start, stop

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:  # noqa: ANN001 - any writable buffer
        if self.closed:
            raise ValueError("I/O operation on closed file")
        out = memoryview(buffer).cast("B")
        want = min(len(out), max(0, self._length - self._pos))
        done = 0
        if want and self._pos < FILE_HEADER_SIZE:
            n = min(want, FILE_HEADER_SIZE - self._pos)
            out[:n] = self._header[self._pos:self._pos + n]
            done = n
        if done < want:
            self._file.seek(self._base + self._pos + done - FILE_HEADER_SIZE)
            done += self._file.readinto(out[done:want]) or 0
        if self._patches and done:
            self._overlay(out, self._pos, done)
        self._pos += done
        return done

    def _overlay(self, out: memoryview, pos: int, n: int) -> None:
        """Put patched chunks over the bytes just read at view position ``pos``."""
        first = max(0, (pos - FILE_HEADER_SIZE) // CHUNK_SIZE)
        last = (pos + n - 1 - FILE_HEADER_SIZE) // CHUNK_SIZE
        for rel in range(first, last + 1):
            chunk = self._patches.get(rel)
            if chunk is None:
                continue
            at = FILE_HEADER_SIZE + rel * CHUNK_SIZE
            lo, hi = max(pos, at), min(pos + n, at + CHUNK_SIZE)
            if lo < hi:
                out[lo - pos:hi - pos] = chunk[lo - at:hi - at]

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


# --------------------------------------------------------------------------- recovery


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


def name_hash(name: str) -> int:
    """The string-table hash: x65599 over UTF-16 code units, 32-bit; bucket is ``% 64``.

    The fixture writer uses this one too; tests on real logs check it against what
    Windows wrote.
    """
    value = 0
    for unit in memoryview(name.encode("utf-16-le")).cast("H"):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value


def template_bucket(guid: bytes) -> int:
    """Template-table bucket: the same hash over the GUID's eight 16-bit words, ``% 32``."""
    value = 0
    for unit in struct.unpack("<8H", guid):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value % 32


def _string_definition_at(data: memoryview, p: int, end: int, check_next: bool = True) -> int | None:
    """Bucket of a valid inline name definition at ``p``, else None."""
    if p + 10 > end:
        return None
    next_offset, stored_hash, count = struct.unpack_from("<IHH", data, p)
    stop = p + 8 + 2 * count
    if (not count or (check_next and next_offset >= p) or stop + 2 > end
            or bytes(data[stop:stop + 2]) != b"\0\0"):
        return None
    try:
        full = name_hash(bytes(data[p + 8:stop]).decode("utf-16-le"))
    except UnicodeDecodeError:
        return None
    return full % 64 if full & 0xFFFF == stored_hash else None


def _template_definition_at(data: memoryview, p: int, end: int, check_next: bool = True) -> int | None:
    """Bucket of a valid inline template definition at ``p``, else None."""
    if p < 10 or p + 28 > end or data[p - 10] != 0x0C:
        return None
    next_offset, = struct.unpack_from("<I", data, p)
    template_id, = struct.unpack_from("<I", data, p - 8)
    size, = struct.unpack_from("<I", data, p + 20)
    if ((check_next and next_offset >= p) or template_id != struct.unpack_from("<I", data, p + 4)[0]
            or p + 24 + size > end or bytes(data[p + 24:p + 28]) != b"\x0f\x01\x01\x00"):
        return None
    return template_bucket(bytes(data[p + 4:p + 20]))


def _rebuild_tables(chunk: memoryview, end: int) -> tuple[list[int], list[int]]:
    """String and template table heads as they were when the chunk ended at ``end``.

    Heads before ``end`` are kept. A head past the cut hides its bucket's older entries
    (its next-pointer is lost), so for those buckets we find the newest definition before
    the cut: inline definitions are the only places where an offset field points at the
    very next byte, and we also check the stored hash, so stray matches do not survive.
    """
    strings = list(struct.unpack_from("<64I", chunk, 128))
    templates = list(struct.unpack_from("<32I", chunk, 384))
    lost_strings = {i for i, head in enumerate(strings) if head >= end}
    lost_templates = {i for i, head in enumerate(templates) if head >= end}
    for i in lost_strings:
        strings[i] = 0
    for i in lost_templates:
        templates[i] = 0
    if lost_strings or lost_templates:
        for p in range(CHUNK_HEADER_SIZE + 4, end):
            if struct.unpack_from("<I", chunk, p - 4)[0] != p:
                continue
            bucket = _string_definition_at(chunk, p, end)
            if bucket in lost_strings and p > strings[bucket]:
                strings[bucket] = p
            bucket = _template_definition_at(chunk, p, end)
            if bucket in lost_templates and p > templates[bucket]:
                templates[bucket] = p
    return strings, templates


def recover_truncated_chunk(partial: bytes | bytearray | memoryview, file_header: bytes) -> RecoveredChunk | None:
    """Keep the whole records of a chunk cut mid-way, as a file both parsers will read.

    Both parsers drop a short chunk outright, losing records that are intact. Records only
    reference strings and templates defined earlier in the same chunk, so cutting after the
    last whole record leaves every kept record valid. We pad to 64 KiB, set the last record
    number/id/offset and the free space offset, rebuild the string/template table heads that
    pointed past the cut (python-evtx resolves names only through these tables), and reseal
    both CRCs.
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
    strings, templates = _rebuild_tables(partial, kept_end)
    struct.pack_into("<64I", chunk, 128, *strings)
    struct.pack_into("<32I", chunk, 384, *templates)
    struct.pack_into("<QQQQ", chunk, 8, header.first_record_number,
                     (header.first_record_number + len(frames) - 1) & _U64, frames[0].record_id,
                     last.record_id)
    struct.pack_into("<II", chunk, 44, last.offset, kept_end)
    _table_chain_faults(chunk, kept_end, fix=chunk)  # a looping chain hangs pyevtx-rs
    seal_chunk(chunk)

    head = bytearray(file_header[:FILE_HEADER_SIZE].ljust(FILE_HEADER_SIZE, b"\0"))
    struct.pack_into("<QQQ", head, 8, 0, 0, (last.record_id + 1) & _U64)  # ids are evidence: any value
    struct.pack_into("<H", head, 42, 1)
    seal_header(head)
    return RecoveredChunk(bytes(head) + bytes(chunk), len(frames), frames[0].record_id,
                          last.record_id, len(partial), stopped)


def recover_truncated_chunk_from_file(path: str | os.PathLike[str],
                                      layout: Layout | None = None) -> RecoveredChunk | None:
    """Recover the whole records of a file's last chunk if the file was cut inside it.

    Pass the ``Layout`` from ``inspect`` to save a second look at the file size. Reads only
    the file header and the cut chunk.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if layout is not None:
            tail = layout.truncated_tail
            start = tail.offset if tail is not None else None
        else:
            extra = (size - FILE_HEADER_SIZE) % CHUNK_SIZE if size > FILE_HEADER_SIZE else 0
            start = size - extra if extra else None
        if start is None:
            return None
        header = f.read(FILE_HEADER_SIZE)
        if header[:8] != FILE_MAGIC:
            return None
        f.seek(start)
        recovered = recover_truncated_chunk(f.read(CHUNK_SIZE), header)
    return None if recovered is None else replace(recovered, chunk_file_offset=start)


# --------------------------------------------------------------------------- damage assessment


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


def _frame_at(chunk: bytes | bytearray | memoryview, pos: int, end: int) -> RecordFrame | None:
    """A record as pyevtx-rs accepts it: magic and a size within the chunk (neither the
    size copy nor the free space offset is checked: a record that starts before the free
    space offset is read whole)."""
    if pos + RECORD_HEADER_SIZE > end:
        return None
    magic, size, record_id, written = struct.unpack_from("<4sIQQ", chunk, pos)
    if magic != RECORD_MAGIC or size < _MIN_RECORD_SIZE or pos + size > end:
        return None
    return RecordFrame(pos, size, record_id, written)


def _resync(chunk: bytes | bytearray | memoryview, pos: int, end: int,
            ids: range | None) -> int | None:
    """Offset of the next certain record in [pos, end): 8-byte aligned, magic, a size whose
    copy closes it, and (when the chunk header's id range is sane) an id in that range, so
    a record left from an earlier use of the chunk is not taken for one of this chunk."""
    data = bytes(chunk[:end]) if not isinstance(chunk, bytes) else chunk
    pos = (pos + 7) & ~7
    while True:
        pos = data.find(RECORD_MAGIC, pos, end)
        if pos < 0:
            return None
        if pos % 8 == 0 and pos + _MIN_RECORD_SIZE <= end:
            _magic, size, record_id, _written = struct.unpack_from("<4sIQQ", data, pos)
            if (_MIN_RECORD_SIZE <= size <= end - pos
                    and struct.unpack_from("<I", data, pos + size - 4)[0] == size
                    and (ids is None or record_id in ids)):
                return pos
        pos += 1


def _sane_ids(header: ChunkHeader) -> range | None:
    first, last = header.first_record_id, header.last_record_id
    if first <= last and last - first < CHUNK_SIZE // _MIN_RECORD_SIZE:
        return range(first, last + 1)
    return None


def _count_signatures(chunk: bytes | bytearray | memoryview) -> int:
    """Whole records anywhere in a chunk, by signature and size copy (a bad chunk's count)."""
    data = bytes(chunk)
    n = pos = 0
    end = len(data)
    while True:
        pos = _resync(data, pos, end, None)
        if pos is None:
            return n
        n += 1
        pos += struct.unpack_from("<I", data, pos + 4)[0]


def _clamp_lost(gap: int, nbytes: int) -> int:
    """Records lost in ``nbytes``: the id gap when plausible, else at least one."""
    return max(1, min(gap, nbytes // _MIN_RECORD_SIZE))


def _assess_chunk(info: ChunkInfo, data: bytes, claimed: bool,
                  findings: list[Finding]) -> bytes | None:
    """Findings for one damaged whole chunk and the bytes readers should see (None: as is)."""
    where = _where(info.index, info.offset)
    at = info.offset
    if not info.magic_ok:
        if info.empty:  # ``assess`` counts runs of zeroed chunks
            return None
        header = parse_chunk_header(data)
        ids = _sane_ids(header)
        free = header.free_space_offset
        frames = _walk_all(data, free if CHUNK_HEADER_SIZE <= free <= CHUNK_SIZE else CHUNK_SIZE, ids)[0]
        n = len(frames) or _count_signatures(data)
        if not n and not claimed:
            # past the header's count and no record in it: bytes the file held before the
            # log grew into them, not a chunk whose records we lose
            findings.append(Finding(f"{where}: not a chunk (starts with {_starts_with(data[:8])}) "
                                    f"and no record in it, past the {info.index} chunks the file "
                                    f"header counts: left aside", at, info.index))
            return _ZEROS
        count = f"{n} records in it lost" if n else "its records are lost (how many is unknown)"
        findings.append(Finding(f"{where}: bad magic (starts with {_starts_with(data[:8])}); "
                                f"chunk skipped, {count}", at, info.index, max(n, 1)))
        return _ZEROS

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
        whole = _frame_at(data, last_at, CHUNK_SIZE)
        if whole is not None:
            findings.append(Finding(f"{where}: free space offset {free:#x} is before the last record "
                                    f"(at chunk offset {last_at:#x}); records read up to its end",
                                    at, info.index))
            free = last_at + whole.size
    ids = _sane_ids(header)
    frames, holes, stopped = _walk_all(data, free, ids)
    patched = bytearray(data)
    for fault in _table_chain_faults(data, CHUNK_SIZE, fix=patched):
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
            return _ZEROS
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
        struct.pack_into("<I", patched, 48, stopped)
    if stopped < free:
        rest = bytes(data[stopped:free])
        last = frames[-1] if frames else None
        gap = (header.last_record_id - last.record_id) if (last and ids) else 0
        if not frames:
            findings.append(Finding(f"{where}: no record where the first should be (chunk offset "
                                    f"{stopped:#x}); the chunk's records cannot be read",
                                    at + stopped, info.index, max(len(ids) if ids else 1, 1)))
            return _ZEROS
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
        struct.pack_into("<Q", patched, 16, (header.first_record_number + len(frames) - 1) & _U64)
        ids_seen = [f.record_id for f in frames]
        if ids_seen.index(last.record_id) == len(ids_seen) - 1:
            struct.pack_into("<Q", patched, 32, last.record_id)
        elif header.last_record_id in ids_seen[:-1]:
            struct.pack_into("<Q", patched, 32, (max(ids_seen) + 1) & _U64)
        struct.pack_into("<II", patched, 44, last.offset, stopped)
    for f in frames:
        if struct.unpack_from("<I", data, f.offset + f.size - 4)[0] != f.size and f.offset + f.size <= stopped:
            findings.append(Finding(f"{where}: record {f.record_id} at chunk offset {f.offset:#x} does not "
                                    f"end with its size (partly written?); read as it is",
                                    at + f.offset, info.index))
    if bytes(patched) == bytes(data):
        return None
    seal_chunk(patched)
    return bytes(patched)


def _walk_all(data: bytes | bytearray | memoryview, free: int,
              ids: range | None) -> tuple[list[RecordFrame], list[tuple[int, int]], int]:
    """Records as the parsers frame them, past holes: (frames, holes, where the walk ended)."""
    frames: list[RecordFrame] = []
    holes: list[tuple[int, int]] = []
    pos = CHUNK_HEADER_SIZE
    end = len(data)
    while pos < free and pos + RECORD_HEADER_SIZE <= end:
        frame = _frame_at(data, pos, end)
        nxt = None
        if frame is not None and struct.unpack_from("<I", data, pos + frame.size - 4)[0] != frame.size:
            # no size copy where the size says: a partly written record, or a wrong size
            # field hiding whole records behind it
            nxt = _resync(data, pos + 1, free, ids)
            if nxt is not None and nxt >= pos + frame.size:
                nxt = None
            else:
                frame = None if nxt is not None else frame
        if frame is not None:
            frames.append(frame)
            pos += frame.size
            continue
        nxt = nxt if nxt is not None else _resync(data, pos + 1, free, ids)
        if nxt is None:
            break
        holes.append((pos, nxt))
        pos = nxt
    return frames, holes, pos


def assess(path: str | os.PathLike[str], layout: Layout, chunks: range | None = None, *,
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
            if 0 < gap <= missing * (CHUNK_SIZE // _MIN_RECORD_SIZE):
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
        with open(path, "rb") as f:
            for c in todo:
                f.seek(c.offset)
                data = f.read(CHUNK_SIZE)
                patch = _assess_chunk(c, data, c.index < header.chunk_count, findings)
                if patch is not None:
                    repair.patches[c.index] = patch
    findings += _zeroed_runs(layout, chunks)
    cut = layout.truncated_tail
    if tail and cut is not None:
        findings.append(_cut_finding(path, cut))
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
        if 0 < gap <= n * (CHUNK_SIZE // _MIN_RECORD_SIZE):
            what, lost = f"{gap} records lost (counted from the record ids around {'it' if n == 1 else 'them'})", gap
        else:
            what, lost = "their records are lost (how many is unknown)", n
        out.append(Finding(f"{name} at offset {first.offset:#x}: all zero although the file header "
                           f"counts {'it' if n == 1 else 'them'}: {what}", first.offset, first.index, lost))
    return out


def _cut_finding(path: str | os.PathLike[str], cut: ChunkInfo) -> Finding:
    """What the truncation of the last chunk cost (the records before the cut are recovered)."""
    where = f"last chunk (chunk {cut.index} at offset {cut.offset:#x}) cut after {cut.size} of {CHUNK_SIZE} bytes"
    if cut.empty:
        return Finding(f"{where}; it was all zero", cut.offset + cut.size, cut.index)
    if not cut.magic_ok:
        return Finding(f"{where}, and its header is incomplete or damaged: its records are lost",
                       cut.offset + cut.size, cut.index, 1)
    with open(path, "rb") as f:
        f.seek(cut.offset)
        data = f.read(cut.size)
    header = parse_chunk_header(data)
    end = min(cut.size, header.free_space_offset) if header.free_space_offset >= CHUNK_HEADER_SIZE else cut.size
    frames, stopped = walk_records(data, end)
    ids = _sane_ids(header)
    if frames and ids and header.last_record_id == frames[-1].record_id and header.free_space_offset <= stopped:
        return Finding(f"{where}: every record the chunk header names is before the cut",
                       cut.offset + cut.size, cut.index)
    gap = header.last_record_id - frames[-1].record_id if (frames and ids) else 0
    lost = _clamp_lost(max(gap, 1), CHUNK_SIZE - stopped)
    return Finding(f"{where}: {len(frames)} whole records before the cut are recovered, "
                   f"{lost} record{'s' if lost != 1 else ''} at and after the cut lost",
                   cut.offset + stopped, cut.index, lost)


def locate_records(path: str | os.PathLike[str], layout: Layout, record_ids: set[int],
                   patches: dict[int, bytes] | None = None) -> dict[int, tuple[int, int]]:
    """(file offset, chunk index) of records by id (for parser errors that name only the record)."""
    found: dict[int, tuple[int, int]] = {}
    want = set(record_ids)
    candidates = [c for c in layout.chunks if c.magic_ok and c.complete
                  and c.first_record_id is not None and c.last_record_id is not None
                  and any(c.first_record_id <= i <= c.last_record_id for i in want)]
    if not candidates:
        return found
    with open(path, "rb") as f:
        for c in candidates:
            data = (patches or {}).get(c.index)
            if data is None:
                f.seek(c.offset)
                data = f.read(CHUNK_SIZE)
            free = parse_chunk_header(data).free_space_offset
            for frame in _walk_all(data, min(max(free, CHUNK_HEADER_SIZE), CHUNK_SIZE), None)[0]:
                if frame.record_id in want and frame.record_id not in found:
                    found[frame.record_id] = (c.offset + frame.offset, c.index)
            if want <= found.keys():
                break
    return found
