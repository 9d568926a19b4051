"""Seekable binary streams over the places a log can be: the EVTX layer reads only these.

* ``FileObjectRaw`` adapts a dfVFS file object (an NTFS file inside an E01 inside...)
  to ``io.RawIOBase``; wrapped in a ``BufferedReader`` the readers' many small reads cost
  one call into the image per megabyte.
* ``RangeRaw``: a byte range of a plain file (a zip member stored uncompressed), read
  in place.
* ``scratch``: a compressed archive member decompressed once into an *anonymous*
  temporary file (unlinked as it is created, so it is gone on every exit path, Ctrl-C
  and SIGKILL included; it never lives in the evidence folder).  Compressed streams
  cannot seek backwards without decompressing from the start again, and the readers
  seek.
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import BinaryIO

from ..evtx.stream import RawView

BUFFER = 1 << 20
#: members up to this size are spooled in memory, bigger ones to an anonymous file
SPOOL_IN_MEMORY = 32 << 20


class FileObjectRaw(RawView):
    """A dfVFS file object (``read``, ``seek``, ``get_size``) as raw IO."""

    def __init__(self, file_object, name: str) -> None:
        self._f = file_object
        self._size = file_object.get_size()
        self.name = name

    def _read_at(self, pos: int, n: int) -> bytes:
        self._f.seek(pos, os.SEEK_SET)
        return self._f.read(n)

    def close(self) -> None:
        if not self.closed:
            close = getattr(self._f, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 - a back end's close must not mask a result
                    pass
        super().close()


class RangeRaw(RawView):
    """Bytes [start, start + length) of a file, opened read-only."""

    def __init__(self, path: str, start: int, length: int, name: str) -> None:
        self._f = open(path, "rb")
        self._start, self._size = start, length
        self.name = name

    def _read_at(self, pos: int, n: int) -> bytes:
        self._f.seek(self._start + pos)
        return self._f.read(n)

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()


def buffered(raw: io.RawIOBase) -> BinaryIO:
    return io.BufferedReader(raw, buffer_size=BUFFER)  # its name is the raw stream's




def scratch(size_hint: int = 0) -> BinaryIO:
    """Somewhere to decompress a member into: memory when small, else an anonymous
    temporary file (unlinked as it is created: nothing is left behind, whatever ends
    the run, and nothing is ever written next to the evidence)."""
    if size_hint and size_hint <= SPOOL_IN_MEMORY:
        return io.BytesIO()
    return tempfile.TemporaryFile(prefix="evtxscan-")
