"""Run independent jobs of the output stage in forked copies of this process.

Why fork: after the read, everything an output needs is one big in-memory ``Analysis``.
Sending it to worker processes would cost more than writing; a forked child already has
it (copy-on-write) and only has to write its file.  Used with ``--jobs`` > 1 for the
formats (``outputs.write``) and for slices of processes.jsonl (``outputs.jsonl``).

Only on Linux and only while this is the process' one thread (fork does not copy other
threads, and a lock one of them held would never be released in the child).  A child
that fails has its job run again here, so the files never depend on forking.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from . import gcpolicy


def can_fork() -> bool:
    return sys.platform.startswith("linux") and threading.active_count() == 1


def run(jobs: list[Callable[[], Any]], parallel: int) -> list[Any]:
    """The results of ``jobs`` in order.  With ``parallel`` > 1, ``jobs[1:]`` run in
    forked children while ``jobs[0]`` runs here; their results must be JSON values."""
    if parallel <= 1 or len(jobs) <= 1 or not can_fork():
        return [job() for job in jobs]
    children = [_fork(job) for job in jobs[1:]]
    results = [jobs[0]()]
    for job, child in zip(jobs[1:], children):
        ok, value = _wait(*child) if child is not None else (False, None)
        results.append(value if ok else job())
    return results


def _fork(job: Callable[[], Any]) -> tuple[int, int] | None:
    r, w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    try:
        pid = os.fork()
    except OSError:  # no memory or process slots: the job runs here instead
        os.close(r)
        os.close(w)
        return None
    if pid:
        os.close(w)
        return pid, r
    code = 1
    try:
        os.close(r)
        with gcpolicy.paused():  # a collection would touch (and so copy) the parent's pages
            data = json.dumps(job()).encode()
        with os.fdopen(w, "wb") as out:
            out.write(data)
        code = 0
    except BaseException as exc:  # noqa: BLE001 - the parent runs the job again
        print(f"evtxscan: note: an output job failed in a child process ({exc}); "
              "writing it again", file=sys.stderr)
    finally:
        os._exit(code)


def _wait(pid: int, fd: int) -> tuple[bool, Any]:
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return False, None
    return True, json.loads(data)
