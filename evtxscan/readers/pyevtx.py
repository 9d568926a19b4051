"""Pure-Python backend (``python-evtx``): a template-aware prefilter over our own BinXML decoder.

Why not ``record.xml()`` from python-evtx for every record: python-evtx parses a record's
template again for every record and renders the whole XML (measured 135 records/s on
security.evtx), although most records of a Security or Sysmon log are not wanted.
Templates are shared by most records of a chunk, so each template is compiled once per
chunk into a small tree (``binxml``), noting where System/EventID and
System/Provider/@Name are.  For each record we read only the record header, the
substitution descriptors and one or two values (about 45,000 records/s).  Only wanted
records are instantiated in full.  So a record that is not wanted counts as read when its
header, template and those values parse; its EventData is not looked at.  The backend
keeps its historical name; it no longer calls the python-evtx library.

Wanted records are rendered the way pyevtx-rs renders them (``binxml.json_model``) and
then mapped as ``rust.from_json`` maps them, so both backends give equal ``RawRecord``
values.  Where the two libraries render a value differently, we follow pyevtx-rs:
- GUIDs: ``94F748D5-4A45-...``, uppercase without braces (python-evtx and Windows' XML:
  ``{94f748d5-4a45-...}``).
- HexInt32/64: ``0x3e7``, as Windows writes them (python-evtx pads to 8/16 digits).
- size_t: hex, ``0x4`` (python-evtx: decimal).
- bool: ``true``/``false``; a bool stored as neither 0 nor 1 keeps its number
  (python-evtx: ``True``/``False``).
- FILETIME/SYSTEMTIME values: ``2019-03-08T23:23:05.000000Z`` (python-evtx:
  ``2019-03-08 23:23:05``).
- binary: uppercase hex (python-evtx: base64).
- floats: shortest round-trip digits, ``1.5e-7`` / ``1e+16`` (python-evtx: ``repr``).
- string arrays: the element is repeated once per item (MS-EVEN6 array expansion);
  python-evtx renders ``<string>..</string>`` markup as the text.
- UTF-16 strings: cut at the first NUL, lone surrogates dropped (python-evtx raises on a
  lone surrogate and loses the record).  Control characters such as ``\\x03`` and
  ``\\x1b`` are kept.  ANSI strings lose every NUL, not only the last.
``report.stats`` gets the record header's timestamp, as from the rust backend.

python-evtx limits that we work around:
- ``Evtx.chunks()`` stops at the chunk count in the file header, which lags on
  live or dirty logs (measured: 41 of 358 records of a Sysmon log).  We walk the 64 KiB
  chunks by offset up to the end of the file.  An all-zero chunk is preallocated space,
  not damage.
- It stops a chunk at the first bad record.  It raises on a template that has a NULL
  value node, and on a name that is not in the chunk's string table.  We read names at
  their offset, count each bad record with its file offset, and go on with the next.
  Records are framed by ``evtxscan.evtx.walk`` (the walk ``assess`` measures damage
  with): after a bad record header we go on at the next record of the chunk, where
  pyevtx-rs ends the chunk.
"""

from __future__ import annotations

import io
import mmap
import os
import stat
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import BinaryIO

from ..evtx.format import (
    CHUNK_HEADER_SIZE,
    CHUNK_MAGIC,
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    RECORD_HEADER,
    RECORD_HEADER_SIZE,
    RECORD_MAGIC,
    ZERO_CHUNK,
    chunk_offset,
    parse_chunk_header,
)
from ..evtx.stream import size_of
from ..evtx.walk import Hole, walk_chunk
from ..records import FileReport, RawRecord, is_wanted
from .binxml.chunk import ChunkDecoder
from .binxml.fragment import parse_fragment
from .binxml.json_model import record_json
from .binxml.nodes import BadRecord
from .binxml.prefilter import prefilter
from .binxml.values import EPOCH_1601
from .common import from_json

_RECORD = RECORD_HEADER.unpack_from


def read_records(stream: BinaryIO, report: FileReport, *, threads: int = 1,
                 recovered: bool = False) -> Iterator[RawRecord]:
    """Yield the wanted records of one EVTX stream; count every record into ``report``.

    The stream is memory-mapped read-only when it is a whole plain file, else read into
    memory (a chunk range view, a re-framed recovered chunk, a file inside an image).
    Chunks are found by offset, not by the file header's count.  A bad chunk or record is
    counted in ``report.skipped``/``report.errors`` with its absolute offset, and the walk
    goes on.  A trailing partial chunk is counted, not read (recovery is
    ``evtx.recover``'s job).  A file with neither a valid file header nor any valid chunk
    raises ``ValueError``.  ``threads`` is ignored: this reader is one thread.
    """
    buf, release = _bytes_of(stream)
    try:
        yield from _walk(buf, report, recovered)
    finally:
        release()


