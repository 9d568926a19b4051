"""Read one evidence file (or one chunk range of it) into normalized events.

This is the per-file stage: it runs in a worker process (``--jobs``) or on a Dask
worker (``--scheduler``), so its inputs and outputs are plain picklable values and it
touches no shared state.  File-level problems become a ``FileReport`` with status
``error``; record-level problems are counted and the file goes on.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from . import gcpolicy
from .evtx.format import CHUNK_SIZE, FILE_HEADER_SIZE, NotEvtxError, chunk_offset
from .evtx.layout import Layout, inspect, locate_records
from .evtx.recover import recover_truncated_tail
from .evtx.repair import assess
from .evtx.stream import size_of
from .evtx.view import ChunkRangeView
from .exposure.facts import Fact
from .exposure.logfacts import fact_of as exposure_fact
from .normalize import ActivityEvent, ProcEnd, ProcEvent, Source, normalize
from .readers import DEFAULT_READER, Reader, get_reader
from .records import FileReport, LogStats, RecordError
from .sources import Locator, Opened, open_log
from .spill import Spill, SpillWriter


@dataclass(frozen=True, slots=True)
class FileTask:
    """Work for one worker: a whole file, or chunks [chunk_start, chunk_stop) of it."""

    path: str
    display: str
    backend: str = DEFAULT_READER  # a reader's registered name (``evtxscan.readers``)
    chunk_start: int | None = None
    chunk_stop: int | None = None
    part: int = 0          # position of this range within its file
    last_part: bool = True  # the range that owns the file's tail (and its recovery)
    sha256: str | None = None  # computed once by the caller when a file is split
    threads: int = 1       # pyevtx-rs parser threads (number_of_threads)
    spill_dir: str | None = None  # write Sysmon side events here, not into the result
    locator: Locator | None = None  # where the log is, when inside an image or archive


@dataclass(slots=True)
class ReadOrderStats(LogStats):
    """``LogStats`` of one chunk range of a split file, which also knows the first and
    last record id *in read order*.  Merging ranges needs them: a wrapped (circular) log
    is not in id order, so the smallest and largest ids do not say whether ids are missing
    where one range ends and the next begins; the whole-file read compares neighbours."""

    first_read: int | None = None
    last_read: int | None = None

    def add(self, record_id: int, time_created: str | None, event_id: int | None,
            provider: str | None) -> None:
        if self.first_read is None:
            self.first_read = record_id
        self.last_read = record_id
        LogStats.add(self, record_id, time_created, event_id, provider)

    def absorb(self, first_read: int, last_read: int, *rest) -> None:
        if self.first_read is None:
            self.first_read = first_read
        self.last_read = last_read
        LogStats.absorb(self, first_read, last_read, *rest)


@dataclass(slots=True)
class FileResult:
    report: FileReport
    events: list[ProcEvent | ProcEnd] = field(default_factory=list)  # ends as ProcEnd
    activity: list[ActivityEvent] = field(default_factory=list)  # when not spilled
    spills: list[Spill] = field(default_factory=list)
    exposure: list[Fact] = field(default_factory=list)   # evtxscan.exposure facts


@contextmanager
def open_evidence(task: FileTask) -> Iterator[Opened]:
    """The log of ``task``, opened read-only: the one place the per-file stage opens one.

    A plain file, or (``task.locator``) a log inside a disk image or an archive, as the
    sources layer opens it: a seekable binary stream, and what went wrong getting it out
    of its container (``Opened.problems``: a corrupt archive entry read up to the damage).
    Everything after it (framing checks, repair, the readers, recovery, the SHA-256)
    reads that stream; nothing is copied to a path first.  Evidence is never written.
    """
    with open_log(task.locator or Locator("file", task.path)) as opened:
        yield opened


def sha256_stream(stream: BinaryIO) -> str:
    """SHA-256 of a whole stream, read from its start in 1 MiB blocks."""
    h = hashlib.sha256()
    stream.seek(0)
    while True:
        block = stream.read(1 << 20)
        if not block:
            break
        h.update(block)
    return h.hexdigest()


def sha256_file(path: str) -> str:
    """SHA-256 of the evidence at ``path`` (the planner hashes a file it splits once)."""
    with open_evidence(FileTask(path, path)) as opened:
        return sha256_stream(opened.stream)


def scan_file(task: FileTask) -> FileResult:
    """Read, prefilter and normalize one task.  Never raises for bad evidence."""
    warnings.simplefilter("ignore", RuntimeWarning)
    report = FileReport(path=task.display, abspath=task.path, backend=task.backend)
    if task.chunk_start is not None:
        report.stats = ReadOrderStats()
    result = FileResult(report)
    writer = SpillWriter(task.spill_dir) if task.spill_dir else None
    # in a worker: as in analyze(), no cycles worth the collector's walks
    with gcpolicy.paused():
        try:
            with open_evidence(task) as opened:
                _scan(task, opened.stream, result,
                      writer.add if writer else result.activity.append)
            # e.g. a corrupt archive entry, read up to the damage: said first
            report.errors[0:0] = [RecordError(p) for p in opened.problems]
            if opened.problems and report.status == "ok":
                report.status = "partial"
        except NotEvtxError as exc:
            report.status = "error"
            report.error(exc.reason)
        except OSError as exc:
            report.status = "error"
            report.error(f"cannot read: {exc.strerror or exc}")
        except Exception as exc:  # a parser bug must not end a 40-host run
            report.status = "error"
            report.error(f"unexpected {type(exc).__name__}: {exc}")
        finally:
            spill = writer.close() if writer is not None else None
            if spill is not None:
                result.spills.append(spill)
    return result


def _scan(task: FileTask, stream: BinaryIO, result: FileResult, keep_activity) -> None:
    report = result.report
    report.size = size_of(stream)
    whole = task.chunk_start is None
    if whole and task.sha256 is None:
        # one read of the file for its SHA-256 and its framing checks
        hasher = hashlib.sha256()
        try:
            layout = inspect(stream, hasher=hasher)
        except NotEvtxError:
            report.sha256 = sha256_stream(stream)
            raise
        report.sha256 = hasher.hexdigest()
    else:
        report.sha256 = task.sha256 or sha256_stream(stream)
        layout = inspect(stream, chunks=None if whole else range(task.chunk_start, task.chunk_stop))
    complete = sum(1 for c in layout.chunks if c.complete)
    start = 0 if whole else task.chunk_start
    stop = complete if whole else task.chunk_stop
    repair = assess(stream, layout, range(start, stop),
                    file_level=whole or task.part == 0, tail=task.last_part)
    for f in repair.findings:
        if f.lost:
            report.error(f.reason, offset=f.offset, chunk=f.chunk, lost=f.lost)
            report.skipped += f.lost
        else:
            report.note(f.reason, offset=f.offset, chunk=f.chunk)
    reader = get_reader(task.backend)
    source_args = (task.display, report.sha256, task.backend, keep_activity)
    since = len(report.errors)
    if stop <= start:
        pass  # not one whole chunk: nothing for a parser (a cut chunk is recovered below)
    elif whole and not repair.needs_view and layout.truncated_tail is None:
        _collect(reader.read_records(stream, report, threads=task.threads), result, source_args)
    else:
        # the parsers see the file as ``assess`` repaired it (never the cut tail: that is
        # recovered below), so they meet only damage inside records, which they count
        with ChunkRangeView(stream, start, stop, patches=repair.patches,
                            header=layout.synthetic_header) as view:
            _collect(reader.read_records(view, report, threads=task.threads), result,
                     source_args)
    _place_errors(stream, layout, report, since, start, repair.patches)
    if task.last_part and layout.truncated_tail is not None:
        _recover_tail(stream, layout, reader, result, source_args)
    report.status = "partial" if report.skipped else "ok"


def _place_errors(stream: BinaryIO, layout: Layout, report: FileReport, since: int,
                  first_chunk: int, patches: dict[int, bytes] | None = None) -> None:
    """Turn the parser's view-relative chunk numbers and offsets into the file's own, and
    find the offset of records pyevtx-rs names only by number."""
    todo = report.errors[since:]
    for e in todo:
        e.lost = e.lost or 1  # a parser counts each record or chunk it skips as one
        if e.chunk is not None:
            e.chunk += first_chunk
        if e.offset is not None and e.offset >= FILE_HEADER_SIZE:
            e.offset += first_chunk * CHUNK_SIZE
    ids = {e.record_id for e in todo if e.offset is None and e.record_id is not None}
    where = locate_records(stream, layout, ids, patches) if ids else {}
    for e in todo:
        if e.offset is None:
            if e.record_id in where:
                e.offset, e.chunk = where[e.record_id]
            elif e.chunk is not None:
                e.offset = chunk_offset(e.chunk)


def _recover_tail(stream: BinaryIO, layout: Layout, reader: Reader, result: FileResult,
                  source_args) -> None:
    """The parsers drop a chunk cut short; re-frame it and read what came before the cut."""
    report = result.report
    rec = recover_truncated_tail(stream, layout)
    if rec is None or rec.records == 0:
        return
    before = report.records
    since = len(report.errors)
    _collect(reader.read_records(io.BytesIO(rec.data), report, recovered=True), result,
             source_args)
    _place_errors(stream, layout, report, since, layout.truncated_tail.index)
    got = report.records - before
    report.recovered += got
    report.note(f"truncated last chunk: recovered {got} records written before the cut "
                f"(evtxscan.source.recovered: true)", offset=rec.chunk_file_offset,
                chunk=layout.truncated_tail.index)


def _collect(records, result: FileResult, source_args) -> None:
    display, sha, backend, keep_activity = source_args
    report = result.report
    for raw in records:
        fact = exposure_fact(raw, display, sha)
        if fact is not None:
            result.exposure.append(fact)
        src = Source(display, sha, raw.record_id, raw.event_id, raw.channel, backend,
                     raw.recovered)
        ev = normalize(raw, src)
        if ev is None:
            continue
        if isinstance(ev, ProcEvent):
            if ev.kind == "start":
                result.events.append(ev)
                report.process_events += 1
            else:
                result.events.append(ProcEnd.of(ev))
        else:
            keep_activity(ev)
