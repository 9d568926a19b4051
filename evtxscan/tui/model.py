"""Look-ups the screens need over an ``Analysis``: indexes only, no analysis.

Which process alerted and which processes the triage stage flagged (each facet with a
``mark``: discovery tools, LOLBins, WerFault) are read from the engine's ``Alert``
objects and their triage facets; this module only indexes them by graph node so a tree
line can be marked in O(1).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from evtxscan.alerts import SEVERITY_ORDER
from evtxscan import facets
from evtxscan.facets import WINDOW_HOURS

#: The timeline shows this much before and after an alert.
WINDOW = timedelta(hours=WINDOW_HOURS)


@dataclass
class View:
    """The analysis plus indexes by graph node and host, built once after loading."""

    analysis: object
    alerts_by_node: dict[int, list] = field(default_factory=dict)
    alerts_by_host: dict[str, list] = field(default_factory=dict)
    marks: dict[int, set[str]] = field(default_factory=dict)
    _children: dict[int, list] = field(default_factory=dict)
    _roots: dict[str, list] = field(default_factory=dict)

    @classmethod
    def build(cls, analysis) -> View:
        v = cls(analysis)
        by_node: dict[int, list] = defaultdict(list)
        by_host: dict[str, list] = defaultdict(list)
        marks: dict[int, set[str]] = defaultdict(set)
        for a in analysis.alerts:
            by_node[a.process.node].append(a)
            by_host[a.host].append(a)
            marks[a.process.node].add("alert")
            for facet in facets.FACETS:
                if facet.mark:
                    for node in v._facet_nodes(a, facet.name):
                        marks[node].add(facet.mark)
        v.alerts_by_node, v.alerts_by_host, v.marks = dict(by_node), dict(by_host), dict(marks)
        return v

    # ------------------------------------------------------------------ engine data
    @property
    def graph(self):
        return self.analysis.graph

    def sorted_alerts(self, host: str | None = None) -> list:
        """Most severe first, then by time (the engine's own sort key)."""
        alerts = self.analysis.alerts if host is None else self.alerts_by_host.get(host, [])
        return sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.rule.severity, 9),
                                             a.sort_key))

    def host_alerts_in_time(self, host: str) -> list:
        return sorted(self.alerts_by_host.get(host, []), key=lambda a: a.sort_key)

    def children(self, node: int) -> list:
        """Children by start time; cached because a parent may have 100k of them."""
        kids = self._children.get(node)
        if kids is None:
            kids = self._children[node] = self.graph.children(node)
        return kids

    def has_children(self, node: int) -> bool:
        kids = self._children.get(node)
        if kids is not None:
            return bool(kids)
        return self.graph.has_children(node)

    def roots(self, host: str) -> list:
        r = self._roots.get(host)
        if r is None:
            r = self._roots[host] = sorted(self.graph.roots(host),
                                           key=lambda p: (p.start_time or "", p.node))
        return r

    def path_to(self, node: int) -> list:
        """Root first, ``node`` last."""
        return list(reversed(self.graph.ancestors(node))) + [self.graph[node]]

    def ecs(self, node: int) -> dict | None:
        if self.graph[node].placeholder:
            return None
        return self.graph.ecs(node)

    def hosts(self) -> list[str]:
        return self.graph.hosts()

    def host_process_count(self, host: str) -> int:
        return sum(1 for _ in self.graph.processes(host))

    def window(self, host: str, alert=None) -> tuple[list, str | None, str | None]:
        """The host's processes by time: ±48 h around ``alert``, or all of them."""
        if alert is None or not alert.timestamp:
            return list(self.graph.processes(host)), None, None
        t = _parse(alert.timestamp)
        if t is None:
            return list(self.graph.processes(host)), None, None
        start, end = _fmt(t - WINDOW), _fmt(t + WINDOW)
        return list(self.graph.processes(host, start, end)), start, end

    def search(self, host: str, needle: str) -> list:
        """Processes of ``host`` whose name or command line contains ``needle``
        (case-insensitive), by start time."""
        n = needle.lower()
        if not n:
            return []
        return [p for p in self.graph.processes(host)
                if n in p.name.lower() or n in (p.cmdline() or "").lower()]

    # ------------------------------------------------------------------ triage facets
    def _facet_nodes(self, alert, facet: str) -> list[int]:
        """Graph nodes a triage facet lists (entity ids, nodes, or process dicts)."""
        value = (alert.triage or {}).get(facet)
        out: list[int] = []
        for item in _items(value):
            n = self._node_of(alert.host, item)
            if n is not None:
                out.append(n)
        return out

    def _node_of(self, host: str, item) -> int | None:
        g = self.graph
        if isinstance(item, int) and 0 <= item < len(g):
            return item
        if isinstance(item, str):
            p = g.find(host, item)
            return p.node if p else None
        if isinstance(item, dict):
            if isinstance(item.get("node"), int):
                return item["node"]
            eid = item.get("entity_id") or (item.get("process") or {}).get("entity_id")
            if eid:
                p = g.find(item.get("host") or host, eid)
                return p.node if p else None
        node = getattr(item, "node", None)
        return node if isinstance(node, int) else None


def _items(value) -> list:
    if value is None:
        return []
    if isinstance(value, dict):
        for key in ("hits", "werfault", "processes"):
            if isinstance(value.get(key), list):
                return value[key]
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return []


def _parse(ts: str) -> datetime | None:
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def _fmt(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
