"""Output formats, one module each.  ``write(analysis, outdir, formats, options)`` dispatches.

A format is one module with ``write(analysis, outdir: Path, options: WriteOptions) ->
list[Path]`` plus one line in ``FORMATS``; every file is written through
``evtxscan.atomicfile.atomic_write``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: format name -> "module:function" writing that format
FORMATS: dict[str, str] = {
    "jsonl": "evtxscan.outputs.jsonl:write",
    "graphml": "evtxscan.outputs.graphml:write",
    "csv": "evtxscan.outputs.csv_out:write",
    "md": "evtxscan.outputs.markdown:write",
    "html": "evtxscan.outputs.html:write",
}


@dataclass(frozen=True)
class WriteOptions:
    """How the outputs are written: the reports' language and display time zone (JSON
    stays UTC), the case file the reports read (a path, an open ``Case``, or None), and
    how many processes may write side by side."""

    lang: str = "en"
    timezone: str = "UTC"
    case: object | None = None
    jobs: int = 1


def writer(name: str) -> Callable:
    import importlib
    mod, func = FORMATS[name].split(":")
    return getattr(importlib.import_module(mod), func)


def write(analysis, outdir: Path, formats: list[str],
          options: WriteOptions = WriteOptions()) -> list[Path]:
    """Write every requested format (plus summary.json, always) into ``outdir``.

    With ``options.jobs`` > 1 the formats after the first are written by forked copies
    of this process while it writes the first (``evtxscan.forking``); writers may split
    their own work the same way.  The files are the same either way.
    """
    from .. import forking
    from . import summary
    outdir.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(formats))

    def job(name: str):
        return lambda: [str(p) for p in writer(name)(analysis, outdir, options)]

    written = forking.run([job(name) for name in names], options.jobs)
    return [Path(p) for paths in written for p in paths] + summary.write(analysis, outdir,
                                                                         options)
