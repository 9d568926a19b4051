"""Sysmon side events (network, DNS, file, registry, image load) kept on disk, not in RAM.

Why: a Sysmon log is mostly such events (image loads alone can be hundreds per process),
a multi-GB log holds millions, and triage only ever looks at the few processes that
alerted.  Holding each as an object cost about 1 KB of memory per event, so memory grew
with the log instead of with the process graph.  The per-file stage therefore writes each
event as one JSON line to a spill file as it reads, and keeps only where each process'
events are (8 bytes per event); ``ActivityIndex.of`` reads a process' events back when
triage asks.  Files live in a temporary folder that ``ActivityIndex`` removes.

Where a process' events are is a linked list through two arrays (line offset, previous
event of the same process), with the newest event per process in a dict per host: about
12 bytes per event and one dict entry per process, no object per event or per process.

A worker on another machine (Dask) cannot write into our folder: its events come back in
memory and are spilled by the caller (``SpillWriter.add`` in ``ActivityIndex``).
"""

from __future__ import annotations

import json
import os
import uuid
from array import array
from dataclasses import dataclass, field

from .normalize import ActivityEvent, Source

try:  # optional, faster; json decides whatever orjson refuses
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

@dataclass(slots=True)
class Spill:
    """One spill file and where each process' events are in it."""

    path: str
    last: dict[str, dict[str, int]] = field(default_factory=dict)  # host -> entity -> event
    offsets: array = field(default_factory=lambda: array("Q"))    # event -> line offset
    previous: array = field(default_factory=lambda: array("q"))   # event -> same process' previous, or -1

    @property
    def count(self) -> int:
        return len(self.offsets)

    def offsets_of(self, host: str, entity_id: str) -> list[int]:
        """Line offsets of the process' events, in the order they were written."""
        i = self.last.get(host, {}).get(entity_id, -1)
        out = []
        while i >= 0:
            out.append(self.offsets[i])
            i = self.previous[i]
        out.reverse()
        return out


def encode(ev: ActivityEvent) -> bytes:
    s = ev.source
    row = [ev.host, ev.timestamp, ev.event_id, ev.entity_id, ev.pid, ev.executable,
           ev.summary, ev.details, s.file, s.sha256, s.record_id, s.event_id, s.channel,
           s.backend, s.recovered]
    if _orjson is not None:
        try:
            return _orjson.dumps(row) + b"\n"
        except TypeError:  # lone surrogates, integers beyond 64 bits
            pass
    return json.dumps(row, ensure_ascii=True).encode("ascii") + b"\n"


def decode(line: bytes) -> ActivityEvent:
    (host, timestamp, event_id, entity_id, pid, executable, summary, details, file, sha256,
     record_id, src_event_id, channel, backend, recovered) = json.loads(line)
    return ActivityEvent(host=host, timestamp=timestamp, event_id=event_id,
                         entity_id=entity_id, pid=pid, executable=executable, summary=summary,
                         source=Source(file, sha256, record_id, src_event_id, channel, backend,
                                       recovered),
                         details=details)


class SpillWriter:
    """Append events of processes (those with an entity id) to a new file in ``folder``."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._spill: Spill | None = None
        self._file = None
        self._offset = 0

    def add(self, ev: ActivityEvent) -> None:
        if not ev.entity_id:
            return  # triage finds events by process; these would never be asked for
        if self._file is None:
            path = os.path.join(self.folder, f"{os.getpid()}-{uuid.uuid4().hex}.jsonl")
            self._file = open(path, "wb")
            self._spill = Spill(path)
        line = encode(ev)
        spill = self._spill
        last = spill.last.get(ev.host)
        if last is None:
            last = spill.last[ev.host] = {}
        spill.previous.append(last.get(ev.entity_id, -1))
        last[ev.entity_id] = len(spill.offsets)
        spill.offsets.append(self._offset)
        self._offset += len(line)
        self._file.write(line)

    def close(self) -> Spill | None:
        if self._file is not None:
            self._file.close()
            self._file = None
        return self._spill


def read_events(spill: Spill, offsets: list[int]) -> list[ActivityEvent]:
    with open(spill.path, "rb") as f:
        out = []
        for off in offsets:
            f.seek(off)
            out.append(decode(f.readline()))
        return out
