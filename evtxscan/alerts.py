"""Run rules over the process graph: one alert per (rule, process), with provenance.

Rules see the *graph's* view of a process (``evtxscan.ecs.process_doc``): parent fields resolved
through the graph, so ``process.parent.name : "dns.exe"`` fires on 4688 v0/v1 hosts whose
records never name the parent.  A process seen by several records (Sysmon and Security,
or two copies of a log) is one node, hence one alert listing every source record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from .ecs.process import SKELETON_FIELDS, process_doc, skeleton
from .graph import Process, ProcessGraph

#: ``event.category`` of every process document (``evtxscan.ecs.event_doc``)
PROCESS_CATEGORIES = ("process",)

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(slots=True)
class Alert:
    """A rule match on one process.  ``triage`` is filled by the triage stage."""

    rule: object                 # evtxscan.rules.Rule
    process: Process
    doc: dict                    # the process' ECS document at match time
    triage: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable across rescans of the same evidence: rule + host + process entity."""
        key = f"{self.rule.rule_id}|{self.process.host.lower()}|{self.process.entity_id}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    @property
    def host(self) -> str:
        return self.process.host

    @property
    def timestamp(self) -> str:
        return self.doc.get("@timestamp", "")

    @property
    def sort_key(self) -> tuple:
        return (self.timestamp, self.host, self.rule.name, self.process.entity_id)

    def to_ecs(self) -> dict:
        """The alert as nested ECS for alerts.jsonl (built by ``evtxscan.ecs``)."""
        from .ecs import alert_doc
        return alert_doc(self)

    def process_line(self) -> str:
        par = self.doc.get("process", {}).get("parent", {}).get("name", "?")
        return f"{par} -> {self.process.name} (pid {self.process.pid})"


def evaluate(graph: ProcessGraph, engine, nodes: Iterable[Process] | None = None) -> list[Alert]:
    """Every (rule, process) match, in deterministic order.

    When the rules' deciding fields (``RuleEngine.deciding_fields``) are among those the
    graph gives cheaply (``evtxscan.ecs.SKELETON_FIELDS``: names and paths of the process
    and its parent), a process whose skeleton no rule could match is skipped without
    building its full ECS document; the default rule needs ``process.parent.name`` only.
    """
    categories = PROCESS_CATEGORIES
    deciding = engine.deciding_fields(categories)
    cheap = deciding is not None and deciding <= SKELETON_FIELDS
    alerts: list[Alert] = []
    for p in (nodes if nodes is not None else graph.processes()):
        if cheap and not engine.could_match(categories, skeleton(graph, p.node)):
            continue
        doc = process_doc(graph, p.node)
        for rule in engine.match(doc):
            alerts.append(Alert(rule, p, doc))
    alerts.sort(key=lambda a: a.sort_key)
    return alerts
