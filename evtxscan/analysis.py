"""The engine API: evidence paths in, an ``Analysis`` out.

The batch CLI and the TUI are two faces over this one function; neither re-implements
any analysis.  Stages: discover -> read (backends, prefilter) -> normalize -> graph ->
rules -> triage.  Outputs are written elsewhere (``evtxscan.outputs``).
"""

from __future__ import annotations

import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from . import gcpolicy
from .alerts import Alert, evaluate
from .graph import ProcessGraph
from .normalize import ActivityEvent
from .pipeline import Progress, ReadOptions, read_all
from .records import FileReport
from .scratch import Scratch
from .spill import Spill, SpillWriter, read_events


def _activity_order(e: ActivityEvent) -> tuple:
    return (e.timestamp, e.source.file, e.source.record_id)


@dataclass
class ActivityIndex:
    """Sysmon side events by (host, process entity id), for triage.

    Events are held in memory (``build``) or, for a scan, in spill files on disk with
    only their offsets in memory (``from_spills``; see ``evtxscan.spill``): a Sysmon
    log's side events then cost 8 bytes each instead of about 1 KB.
    """

    by_entity: dict[tuple[str, str], list[ActivityEvent]] = field(default_factory=dict)
    count: int = 0
    spills: list[Spill] = field(default_factory=list)

    @classmethod
    def build(cls, events: Iterable[ActivityEvent]) -> ActivityIndex:
        idx: dict[tuple[str, str], list[ActivityEvent]] = defaultdict(list)
        n = 0
        for ev in events:
            if ev.entity_id:
                idx[(ev.host, ev.entity_id)].append(ev)
                n += 1
        for lst in idx.values():
            lst.sort(key=_activity_order)
        return cls(dict(idx), n)

    @classmethod
    def from_spills(cls, spills: list[Spill], events: Iterable[ActivityEvent],
                    folder: str, *, owner: Scratch | None = None) -> ActivityIndex:
        """Index spilled events; ``events`` that came back in memory (from Dask workers)
        are spilled into ``folder`` first.  An ``owner`` scratch folder (holding
        ``folder``) is removed when the index is deleted, or at exit."""
        writer = SpillWriter(folder)
        for ev in events:
            writer.add(ev)
        extra = writer.close()
        spills = spills + ([extra] if extra is not None else [])
        self = cls({}, sum(s.count for s in spills), spills)
        if owner is not None:
            weakref.finalize(self, owner.close)
        return self

    def of(self, host: str, entity_id: str) -> list[ActivityEvent]:
        if not self.spills:
            return self.by_entity.get((host, entity_id), [])
        key = (host, entity_id)
        out = list(self.by_entity.get(key, ()))
        for spill in self.spills:
            offsets = spill.offsets_of(host, entity_id)
            if offsets:
                out += read_events(spill, offsets)
        out.sort(key=_activity_order)
        return out


