"""Output formats, one module each.  ``write(analysis, outdir, formats)`` dispatches."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

#: format name -> "module:function" writing that format; each writer takes
#: (analysis, outdir: Path, options: dict) and returns the paths it wrote.
FORMATS: dict[str, str] = {
    "jsonl": "evtxscan.outputs.jsonl:write",
    "graphml": "evtxscan.outputs.graphml:write",
    "csv": "evtxscan.outputs.csv_out:write",
    "md": "evtxscan.outputs.markdown:write",
    "html": "evtxscan.outputs.html:write",
}


def writer(name: str) -> Callable:
    import importlib
    mod, func = FORMATS[name].split(":")
    return getattr(importlib.import_module(mod), func)


def write(analysis, outdir: Path, formats: list[str], options: dict | None = None, *,
          jobs: int = 1) -> list[Path]:
    """Write every requested format (plus summary.json, always) into ``outdir``.

    With ``jobs`` > 1 the formats after the first are written by forked copies of this
    process while it writes the first: each writer only reads the analysis, and on a big
    case processes.jsonl and graph.graphml take seconds each.  A child that fails is
    retried here, so the files are the same either way.
    """
    from . import summary
    options = options or {}
    outdir.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(formats))
    children = {name: _fork_writer(name, analysis, outdir, options)
                for name in names[1:]} if jobs > 1 and _can_fork() else {}
    done: dict[str, list[Path]] = {}
    for name in names:
        if children.get(name) is None:
            done[name] = writer(name)(analysis, outdir, options)
    tail = summary.write(analysis, outdir, options)
    for name, child in children.items():
        if child is not None:
            paths = _wait(*child)
            done[name] = paths if paths is not None else writer(name)(analysis, outdir, options)
    return [p for name in names for p in done[name]] + tail


def _can_fork() -> bool:
    """fork() is safe while this is the only thread (Linux; macOS frameworks are not)."""
    import threading
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _fork_writer(name: str, analysis, outdir: Path, options: dict):
    import json
    r, w = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    pid = os.fork()
    if pid:
        os.close(w)
        return pid, r
    code = 1
    try:
        import gc
        gc.disable()  # a collection would touch (and so copy) every object of the parent
        os.close(r)
        paths = writer(name)(analysis, outdir, options)
        os.write(w, json.dumps([str(p) for p in paths]).encode())
        code = 0
    except BaseException as exc:  # noqa: BLE001 - reported; the parent writes it again
        print(f"evtxscan: note: writing {name} in a child failed ({exc}); retrying",
              file=sys.stderr)
    finally:
        os._exit(code)


def _wait(pid: int, fd: int) -> list[Path] | None:
    import json
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    return [Path(p) for p in json.loads(data)]
