"""``prevalence``: on which hosts the same child name appears under dns.exe and under the
same parent name, and with the same command line (is this one host's oddity, or how the
estate runs?)."""

from __future__ import annotations

import functools
from collections import defaultdict

from ..i18n import tr
from ..toolsets import DNS_SERVICE, tool_key
from .base import Facet, Subject, ev, join, sentences


def _norm_cmdline(cmd: str | None) -> str | None:
    if not cmd:
        return None
    return " ".join(cmd.split()).lower()


class PrevalenceIndex:
    """(parent name, child name) -> [(host, normalized command line)] over the case, for
    the child names asked about (only pairs of an alerted child are ever looked up)."""

    def __init__(self, graph, children: set[str]) -> None:
        self.pairs: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
        key = functools.lru_cache(maxsize=1 << 14)(tool_key)  # names repeat all case long
        for q in graph.processes():
            child = key(q.name)
            if child not in children:
                continue
            par = graph.parent(q.node)
            if par is None:
                continue
            self.pairs[(key(par.name), child)].append((q.host, _norm_cmdline(q.cmdline())))
        self.hosts = graph.hosts()


def prepare(analysis) -> PrevalenceIndex:
    return PrevalenceIndex(analysis.graph, {tool_key(a.process.name) for a in analysis.alerts})


def compute(s: Subject, index: PrevalenceIndex) -> dict:
    graph, p = s.graph, s.process
    child = tool_key(p.name)
    par = graph.parent(p.node)
    parent = tool_key(par.name) if par is not None else ""

    def count(rows):
        return {"hosts": sorted({h for h, _ in rows}), "processes": len(rows)}

    under_dns = index.pairs.get((DNS_SERVICE, child), [])
    under_parent = index.pairs.get((parent, child), []) if parent else []
    cmd = _norm_cmdline(p.cmdline())
    same = [r for r in under_parent if cmd is not None and r[1] == cmd]
    unknown = sorted({h for h, c in under_parent if c is None})
    return {"child": child, "parent": parent, "hosts_in_case": len(index.hosts),
            "under_dns": count(under_dns), "under_parent": count(under_parent),
            "same_command_line": {"command_line": p.cmdline(), **count(same),
                                  "hosts_without_command_line": unknown}}


def answer(tri: dict, lang: str, tz) -> str:
    p = tri["prevalence"]

    def hosts(d: dict) -> str:
        return join([ev(h) for h in d["hosts"]], lang) or "-"

    parts = [tr("facet.prevalence.under_dns", lang, child=ev(p["child"]),
                n=len(p["under_dns"]["hosts"]), total=p["hosts_in_case"],
                hosts=hosts(p["under_dns"]))]
    if p["parent"] and p["parent"] != DNS_SERVICE:
        parts.append(tr("facet.prevalence.under_parent", lang, parent=ev(p["parent"]),
                        n=len(p["under_parent"]["hosts"]), hosts=hosts(p["under_parent"])))
    same = p["same_command_line"]
    if same["command_line"]:
        parts.append(tr("facet.prevalence.same_command_line", lang, n=len(same["hosts"]),
                        hosts=hosts(same)))
    else:
        parts.append(tr("facet.prevalence.no_command_line", lang))
    if same["hosts_without_command_line"]:
        parts.append(tr("facet.prevalence.command_lines_unknown", lang, hosts=join(
            [ev(h) for h in same["hosts_without_command_line"]], lang)))
    return sentences(parts, lang)


def summary(value: dict) -> str:
    return (f"hosts with same child under dns.exe: {len(value['under_dns']['hosts'])}"
            f"/{value['hosts_in_case']}")


FACET = Facet("prevalence", compute, answer, words="facet.prevalence.words",
              label="facet.prevalence", summary=summary, prepare=prepare)
