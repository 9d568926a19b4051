"""``crash``: WerFault.exe under the nearest dns.exe, the alerted process itself or a
sibling: the guide's denial-of-service signal (SIGRed crashes the DNS service)."""

from __future__ import annotations

import re

from ..i18n import tr
from ..timefmt import display
from ..toolsets import CRASH, DNS_SERVICE, tool_key
from .base import Facet, Subject, ev, proc_brief, sentences

_WER_PID = re.compile(r"(?:^|\s)[-/]p\s+(\d+)", re.IGNORECASE)


def compute(s: Subject) -> dict:
    """WerFault under the nearest dns.exe at or above the alerted process' parent."""
    graph, p = s.graph, s.process
    dns = next((a for a in graph.ancestors(p.node) if tool_key(a.name) == DNS_SERVICE), None)
    if dns is None:
        return {"dns": None, "werfault": []}
    found = []
    for c in graph.children(dns.node):
        if tool_key(c.name) not in CRASH:
            continue
        cmd = c.cmdline()
        m = _WER_PID.search(cmd or "")
        found.append({"where": "process" if c is p else "sibling",
                      "targets_dns": (int(m.group(1)) == dns.pid) if m else None,
                      "end": c.end_time, **proc_brief(c)})
    found.sort(key=lambda w: (w["start"] or "", w["entity_id"]))
    return {"dns": {**proc_brief(dns), "end": dns.end_time}, "werfault": found}


def answer(tri: dict, lang: str, tz) -> str:
    c = tri["crash"]
    if c["dns"] is None:
        return tr("facet.crash.no_dns", lang)
    parts = []
    for w in c["werfault"]:
        text = tr("facet.crash.werfault", lang, name=ev(w["name"]), time=display(w["start"], tz))
        if w["targets_dns"]:
            text += tr("facet.crash.werfault_pid", lang, pid=c["dns"]["pid"])
        parts.append(text)
    if not parts:
        parts.append(tr("facet.crash.none", lang, pid=c["dns"]["pid"]))
    if c["dns"].get("end"):
        parts.append(tr("facet.crash.dns_ended", lang, time=display(c["dns"]["end"], tz)))
    return sentences(parts, lang)


def summary(value: dict) -> str | None:
    wer = value["werfault"]
    return "crash: " + ", ".join(sorted({w["name"] for w in wer})) if wer else None


FACET = Facet("crash", compute, answer, words="facet.crash.words", label="facet.crash",
              tools=CRASH, caveats=("no_process_ends",), mark="werfault", summary=summary)
