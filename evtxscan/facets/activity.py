"""``activity``: Sysmon network, DNS, file, registry and image-load events of the alerted
process and its subtree, each with the file and record it came from."""

from __future__ import annotations

from ..i18n import tr
from .base import Facet, Subject, join

#: Sysmon activity kinds by event id, in the order reports list them; each kind's phrase
#: in an answer is ``facet.activity.<kind>`` (i18n).
ACTIVITY_KINDS: dict[int, str] = {3: "network", 22: "dns", 11: "file", 12: "registry",
                                  13: "registry", 14: "registry", 7: "image_load"}
_KIND_TEXT = {"network": "facet.activity.network", "dns": "facet.activity.dns",
              "file": "facet.activity.file", "registry": "facet.activity.registry",
              "image_load": "facet.activity.image_load"}
#: At most this many activity events per alert are listed (all are counted).
MAX_ACTIVITY = 1000


def compute(s: Subject) -> dict:
    events = []
    host = s.process.host
    for depth, q in [(0, s.process)] + s.below:
        for e in s.analysis.activity.of(host, q.entity_id):
            if e.event_id not in ACTIVITY_KINDS:
                continue
            events.append({"time": e.timestamp, "event_id": e.event_id,
                           "kind": ACTIVITY_KINDS[e.event_id], "summary": e.summary,
                           "name": q.name, "pid": q.pid, "depth": depth,
                           "entity_id": q.entity_id, "file": e.source.file,
                           "record_id": e.source.record_id})
    events.sort(key=lambda e: (e["time"], e["file"], e["record_id"]))
    counts: dict[str, int] = {}
    for kind in dict.fromkeys(ACTIVITY_KINDS.values()):
        n = sum(1 for e in events if e["kind"] == kind)
        if n:
            counts[kind] = n
    return {"counts": counts, "total": len(events), "events": events[:MAX_ACTIVITY],
            "omitted": max(0, len(events) - MAX_ACTIVITY)}


def answer(tri: dict, lang: str, tz) -> str:
    if not tri["telemetry"]["sysmon"]["present"]:
        return tr("facet.activity.no_sysmon", lang)
    counts = tri["activity"]["counts"]
    if not counts:
        return tr("facet.activity.none", lang)
    return join([tr(_KIND_TEXT[kind], lang, n=n) for kind, n in counts.items()], lang)


def summary(value: dict) -> str | None:
    if not value["counts"]:
        return None
    return "activity: " + ", ".join(f"{k} {v}" for k, v in value["counts"].items())


FACET = Facet("activity", compute, answer, words="facet.activity.words",
              label="facet.activity", caveats=("sysmon_ids_missing",), summary=summary)
