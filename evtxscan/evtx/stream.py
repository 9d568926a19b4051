"""What the EVTX package asks of the evidence it reads: a seekable binary file object.

Every function of ``evtxscan.evtx`` and every reader takes a ``BinaryIO`` and never a
path, so a log can come from a plain file, a memory buffer, a chunk range view, or a file
object inside a disk image or an archive alike.  Only ``read``, ``seek`` and ``tell`` are
used, reads are positioned explicitly (several readers may share one stream, one after the
other), and a short read is taken for the end of the data only when the stream says so.
``RawView`` is the one base of the views made over evidence (a chunk range, a dfVFS file
object, a byte range of an archive).
"""

from __future__ import annotations

import io
from typing import BinaryIO


def size_of(stream: BinaryIO) -> int:
    """Bytes in the stream (its position is left at the end)."""
    return stream.seek(0, io.SEEK_END)


def name_of(stream: BinaryIO) -> str:
    """The stream's name for messages: its path for a plain file."""
    name = getattr(stream, "name", None)
    return str(name) if name is not None else f"<{type(stream).__name__}>"


def read_at(stream: BinaryIO, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes from ``offset``; fewer only where the data ends."""
    stream.seek(offset)
    data = stream.read(size)
    if data is None:
        data = b""
    while len(data) < size:  # a raw stream may return less than asked before its end
        more = stream.read(size - len(data))
        if not more:
            break
        data += more
    return data


class RawView(io.RawIOBase):
    """Read-only, seekable raw IO over ``_size`` bytes: the position bookkeeping of every
    view over evidence, written once.  A subclass says how to read ``n`` bytes at a
    position (``_read_at``); wrap it in ``io.BufferedReader`` for many small reads."""

    _size = 0
    _pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer) -> int:  # noqa: ANN001 - any writable buffer
        if self.closed:
            raise ValueError("I/O operation on closed file")
        n = min(len(buffer), max(0, self._size - self._pos))
        if n == 0:
            return 0
        data = self._read_at(self._pos, n)
        got = len(data)
        memoryview(buffer).cast("B")[:got] = data
        self._pos += got
        return got

    def _read_at(self, pos: int, n: int) -> bytes:
        raise NotImplementedError
