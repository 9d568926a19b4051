"""The values the sources layer hands to the rest of evtxscan.

A ``LogRef`` is one event log found somewhere in the evidence: its display path (the
provenance a responder reads), a ``Locator`` (what a worker process, or a Dask worker on
another machine, needs to open the same bytes again) and the ``Container`` it came from.
A path or a container part that could not be used is a ``LogRef`` with a ``problem``:
the scan reports it in one line and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a log's bytes are, as plain picklable values.

    ``kind`` names the opener (``file``, ``image``, ``zip``, ``7z``, ``tar``: see
    ``evtxscan.sources.open_log``); ``path`` is the absolute OS path of the evidence file
    that holds the log (the log itself for ``file``, the first segment of a split image);
    ``member`` says where inside (an archive member name, or a dfVFS path specification
    as JSON).  ``secret`` is the archive password that opened it: never shown, never
    written to a report.
    """

    kind: str
    path: str
    member: str = ""
    secret: str | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A Volume Shadow Copy store a copy of a log was read from."""

    name: str                   # "vss1" (dfVFS numbers stores from 1, oldest first)
    created: str | None = None  # the store's creation time, UTC ISO-8601, when known


@dataclass(slots=True)
class Container:
    """An evidence file that holds logs (an image, an archive), as acquired.

    ``sha256``/``size`` are the evidence file's own (each segment of a split image), so a
    report ties every finding to the file the responder received.  ``problems`` are
    parts that could not be read (an encrypted volume, a corrupt entry); ``notes`` what
    was odd but cost nothing.
    """

    path: str                   # absolute path of the (first) file
    display: str                # as shown: relative to the scanned root
    kind: str                   # "ewf", "vhdx", "zip", ...
    segments: list[str] = field(default_factory=list)   # every file of a split image
    size: int = 0
    sha256: str = ""            # of the single file; per segment in ``segment_hashes``
    segment_hashes: list[tuple[str, int, str]] = field(default_factory=list)
    logs: int = 0
    volumes: list[dict] = field(default_factory=list)  # file systems walked (and stores)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where inside, what)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        d = {"path": self.display, "kind": self.kind, "size": self.size, "sha256": self.sha256,
             "logs": self.logs, "volumes": list(self.volumes),
             "problems": [{"where": w, "reason": r} for w, r in self.problems],
             "notes": list(self.notes)}
        if len(self.segment_hashes) > 1:
            d["segments"] = [{"file": n, "size": s, "sha256": h}
                             for n, s, h in self.segment_hashes]
        return d


@dataclass(frozen=True, slots=True)
class LogRef:
    """A log to read (``problem`` is None) or a part of the evidence we could not use."""

    display: str                # provenance: "DC01.E01::p1/Windows/.../Security.evtx"
    locator: Locator
    container: str | None = None  # the Container's display, None for a plain file
    problem: str | None = None
    size: int = 0
    original: str | None = None   # the collected file's own path, when the container
                                  # renamed it (Velociraptor's C%3A, %254)
    snapshot: Snapshot | None = None  # read from a shadow copy
    copy_key: str | None = None   # same for every copy of one log (live and stores)

    @property
    def path(self) -> str:
        """The evidence file to open (compatible with the folder walk's ``Found``)."""
        return self.locator.path


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Credentials a responder may give for evidence that is locked."""

    archive_passwords: tuple[str, ...] = ()
    bitlocker_keys: tuple[str, ...] = ()   # passwords or 48-digit recovery passwords
