"""The process graph: one node per process instance, edges parent -> child, per host.

Why this is more than ``parent_pid -> pid``: PIDs are reused constantly on busy servers,
4688 v0/v1 records name no parent, the same process is often logged by both Sysmon and
Security, and parents that started before logging never appear.  Each edge therefore
records *how* it was resolved, so a responder knows how far to trust a chain:

``guid``            Sysmon ParentProcessGuid matched a known process.
``pid+time+logon``  creator PID whose lifetime covers the child's start, and whose logon
                    session is the child's SubjectLogonId.
``pid+time``        creator PID whose lifetime covers the child's start.
``name-only``       no such process was logged; the record names the parent, so a
                    placeholder carries that name.
``placeholder``     no such process was logged and the record does not name it.
"""

from __future__ import annotations

import bisect
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from .normalize import ProcEnd, ProcEvent, Source, basename, synth_entity_id

#: A Sysmon 1 and a 4688 of the same process are written within this many microseconds.
SAME_PROCESS_WINDOW_US = 2_000_000
_NO_END = -(1 << 63)


def _sort_by(items: list, *keys) -> None:
    """Sort in place by ``keys`` (most significant last), one stable sort per key."""
    for key in keys:
        items.sort(key=key)


def ts_us(ts: str) -> int:
    """Microseconds since the epoch of an ``...Z`` ISO timestamp (0 when unparsable)."""
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return 0
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


@dataclass(slots=True)
class Process:
    """One process instance (a graph node).  ``starts`` holds every start record seen."""

    node: int
    host: str
    pid: int | None
    executable: str
    entity_id: str
    start_time: str | None = None         # None for placeholders
    end_time: str | None = None
    starts: list[ProcEvent] = field(default_factory=list)
    ends: tuple[Source, ...] = ()        # the end records (Sysmon 5 / 4689) matched to it
    placeholder: bool = False
    parent: int | None = None
    parent_how: str | None = None
    command_line: str | None = None       # placeholders: parent command line if known

    @property
    def name(self) -> str:
        return basename(self.executable)

    @property
    def primary(self) -> ProcEvent | None:
        """The richest start record: Sysmon if present, else the first Security one."""
        return self.starts[0] if self.starts else None

    @property
    def logon_id(self) -> str | None:
        ev = self.primary
        if ev is None:
            return None
        target = (ev.extra or {}).get("target_logon_id")
        return target or ev.logon_id  # type: ignore[return-value]

    @property
    def sources(self) -> list[Source]:
        return [e.source for e in self.starts]

    def cmdline(self) -> str | None:
        ev = self.primary
        return ev.command_line if ev is not None else self.command_line


