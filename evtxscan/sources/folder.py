"""The walk of a folder on the analyst's machine (or a single file given as PATH).

Collections come as KAPE/Velociraptor trees (``C/Windows/System32/winevt/Logs/``), as
flat evidence folders, or as single files; a folder may also hold images and archives
(``DC01.E01``, ``WS01.zip``), which the caller opens by their content.  Problems with a
path itself (missing, unreadable, a symlink loop, a FIFO named ``Security.evtx``) are
returned as values so the scan reports them and goes on; special files are never
opened (a FIFO would block the scan forever).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass

from .names import is_log_name


@dataclass(frozen=True, slots=True)
class Entry:
    """A regular file under the root (``problem`` None) or a path we could not use."""

    path: str          # absolute
    rel: str           # relative to the root, "/"-separated
    problem: str | None = None


def not_a_file(path: str) -> str:
    """Why ``path`` (a log name that is not a regular file) cannot be read, in words."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if os.path.islink(path):
            return f"broken symlink (points to {os.readlink(path)})"
        return f"cannot stat: {exc.strerror or exc}"
    kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "special")
    return f"not a regular file ({kind}): not opened"


def walk(root: str) -> list[Entry]:
    """Every regular file under ``root`` (sorted by relative path), and the problems.

    Follows directory symlinks once and survives loops; a special file is a problem only
    when it bears a log's name (anything else that is not a regular file is no evidence
    we would read).
    """
    files: list[Entry] = []
    problems: list[Entry] = []
    visited: set[str] = set()
    stack = [root]

    def rel(p: str) -> str:
        return os.path.relpath(p, root).replace(os.sep, "/")
    while stack:
        d = stack.pop()
        real = os.path.realpath(d)
        if real in visited:
            # a link back to a folder above it loops; a second way into a folder already
            # read is only skipped
            if os.path.islink(d) and (real == os.path.realpath(os.path.dirname(d)) or
                                      os.path.realpath(os.path.dirname(d)).startswith(real + os.sep)):
                problems.append(Entry(os.path.abspath(d), rel(d),
                                      f"symlink loop (points back to {os.readlink(d)}): "
                                      f"not followed"))
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Entry(os.path.abspath(d), rel(d),
                                  f"cannot list directory: {exc.strerror or exc}"))
            continue
        for e in entries:
            try:
                if e.is_dir():
                    stack.append(e.path)
                elif e.is_file():
                    files.append(Entry(os.path.abspath(e.path), rel(e.path)))
                elif is_log_name(e.name):
                    problems.append(Entry(os.path.abspath(e.path), rel(e.path),
                                          not_a_file(e.path)))
            except OSError:
                if is_log_name(e.name):
                    problems.append(Entry(os.path.abspath(e.path), rel(e.path),
                                          not_a_file(e.path)))
    files.sort(key=lambda f: f.rel)
    return files + problems
