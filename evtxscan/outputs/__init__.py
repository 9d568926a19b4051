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


def write(analysis, outdir: Path, formats: list[str], options: dict | None = None) -> list[Path]:
    """Write every requested format (plus summary.json, always) into ``outdir``."""
    from . import summary
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in dict.fromkeys(formats):
        written += writer(name)(analysis, outdir, options or {})
    written += summary.write(analysis, outdir, options or {})
    return written
