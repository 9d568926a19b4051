"""Where evtxscan may write: never into the evidence.

An output folder or a case file is refused when it is, or lies inside, an evidence
folder *or the folder that holds an evidence file*: ``scan DC01/Security.evtx -o DC01``
would otherwise write summary.json beside (or over) the evidence.
"""

from __future__ import annotations

import os
from pathlib import Path


def evidence_folders(inputs) -> list[Path]:
    """The folders evtxscan must not write into: each input folder, and the folder of
    each input file (resolved; inputs that do not exist are ignored)."""
    out: list[Path] = []
    for item in inputs:
        if not item:
            continue
        p = Path(item)
        if not os.path.lexists(p):
            continue
        r = p.resolve()
        out.append(r if r.is_dir() else r.parent)
    return out


def evidence_holding(path: Path, inputs) -> Path | None:
    """The evidence folder that ``path`` is or lies inside, else None."""
    p = Path(path).resolve()
    for folder in evidence_folders(inputs):
        if p == folder or folder in p.parents:
            return folder
    return None
