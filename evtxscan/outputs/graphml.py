"""``graph.graphml``: the whole process graph, all hosts, for Gephi/yEd/networkx."""

from __future__ import annotations

from pathlib import Path


def write(analysis, outdir: Path, options: dict) -> list[Path]:
    path = outdir / "graph.graphml"
    tmp = path.with_suffix(".graphml.tmp")
    analysis.graph.to_graphml(str(tmp))
    tmp.replace(path)
    return [path]
