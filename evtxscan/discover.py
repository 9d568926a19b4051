"""Find the .evtx files under the paths a responder gives us.

Collections come as KAPE/Velociraptor trees (``C/Windows/System32/winevt/Logs/``), as
flat evidence folders, or as single files.  We do not trust names to say what a file
holds (``Microsoft-Windows-Sysmon%4Operational.evtx``, ``Security (1).evtx``,
``SECURITY.EVTX``): every ``.evtx`` is read and its records decide.  Problems with a
path itself (missing, unreadable, a symlink loop) are returned as values so the scan
reports them and goes on.
"""

from __future__ import annotations

import os
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
        if not rp.exists():
            out.append(Found(str(rp), str(root), "broken symlink"))
            continue
        if rp.is_file():
            real = os.path.realpath(root)
            if real not in seen:
                seen.add(real)
                out.append(Found(str(rp.resolve()), rp.name))
            continue
        if not rp.is_dir():
            out.append(Found(str(rp), str(root), "not a regular file or directory"))
            continue
        found_here = 0
        for f in _walk(rp, out):
            real = os.path.realpath(f)
            if real in seen:
                continue
            seen.add(real)
            rel = os.path.relpath(f, rp)
            display = f"{label}/{rel}" if several else rel
            out.append(Found(os.path.abspath(f), display.replace(os.sep, "/")))
            found_here += 1
        if found_here == 0:
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
            if os.path.islink(d):
                problems.append(Found(d, d, "symlink loop (directory already visited)"))
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
                    elif os.path.islink(e.path):
                        problems.append(Found(e.path, e.path, "broken symlink"))
            except OSError as exc:
                problems.append(Found(e.path, e.path, f"cannot stat: {exc.strerror or exc}"))
    return sorted(files)