class ProcessGraph:
    """Process instances of every host, with parent edges and how each was resolved.

    Build once with ``ProcessGraph.build(events)``; afterwards it is read-only and
    offers the queries the rules, triage, reports and TUI need.

    Nodes and edges live in ``procs`` (``Process.parent``) and a child index, not in a
    networkx graph: a scan never needs one, and networkx costs about 400 bytes per node
    (half a million processes on 50 hosts).  ``to_networkx`` gives one on request, for
    the Python API and for GraphML.
    """

    def __init__(self) -> None:
        self.procs: list[Process] = []
        # host -> entity id -> node (nested: no key tuple per process)
        self._by_entity: dict[str, dict[str, int]] = defaultdict(dict)
        self._by_host: dict[str, list[int]] = defaultdict(list)
        self._children: dict[int, list[int]] = {}
        # build-time only: start/end in integer microseconds, so ISO strings are parsed once
        self._start_us = array("q")
        self._end_us = array("q")      # per node; _NO_END while no end is known
        self._by_pid: dict | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, events: Iterable[ProcEvent | ProcEnd]) -> ProcessGraph:
        """The graph of these starts and ends (ends as ``ProcEvent`` or ``ProcEnd``)."""
        self = cls()
        starts: list[ProcEvent] = []
        ends: list[ProcEvent | ProcEnd] = []
        for ev in events:
            (starts if ev.kind == "start" else ends).append(ev)
        # Sysmon first so that a 4688 of the same process joins the Sysmon node; then
        # by time, then by provenance for a deterministic result.  Stable sorts from the
        # last key to the first: no key tuple per event (memory peaks here).
        _sort_by(starts, lambda e: e.source.record_id, lambda e: e.source.file,
                 lambda e: e.host, lambda e: e.timestamp, lambda e: not e.is_sysmon)
        # host -> pid -> nodes, in creation order: Sysmon-created nodes first
        by_pid: dict[str, dict[int | None, list[int]]] = defaultdict(dict)
        self._by_pid = by_pid
        for ev in starts:
            self._add_start(ev, by_pid)
        del starts
        # lifetime index: host -> pid -> (start times, nodes), sorted by start time
        procs, start_us = self.procs, self._start_us
        index: dict[str, dict[int | None, tuple[array, list[int]]]] = {}
        for host, pids in by_pid.items():
            idx = index[host] = {}
            for pid, nodes in pids.items():
                if len(nodes) > 1:  # creation order: sorting by time keeps ties by n
                    nodes.sort(key=lambda n: procs[n].start_time or "")
                idx[pid] = (array("q", [start_us[n] for n in nodes]), nodes)
        self._by_pid = by_pid = None
        self._end_us = array("q", [_NO_END]) * len(procs)
        self._apply_ends(ends, index)
        del ends
        real = len(self.procs)
        for n in range(real):
            self._resolve_parent(n, index)
        for host, nodes in self._by_host.items():  # creation order: ties stay by n
            nodes.sort(key=lambda n: procs[n].start_time or "")
        self._start_us, self._end_us = array("q"), array("q")
        return self

    def _new(self, proc: Process, start_us: int = 0) -> int:
        self.procs.append(proc)
        self._start_us.append(start_us)
        self._by_entity[proc.host][proc.entity_id] = proc.node
        self._by_host[proc.host].append(proc.node)
        return proc.node

    def _add_start(self, ev: ProcEvent, by_pid: dict) -> None:
        host = ev.host
        t = ts_us(ev.timestamp)
        if ev.is_sysmon and ev.entity_id:
            n = self._by_entity[host].get(ev.entity_id)
            if n is not None:  # the same record from another copy of the log
                self.procs[n].starts.append(ev)
                return
        else:
            n = self._same_process(ev, t)
            if n is not None:
                self.procs[n].starts.append(ev)
                self.procs[n].starts.sort(key=lambda e: (not e.is_sysmon,))
                return
        eid = ev.entity_id or synth_entity_id(host, ev.pid, ev.timestamp)
        n = self._by_entity[host].get(eid)
        if n is not None:
            self.procs[n].starts.append(ev)
            return
        ev.entity_id = eid
        n = self._new(Process(node=len(self.procs), host=host, pid=ev.pid,
                              executable=ev.executable, entity_id=eid,
                              start_time=ev.timestamp, starts=[ev]), t)
        pids = by_pid[host]
        nodes = pids.get(ev.pid)
        if nodes is None:
            pids[ev.pid] = [n]
        else:
            nodes.append(n)

    def _same_process(self, ev: ProcEvent, t: int) -> int | None:
        """A Sysmon-logged process with the same host, PID and image, started within
        ``SAME_PROCESS_WINDOW_US`` of this Security record: the same process."""
        pids = self._by_pid.get(ev.host)
        nodes = pids.get(ev.pid) if pids else None
        if not nodes:
            return None
        exe = ev.executable.lower()
        start_us = self._start_us
        for n in nodes:
            p = self.procs[n]
            if not p.primary.is_sysmon:  # Sysmon starts are added first: none follow
                break
            if p.executable.lower() == exe and abs(start_us[n] - t) <= SAME_PROCESS_WINDOW_US:
                ev.entity_id = p.entity_id
                return n
        return None

    def _holder(self, index: dict, host: str, pid: int | None, t: int,
                exclude: int | None = None) -> list[int]:
        """Nodes that held ``pid`` on ``host`` at time ``t``: started at or before it and
        not ended before it; latest start first."""
        pids = index.get(host)
        entry = pids.get(pid) if pids else None
        if not entry:
            return []
        times, nodes = entry
        i = bisect.bisect_right(times, t)
        out = []
        end_us = self._end_us
        for j in range(i - 1, -1, -1):
            n = nodes[j]
            if n == exclude:
                continue
            end = end_us[n]
            if end != _NO_END and end < t:
                continue
            out.append(n)
        return out

    def _apply_ends(self, ends: list[ProcEvent | ProcEnd], index: dict) -> None:
        _sort_by(ends, lambda e: e.source.record_id, lambda e: e.source.file,
                 lambda e: e.timestamp)
        for ev in ends:
            n = None
            if ev.entity_id:
                n = self._by_entity[ev.host].get(ev.entity_id)
            if n is None:
                t = ts_us(ev.timestamp)
                for cand in self._holder(index, ev.host, ev.pid, t):
                    p = self.procs[cand]
                    if p.end_time is None and (not ev.executable or not p.executable
                                               or p.executable.lower() == ev.executable.lower()):
                        n = cand
                        break
            if n is None:
                continue
            p = self.procs[n]
            if p.end_time is None or ev.timestamp < p.end_time:
                p.end_time = ev.timestamp
                self._end_us[n] = ts_us(ev.timestamp)  # year 1 is far above _NO_END
            p.ends += (ev.source,)

    def _resolve_parent(self, n: int, index: dict) -> None:
        p = self.procs[n]
        ev = p.primary
        if ev is None:
            return
        host = p.host
        if ev.parent_entity_id:
            par = self._by_entity[host].get(ev.parent_entity_id)
            if par is not None and par != n:
                return self._link(par, n, "guid")
        # by creator PID whose lifetime covers the child's start
        cands = self._holder(index, host, ev.parent_pid, self._start_us[n], exclude=n)
        pname = (ev.parent_executable or "").lower()
        if pname:
            cands = [c for c in cands if self.procs[c].executable.lower() == pname
                     or basename(self.procs[c].executable).lower() == basename(pname)]
        if cands:
            logon = ev.logon_id if not ev.is_sysmon else None
            if logon:
                for c in cands:
                    if self.procs[c].logon_id == logon:
                        return self._link(c, n, "pid+time+logon")
            return self._link(cands[0], n, "pid+time")
        # never logged: a placeholder shared by the siblings that name the same parent
        if ev.parent_pid is None and not ev.parent_entity_id and not ev.parent_executable:
            return
        key = ev.parent_entity_id or synth_entity_id(
            host, ev.parent_pid, "placeholder:" + (ev.parent_executable or "").lower())
        par = self._by_entity[host].get(key)
        if par is None:
            par = self._new(Process(node=len(self.procs), host=host, pid=ev.parent_pid,
                                    executable=ev.parent_executable or "", entity_id=key,
                                    placeholder=True,
                                    command_line=ev.parent_command_line))
        self._link(par, n, "name-only" if ev.parent_executable else "placeholder")

    def _link(self, parent: int, child: int, how: str) -> None:
        kids = self._children.get(parent)
        if kids is None:
            self._children[parent] = [child]
        else:
            kids.append(child)  # each child is linked once (_resolve_parent runs once per node)
        c = self.procs[child]
        c.parent, c.parent_how = parent, how

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self.procs)

    def __getitem__(self, node: int) -> Process:
        return self.procs[node]

    def hosts(self) -> list[str]:
        return sorted(self._by_host)

    def find(self, host: str, entity_id: str) -> Process | None:
        n = self._by_entity.get(host, {}).get(entity_id)
        return self.procs[n] if n is not None else None

    def parent(self, node: int) -> Process | None:
        par = self.procs[node].parent
        return self.procs[par] if par is not None else None

    def ancestors(self, node: int) -> list[Process]:
        """Parent first, up to the root (cycle-safe)."""
        out: list[Process] = []
        seen = {node}
        cur = self.procs[node].parent
        while cur is not None and cur not in seen:
            seen.add(cur)
            out.append(self.procs[cur])
            cur = self.procs[cur].parent
        return out

    def children(self, node: int) -> list[Process]:
        kids = [self.procs[c] for c in self._children.get(node, ())]
        kids.sort(key=lambda p: (p.start_time or "", p.node))
        return kids

    def children_index(self) -> dict[int, list[int]]:
        """parent node -> child nodes, in link order (read-only: for writers that walk
        every edge)."""
        return self._children

    def has_children(self, node: int) -> bool:
        return bool(self._children.get(node))

    def descendants(self, node: int) -> list[tuple[int, Process]]:
        """The subtree below ``node`` in pre-order, children by start time, with depth."""
        out: list[tuple[int, Process]] = []
        stack: list[tuple[int, int]] = [(c.node, 1) for c in reversed(self.children(node))]
        seen = {node}
        while stack:
            n, depth = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            out.append((depth, self.procs[n]))
            stack.extend((c.node, depth + 1) for c in reversed(self.children(n)))
        return out

    def siblings(self, node: int) -> list[Process]:
        par = self.procs[node].parent
        if par is None:
            return []
        return [p for p in self.children(par) if p.node != node]

    def processes(self, host: str | None = None, start: str | None = None,
                  end: str | None = None) -> Iterator[Process]:
        """Processes (placeholders excluded) of a host (or all), by start time."""
        hosts = [host] if host is not None else self.hosts()
        for h in hosts:
            for n in self._by_host.get(h, ()):
                p = self.procs[n]
                if p.placeholder:
                    continue
                t = p.start_time or ""
                if (start is None or t >= start) and (end is None or t <= end):
                    yield p

    def roots(self, host: str) -> list[Process]:
        return [self.procs[n] for n in self._by_host.get(host, ())
                if self.procs[n].parent is None]

    def ecs(self, node: int) -> dict:
        """The ECS document of a process as rules see it (``evtxscan.ecs.process_doc``)."""
        from .ecs import process_doc
        return process_doc(self, node)

    #: node attributes of ``to_networkx``, in the order GraphML declares them
    NODE_ATTRIBUTES = ("host", "pid", "name", "executable", "entity_id", "start", "end",
                       "placeholder", "command_line", "sources")

    def node_attributes(self, node: int) -> dict:
        """What ``to_networkx`` puts on a node: plain strings, ints and bools that every
        graph tool reads (``pid`` -1 and ``""`` where unknown), the exact evidence text."""
        p = self.procs[node]
        return {"host": p.host, "pid": p.pid if p.pid is not None else -1, "name": p.name,
                "executable": p.executable, "entity_id": p.entity_id,
                "start": p.start_time or "", "end": p.end_time or "",
                "placeholder": p.placeholder, "command_line": p.cmdline() or "",
                "sources": ";".join(f"{s.file}#{s.record_id}" for s in p.sources)}

    def to_networkx(self, host: str | None = None):
        """The process graph of ``host`` (or of every host) as a networkx ``DiGraph``.

        Nodes are ``Process.node`` numbers with ``node_attributes``; each edge runs
        parent -> child with ``how`` the parent was resolved.  Built on request: this is
        the graph the Python API hands out (``Analysis.host_graph``) and the one
        graph.graphml is written from."""
        import networkx as nx
        g = nx.DiGraph()
        nodes = range(len(self.procs)) if host is None else self._by_host.get(host, ())
        g.add_nodes_from((n, self.node_attributes(n)) for n in nodes)
        for parent in sorted(self._children):
            if parent not in g:
                continue
            for child in sorted(self._children[parent]):
                g.add_edge(parent, child, how=self.procs[child].parent_how or "")
        return g
