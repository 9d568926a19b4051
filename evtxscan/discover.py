"""Find the .evtx files under the paths a responder gives us.

Collections come as KAPE/Velociraptor trees (``C/Windows/System32/winevt/Logs/``), as
flat evidence folders, or as single files.  We do not trust names to say what a file
holds (``Microsoft-Windows-Sysmon%4Operational.evtx``, ``Security (1).evtx``,
``SECURITY.EVTX``): every ``.evtx`` is read and its records decide.  Problems with a
path itself (missing, unreadable, a symlink loop) are returned as values so the scan
reports them and goes on.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Found:
    """A file to read (``problem`` is None) or a path we could not use (and why)."""

    path: str          # absolute
    display: str       # relative to the scanned root (prefixed when several roots)
    problem: str | None = None


def _is_evtx_name(name: str) -> bool:
    return name.lower().endswith(".evtx")


def _not_a_file(path: str) -> str:
    """Why ``path`` (an .evtx name that is not a regular file) cannot be read, in words.

    Never opens it: a FIFO named ``Security.evtx`` would block the scan forever.
    """
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


def discover(paths: list[str]) -> list[Found]:
    """Every ``.evtx`` under ``paths`` (recursively, sorted, each real file once)."""
    out: list[Found] = []
    seen: set[str] = set()
    several = len(paths) > 1
    for root in paths:
        rp = Path(root)
        label = rp.name or str(rp)
        if not os.path.lexists(root):
            out.append(Found(str(rp), str(root), "does not exist"))
            continue
        if rp.is_file():
            real = os.path.realpath(root)
            if real not in seen:
                seen.add(real)
                out.append(Found(str(rp.resolve()), rp.name))
            continue
        if not rp.is_dir():
            out.append(Found(os.path.abspath(root), str(root), _not_a_file(root)))
            continue
        found_here = 0

        def shown(path: str) -> str:
            rel = os.path.relpath(path, rp)
            return (f"{label}/{rel}" if several else rel).replace(os.sep, "/")
        problems: list[Found] = []
        for f in _walk(rp, problems):
            real = os.path.realpath(f)
            if real in seen:
                continue
            seen.add(real)
            out.append(Found(os.path.abspath(f), shown(f)))
            found_here += 1
        out += [Found(os.path.abspath(p.path), shown(p.path), p.problem) for p in problems]
        if found_here == 0 and not problems:
            out.append(Found(str(rp.resolve()), str(root), "no .evtx files found in directory"))
    return out


def _walk(root: Path, problems: list[Found]) -> list[str]:
    """Recursive listing that follows directory symlinks once and survives loops."""
    files: list[str] = []
    visited: set[str] = set()
    stack = [str(root)]
    while stack:
        d = stack.pop()
        real = os.path.realpath(d)
        if real in visited:
            # a link back to a folder above it loops; a second way into a folder already
            # read is only skipped
            if os.path.islink(d) and (real == os.path.realpath(os.path.dirname(d)) or
                                      os.path.realpath(os.path.dirname(d)).startswith(real + os.sep)):
                problems.append(Found(d, d, f"symlink loop (points back to {os.readlink(d)}): "
                                            f"not followed"))
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            problems.append(Found(d, d, f"cannot list directory: {exc.strerror or exc}"))
            continue
        for e in entries:
            try:
                if e.is_dir():
                    stack.append(e.path)
                elif _is_evtx_name(e.name):
                    if e.is_file():
                        files.append(e.path)
                    else:
                        problems.append(Found(e.path, e.path, _not_a_file(e.path)))
            except OSError:
                problems.append(Found(e.path, e.path, _not_a_file(e.path)))
    return sorted(files)
