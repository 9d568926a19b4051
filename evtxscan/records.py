"""Typed values that cross stage boundaries: reader -> prefilter/normalizer -> pipeline.

Readers know nothing of what a record *means*; they hand over a ``RawRecord`` (the System
fields and the EventData name/value pairs, rendered as text exactly as Windows' XML would
render them) and count what they could not read in a ``FileReport``.  Both backends
produce the same ``RawRecord`` for the same bytes; that is what lets tests compare them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["ok", "partial", "error"]

SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
SECURITY_PROVIDER = "Microsoft-Windows-Security-Auditing"

#: (provider, event id) pairs the pipeline reads in full; everything else is only counted.
#: Sysmon: 1 process start, 5 process end, 3 network, 7 image load, 11 file create,
#: 12/13/14 registry, 22 DNS query.  Security: 4688 start, 4689 end, 1102 log cleared.
SYSMON_EVENT_IDS = frozenset({1, 3, 5, 7, 11, 12, 13, 14, 22})
SECURITY_EVENT_IDS = frozenset({4688, 4689, 1102})
EventLogProvider = "Microsoft-Windows-Eventlog"  # 1102 is logged by this provider
#: Records the CVE-2020-1350 exposure answer reads (``evtxscan.exposure.logfacts`` says
#: what each means): boots and builds at boot (EventLog 6005/6009), the DNS Server
#: service's states and start type (7036/7040), package changes in the Setup log
#: (Servicing 1-4), Windows Update results (19/20/43); Sysmon 12/13 are read already.
EXPOSURE_WANTED: dict[str, frozenset[int]] = {
    "EventLog": frozenset({6005, 6009}),
    "Service Control Manager": frozenset({7036, 7040}),
    "Microsoft-Windows-Servicing": frozenset({1, 2, 3, 4}),
    "Microsoft-Windows-WindowsUpdateClient": frozenset({19, 20, 43}),
    SYSMON_PROVIDER: frozenset({12, 13}),
}
WANTED: dict[str, frozenset[int]] = {
    SYSMON_PROVIDER: SYSMON_EVENT_IDS,
    SECURITY_PROVIDER: SECURITY_EVENT_IDS,
    EventLogProvider: frozenset({1102}),
}
for _provider, _ids in EXPOSURE_WANTED.items():
    WANTED[_provider] = WANTED.get(_provider, frozenset()) | _ids


def is_wanted(provider: str, event_id: int) -> bool:
    ids = WANTED.get(provider)
    return ids is not None and event_id in ids


@dataclass(slots=True)
class RawRecord:
    """One event record as read from the file, before any interpretation.

    ``data`` holds EventData ``Name -> text``; numbers are decimal text, HexInt values keep
    their ``0x`` text, empty or NULL values are ``""``.  ``time_created`` is UTC ISO-8601
    with microseconds and a ``Z`` suffix.
    """

    record_id: int
    event_id: int
    version: int
    provider: str
    channel: str
    computer: str
    time_created: str
    user_sid: str
    data: dict[str, str]
    recovered: bool = False


@dataclass(slots=True)
class RecordError:
    """A record or chunk the reader had to skip, with where it was and why.

    Also used for notes (odd bytes that cost nothing).  ``offset`` is a file offset;
    ``lost`` the records lost there when the container framing can count them.
    """

    reason: str
    offset: int | None = None
    chunk: int | None = None
    record_id: int | None = None
    lost: int = 0

    def to_json(self) -> dict:
        return {"reason": self.reason, "offset": self.offset, "chunk": self.chunk,
                "record_id": self.record_id, "lost": self.lost}


@dataclass(slots=True)
class LogStats:
    """What a file covers, gathered from *every* record (not only the wanted ones).

    Telemetry uses it so that "nothing found" is never mistaken for "nothing happened":
    time span, record-id range, record-id gaps (possible clearing), event ids seen.
    """

    first_time: str | None = None
    last_time: str | None = None
    first_record_id: int | None = None
    last_record_id: int | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)
    event_ids: dict[int, int] = field(default_factory=dict)
    providers: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)
    computers: dict[str, int] = field(default_factory=dict)
    _prev_id: int | None = None

    def add(self, record_id: int, time_created: str | None, event_id: int | None,
            provider: str | None) -> None:
        """Count one record; called for every record, so it must stay cheap."""
        if time_created:
            if self.first_time is None or time_created < self.first_time:
                self.first_time = time_created
            if self.last_time is None or time_created > self.last_time:
                self.last_time = time_created
        if self.first_record_id is None or record_id < self.first_record_id:
            self.first_record_id = record_id
        if self.last_record_id is None or record_id > self.last_record_id:
            self.last_record_id = record_id
        prev = self._prev_id
        if prev is not None and record_id > prev + 1:
            self.gaps.append((prev, record_id))
        self._prev_id = record_id
        if event_id is not None:
            self.event_ids[event_id] = self.event_ids.get(event_id, 0) + 1
        if provider:
            self.providers[provider] = self.providers.get(provider, 0) + 1

    def absorb(self, first_read: int, last_read: int, lo: int, hi: int,
               gaps: list[tuple[int, int]], first_time: str | None, last_time: str | None,
               counts: dict[tuple[int | None, str | None], int]) -> None:
        """What ``add`` would have gathered from a run of records, counted by a reader's
        own loop: ids read first and last, smallest and largest, gaps in read order, time
        span, and counts per (event id, provider)."""
        if first_time and (self.first_time is None or first_time < self.first_time):
            self.first_time = first_time
        if last_time and (self.last_time is None or last_time > self.last_time):
            self.last_time = last_time
        if self.first_record_id is None or lo < self.first_record_id:
            self.first_record_id = lo
        if self.last_record_id is None or hi > self.last_record_id:
            self.last_record_id = hi
        self.gaps.extend(gaps)
        self._prev_id = last_read
        for (event_id, provider), n in counts.items():
            if event_id is not None:
                self.event_ids[event_id] = self.event_ids.get(event_id, 0) + n
            if provider:
                self.providers[provider] = self.providers.get(provider, 0) + n

    def add_identity(self, channel: str, computer: str) -> None:
        """Count channel/computer of a record read in full (cheap to know only then)."""
        for counter, key in ((self.channels, channel), (self.computers, computer)):
            if key:
                counter[key] = counter.get(key, 0) + 1

    def to_json(self) -> dict:
        return {
            "first_time": self.first_time,
            "last_time": self.last_time,
            "first_record_id": self.first_record_id,
            "last_record_id": self.last_record_id,
            "gaps": [list(g) for g in self.gaps],
            "event_ids": {str(k): v for k, v in sorted(self.event_ids.items())},
            "providers": dict(sorted(self.providers.items())),
            # only records read in full (the wanted event ids) name their channel and
            # computer cheaply; ``records`` and ``event_ids`` count every record
            "records_read_in_full_by_channel": dict(sorted(self.channels.items())),
            "records_read_in_full_by_computer": dict(sorted(self.computers.items())),
        }


@dataclass(slots=True)
class FileReport:
    """Per-file outcome, as written to summary.json."""

    path: str                 # relative to the scanned root it was found under
    abspath: str
    sha256: str = ""
    size: int = 0
    status: Status = "ok"
    backend: str = ""
    records: int = 0          # records read (all event ids)
    recovered: int = 0        # records recovered beyond what the parser yields
    skipped: int = 0          # records that could not be read (a parser failed on them, or
                              # the framing shows they were there: bad chunk, hole, cut)
    process_events: int = 0
    errors: list[RecordError] = field(default_factory=list)
    notes: list[RecordError] = field(default_factory=list)  # odd but nothing lost
    stats: LogStats = field(default_factory=LogStats)
    container: str | None = None      # the image or archive the log was read from
    original_path: str | None = None  # the log's path on the host, when a collector
                                      # renamed it (Velociraptor's C%3A, %254)
    vss_store: tuple[str, str | None] | None = None  # (store, created): a store's copy

    def error(self, reason: str, offset: int | None = None, chunk: int | None = None,
              record_id: int | None = None, lost: int = 0) -> None:
        self.errors.append(RecordError(reason, offset, chunk, record_id, lost))

    def note(self, reason: str, offset: int | None = None, chunk: int | None = None,
             record_id: int | None = None) -> None:
        self.notes.append(RecordError(reason, offset, chunk, record_id))

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "status": self.status,
            "backend": self.backend,
            "records": self.records,
            "recovered": self.recovered,
            "skipped": self.skipped,
            "process_events": self.process_events,
            "errors": [e.to_json() for e in self.errors],
            "notes": [n.to_json() for n in self.notes],
            "stats": self.stats.to_json(),
            **self._origin_json(),
        }

    def _origin_json(self) -> dict:
        """Where the log came from, for logs inside containers only (a folder's logs
        keep the fields they always had)."""
        d: dict = {}
        if self.container is not None:
            d["container"] = self.container
        if self.original_path is not None:
            d["original_path"] = self.original_path
        if self.vss_store is not None:
            d["vss_store"] = {"name": self.vss_store[0], "created": self.vss_store[1]}
        return d
