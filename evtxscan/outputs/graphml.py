"""``graph.graphml``: the whole process graph, all hosts, for Gephi/yEd/networkx.

The file is exactly what networkx's ``write_graphml`` (lxml) writes for
``xml_safe(graph.to_networkx())`` -- a test holds it to that -- but it is streamed node
by node instead of first building a second graph with every attribute in memory (half a
million processes on 50 hosts).

XML 1.0 cannot hold control characters, lone surrogates or U+FFFE/U+FFFF, so evidence
strings are written with those escaped (``\\x1b``, ``\\ufffe``); JSON outputs keep the
exact text.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..textsafe import CONTROL_CHARS, printable
from ..atomicfile import atomic_write

#: the files this format writes (``outputs.outset`` owns the set they belong to)
FILES = ("graph.graphml",)

#: what XML 1.0 forbids that ``printable`` leaves alone (it escapes the rest)
_XML_FORBIDDEN = re.compile("[\ufffe\uffff]")
#: a value without any of these is written as it is (most are)
_SPECIAL = re.compile(f"[{CONTROL_CHARS}\n\t\ufffe\uffff&<>]")


@functools.lru_cache(maxsize=1 << 14)
def xml_text(text: str) -> str:
    """Evidence text as GraphML carries it (hosts, images and command lines repeat)."""
    return _XML_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group(0)):04x}", printable(text))


def xml_safe(g):
    """``g`` (from ``ProcessGraph.to_networkx``) with every string attribute made
    ``xml_text``: the graph graph.graphml is the GraphML of."""
    h = g.copy()
    for _, data in h.nodes(data=True):
        for k, v in data.items():
            if isinstance(v, str):
                data[k] = xml_text(v)
    for _, _, data in h.edges(data=True):
        for k, v in data.items():
            if isinstance(v, str):
                data[k] = xml_text(v)
    return h


def write(analysis, outdir: Path, options) -> list[Path]:
    path = outdir / FILES[0]
    with atomic_write(path) as f:
        write_graphml(analysis.graph, f)
    return [path]


_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">')
_TYPES = {"pid": "long", "placeholder": "boolean"}


def _keys() -> tuple[dict[str, str], str, str]:
    """networkx numbers keys in first-seen order (node attributes, then the edge's) and
    writes them newest first."""
    from ..graph import ProcessGraph
    names = ProcessGraph.NODE_ATTRIBUTES
    ids = {name: f"d{i}" for i, name in enumerate(names)}
    edge = f'<key id="d{len(names)}" for="edge" attr.name="how" attr.type="string"/>\n'
    nodes = "".join(f'<key id="{ids[name]}" for="node" attr.name="{name}" '
                    f'attr.type="{_TYPES.get(name, "string")}"/>\n'
                    for name in reversed(names))
    return ids, nodes, edge


def _escape(text: str) -> str:
    """Element text as lxml escapes it."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _element_text(value) -> str:
    if not isinstance(value, str):
        return str(value)
    if _SPECIAL.search(value) is None:
        return value
    return _escape(xml_text(value))


def write_graphml(graph, f) -> None:
    """Stream ``graph`` (a ``ProcessGraph``) as GraphML into binary file ``f``."""
    ids, node_keys, edge_key = _keys()
    edge_id = edge_key.split('"')[1]
    procs = graph.procs
    out: list[str] = [_HEAD]
    if any(p.parent is not None for p in procs):
        out.append(edge_key)
    if procs:
        out.append(node_keys)
    out.append('<graph edgedefault="directed">')
    f.write("".join(out).encode("utf-8"))
    opens = [f'  <data key="{ids[name]}">' for name in graph.NODE_ATTRIBUTES]
    text = _element_text
    for n in range(len(procs)):
        values = graph.node_attributes(n).values()
        f.write((f'<node id="{n}">\n'
                 + "".join(f"{o}{text(v)}</data>\n" for o, v in zip(opens, values))
                 + "</node>\n").encode("utf-8"))
    children = graph.children_index()
    for parent in sorted(children):
        for child in sorted(children[parent]):
            how = text(procs[child].parent_how or "")
            f.write(f'<edge source="{parent}" target="{child}">\n'
                    f'  <data key="{edge_id}">{how}</data>\n</edge>\n'.encode("utf-8"))
    f.write(b"</graph></graphml>")
