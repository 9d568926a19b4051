"""Worker processes for the per-file stage (``--jobs N``), and what happens when one dies.

A worker can die under a run: the OOM killer, a parser crash, a responder's ``kill``.
``concurrent.futures`` then breaks the whole pool and every unfinished task with it,
which used to end the run with no outputs and no file named.  Here a task whose worker
died is run again, alone, in a fresh worker (alone, so that a file that kills its reader
is told apart from the files that merely shared the pool with it); if that worker dies
too, the file is reported ``error`` with the reason and the run goes on.  The retry is
not in this process: a log that crashes a parser would crash the whole run.

Workers never outlive the run: they ignore Ctrl-C (this process handles it and stops
them), are started with ``spawn`` so they are this process' own children, and on Linux
ask the kernel to kill them when their parent dies (``PR_SET_PDEATHSIG``), even by
SIGKILL.  Results come back in task order, so outputs do not depend on ``--jobs``.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

_PR_SET_PDEATHSIG = 1


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by _starting
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)  # this process' own libc: no ldconfig run
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn"),
                               initializer=_worker_init)


@contextmanager
def _starting():
    """Workers are started (on ``submit``) with Ctrl-C blocked: a terminal's Ctrl-C
    reaches the whole process group, and a worker still starting up would die of it
    with a traceback before its initializer could ignore it.  The child inherits the
    mask; this process gets a Ctrl-C that came meanwhile once it is unblocked."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel what has not started, kill what runs."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.kill()
    for proc in processes:
        proc.join(5)


def run_in_order(fn: Callable, tasks: list, jobs: int, *,
                 died: Callable[[object, str], object]) -> Iterator:
    """``fn(task)`` for every task in worker processes, yielded in task order.  A task
    whose worker died, and died again on its retry, yields ``died(task, reason)``."""
    pool = _pool(jobs)
    try:
        with _starting():
            futures: list[Future] = [pool.submit(fn, t) for t in tasks]
        for i, task in enumerate(tasks):
            try:
                yield futures[i].result()
                continue
            except BrokenProcessPool:
                pass
            # the pool is broken: every unfinished task needs a new one
            _stop(pool)
            yield _retry_alone(fn, task, died)
            yield from _rest(fn, tasks[i + 1:], futures[i + 1:], jobs, died)
            return
    finally:
        _stop(pool)


def _finished_ok(f: Future) -> bool:
    return f.done() and not f.cancelled() and f.exception() is None


def _rest(fn, rest: list, futures: list[Future], jobs: int, died) -> Iterator:
    """After a broken pool: results already in hand are kept, the others run again."""
    todo = [t for t, f in zip(rest, futures) if not _finished_ok(f)]
    again = iter(run_in_order(fn, todo, jobs, died=died) if todo else ())
    for f in futures:
        yield f.result() if _finished_ok(f) else next(again)


def _retry_alone(fn: Callable, task, died: Callable[[object, str], object]):
    pool = _pool(1)
    try:
        with _starting():
            future = pool.submit(fn, task)
        return future.result()
    except BrokenProcessPool:
        return died(task, "the worker process reading it died (killed or crashed), and "
                          "again when it was retried alone: not read")
    finally:
        _stop(pool)
