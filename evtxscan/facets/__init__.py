"""Triage facets, each defined once: one record per facet, one registry in one order.

A facet is the evidence for one kind of step in a rule's investigation guide ("the
parent process tree", "discovery utilities", "other alerts in the past 48 hours"...).
Its ``Facet`` record (``base.py``) holds everything about it: its name in
``alert.triage`` and alerts.jsonl, the function that computes it, the function that
words its answer, the telemetry caveats that weaken that answer, the words and tool
names in a guide item that ask for it, its Findings label in reports, its mark in the
TUI and its part of alerts.csv's one-line summary.  Its words, in every language, are
in ``evtxscan.i18n`` under ``facet.<name>``.

Everything else reads ``FACETS``: triage computes them in this order
(``evtxscan.triage``), the checklist ties guide items to them and joins their answers in
this order (``evtxscan.checklist``), the reports list their findings and summaries in
this order (``evtxscan.outputs.reportdata``), the TUI marks the processes they list
(``evtxscan.tui.model``).  None of those names a facet.

One module per facet (two for ``tools.py``, which runs one search over two tool sets),
as plaso has one module per parser: a facet's computation and its answer change
together, and are read together.

Adding a facet (e.g. ``exposure``, "was this DNS server exposed to CVE-2020-1350 when
the alert fired?"):

1. ``evtxscan/facets/exposure.py`` with ``compute``/``answer`` and
   ``FACET = Facet("exposure", compute, answer, words="facet.exposure.words",
   label="facet.exposure", caveats=(...), summary=...)`` (``prepare`` for an index
   built once per case, e.g. the hives found);
2. ``exposure.FACET`` in ``FACETS`` below, where its answer should come;
3. its words in ``evtxscan/i18n.py``: ``facet.exposure`` (label),
   ``facet.exposure.words`` (what a guide item says when it asks for it, e.g.
   "CVE-2020-1350", "vulnerable") and its answer phrases ``facet.exposure.*``.

Nothing else changes: ``tests/test_facets.py`` and ``tests/test_i18n.py`` name anything
missing (a language without a text, a key used but not defined, a caveat code unknown).
"""

from __future__ import annotations

from . import (activity, ancestry, crash, exposure, prevalence, related, subtree, telemetry,
               tools)
from .base import WINDOW_HOURS, Facet, Subject

#: Every facet, in the order triage computes them and answers and reports list them.
FACETS: tuple[Facet, ...] = (
    ancestry.FACET,
    tools.DISCOVERY_FACET,
    tools.LOLBINS_FACET,
    crash.FACET,
    related.FACET,
    prevalence.FACET,
    activity.FACET,
    subtree.FACET,
    exposure.FACET,
    telemetry.FACET,
)

BY_NAME: dict[str, Facet] = {f.name: f for f in FACETS}

__all__ = ["BY_NAME", "FACETS", "WINDOW_HOURS", "Facet", "Subject"]
