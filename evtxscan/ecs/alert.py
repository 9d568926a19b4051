"""An alert as nested ECS for alerts.jsonl: the process' document as the rule saw it,
with ``event.kind: alert``, ``rule.*``, ``threat.*`` and evtxscan's own fields."""

from __future__ import annotations


def alert_doc(alert) -> dict:
    from ..alerts import SEVERITY_ORDER
    doc = {k: v for k, v in alert.doc.items() if k != "evtxscan"}
    r = alert.rule
    event = dict(doc.get("event", {}))
    event.update({"kind": "alert", "risk_score": r.risk_score,
                  "severity": 100 - 25 * SEVERITY_ORDER.get(r.severity, 3)})
    doc["event"] = event
    doc["rule"] = {"id": r.rule_id, "name": r.name, "description": r.description,
                   "version": r.version, "reference": list(r.references),
                   "author": list(r.author), "ruleset": r.format}
    if r.license:
        doc["rule"]["license"] = r.license
    if r.threat:
        doc["threat"] = {
            "framework": "MITRE ATT&CK",
            "tactic": {"id": sorted({t[0] for t in r.threat if t[0]}),
                       "name": sorted({t[1] for t in r.threat if t[1]})},
            "technique": {"id": sorted({t[2] for t in r.threat if t[2]}),
                          "name": sorted({t[3] for t in r.threat if t[3]})},
        }
    ext = alert.doc.get("evtxscan", {})
    doc["evtxscan"] = {
        "alert_id": alert.id,
        "severity": r.severity,
        "rule": {"format": r.format, "source": r.source, "level": r.level,
                 "status": r.status, "tags": list(r.tags),
                 "falsepositives": list(r.falsepositives)},
        "parent_resolution": ext.get("parent_resolution"),
        "sources": ext.get("sources", []),
    }
    if alert.triage:
        doc["evtxscan"]["triage"] = alert.triage
    doc["message"] = f"{r.name}: {alert.process_line()}"
    return doc
