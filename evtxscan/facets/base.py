"""The facet record, what a facet is computed about, and the helpers facets share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from functools import cached_property
from typing import Any

from ..graph import Process
from ..i18n import tr
from ..textsafe import printable

#: The window of "the 48 hours before the alert" (related alerts, telemetry coverage)
#: and of the TUI's timeline around an alert.
WINDOW_HOURS = 48
WINDOW_US = WINDOW_HOURS * 3600 * 1_000_000

#: ``answer(triage, lang, tz) -> str``: the facet's finding as one line in ``lang``.
Answer = Callable[[dict, str, tzinfo], str]


@dataclass
class Subject:
    """One alert in its analysis: what every facet is computed about."""

    analysis: Any
    alert: Any

    @property
    def graph(self):
        return self.analysis.graph

    @property
    def process(self) -> Process:
        return self.alert.process

    @cached_property
    def below(self) -> list[tuple[int, Process]]:
        """The alerted process' descendants, pre-order with depth (several facets walk
        them; computed once per alert)."""
        return self.graph.descendants(self.process.node)


@dataclass(frozen=True)
class Facet:
    """One kind of evidence for the investigation guide, defined once.

    ``name``     its key in ``alert.triage`` and alerts.jsonl.
    ``compute``  ``compute(subject)`` -> its JSON-ready value (lists sorted: the same
                 evidence gives the same bytes); with ``prepare``,
                 ``compute(subject, prepared)``.
    ``prepare``  ``prepare(analysis)`` -> a case-wide index built once per analysis
                 (e.g. every host's parent/child pairs), or None.
    ``sources``  ``sources(value)`` -> the evidence its answer rests on, one line each
                 (a log file + record id, a hive + key + value + last-write time), which
                 the reports list under its finding; None when the answer names its own.
    ``answer``   its finding as one line in a language (``Answer``), shown under a
                 checklist item that asks for it and under the report's Findings.
    ``words``    i18n key of the words in a guide item that ask for it.
    ``tools``    tool names (``evtxscan.toolsets``) that, named in a guide item, ask
                 for it too.
    ``caveats``  telemetry caveat codes that weaken its answer (shown after it).
    ``label``    i18n key of its heading under Findings; None keeps it out of the
                 Findings (telemetry has its own section).
    ``mark``     the mark (``mark.<mark>`` in i18n) the TUI puts on the processes it
                 lists, or None.
    ``summary``  ``summary(value)`` -> its part of the one-line triage summary of
                 alerts.csv (English, like the JSON), or None to add nothing.
    """

    name: str
    compute: Callable[..., Any]
    answer: Answer
    words: str
    label: str | None = None
    tools: frozenset[str] = field(default_factory=frozenset)
    caveats: tuple[str, ...] = ()
    mark: str | None = None
    summary: Callable[[Any], str | None] | None = None
    prepare: Callable[[Any], Any] | None = None
    sources: Callable[[Any], list[str]] | None = None


# ---------------------------------------------------------------------- helpers
def iso(us: int) -> str:
    """Microseconds since the epoch as the UTC ISO-8601 time of the JSON."""
    dt = datetime.fromtimestamp(us // 1_000_000, tz=timezone.utc).replace(
        microsecond=us % 1_000_000)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def proc_brief(p: Process) -> dict:
    """The fields a facet lists for each process it names."""
    return {"name": p.name, "pid": p.pid, "executable": p.executable,
            "entity_id": p.entity_id, "start": p.start_time,
            "command_line": p.cmdline()}


def ev(text) -> str:
    """Evidence text inside an answer: one line, control characters escaped."""
    return printable(str(text)) if text is not None else "?"


def join(items: list[str], lang: str) -> str:
    """A list inside a sentence (``a, b`` / ``a、b``)."""
    return tr("answer.list", lang).join(items)


def sentences(parts: list[str], lang: str) -> str:
    """Parts of one answer (``a; b`` / ``a;b``)."""
    return tr("answer.sep", lang).join(parts)
