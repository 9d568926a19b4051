"""``discovery`` and ``lolbins``: tools of a set run as the alerted process, in its
subtree, or named in a command line there.

One computation over two tool sets (``evtxscan.toolsets``), so two facets from one
module.  A tool only named in a command line counts when no process of it was logged
(command-line auditing on, Sysmon off, or ``cmd /c whoami`` not yet started).
"""

from __future__ import annotations

from ..i18n import tr
from ..toolsets import DISCOVERY, LOLBINS, mentioned_tools, tool_key
from .base import Facet, Subject, join, proc_brief, sentences


def tool_hits(s: Subject, names: frozenset[str]) -> dict:
    """Processes of ``names`` (the alerted one or in its subtree), then tools only named
    in a command line there (when no such process was logged)."""
    procs = [(0, s.process)] + s.below
    hits: list[dict] = []
    present: set[str] = set()
    for depth, q in procs:
        key = tool_key(q.name)
        if key in names:
            present.add(key)
            hits.append({"tool": key, "where": "process" if depth == 0 else "subtree",
                         "depth": depth, **proc_brief(q)})
    for depth, q in procs:
        for key in mentioned_tools(q.cmdline(), names, q.name):
            if key not in present:
                hits.append({"tool": key, "where": "command line", "depth": depth,
                             **proc_brief(q)})
    hits.sort(key=lambda h: (h["start"] or "", h["depth"], h["tool"], h["where"],
                             h["entity_id"]))
    return {"tools": sorted({h["tool"] for h in hits}), "hits": hits}


#: Where a hit was found -> the i18n key of its phrase, in the order answers give them.
_WHERE = (("process", "answer.tools_process"), ("subtree", "answer.tools_subtree"),
          ("command line", "answer.tools_cmdline"))


def _facet(name: str, names: frozenset[str], *, words: str, label: str, kind: str) -> Facet:
    """A tool-set facet; ``kind`` is the i18n key naming the set in "none of ..."."""

    def compute(s: Subject) -> dict:
        return tool_hits(s, names)

    def answer(tri: dict, lang: str, tz) -> str:
        hits = tri[name]["hits"]
        if not hits:
            return tr("answer.tools_none", lang, kind=tr(kind, lang))
        parts = []
        for where, key in _WHERE:
            tools = sorted({h["tool"] for h in hits if h["where"] == where})
            if tools:
                parts.append(tr(key, lang, tools=join(tools, lang)))
        return sentences(parts, lang)

    def summary(value: dict) -> str | None:
        return f"{name}: " + ", ".join(value["tools"]) if value["tools"] else None

    return Facet(name, compute, answer, words=words, label=label,
                 tools=names, caveats=("cmdline_v0", "cmdline_off"), mark=name,
                 summary=summary)


DISCOVERY_FACET = _facet("discovery", DISCOVERY, words="facet.discovery.words",
                         label="facet.discovery", kind="facet.discovery.kind")
LOLBINS_FACET = _facet("lolbins", LOLBINS, words="facet.lolbins.words",
                       label="facet.lolbins", kind="facet.lolbins.kind")
