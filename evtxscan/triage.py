"""Guide-driven triage: answer the rule's investigation steps from the evidence.

``attach_triage(analysis)`` sets ``alert.triage`` on every alert: a JSON-ready dict with
one entry per facet of ``evtxscan.facets.FACETS`` (ancestry, discovery, lolbins, crash,
related_alerts_48h, prevalence, activity, subtree, telemetry), each the evidence for one
kind of step of the guide.  What each facet is, and how it is computed and worded, is in
its own module there; this is only the stage that runs them.
"""

from __future__ import annotations

from . import facets
from .facets import Subject


def triage_alert(analysis, alert, prepared: dict[str, object]) -> dict:
    """Every facet of one alert; ``prepared`` holds each facet's case-wide index."""
    subject = Subject(analysis, alert)
    out = {}
    for f in facets.FACETS:
        out[f.name] = (f.compute(subject, prepared[f.name]) if f.prepare is not None
                       else f.compute(subject))
    return out


def attach_triage(analysis) -> None:
    """Attach the triage facets to every alert of ``analysis`` (``alert.triage``)."""
    if not analysis.alerts:
        return
    prepared = {f.name: f.prepare(analysis) for f in facets.FACETS
                if f.prepare is not None}
    for a in analysis.alerts:
        a.triage = triage_alert(analysis, a, prepared)
