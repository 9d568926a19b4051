"""Evidence as it arrives: folders, single logs, disk images and archives.

``find(paths)`` turns the PATHs a responder gives into the logs to read (``LogRef``),
each with its provenance, a picklable ``Locator`` and the ``Container`` it came from;
``open_log(locator)`` gives a worker a seekable binary stream of one log's bytes.
Every kind of source is registered here (``KINDS``: content signature -> lister and
opener); adding one is a module and a line.

Modules: ``signatures`` (what a file is, by its bytes), ``names`` (which entries are
logs, collector renamings, shadow-copy paths), ``folder`` (the OS walk), ``images``
(dfVFS: EWF, VHD(X), VMDK, QCOW2, raw; partitions, VSS, BitLocker, file systems),
``archives`` (zip, 7z, tar), ``streams`` (the file objects), ``copies`` (several copies
of one log: the live one and shadow-copy stores).  Everything is read-only; nothing is
mounted; a temporary copy, when a compressed member needs one, is an anonymous file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from . import archives, folder, images, signatures
from .model import Container, Locator, LogRef, Snapshot, SourceOptions
from .names import is_log_name

__all__ = ["Container", "Kind", "KINDS", "Listing", "Locator", "LogRef", "Opened",
           "Snapshot", "SourceOptions", "digest", "find", "list_members", "open_log"]

Lister = Callable[[Container, SourceOptions], Iterator[LogRef]]
Opener = Callable[[Locator], tuple[BinaryIO, list[str]]]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of container: how to list its logs and how to open one of them."""

    name: str        # as ``signatures`` names it: "ewf", "zip", ...
    label: str       # as a responder calls it
    locator: str     # the ``Locator.kind`` of its logs (the opener below)
    lister: Lister


def _open_file(loc: Locator) -> tuple[BinaryIO, list[str]]:
    return open(loc.path, "rb"), []


#: Locator.kind -> how a worker opens the log again
OPENERS: dict[str, Opener] = {
    "file": _open_file,
    "image": images.open_image,
    "zip": archives.open_zip,
    "7z": archives.open_7z,
    "tar": archives.open_tar,
}

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("ewf", "EWF image", "image", images.list_image),
    Kind("vhdx", "VHDX image", "image", images.list_image),
    Kind("vhd", "VHD image", "image", images.list_image),
    Kind("vmdk", "VMDK image", "image", images.list_image),
    Kind("qcow", "QCOW2 image", "image", images.list_image),
    Kind("raw", "raw image", "image", images.list_image),
    Kind("zip", "zip archive", "zip", archives.list_zip),
    Kind("7z", "7z archive", "7z", archives.list_7z),
    Kind("tar", "tar archive", "tar", archives.list_tar),
)}
_FAILURES = (images.ImageError, archives.ArchiveError)


@dataclass(slots=True)
class Listing:
    """What ``find`` found: logs to read and problems (``LogRef``), and the containers."""

    logs: list[LogRef] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)


@dataclass(slots=True)
class Opened:
    """A log opened for reading: its stream, and what went wrong getting it out of its
    container (a corrupt archive entry read up to the damage), to report with the log."""

    stream: BinaryIO
    problems: list[str]


@contextmanager
def open_log(locator: Locator) -> Iterator[Opened]:
    """The log's bytes as a seekable binary stream, closed on leaving the block.

    Raises OSError (or a back end's error) when the log cannot be opened at all.
    """
    stream, problems = OPENERS[locator.kind](locator)
    try:
        yield Opened(stream, problems)
    finally:
        stream.close()


def find(paths: list[str], options: SourceOptions = SourceOptions()) -> Listing:
    """Every log under ``paths``: in folders (recursively), given directly, and inside
    the images and archives found there (by content), in a stable order."""
    out = Listing()
    seen: set[str] = set()
    several = len(paths) > 1
    for root in paths:
        label = os.path.basename(os.path.normpath(root)) or str(root)
        if not os.path.lexists(root):
            out.logs.append(LogRef(str(root), Locator("file", os.path.abspath(root)),
                                   problem="does not exist"))
            continue
        if os.path.isfile(root):
            _add_file(out, seen, os.path.abspath(root), os.path.basename(root), given=True,
                      options=options)
            continue
        if not os.path.isdir(root):
            out.logs.append(LogRef(str(root), Locator("file", os.path.abspath(root)),
                                   problem=folder.not_a_file(root)))
            continue
        before = len(out.logs)
        for entry in folder.walk(root):
            display = f"{label}/{entry.rel}" if several else entry.rel
            if entry.problem:
                out.logs.append(LogRef(display, Locator("file", entry.path),
                                       problem=entry.problem))
            else:
                _add_file(out, seen, entry.path, display, given=False, options=options)
        if len(out.logs) == before:
            out.logs.append(LogRef(str(root), Locator("file", os.path.abspath(root)),
                                   problem="no event logs or evidence containers found in "
                                           "directory"))
    return out


