"""Chunks [start, stop) of an EVTX stream, presented to a parser as a complete EVTX file.

Why: to split a multi-GB log across workers without copying it, and to show the parsers a
damaged file as ``repair.assess`` made it readable (bad chunks blanked, holes bridged, a
stand-in file header) without writing a byte of the evidence.  The view's first 4096
bytes are the original file header patched in memory (chunk count, first/last chunk
number, CRC); the rest is read lazily from the underlying stream, with patched chunks laid
over it.  pyevtx-rs reads it as a file object; the python reader reads it into memory
(one range of one file per worker).
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from .format import (
    CHUNK_SIZE,
    FILE_CHUNK_COUNT,
    FILE_HEADER_SIZE,
    FILE_MAGIC,
    NotEvtxError,
    seal_header,
)
from .stream import RawView, name_of, read_at, size_of


class ChunkRangeView(RawView):
    """Chunks [start, stop) of an EVTX stream, presented as a complete EVTX file.

    The view does not own ``stream``: closing the view leaves it open, and every read
    seeks it first, so the caller may use the stream between reads of the view.
    """

    def __init__(self, stream: BinaryIO, start: int, stop: int, *,
                 patches: dict[int, bytes] | None = None, header: bytes | None = None) -> None:
        """``patches`` replaces whole chunks (by file chunk index) in what readers see, and
        ``header`` the file header (``assess`` and ``inspect`` supply both); the stream is
        only ever read."""
        super().__init__()
        self._stream = stream
        size = size_of(stream)
        header = bytearray(header or read_at(stream, 0, FILE_HEADER_SIZE))
        if header[:8] != FILE_MAGIC or len(header) < FILE_HEADER_SIZE:
            raise NotEvtxError(name_of(stream), "no complete ElfFile header")
        available = max(0, -(-(size - FILE_HEADER_SIZE) // CHUNK_SIZE))
        if not 0 <= start < stop <= available:
            raise ValueError(f"chunk range [{start}, {stop}) outside the {available} chunks "
                             f"of {name_of(stream)}")
        struct.pack_into("<QQ", header, 8, 0, stop - start - 1)  # first and last chunk
        struct.pack_into("<H", header, FILE_CHUNK_COUNT, min(stop - start, 0xFFFF))  # parsers read on anyway
        seal_header(header)
        self._header = bytes(header)
        self._patches = {i - start: bytes(c) for i, c in (patches or {}).items() if start <= i < stop}
        self._base = FILE_HEADER_SIZE + start * CHUNK_SIZE
        self._size = min(size, FILE_HEADER_SIZE + stop * CHUNK_SIZE) - self._base + FILE_HEADER_SIZE
        self.start, self.stop = start, stop

    def _read_at(self, pos: int, n: int) -> bytes:
        out = bytearray(self._header[pos:pos + n]) if pos < FILE_HEADER_SIZE else bytearray()
        if len(out) < n:
            out += read_at(self._stream, self._base + pos + len(out) - FILE_HEADER_SIZE, n - len(out))
        if self._patches and out:
            self._overlay(memoryview(out), pos, len(out))
        return out

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
