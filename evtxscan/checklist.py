"""The rule's investigation guide as a checklist, with the answers the evidence gives.

``checklist(rule)`` parses the guide's Markdown (every language of ``rule.notes``,
paired by position within each section) into items; ``answer(item, alert, lang)``
words what the triage facets (``evtxscan.facets``) say about that item, or None when no
facet bears on it (e.g. "check whether the server is vulnerable to CVE-2020-1350").

Items are tied to facets by what their text says (each facet's ``words`` in any
language, and the tool names of its ``tools`` the item mentions), never by their
position, so another rule's guide (or a reworded one) gets answers wherever it asks the
same questions.  Section headings are recognised by the ``guide.*`` words of
``evtxscan.i18n``, in any language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timezone, tzinfo

from . import facets
from .facets import Facet
from .facets.base import ev, sentences
from .facets.telemetry import caveat_text
from .i18n import tr, words
from .toolsets import tool_key

SECTIONS = ("investigation", "false_positive", "response")
#: i18n keys of the heading words (any language) that start each section.  A heading
#: that matches none (e.g. "Triage and analysis") ends the current section.
_HEADINGS = {"investigation": "guide.investigation", "false_positive": "guide.false_positive",
             "response": "guide.response"}


@dataclass(frozen=True)
class ChecklistItem:
    """One bullet of the guide: ``id`` like ``investigation-1``; ``texts`` per language."""

    id: str
    section: str
    texts: dict[str, str] = field(default_factory=dict, hash=False, compare=True)

    def text(self, lang: str = "en") -> str:
        return self.texts.get(lang) or self.texts.get("en") or next(iter(self.texts.values()), "")


_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")


def _section_of(heading: str) -> str | None:
    h = heading.strip("# ").strip().lower()
    # heading words that look like a section but are not one ("Investigating X")
    if any(h.startswith(w) for w in words("guide.not_a_section")):
        return None
    for section, key in _HEADINGS.items():
        if any(w in h for w in words(key)):
            return section
    return None


def parse_guide(markdown: str) -> dict[str, list[str]]:
    """Section -> bullet texts, in order.  Nested bullets and continuation lines join
    their parent bullet, so one item is one thing to do."""
    out: dict[str, list[str]] = {s: [] for s in SECTIONS}
    section: str | None = None
    open_item = False          # the last bullet may still take continuation lines
    after_blank = False
    in_fence = False
    for line in (markdown or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            open_item = False
            continue
        if in_fence:
            continue
        if stripped.startswith("#"):
            section = _section_of(stripped)
            open_item = False
            continue
        if section is None:
            continue
        if not stripped:
            after_blank = True
            continue
        items = out[section]
        m = _BULLET.match(line)
        indented = len(line) - len(line.lstrip()) >= 2
        if m and (not indented or not items or not open_item):
            items.append(m.group(2).strip())
            open_item = True
        elif open_item and (indented or not after_blank):
            # a nested bullet or a continuation line of the last bullet
            items[-1] += ("; " if m else " ") + (m.group(2).strip() if m else stripped)
        else:
            open_item = False   # a paragraph after the list
        after_blank = False
    return out


def checklist(rule) -> list[ChecklistItem]:
    """The checklist of ``rule``'s guide, every language paired by position."""
    notes = dict(getattr(rule, "notes", None) or {})
    if not notes and getattr(rule, "note", ""):
        notes = {"en": rule.note}
    parsed = {lang: parse_guide(md) for lang, md in sorted(notes.items())}
    items: list[ChecklistItem] = []
    for section in SECTIONS:
        n = max((len(p[section]) for p in parsed.values()), default=0)
        for i in range(n):
            texts = {lang: p[section][i] for lang, p in parsed.items() if i < len(p[section])}
            items.append(ChecklistItem(f"{section}-{i + 1}", section, texts))
    return items


_EXE = re.compile(r"[\w.-]+\.exe\b", re.IGNORECASE)


def _asked(item: ChecklistItem) -> list[Facet]:
    text = " ".join(item.texts.values()).lower()
    tools = {tool_key(name) for name in _EXE.findall(text)}
    return [f for f in facets.FACETS
            if any(w in text for w in words(f.words)) or not tools.isdisjoint(f.tools)]


def facets_for(item: ChecklistItem) -> list[str]:
    """The names of the triage facets an item asks about, in ``FACETS`` order."""
    return [f.name for f in _asked(item)]


def answer(item: ChecklistItem, alert, lang: str = "en",
           tz: tzinfo = timezone.utc) -> str | None:
    """What the evidence says about ``item`` for ``alert``, in ``lang``; None when no
    triage facet bears on it.  Caveats that weaken the answer follow it."""
    tri = getattr(alert, "triage", None) or {}
    asked = _asked(item)
    if not tri or not asked:
        return None
    parts = [f.answer(tri, lang, tz) for f in asked]
    codes = {c for f in asked for c in f.caveats}
    parts += [tr("answer.caveat", lang, text=ev(caveat_text(c, lang)))
              for c in tri.get("telemetry", {}).get("caveats", []) if c["code"] in codes]
    return sentences(parts, lang)


def sources(item: ChecklistItem, alert) -> list[str]:
    """The evidence the answer to ``item`` rests on, one line each (from the facets it
    asks about that list theirs: a log file + record id, a hive key + value + last-write
    time); empty when none does."""
    tri = getattr(alert, "triage", None) or {}
    out: list[str] = []
    for f in _asked(item):
        if f.sources is not None and f.name in tri:
            out += f.sources(tri[f.name])
    return out