def _add_file(out: Listing, seen: set[str], path: str, display: str, *, given: bool,
              options: SourceOptions) -> None:
    real = os.path.realpath(path)
    if real in seen:
        return
    seen.add(real)
    if is_log_name(path):
        out.logs.append(LogRef(display, Locator("file", path), size=_size(path)))
        return
    try:
        kind = signatures.sniff(path)
    except OSError as exc:
        if given:
            out.logs.append(LogRef(display, Locator("file", path),
                                   problem=f"cannot read: {exc.strerror or exc}"))
        return
    if kind is None:
        if given:
            out.logs.append(LogRef(display, Locator("file", path), problem=(
                "not an event log or a supported evidence container (image or archive)")))
        return
    if kind.family == "log":
        out.logs.append(LogRef(display, Locator("file", path), size=_size(path)))
        return
    if kind.segment > 1:
        if not _first_segment_exists(path, kind.kind):
            out.logs.append(LogRef(display, Locator("file", path), problem=(
                f"segment {kind.segment} of a split image whose first segment is missing")))
        return
    _add_container(out, seen, path, display, kind, options)


def _first_segment_exists(path: str, kind: str) -> bool:
    d, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    if kind == "ewf":
        return any(os.path.exists(os.path.join(d, f"{stem}.{c}01")) for c in "EeLlSs")
    return os.path.exists(os.path.join(d, f"{stem}.001")) or \
        os.path.exists(os.path.join(d, f"{stem}.000"))


def _add_container(out: Listing, seen: set[str], path: str, display: str,
                   sniffed: signatures.Sniffed, options: SourceOptions) -> None:
    kind = KINDS[sniffed.kind]
    segs = signatures.segments(path, sniffed.kind)
    for s in segs:
        seen.add(os.path.realpath(s))
    c = Container(path, display, sniffed.kind, segments=segs,
                  size=sum(_size(s) for s in segs))
    out.containers.append(c)
    logs: list[LogRef] = []
    try:
        for ref in kind.lister(c, options):
            logs.append(ref)
    except _FAILURES as exc:
        c.problems.append(("", str(exc)))
    except Exception as exc:  # noqa: BLE001 - a back end's bug must not end a 40-host run
        c.problems.append(("", f"cannot read {kind.label}: {type(exc).__name__}: {exc}"))
    c.logs = sum(1 for r in logs if r.problem is None)
    out.logs.extend(logs)
    for where, reason in c.problems:
        out.logs.append(LogRef(f"{display}::{where}" if where else display,
                               Locator(kind.locator, path, where), display, reason))
    if not logs and not c.problems:
        out.logs.append(LogRef(display, Locator(kind.locator, path), display,
                               f"no event logs found in the {kind.label}"))


def list_members(c: Container, match: Callable[[str], bool],
                 options: SourceOptions = SourceOptions()) -> list[LogRef]:
    """Files of a container found earlier whose names ``match`` accepts (the registry
    hives the exposure answer reads), as ``LogRef``s ``open_log`` opens.  Walks a copy of
    the container: problems met again are not said twice."""
    import dataclasses
    kind = KINDS[c.kind]
    copy = dataclasses.replace(c, problems=[], notes=[], volumes=[])
    try:
        return list(kind.lister(copy, options, match=match))
    except _FAILURES:
        return []


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def digest(c: Container) -> Container:
    """The container's own SHA-256 and size (each segment's), streamed once."""
    c.segment_hashes = []
    for seg in c.segments or [c.path]:
        h = hashlib.sha256()
        size = 0
        with open(seg, "rb") as f:
            while True:
                block = f.read(1 << 20)
                if not block:
                    break
                size += len(block)
                h.update(block)
        c.segment_hashes.append((os.path.basename(seg), size, h.hexdigest()))
    c.size = sum(s for _, s, _ in c.segment_hashes)
    c.sha256 = c.segment_hashes[0][2] if len(c.segment_hashes) == 1 else ""
    return c
