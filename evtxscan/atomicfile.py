"""Every file evtxscan writes goes through ``atomic_write``.

A reader of OUTDIR (or a rerun after a crash) sees either the old file or the whole new
one, never half of one.  The temporary file is always a fresh one beside the target,
created with ``O_CREAT | O_EXCL | O_NOFOLLOW``: a name planted there in advance (a
symlink to an evidence file, say) makes the open fail instead of being written through.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
    | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def fresh_file(folder: Path, prefix: str, mode: int = 0o666) -> tuple[int, Path]:
    """Create and open a new file in ``folder`` (never an existing name, never through a
    link), with ``mode`` less the umask."""
    for _ in range(100):
        path = folder / f".{prefix}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(path, _FLAGS, mode), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


@contextmanager
def atomic_write(path: Path, *, durable: bool = False, mode: int = 0o666) -> Iterator:
    """A binary file object whose bytes become ``path`` when the block ends without an
    exception (renamed over it); on any exception the temporary file is removed and
    ``path`` is untouched.  ``durable`` also syncs the bytes to disk first (the case
    file: a responder's notes must survive a power cut)."""
    fd, tmp = fresh_file(path.parent, path.name, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` itself durable."""
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def write_bytes(path: Path, data: bytes, *, durable: bool = False,
                mode: int = 0o666) -> Path:
    with atomic_write(path, durable=durable, mode=mode) as f:
        f.write(data)
    return path


@contextmanager
def exclusive_lock(path: Path, *, wait: bool = True, holder: bytes = b"") -> Iterator[int]:
    """Hold an exclusive ``flock`` on the file ``path`` (created if need be, never
    through a link) for the block; the file is removed when the lock is released.

    The kernel drops the lock when its process dies, so a killed holder never blocks
    the next one.  Because holders remove the file, a lock taken on a file that was
    removed meanwhile is dropped and taken again on the current one.  With ``wait``
    False, ``BlockingIOError`` is raised at once while another process holds it;
    ``holder`` is written into the file for whoever finds it locked."""
    for _ in range(100):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            try:
                same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if not same:
            os.close(fd)
            continue
        try:
            if holder:
                os.ftruncate(fd, 0)
                os.pwrite(fd, holder, 0)
            yield fd
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
            os.close(fd)
        return
    raise OSError(f"cannot lock {path}")
