"""Run the per-file stage over many files: in-process, a process pool, or Dask.

Whatever runs the tasks, results are merged in task order, so ``--jobs 1``, ``--jobs N``,
a file split into chunk ranges and a Dask cluster give byte-identical outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .discover import Found, discover
from .records import FileReport
from .scanfile import CHUNK, HEADER, FileResult, FileTask, scan_file, sha256_file

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


def resolve_jobs(found: list[Found], opts: ReadOptions) -> ReadOptions:
    """``jobs=0`` means one worker per core (at most ``MAX_AUTO_JOBS``) when the evidence
    is big enough to gain from it, else 1."""
    if opts.jobs > 0:
        return opts
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    total = sum(_size(f.path) for f in found if not f.problem)
    jobs = min(cores, MAX_AUTO_JOBS) if total >= AUTO_PARALLEL_BYTES else 1
    return replace(opts, jobs=max(1, jobs))


def plan(found: list[Found], opts: ReadOptions) -> list[FileTask]:
    """One task per file; big files split into ranges of whole chunks when parallel."""
    tasks: list[FileTask] = []
    parallel = opts.jobs > 1 or opts.scheduler is not None
    # a Dask worker may be on another machine: its side events come back in the result
    spill = opts.spill_dir if opts.scheduler is None else None
    for f in found:
        if f.problem:
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
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing as mp
    ctx = mp.get_context("forkserver" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=opts.jobs, mp_context=ctx) as pool:
        for i, r in enumerate(pool.map(scan_file, tasks, chunksize=1)):
            if progress:
                progress(i, total, tasks[i].display)
            yield r


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


def problem_report(f: Found) -> FileReport:
    rep = FileReport(path=f.display, abspath=f.path, status="error")
    rep.error(f.problem or "unknown problem")
    return rep


def read_all(paths: list[str], opts: ReadOptions, progress: Progress | None = None
             ) -> tuple[list[FileReport], list[FileResult], ReadOptions]:
    """Discover and read everything; reports for every path, results for readable files,
    and the options as run (``jobs`` resolved)."""
    found = discover(paths)
    opts = resolve_jobs(found, opts)
    reports = [problem_report(f) for f in found if f.problem]
    results: list[FileResult] = []
    for r in merge(run_tasks(plan(found, opts), opts, progress)):
        reports.append(r.report)
        results.append(r)
    reports.sort(key=lambda r: r.path)
    return reports, results, opts
