"""The process graph in the Python API is a networkx graph, and graph.graphml is what
networkx itself writes for it."""

from __future__ import annotations

import io

import networkx as nx

from evtxscan.outputs import WriteOptions, write
from evtxscan.outputs.graphml import xml_safe


def _alert(analysis, host: str, name: str):
    return next(a for a in analysis.alerts
                if a.host.split(".")[0] == host and a.process.name == name)


def test_graphml_is_what_networkx_writes_for_the_same_graph(analysis, tmp_path):
    write(analysis, tmp_path, ["graphml"], WriteOptions())
    ours = (tmp_path / "graph.graphml").read_bytes()
    buf = io.BytesIO()
    nx.write_graphml(xml_safe(analysis.graph.to_networkx()), buf)
    assert ours == buf.getvalue()
    back = nx.read_graphml(io.BytesIO(ours))
    assert back.number_of_nodes() == len(analysis.graph)
    assert back.number_of_edges() == sum(1 for p in analysis.graph.procs if p.parent is not None)


def test_a_hosts_graph_answers_the_guides_questions_with_networkx(analysis):
    """The README's example: ancestors of an alert, its subtree, the chain to dns.exe."""
    alert = _alert(analysis, "DC01", "cmd.exe")
    g = analysis.host_graph(alert.host)
    node = alert.process.node
    assert {g.nodes[n]["host"] for n in g} == {alert.host}
    chain = [g.nodes[n]["name"] for n in nx.shortest_path(g, _root(g, node), node)]
    assert chain[-3:] == ["services.exe", "dns.exe", "cmd.exe"]
    assert chain[:-1] == [q.name for q in reversed(analysis.graph.ancestors(node))]
    assert {g.nodes[n]["name"] for n in nx.ancestors(g, node)} == set(chain[:-1])
    subtree = {g.nodes[n]["name"] for n in nx.descendants(g, node)}
    assert subtree == {q.name for _, q in analysis.graph.descendants(node)}
    assert "whoami.exe" in subtree
    parent = next(iter(g.predecessors(node)))
    assert g.edges[parent, node]["how"] == "guid"
    # every host's graph together is the whole graph, and nothing crosses hosts
    whole = analysis.graph.to_networkx()
    parts = [analysis.host_graph(h) for h in analysis.graph.hosts()]
    assert sum(p.number_of_nodes() for p in parts) == whole.number_of_nodes()
    assert sum(p.number_of_edges() for p in parts) == whole.number_of_edges()


def _root(g, node):
    while True:
        parents = list(g.predecessors(node))
        if not parents:
            return node
        node = parents[0]


def test_the_readmes_python_api_example_runs_as_written():
    """The README's example is a doctest: it must stay true."""
    import doctest
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = re.search(r"## Python API.*?```python\n(.*?)```", text, re.S).group(1)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block, {}, "README", "README.md", 0)
    import os
    cwd = os.getcwd()
    os.chdir(Path(__file__).resolve().parents[1])
    try:
        result = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test)
    finally:
        os.chdir(cwd)
    assert result.failed == 0 and result.attempted >= 6
