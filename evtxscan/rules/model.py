"""Typed values the rule stage hands to the rest of evtxscan.

A ``Rule`` is data read from an Elastic detection-rules TOML file plus the parsed EQL
query.  It stays a plain, picklable value (the parsed eql AST pickles; compiled Python
closures would not), so a rule set can be shipped to worker processes and each worker
builds its own ``RuleEngine``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: (tactic_id, tactic_name, technique_id, technique_name); technique fields are "" when
#: a threat entry names only a tactic.
Threat = tuple[str, str, str, str]


@dataclass(frozen=True)
class Rule:
    """One detection rule that the engine can run.

    ``notes`` maps a language code to its Markdown investigation guide: ``"en"`` is the
    rule's ``note``; other languages come from the ``[evtxscan]`` table (``note_zh`` ->
    ``"zh"``), which Elastic's own tooling ignores.  ``query_ast`` is the parsed eql
    ``EventQuery``; it is derived from ``query``, so it is left out of equality and hash.
    """

    rule_id: str
    name: str
    description: str
    severity: str
    risk_score: int
    query: str
    note: str = ""
    notes: dict[str, str] = field(default_factory=dict, hash=False)
    references: tuple[str, ...] = ()
    threat: tuple[Threat, ...] = ()
    tags: tuple[str, ...] = ()
    version: int | None = None
    source: str = ""
    event_category: str = "any"
    query_ast: Any = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class SkippedRule:
    """A rule file (or one rule in it) that could not be used, and the one-line reason."""

    source: str
    name: str
    reason: str


@dataclass
class RuleSet:
    """Rules in deterministic order (name, then id) and what was skipped, in load order."""

    rules: list[Rule] = field(default_factory=list)
    skipped: list[SkippedRule] = field(default_factory=list)