@dataclass
class Analysis:
    """Everything a report or the TUI needs about one set of evidence."""

    paths: list[str]
    reports: list[FileReport]
    graph: ProcessGraph
    activity: ActivityIndex
    ruleset: object              # evtxscan.rules.RuleSet
    alerts: list[Alert]
    jobs: int = 1                # worker processes the read ran with (``--jobs`` resolved)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> wall seconds
    containers: list = field(default_factory=list)  # evtxscan.sources.Container: images,
                                                    # archives, with their own SHA-256
    copies: list = field(default_factory=list)      # evtxscan.sources.copies.CopyGroup
    #: what the CVE-2020-1350 exposure answer rests on (``evtxscan.exposure``): facts of
    #: the System/Setup/update/Sysmon records, and the SYSTEM/SOFTWARE hives found
    exposure_facts: list = field(default_factory=list)
    hives: list = field(default_factory=list)       # evtxscan.exposure.hives.HiveResult

    @property
    def files_by_status(self) -> dict[str, int]:
        out = {"ok": 0, "partial": 0, "error": 0}
        for r in self.reports:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def alerts_by_rule(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for a in self.alerts:
            out[a.rule.name] += 1
        return dict(sorted(out.items()))

    def alerts_by_host(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for a in self.alerts:
            out[a.host] += 1
        return dict(sorted(out.items()))

    def alert(self, alert_id: str) -> Alert | None:
        for a in self.alerts:
            if a.id == alert_id:
                return a
        return None

    def host_graph(self, host: str):
        """``host``'s process graph as a networkx ``DiGraph``: nodes are process numbers
        with their host, pid, name, executable, entity_id, start, end, placeholder,
        command_line and source records; edges run parent -> child with ``how`` the
        parent was resolved (see ``evtxscan.graph``)."""
        return self.graph.to_networkx(host)

    def host_reports(self, host: str) -> list[FileReport]:
        """Files whose records came from ``host`` (by System/Computer)."""
        return [r for r in self.reports if host in r.stats.computers]


def _drain(results: list) -> Iterable:
    """The process events of every result, each result's list let go once read (the
    graph keeps what it needs; a second list of every event would only add to the peak)."""
    for res in results:
        events, res.events = res.events, []
        yield from events


def analyze(paths: list[str], *, read: ReadOptions = ReadOptions(),
            rule_paths: Iterable[str] = (), include_default_rules: bool = True,
            progress: Progress | None = None,
            on_file: Callable[[FileReport], None] | None = None) -> Analysis:
    """Read the evidence under ``paths`` and run every stage over it (the garbage
    collector paused meanwhile: ``evtxscan.gcpolicy``)."""
    with gcpolicy.paused():
        return _analyze(paths, read, rule_paths, include_default_rules, progress, on_file)


def _analyze(paths, read, rule_paths, include_default_rules, progress, on_file) -> Analysis:
    from pathlib import Path

    from .rules import RuleEngine, load_rules
    from .triage import attach_triage

    def rules():
        return load_rules([Path(p) for p in rule_paths], include_default=include_default_rules)

    lap = _Laps()
    scratch = Scratch() if read.spill_dir is None else None
    spill_dir = read.spill_dir or str(scratch.sub("activity"))
    try:
        if read.jobs != 1 or read.scheduler is not None:
            # this process only waits for the workers: load the rules meanwhile (importing
            # eql alone builds its grammar's parser, about a second)
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(1, thread_name_prefix="evtxscan-rules") as ex:
                pending = ex.submit(rules)
                done = read_all(list(paths), replace(read, spill_dir=spill_dir), progress)
                ruleset = pending.result()
        else:
            ruleset = rules()
            done = read_all(list(paths), replace(read, spill_dir=spill_dir), progress)
    except BaseException:
        if scratch is not None:
            scratch.close()
        raise
    lap("read")
    reports, results, ran = done.reports, done.results, done.options
    if on_file:
        for r in reports:
            on_file(r)
    activity = ActivityIndex.from_spills([s for res in results for s in res.spills],
                                         (ev for res in results for ev in res.activity),
                                         spill_dir, owner=scratch)
    exposure_facts = [f for res in results for f in res.exposure]
    hives = _hives(list(paths), done.containers, read)
    lap("hives")
    graph = ProcessGraph.build(_drain(results))
    del results
    lap("graph")
    engine = RuleEngine(ruleset.rules)
    alerts = evaluate(graph, engine)
    lap("rules")
    analysis = Analysis(list(paths), reports, graph, activity, ruleset, alerts,
                        jobs=ran.jobs, timings=lap.seen, containers=done.containers,
                        copies=done.copies, exposure_facts=exposure_facts, hives=hives)
    attach_triage(analysis)
    lap("triage")
    return analysis


def _hives(paths: list[str], containers: list, read: ReadOptions) -> list:
    """The SYSTEM/SOFTWARE hives beside the logs (folders) and inside the containers,
    read once (each problem one line, kept with the hive)."""
    from .exposure.hives import container_hives, find_hives, pair_hosts, read_hive
    found = [read_hive(h) for h in find_hives(paths)]
    return pair_hosts(found + container_hives(containers, read.sources))


class _Laps:
    """Wall time per stage, for ``scan --timings`` (never written into reports, which
    must not change from run to run)."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self._t = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.seen[stage] = self.seen.get(stage, 0.0) + now - self._t
        self._t = now
