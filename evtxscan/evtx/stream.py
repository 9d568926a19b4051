"""What the EVTX package asks of the evidence it reads: a seekable binary file object.

Every function of ``evtxscan.evtx`` and every reader takes a ``BinaryIO`` and never a
path, so a log can come from a plain file, a memory buffer, a chunk range view, or a file
object inside a disk image or an archive alike.  Only ``read``, ``seek`` and ``tell`` are
used, reads are positioned explicitly (several readers may share one stream, one after the
other), and a short read is taken for the end of the data only when the stream says so.
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


def read_into(stream: BinaryIO, out: memoryview) -> int:
    """Fill ``out`` from the stream's position; fewer bytes only where the data ends."""
    readinto = getattr(stream, "readinto", None)
    done = 0
    while done < len(out):
        if readinto is not None:
            n = readinto(out[done:])
        else:
            data = stream.read(len(out) - done)
            n = len(data) if data else 0
            out[done:done + n] = data or b""
        if not n:
            break
        done += n
    return done
