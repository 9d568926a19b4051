"""The engine API: evidence paths in, an ``Analysis`` out.

The batch CLI and the TUI are two faces over this one function; neither re-implements
any analysis.  Stages: discover -> read (backends, prefilter) -> normalize -> graph ->
rules -> triage.  Outputs are written elsewhere (``evtxscan.outputs``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .alerts import Alert, evaluate
from .graph import ProcessGraph
from .normalize import ActivityEvent
from .pipeline import Progress, ReadOptions, read_all
from .records import FileReport


@dataclass
class ActivityIndex:
    """Sysmon side events by (host, process entity id), for triage."""

    by_entity: dict[tuple[str, str], list[ActivityEvent]] = field(default_factory=dict)
    count: int = 0

    @classmethod
    def build(cls, events: Iterable[ActivityEvent]) -> ActivityIndex:
        idx: dict[tuple[str, str], list[ActivityEvent]] = defaultdict(list)
        n = 0
        for ev in events:
            if ev.entity_id:
                idx[(ev.host, ev.entity_id)].append(ev)
                n += 1
        for lst in idx.values():
            lst.sort(key=lambda e: (e.timestamp, e.source.file, e.source.record_id))
        return cls(dict(idx), n)

    def of(self, host: str, entity_id: str) -> list[ActivityEvent]:
        return self.by_entity.get((host, entity_id), [])


@dataclass
class Analysis:
    """Everything a report or the TUI needs about one set of evidence."""

    paths: list[str]
    reports: list[FileReport]
    graph: ProcessGraph
    activity: ActivityIndex
    ruleset: object              # evtxscan.rules.RuleSet
    alerts: list[Alert]

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

    def host_reports(self, host: str) -> list[FileReport]:
        """Files whose records came from ``host`` (by System/Computer)."""
        return [r for r in self.reports if host in r.stats.computers]


def analyze(paths: list[str], *, read: ReadOptions = ReadOptions(),
            rule_paths: Iterable[str] = (), include_default_rules: bool = True,
            progress: Progress | None = None,
            on_file: Callable[[FileReport], None] | None = None) -> Analysis:
    """Read the evidence under ``paths`` and run every stage over it."""
    from pathlib import Path

    from .rules import RuleEngine, load_rules
    from .triage import attach_triage

    ruleset = load_rules([Path(p) for p in rule_paths], include_default=include_default_rules)
    reports, results = read_all(list(paths), read, progress)
    if on_file:
        for r in reports:
            on_file(r)
    events = [ev for res in results for ev in res.events]
    activity = ActivityIndex.build(ev for res in results for ev in res.activity)
    del results
    graph = ProcessGraph.build(events)
    del events
    engine = RuleEngine(ruleset.rules)
    alerts = evaluate(graph, engine.match)
    analysis = Analysis(list(paths), reports, graph, activity, ruleset, alerts)
    attach_triage(analysis)
    return analysis
