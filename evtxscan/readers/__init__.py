"""Readers: one EVTX stream in, ``RawRecord`` values out, every record counted.

A reader decodes records and counts what it could not decode; it never judges the
container.  ``evtxscan.evtx`` does that and hands readers a stream that repair has made
readable (bad chunks blanked, holes bridged, a cut chunk re-framed).  Readers are
registered by name, as plaso registers its parsers: the CLI's ``--backend`` choices and
the per-file stage look them up here.  A new reader is one module with a
``read_records`` (see ``ReadRecords``) and one ``register`` line below.  The registry
names the module rather than importing it, so listing readers (``evtxscan --help``)
costs no parser import; the module is imported when its reader is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, Protocol

if TYPE_CHECKING:
    from ..records import FileReport, RawRecord


class ReadRecords(Protocol):
    """Yield the wanted records of one EVTX stream; count every record into ``report``.

    ``stream`` is a seekable binary file object holding a whole EVTX file (read from its
    start, whatever its position); ``threads`` is a hint for readers that parse in
    parallel; ``recovered`` marks every record yielded as recovered from a cut chunk.
    Record-level problems are counted in ``report`` and the reading goes on; a stream that
    is not EVTX at all raises.
    """

    def __call__(self, stream: BinaryIO, report: FileReport, *, threads: int = 1,
                 recovered: bool = False) -> Iterator[RawRecord]: ...


class Reader(NamedTuple):
    """A registered reader: its name (``--backend``, and each event's provenance), one
    line for ``--help``, and the module whose ``read_records`` it is."""

    name: str
    summary: str
    module: str

    @property
    def read_records(self) -> ReadRecords:
        return import_module(self.module).read_records


DEFAULT_READER = "evtx"
_READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    """Make ``reader`` available by its name."""
    if reader.name in _READERS:
        raise ValueError(f"reader {reader.name!r} is registered twice")
    _READERS[reader.name] = reader
    return reader


def get_reader(name: str) -> Reader:
    try:
        return _READERS[name]
    except KeyError:
        raise ValueError(f"unknown reader {name!r} (known: {', '.join(_READERS)})") from None


def readers() -> tuple[Reader, ...]:
    """Every registered reader, the default first."""
    return tuple(_READERS.values())


def reader_names() -> tuple[str, ...]:
    return tuple(_READERS)


register(Reader("evtx", "pyevtx-rs, the fast Rust parser (default)", f"{__name__}.rust"))
register(Reader("python-evtx", "pure Python, our own BinXML decoder (slower; a second opinion)",
                f"{__name__}.pyevtx"))
