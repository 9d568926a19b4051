"""Several copies of one log: the live volume's and the shadow-copy stores' older ones.

A store's copy of a log holds the log as it was when the snapshot was taken; the live
copy has since gone on, and may have lost its oldest records (the log wrapped) or all
of them (cleared by the intruder).  Every copy is read like any log; then, copy by copy
(the live one first, then the stores newest first), a record counts only the first time
it is seen.  A record is the same record in two copies when its record id and the time
its record header was written are the same.  A record found only in a store is kept,
and its ``Source`` is marked with the store and the store's creation time.

The copies of a log share a ``copy_key`` (its volume's scope and its path below the
volume), whether they come from an image's VSS stores (dfVFS) or from a collection
that copied ``\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopyN\\...`` (Velociraptor):
the same code path for both.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from .model import LogRef

Identity = tuple[int, int]   # (record id, written time in FILETIME ticks)


@dataclass(slots=True)
class CopyReport:
    """One copy of a log in ``summary.json``: how many records only it had."""

    file: str
    snapshot: str | None
    created: str | None
    records: int = 0
    only_here: int = 0

    def to_json(self) -> dict:
        return {"file": self.file, "snapshot": self.snapshot, "created": self.created,
                "records": self.records, "only_in_this_copy": self.only_here}


@dataclass(slots=True)
class CopyGroup:
    """Every copy of one log, live first, then stores newest first."""

    key: str
    copies: list[LogRef]
    reports: list[CopyReport] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"log": self.copies[0].display, "copies": [r.to_json() for r in self.reports]}


def _store_number(ref: LogRef) -> int:
    m = re.search(r"(\d+)$", ref.snapshot.name) if ref.snapshot else None
    return int(m.group(1)) if m else 0


def groups(refs: Iterable[LogRef]) -> list[CopyGroup]:
    """Logs that have more than one copy, at least one of them from a store."""
    by_key: dict[str, list[LogRef]] = defaultdict(list)
    for r in refs:
        if r.problem is None and r.copy_key is not None:
            by_key[r.copy_key].append(r)
    out = []
    for key, copies in sorted(by_key.items()):
        if len(copies) < 2 or not any(c.snapshot for c in copies):
            continue
        copies.sort(key=lambda r: (r.snapshot is not None, -_store_number(r), r.display))
        out.append(CopyGroup(key, copies))
    return out


def identities(stream: BinaryIO) -> dict[int, int]:
    """record id -> written time of every intact record framed in the log's chunks."""
    from ..evtx.format import (CHUNK_HEADER_SIZE, CHUNK_MAGIC, CHUNK_SIZE, FILE_HEADER_SIZE,
                               parse_chunk_header)
    from ..evtx.walk import walk_records
    out: dict[int, int] = {}
    stream.seek(FILE_HEADER_SIZE)
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if len(chunk) < CHUNK_HEADER_SIZE:
            break
        if chunk[:8] == CHUNK_MAGIC:
            try:
                end = min(parse_chunk_header(chunk).free_space_offset, len(chunk))
            except Exception:  # noqa: BLE001 - a damaged header: walk what is there
                end = len(chunk)
            frames, _ = walk_records(chunk, max(end, CHUNK_HEADER_SIZE))
            for f in frames:
                out.setdefault(f.record_id, f.written_time)
        if len(chunk) < CHUNK_SIZE:
            break
    return out


def deduplicate(group: CopyGroup, results_by_file: dict[str, object],
                open_ids: Callable[[LogRef], dict[int, int]]) -> None:
    """Drop from each copy's events the records an earlier copy already gave; mark what
    a store alone had.  ``results_by_file``: display -> FileResult (events, activity)."""
    kept: set[Identity] = set()
    group.reports = []
    for ref in group.copies:
        res = results_by_file.get(ref.display)
        ids = open_ids(ref)
        mine = {(rid, t) for rid, t in ids.items()}
        new = mine - kept
        snap = ref.snapshot
        report = CopyReport(ref.display, snap.name if snap else None,
                            snap.created if snap else None, len(mine), len(new))
        group.reports.append(report)
        if res is not None and kept:
            mark = (snap.name, snap.created) if snap else None

            def keep(ev) -> bool:
                rid = ev.source.record_id
                return (rid, ids.get(rid, -1)) not in kept

            res.events = [_marked(e, mark) for e in res.events if keep(e)]
            res.activity = [_marked(e, mark) for e in res.activity if keep(e)]
        elif res is not None and snap is not None:  # a store read first: all its own
            mark = (snap.name, snap.created)
            res.events = [_marked(e, mark) for e in res.events]
            res.activity = [_marked(e, mark) for e in res.activity]
        kept |= mine


def _marked(ev, mark):
    if mark is None:
        return ev
    src = ev.source.marked(mark)
    if hasattr(ev, "_replace"):  # ProcEnd is a NamedTuple
        return ev._replace(source=src)
    ev.source = src
    return ev
