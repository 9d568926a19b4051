"""Typed values the rule stage hands to the rest of evtxscan.

A ``Rule`` is data read from a rule file (Elastic detection-rules TOML, Sigma YAML, ...)
plus the format's parsed form of its condition.  It stays a plain, picklable value (the
parsed eql AST and the Sigma condition tree pickle; compiled Python closures would not),
so a rule set can be shipped to worker processes and each worker builds its own
``RuleEngine``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: (tactic_id, tactic_name, technique_id, technique_name); fields are "" when a threat
#: entry (or a Sigma ATT&CK tag) names only one side.
Threat = tuple[str, str, str, str]


@dataclass(frozen=True)
class Rule:
    """One detection rule that the engine can run.

    ``format`` names the rule-format module that read it (``formats.py``) and that
    compiles ``query_ast``, the format's parsed condition (an eql ``EventQuery`` for
    Elastic rules, the Sigma condition tree for Sigma rules); it is derived from the
    file, so it is left out of equality and hash.  ``query`` is the condition as text for
    people (the EQL query, or the Sigma ``detection`` section).

    ``notes`` maps a language code to its Markdown investigation guide: ``"en"`` is the
    rule's ``note``; other languages come from the ``[evtxscan]`` table (``note_zh`` ->
    ``"zh"``), which Elastic's own tooling ignores.  Sigma rules carry no guide; their
    ``description`` and ``falsepositives`` say what the rule looks for.

    ``severity`` is Elastic's scale (low, medium, high, critical) for every format;
    ``level`` keeps a Sigma rule's own level (informational .. critical).  ``author`` and
    ``references`` stay with the rule wherever it is shown (the Detection Rule License
    of SigmaHQ's rules asks for that).  ``cost`` is the compiled condition's size, which
    the loader bounds (``MAX_RULE_COST``).
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
    format: str = "elastic"
    author: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    level: str = ""
    status: str = ""
    license: str = ""
    logsource: tuple[tuple[str, str], ...] = ()
    cost: int = field(default=0, compare=False, hash=False)


@dataclass(frozen=True)
class SkippedRule:
    """A rule file (or one rule in it) that could not be used, and the one-line reason."""

    source: str
    name: str
    reason: str


@dataclass
class RuleSet:
    """Rules in deterministic order (name, then id) and what was skipped, in load order.

    ``cost_limit`` is the largest condition the loader accepts (rules above it are among
    ``skipped``), so a summary can say what bound was applied.
    """

    rules: list[Rule] = field(default_factory=list)
    skipped: list[SkippedRule] = field(default_factory=list)
    cost_limit: int = 0