def _bytes_of(stream: BinaryIO) -> tuple[bytes | mmap.mmap, Callable[[], None]]:
    """The stream's bytes as a buffer, and how to release it: a read-only memory map when
    the stream is a whole plain file (no copy of a multi-GB log), else its content read."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        fd = None
    if fd is not None:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_size and size_of(stream) == st.st_size:
            mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            return mm, mm.close
    stream.seek(0)
    return stream.read(), lambda: None


def _walk(buf, report: FileReport, recovered: bool) -> Iterator[RawRecord]:
    size = len(buf)
    if size < FILE_HEADER_SIZE:
        raise ValueError(f"not an EVTX file: {size} bytes, shorter than the file header")
    header_ok = buf[:8] == FILE_MAGIC
    if not header_ok:
        if size < FILE_HEADER_SIZE + CHUNK_SIZE:
            raise ValueError("not an EVTX file: bad file header magic")
        report.note("bad file header magic; chunks read by offset", offset=0)
    full, tail = divmod(max(size - FILE_HEADER_SIZE, 0), CHUNK_SIZE)
    structs: dict = {}
    seconds: dict = {}
    any_chunk = False
    for index in range(full):
        off = chunk_offset(index)
        if buf[off:off + 8] != CHUNK_MAGIC:
            if buf[off:off + CHUNK_SIZE] == ZERO_CHUNK:
                continue  # never written (a new log is preallocated): nothing is lost
            report.skipped += 1
            report.error("bad chunk magic", offset=off, chunk=index)
            continue
        any_chunk = True
        try:
            yield from _walk_chunk(ChunkDecoder(buf, off, index, structs), report, recovered,
                                   seconds)
        except Exception as exc:  # noqa: BLE001 - a broken chunk must not end the file
            report.skipped += 1
            report.error(f"chunk unreadable: {type(exc).__name__}: {exc}"[:300],
                         offset=off, chunk=index)
    if tail:
        report.skipped += 1
        report.error(f"truncated chunk: {tail} of {CHUNK_SIZE} bytes",
                     offset=chunk_offset(full), chunk=full)
    if not header_ok and not any_chunk:
        raise ValueError("not an EVTX file: bad file header magic and no valid chunk")


def _walk_chunk(ck: ChunkDecoder, report: FileReport, recovered: bool,
                seconds: dict) -> Iterator[RawRecord]:
    buf, base, index = ck.buf, ck.off, ck.index
    header = parse_chunk_header(buf[base:base + CHUNK_HEADER_SIZE])
    free = min(header.free_space_offset, CHUNK_SIZE)
    last_id = header.last_record_id
    stats = report.stats
    for frame in walk_chunk(buf, free, range(header.first_record_id, last_id + 1), base):
        if type(frame) is Hole:
            if not _bad_header(frame, buf, base, free, index, report):
                break
            continue
        offset, size, record_id, written = frame
        at = base + offset
        last = record_id == last_id  # the chunk header's last record ends the chunk
        try:
            event_id, provider, doc = prefilter(ck, at + RECORD_HEADER_SIZE, at + size - 4)
            wanted = event_id is not None and provider is not None and is_wanted(provider,
                                                                                   event_id)
            raw = None
            if wanted:
                if doc is None:
                    doc = record_json(parse_fragment(ck, at + RECORD_HEADER_SIZE, at + size - 4,
                                                     template=False))
                try:
                    raw = from_json(doc, record_id, recovered)
                except (ValueError, KeyError, TypeError) as exc:  # as rust.read_records
                    raise BadRecord(f"unreadable JSON ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - one bad record must not end the chunk
            report.skipped += 1
            report.error(f"record {record_id}: {type(exc).__name__}: {exc}"[:300],
                         offset=at, chunk=index, record_id=record_id)
            if last:
                break
            continue
        report.records += 1
        sec, frac = divmod(written, 10_000_000)
        stamp = seconds.get(sec)
        if stamp is None:
            try:
                stamp = f"{EPOCH_1601 + timedelta(seconds=sec):%Y-%m-%dT%H:%M:%S}"
            except OverflowError:
                stamp = ""
            seconds[sec] = stamp
        stats.add(record_id, f"{stamp}.{frac // 10:06d}Z" if stamp else "", event_id, provider)
        if raw is not None:
            stats.add_identity(raw.channel, raw.computer)
            yield raw
        if last:
            break


def _bad_header(hole: Hole, buf, base: int, free: int, index: int, report: FileReport) -> bool:
    """Count the record header at a hole in the framing; True when the walk goes on after it.

    pyevtx-rs ends the chunk here.  The chunk header promises records up to ``free``: the
    walk looks for the next one of this chunk and goes on from there.
    """
    pos = hole.start
    at = base + pos
    report.skipped += 1
    if pos + RECORD_HEADER_SIZE > CHUNK_SIZE:
        report.error("record header past the end of the chunk", offset=at, chunk=index)
        return False
    magic, size, record_id, _written = _RECORD(buf, at)
    bad_id = record_id if magic == RECORD_MAGIC else None
    why = (f"bad record magic 0x{int.from_bytes(magic, 'little'):08x}" if bad_id is None
           else f"record {record_id}: bad record size {size}")
    if hole.stop is None:
        report.error(f"{why}; no further record of this chunk before its free "
                     f"space at chunk offset {free}", offset=at, chunk=index, record_id=bad_id)
        return False
    report.error(f"{why}; {hole.stop - pos} bytes skipped to the next record",
                 offset=at, chunk=index, record_id=bad_id)
    return True
