"""A run's own temporary folder, which never outlives the run for long.

Sysmon side events are spilled to disk while reading (``evtxscan.spill``): they are
copied out of the evidence, so they must not linger in a shared temp directory.  Each
run makes one scratch folder holding a lock file it keeps locked while it lives; it is
removed when the run ends, however it ends short of being killed outright.  A run
that *was* killed (SIGKILL, a closed terminal) leaves its folder behind, unlocked: the
next run on the same base folder finds it and removes it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = ".evtxscan-scratch-"
_NEW = ".evtxscan-newscratch-"   # being made (see ``Scratch.__init__``)
_LOCK = "lock"
_YOUNG = 600  # seconds: a folder being made is left alone this long


class Scratch:
    """A scratch folder; ``close()`` (or the ``with`` block's end) removes it."""

    def __init__(self, base: str | os.PathLike | None = None) -> None:
        base_path = Path(base) if base is not None else Path(tempfile.gettempdir())
        remove_abandoned(base_path)
        # made under another name and renamed once its lock is held: a folder named
        # PREFIX... always has a lock that is either held or free for good
        young = Path(tempfile.mkdtemp(prefix=_NEW, dir=base_path))
        self._fd: int | None = os.open(young / _LOCK,
                                       os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self.path = base_path / (PREFIX + young.name[len(_NEW):])
        os.rename(young, self.path)

    def sub(self, name: str) -> Path:
        """A folder inside the scratch folder."""
        p = self.path / name
        p.mkdir(exist_ok=True)
        return p

    def close(self) -> None:
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten scratch folder still goes with its object
        self.close()


def remove_abandoned(base: Path) -> list[Path]:
    """Remove the scratch folders in ``base`` whose run is gone (their lock is free)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name.startswith(_NEW):  # its maker was killed before it was named
            try:
                if time.time() - entry.stat(follow_symlinks=False).st_mtime > _YOUNG:
                    shutil.rmtree(entry.path, ignore_errors=True)
                    removed.append(Path(entry.path))
            except OSError:
                pass
            continue
        if not entry.name.startswith(PREFIX):
            continue
        try:
            fd = os.open(os.path.join(entry.path, _LOCK), os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            fd = None  # cannot be a live run's: the lock is made before the name
        except OSError:
            continue
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # a live run
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
        if fd is not None:
            os.close(fd)
    return removed
