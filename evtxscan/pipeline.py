"""Run the per-file stage over many files: in-process, a process pool, or Dask.

Whatever runs the tasks, results are merged in task order, so ``--jobs 1``, ``--jobs N``,
a file split into chunk ranges and a Dask cluster give byte-identical outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from . import sources
from .evtx.format import CHUNK_SIZE as CHUNK, FILE_HEADER_SIZE as HEADER
from .records import FileReport
from .scanfile import FileResult, FileTask, scan_file, sha256_file
from .sources import LogRef, SourceOptions
from .sources.copies import CopyGroup, deduplicate, groups, identities

#: Files larger than this are split into chunk ranges when more than one job runs.
SPLIT_BYTES = 64 << 20
#: With ``jobs=0`` (auto) evidence at least this big gets one worker per core: below it
#: starting worker processes costs more than it saves.
AUTO_PARALLEL_BYTES = 256 << 20
MAX_AUTO_JOBS = 8

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    backend: str = "evtx"
    jobs: int = 1                    # 0: auto (see ``resolve_jobs``)
    scheduler: str | None = None     # Dask scheduler address, or a distributed.Client
    split_bytes: int = SPLIT_BYTES
    threads: int = 1                 # pyevtx-rs parser threads per task (0: one per core)
    spill_dir: str | None = None     # local folder for Sysmon side events (not with Dask)
    sources: SourceOptions = SourceOptions()  # archive passwords, BitLocker keys


def resolve_jobs(found: list[LogRef], opts: ReadOptions) -> ReadOptions:
    """``jobs=0`` means one worker per core (at most ``MAX_AUTO_JOBS``) when the evidence
    is big enough to gain from it, else 1."""
    if opts.jobs > 0:
        return opts
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    total = sum(_log_size(f) for f in found if not f.problem)
    jobs = min(cores, MAX_AUTO_JOBS) if total >= AUTO_PARALLEL_BYTES else 1
    return replace(opts, jobs=max(1, jobs))


def plan(found: list[LogRef], opts: ReadOptions, in_memory: frozenset[str] = frozenset()
         ) -> list[FileTask]:
    """One task per file; big files split into ranges of whole chunks when parallel.

    A log inside a container is one task (its worker opens it through its locator);
    ``in_memory`` names logs whose side events must come back in the result rather than
    be spilled (copies of one log, deduplicated after the read).
    """
    tasks: list[FileTask] = []
    parallel = opts.jobs > 1 or opts.scheduler is not None
    # a Dask worker may be on another machine: its side events come back in the result
    spill = opts.spill_dir if opts.scheduler is None else None
    for f in found:
        if f.problem:
            continue
        if f.locator.kind != "file" or f.display in in_memory:
            tasks.append(FileTask(_task_path(f), f.display, opts.backend, threads=opts.threads,
                                  spill_dir=None if f.display in in_memory else spill,
                                  locator=f.locator if f.locator.kind != "file" else None))
            continue
        size = _size(f.path)
        nchunks = max(0, (size - HEADER) // CHUNK)
        if parallel and size >= opts.split_bytes and nchunks >= 2:
            parts = max(2, min(nchunks, max(opts.jobs, 2) * 2, size // (16 << 20) or 2))
            sha = sha256_file(f.path)
            bounds = [round(i * nchunks / parts) for i in range(parts + 1)]
            for i in range(parts):
                tasks.append(FileTask(f.path, f.display, opts.backend, bounds[i], bounds[i + 1],
                                      part=i, last_part=(i == parts - 1), sha256=sha,
                                      threads=opts.threads, spill_dir=spill))
        else:
            tasks.append(FileTask(f.path, f.display, opts.backend, threads=opts.threads,
                                  spill_dir=spill))
    return tasks


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _log_size(ref: LogRef) -> int:
    return _size(ref.path) if ref.locator.kind == "file" else ref.size


def _task_path(ref: LogRef) -> str:
    """What identifies a log's task and report: its own path, or (inside a container)
    the container's path and the log's place in it."""
    if ref.locator.kind == "file":
        return ref.path
    return ref.locator.path + "::" + ref.display.split("::", 1)[-1]


def run_tasks(tasks: list[FileTask], opts: ReadOptions,
              progress: Progress | None = None) -> Iterator[FileResult]:
    """Yield results in task order, whatever executes them."""
    total = len(tasks)
    if opts.scheduler is not None:
        yield from _run_dask(tasks, opts.scheduler, progress)
        return
    if opts.jobs <= 1 or total <= 1:
        for i, t in enumerate(tasks):
            if progress:
                progress(i, total, t.display)
            yield scan_file(t)
        return
    from .workers import run_in_order
    for i, r in enumerate(run_in_order(scan_file, tasks, opts.jobs, died=_worker_died)):
        if progress:
            progress(i, total, tasks[i].display)
        yield r


def _worker_died(task: FileTask, reason: str) -> FileResult:
    report = FileReport(path=task.display, abspath=task.path, backend=task.backend,
                        status="error")
    report.error(reason)
    return FileResult(report)


def _run_dask(tasks: list[FileTask], scheduler, progress: Progress | None) -> Iterator[FileResult]:
    try:
        from distributed import Client
    except ImportError as exc:  # optional extra
        raise RuntimeError("--scheduler needs the 'distributed' extra: "
                           "pip install 'evtxscan[distributed]'") from exc
    own = isinstance(scheduler, str)
    client = Client(scheduler) if own else scheduler
    try:
        futures = client.map(scan_file, tasks, pure=False)
        for i, fut in enumerate(futures):
            r = fut.result()
            if progress:
                progress(i, len(tasks), tasks[i].display)
            yield r
    finally:
        if own:
            client.close()


def merge(results: Iterator[FileResult]) -> Iterator[FileResult]:
    """Fold the chunk-range parts of a split file back into one result per file."""
    pending: FileResult | None = None
    for r in results:
        if pending is not None and pending.report.abspath == r.report.abspath:
            _fold(pending, r)
            continue
        if pending is not None:
            yield pending
        pending = r
    if pending is not None:
        yield pending


def _fold(into: FileResult, part: FileResult) -> None:
    a, b = into.report, part.report
    a.records += b.records
    a.recovered += b.recovered
    a.skipped += b.skipped
    a.process_events += b.process_events
    a.errors.extend(b.errors)
    a.notes.extend(b.notes)
    if b.status == "error" or a.status == "error":
        a.status = "error"
    elif b.status == "partial":
        a.status = "partial"
    sa, sb = a.stats, b.stats
    # the gap check the whole-file read makes where this range begins: last record read
    # before it against the first read in it (ids are not in order in a wrapped log)
    last = getattr(sa, "last_read", sa.last_record_id)
    first = getattr(sb, "first_read", sb.first_record_id)
    if last is not None and first is not None and first > last + 1:
        sa.gaps.append((last, first))
    sa.gaps.extend(sb.gaps)
    if getattr(sb, "last_read", None) is not None and hasattr(sa, "last_read"):
        sa.last_read = sb.last_read
    for k in ("first_time", "first_record_id"):
        va, vb = getattr(sa, k), getattr(sb, k)
        if va is None or (vb is not None and vb < va):
            setattr(sa, k, vb)
    for k in ("last_time", "last_record_id"):
        va, vb = getattr(sa, k), getattr(sb, k)
        if va is None or (vb is not None and vb > va):
            setattr(sa, k, vb)
    for name in ("event_ids", "providers", "channels", "computers"):
        da, db = getattr(sa, name), getattr(sb, name)
        for k, v in db.items():
            da[k] = da.get(k, 0) + v
    into.events.extend(part.events)
    into.activity.extend(part.activity)
    into.spills.extend(part.spills)
    into.exposure.extend(part.exposure)


def problem_report(f: LogRef) -> FileReport:
    rep = FileReport(path=f.display, abspath=_task_path(f), status="error",
                     container=f.container)
    rep.error(f.problem or "unknown problem")
    return rep


@dataclass(slots=True)
class ReadResult:
    """The read stage's outcome: a report for every path and every log, results for the
    logs that could be read, the options as run (``jobs`` resolved), the evidence
    containers (with their own SHA-256) and the logs read from several copies."""

    reports: list[FileReport]
    results: list[FileResult]
    options: ReadOptions
    containers: list[sources.Container]
    copies: list[CopyGroup]


def read_all(paths: list[str], opts: ReadOptions, progress: Progress | None = None
             ) -> ReadResult:
    """Discover and read everything, hashing the containers meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    listing = sources.find(paths, opts.sources)
    found = listing.logs
    opts = resolve_jobs(found, opts)
    copy_groups = groups(found)
    in_copies = frozenset(r.display for g in copy_groups for r in g.copies)
    reports = [problem_report(f) for f in found if f.problem]
    results: list[FileResult] = []
    by_display = {f.display: f for f in found if not f.problem}
    # the containers' own hashes: one streamed read each, in a thread (hashlib lets go
    # of the GIL) while the logs are read
    with ThreadPoolExecutor(1, thread_name_prefix="evtxscan-hash") as hasher:
        hashed = [hasher.submit(sources.digest, c) for c in listing.containers]
        for r in merge(run_tasks(plan(found, opts, in_copies), opts, progress)):
            ref = by_display.get(r.report.path)
            if ref is not None:
                r.report.container = ref.container
                r.report.original_path = ref.original
                if ref.snapshot is not None:
                    r.report.vss_store = (ref.snapshot.name, ref.snapshot.created)
            reports.append(r.report)
            results.append(r)
        for h in hashed:
            try:
                h.result()
            except OSError:
                pass  # the container's own problems were reported when it was listed
    if copy_groups:
        by_file = {r.report.path: r for r in results}
        for g in copy_groups:
            deduplicate(g, by_file, _identities)
    reports.sort(key=lambda r: r.path)
    return ReadResult(reports, results, opts, listing.containers, copy_groups)


def _identities(ref: LogRef) -> dict[int, int]:
    try:
        with sources.open_log(ref.locator) as opened:
            return identities(opened.stream)
    except Exception:  # noqa: BLE001 - unreadable here means it was reported as such
        return {}
