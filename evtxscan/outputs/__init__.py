"""Output formats, one module each.  ``write(analysis, outdir, formats)`` dispatches."""

from __future__ import annotations

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
    process while it writes the first (``evtxscan.forking``); writers may split their own
    work the same way (``options["jobs"]``).  The files are the same either way.
    """
    from .. import forking
    from . import summary
    options = dict(options or {}, jobs=jobs)
    outdir.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(formats))

    def job(name: str):
        return lambda: [str(p) for p in writer(name)(analysis, outdir, options)]

    written = forking.run([job(name) for name in names], jobs)
    return [Path(p) for paths in written for p in paths] + summary.write(analysis, outdir,
                                                                         options)
