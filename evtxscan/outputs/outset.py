"""An output folder holds one whole set of outputs, from one run, or the previous one.

Why: a run killed while writing, or two runs into one folder, used to leave new
processes.jsonl beside the previous run's summary.json with nothing marking the mix, and
a rerun with fewer ``-f`` left the old report.html behind.  So:

* Everything is checked before any evidence is read (``OutputSet.open``): the folder is
  not inside the evidence, is a folder, is writable and has room, and no other
  evtxscan holds it (a lock beside it; the second run says who holds it and stops).
* The whole set is written into a staging folder beside OUTDIR and swapped in at the end
  in one ``rename`` (``renameat2(RENAME_EXCHANGE)`` on Linux).  Until then OUTDIR holds
  the previous set, untouched; a failure or Ctrl-C removes the staging folder; a run
  killed outright leaves it behind, and the next run on OUTDIR removes it (it holds the
  lock, so no one else can be writing there).
* Files in OUTDIR that the set does not own (the case file, exported alerts, or with
  ``--force`` anything else) are carried over into the new set; files the set owns but
  this run did not write (report.html after a run without ``-f html``) are dropped.

When OUTDIR cannot be renamed (a mount point, a parent folder that is not writable) the
set is staged inside OUTDIR instead and moved in file by file, summary.json removed
first and written last: a folder without summary.json is an incomplete set.
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import json
import os
import shutil
import socket
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ..atomicfile import exclusive_lock, fresh_file
from ..evidenceguard import evidence_holding
from ..textsafe import printable
from .summary import FILES as SUMMARY_FILES

#: evtxscan's own files that may sit in OUTDIR beside a set without ``--force``
KEEP = ("case.json", ".case.json.*", "evtxscan-alert-*.md")
#: the case file's lock (``evtxscan.case.Case``), held while the case is carried over
CASE_LOCK = ".case.json.lock"
#: the seal of a complete set: written last, removed first (see the module docstring)
SEAL = SUMMARY_FILES[0]
STAGING = ".{name}.evtxscan-staging-"
LOCK = ".{name}.evtxscan.lock"
#: below this much free space OUTDIR is refused before reading
MIN_FREE_BYTES = 16 << 20


class OutputError(Exception):
    """OUTDIR cannot take the outputs; ``str()`` is one line for the user (exit 2)."""


def owned_files() -> frozenset[str]:
    """Every file name some output format writes (each writer's ``FILES``)."""
    import importlib

    from . import FORMATS
    names = {SEAL}
    for spec in FORMATS.values():
        names.update(importlib.import_module(spec.split(":")[0]).FILES)
    return frozenset(names)


def _kept(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in KEEP)


@dataclass
class OutputSet:
    """The lifecycle of one run's outputs: ``open`` (before reading), write into
    ``staging``, then ``commit`` -- or ``abort`` on any failure."""

    outdir: Path
    inputs: list[str]
    force: bool = False
    staging: Path | None = None
    inside: bool = False                 # staged inside OUTDIR (see module docstring)
    _lock_stack: ExitStack | None = None
    _created: bool = False
    carried: list[str] = field(default_factory=list)

    # ------------------------------------------------------------------ open
    def open(self) -> Path:
        """Check and lock OUTDIR and make the staging folder; raise ``OutputError``."""
        out = self.outdir = Path(os.path.abspath(self.outdir))
        held = evidence_holding(out, self.inputs)
        if held is not None:
            raise OutputError(f"output folder {printable(str(out))} is inside the evidence "
                              f"{printable(str(held))}; choose another -o")
        if os.path.lexists(out) and not out.is_dir():
            raise OutputError(f"output {printable(str(out))} exists and is not a folder; "
                              "choose another -o")
        if out.is_symlink():
            out = self.outdir = out.resolve()
        parent = out.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if not out.exists():
                out.mkdir()
                self._created = True
        except OSError as exc:
            raise OutputError(f"cannot create output folder {printable(str(out))}: "
                              f"{exc.strerror or exc}") from None
        self.inside = os.path.ismount(out) or not os.access(parent, os.W_OK)
        self._lock()
        try:
            self._clean_stale()
            self._check_contents()
            self._make_staging()
        except BaseException:
            self.abort()
            raise
        return self.staging

    def _lock_dir(self) -> Path:
        return self.outdir if self.inside else self.outdir.parent

    def _lock(self) -> None:
        """An exclusive lock on a file beside OUTDIR (inside it when staged inside),
        held until ``commit`` or ``abort``; the file names the holder."""
        path = self._lock_dir() / LOCK.format(name=self.outdir.name)
        holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        stack = ExitStack()
        try:
            stack.enter_context(exclusive_lock(path, wait=False, holder=holder.encode()))
        except BlockingIOError:
            raise OutputError(f"output folder {printable(str(self.outdir))} is in use by "
                              f"another evtxscan ({_read_holder(path)}); wait for it to "
                              "finish or choose another -o") from None
        except OSError as exc:
            raise OutputError(f"cannot lock output folder {printable(str(self.outdir))}: "
                              f"{exc.strerror or exc}") from None
        self._lock_stack = stack

    def _clean_stale(self) -> None:
        """Staging folders of runs that were killed (we hold the lock: nobody else
        writes there now)."""
        prefix = STAGING.format(name=self.outdir.name)
        for entry in os.scandir(self._lock_dir()):
            if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)

    def _check_contents(self) -> None:
        owned = owned_files()
        lock = LOCK.format(name=self.outdir.name)
        foreign = sorted(e.name for e in os.scandir(self.outdir)
                         if e.name not in owned and not _kept(e.name) and e.name != lock)
        if foreign and not self.force:
            shown = ", ".join(printable(n) for n in foreign[:3])
            more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            raise OutputError(f"output folder {printable(str(self.outdir))} holds files that "
                              f"are not evtxscan outputs ({shown}{more}); choose an empty "
                              "or earlier evtxscan output folder, or add --force to keep "
                              "them beside the new outputs")

    def _make_staging(self) -> None:
        base = self.outdir if self.inside else self.outdir.parent
        prefix = STAGING.format(name=self.outdir.name)
        try:
            free = shutil.disk_usage(base).free
            if free < MIN_FREE_BYTES:
                raise OutputError(f"no room for the outputs in {printable(str(self.outdir))} "
                                  f"({free >> 20} MiB free)")
            fd, probe = fresh_file(base, prefix + "probe")
            try:
                os.write(fd, b"\0" * 65536)
                os.fsync(fd)
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
            self.staging = base / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"
            self.staging.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot write to output folder {printable(str(self.outdir))}: "
                              f"{exc.strerror or exc}") from None

    # ------------------------------------------------------------------ commit / abort
    def commit(self) -> None:
        """Make the staged set OUTDIR's; raise ``OutputError`` if that fails (OUTDIR then
        still holds the previous set)."""
        try:
            # a TUI working in OUTDIR's case writes it under this lock: a change saved
            # between the carry-over and the swap would be left in the old folder
            with exclusive_lock(self.outdir / CASE_LOCK):
                self._carry_over()
                if self.inside:
                    self._move_in()
                else:
                    self._exchange()
        except OSError as exc:
            self.abort()
            raise OutputError(f"cannot write the outputs into {printable(str(self.outdir))}: "
                              f"{exc.strerror or exc}; the previous outputs are unchanged"
                              ) from None
        self._release()

    def _carry_over(self) -> None:
        if self.inside:
            return  # they are in OUTDIR already, where the set is moved to
        owned = owned_files()
        lock = LOCK.format(name=self.outdir.name)
        for e in sorted(os.scandir(self.outdir), key=lambda e: e.name):
            if e.name in owned or e.name == lock or os.path.lexists(self.staging / e.name):
                continue
            if e.is_dir(follow_symlinks=False):
                shutil.copytree(e.path, self.staging / e.name, symlinks=True)
            else:
                os.link(e.path, self.staging / e.name, follow_symlinks=False)
            self.carried.append(e.name)

    def _exchange(self) -> None:
        old = self.staging
        if not _rename_exchange(self.staging, self.outdir):
            # no atomic exchange here: two renames, OUTDIR absent for an instant
            aside = self.outdir.with_name(self.staging.name + "-old")
            os.rename(self.outdir, aside)
            os.rename(self.staging, self.outdir)
            old = aside
        shutil.rmtree(old, ignore_errors=True)  # the previous set, now under the old name
        self.staging = None

    def _move_in(self) -> None:
        owned = owned_files()
        seal = self.outdir / SEAL
        seal.unlink(missing_ok=True)
        written = {e.name for e in os.scandir(self.staging)}
        for name in sorted(owned - written):
            (self.outdir / name).unlink(missing_ok=True)
        for name in sorted(written - {SEAL}):
            os.replace(self.staging / name, self.outdir / name)
        if SEAL in written:
            os.replace(self.staging / SEAL, seal)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None

    def abort(self) -> None:
        """Remove what this run staged; OUTDIR keeps the previous set."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if self._created:
            try:
                self.outdir.rmdir()  # only if still empty: we made it for nothing
            except OSError:
                pass
        self._release()

    def _release(self) -> None:
        if self._lock_stack is not None:
            self._lock_stack.close()
            self._lock_stack = None


def _read_holder(path: Path) -> str:
    try:
        info = json.loads(path.read_bytes()[:4096] or b"{}")
        return (f"pid {int(info['pid'])} on {printable(str(info['host']))} since "
                f"{printable(str(info['since']))}")
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


_RENAME_EXCHANGE = 2


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not
    available, so the caller falls back to two renames."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # this process' own libc: no ldconfig run
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
