"""``subtree``: the alerted process' descendants, pre-order, with depth and the tool sets
each belongs to."""

from __future__ import annotations

from ..i18n import tr
from ..toolsets import toolsets_of
from .base import Facet, Subject, ev, join

#: Names listed in an answer (all are in the JSON and the report's subtree table).
SHOWN = 8


def compute(s: Subject) -> list[dict]:
    return [{"depth": depth, "name": q.name, "pid": q.pid, "command_line": q.cmdline(),
             "start": q.start_time, "end": q.end_time, "entity_id": q.entity_id,
             "how": q.parent_how, "toolsets": toolsets_of(q.name)}
            for depth, q in s.below]


def answer(tri: dict, lang: str, tz) -> str:
    sub = tri["subtree"]
    if not sub:
        return tr("facet.subtree.none", lang)
    names = [ev(s["name"]) for s in sub[:SHOWN]]
    if len(sub) > SHOWN:
        names.append(tr("answer.more", lang, n=len(sub) - SHOWN))
    return tr("facet.subtree.some", lang, n=len(sub), names=join(names, lang))


def summary(value: list) -> str:
    return f"subtree: {len(value)}"


FACET = Facet("subtree", compute, answer, words="facet.subtree.words", label="facet.subtree",
              caveats=("no_parent_names", "no_process_ends"), summary=summary)
