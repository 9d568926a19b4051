"""Elastic detection-rules TOML files, run with Elasticsearch semantics.

Rules are data: the same TOML format as Elastic's ``detection-rules`` repository, so an
analyst can point evtxscan at a checkout of it (or at their own rules) without edits.
What the single-event engine cannot run -- other languages, sequences, pipes, unknown
functions, bad TOML -- is skipped with a one-line reason and counted.

Metadata is checked for its type as Elastic's schema states it (``risk_score`` an
integer 0-100, ``tags``/``references`` lists of text, ``threat`` tables): a value of the
wrong type (``risk_score = inf``, ``tags = true``) skips that rule with a reason instead
of ending the run.

Translations of the investigation guide live in a top-level ``[evtxscan]`` table
(``note_zh = '''...'''`` or a triple-quoted basic string) that Elastic's own loader
ignores.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from .compiler import compile_condition, condition_cost
from .errors import RuleError, RuleLoadError
from .formats import Compiled, RuleFormat, register
from .model import Rule, Threat
from .prefilter import required_atoms
from .query import parse_event_query

_TABLE = re.compile(r"^\s*\[\s*rule\s*\]", re.MULTILINE)
#: Longer queries are refused before parsing: eql's parser needs ~1.8 s for 70,000
#: characters (a 2,300-term ``or``) and 10 s for a 10,000-term one; the longest upstream
#: query has 46,906.  Together with ``loader.MAX_RULE_COST`` this bounds one rule's cost.
MAX_QUERY_CHARS = 64 * 1024


class ElasticToml(RuleFormat):
    name = "elastic"
    label = "Elastic detection-rules TOML"
    suffixes = (".toml",)

    def claims(self, path: Path, head: str) -> bool:
        return path.suffix.lower() in self.suffixes or bool(_TABLE.search(head))

    def load(self, path: Path, text: str) -> list[Rule | RuleError]:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RuleLoadError(f"toml parse error: {exc}") from None
        try:
            return [rule_from_toml(data, str(path))]
        except RuleError as exc:
            return [exc]

    def compile(self, rule: Rule) -> Compiled:
        query = rule.query_ast if rule.query_ast is not None else parse_event_query(rule.query)
        return Compiled(compile_condition(query), required_atoms(query.query),
                        cost=condition_cost(query))


register(ElasticToml())


def rule_from_toml(data: dict[str, Any], source: str) -> Rule:
    """Build a ``Rule`` from a parsed detection-rules document (raises ``RuleError``)."""
    rule = data.get("rule")
    if not isinstance(rule, dict):
        raise RuleLoadError("no [rule] table")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    name = _text(rule, "name")
    language = rule.get("language")
    if language != "eql":
        reason = (f"language {language} not supported" if language
                  else f"rule type {rule.get('type', 'unknown')} not supported")
        raise RuleLoadError(reason, name)
    rule_id = _text(rule, "rule_id", name)
    if not rule_id:
        raise RuleLoadError("missing rule_id", name)
    if not name:
        raise RuleLoadError("missing name")
    query = rule.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RuleLoadError("missing query", name)
    if len(query) > MAX_QUERY_CHARS:
        raise RuleLoadError(f"query too large: {len(query)} characters "
                            f"(at most {MAX_QUERY_CHARS})", name)
    query_ast = parse_event_query(query)  # UnsupportedQuery carries the reason
    note = _text(rule, "note", name)
    version = rule.get("version", metadata.get("version"))
    return Rule(
        rule_id=rule_id,
        name=name,
        description=" ".join(_text(rule, "description", name).split()),
        severity=_text(rule, "severity", name) or "unknown",
        risk_score=_risk_score(rule.get("risk_score"), name),
        query=query.strip(),
        note=note,
        notes=_notes(note, data.get("evtxscan")),
        references=_texts(rule, "references", name),
        threat=_threats(rule.get("threat"), name),
        tags=_texts(rule, "tags", name),
        version=_version(version, name),
        source=source,
        event_category=query_ast.event_type,
        query_ast=query_ast,
        format=ElasticToml.name,
        author=_texts(rule, "author", name),
        falsepositives=tuple(" ".join(t.split()) for t in _texts(rule, "false_positives", name)),
        license=_text(rule, "license", name),
    )


def _text(table: dict, key: str, name: str = "") -> str:
    value = table.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RuleLoadError(f"{key} must be text, not {_kind(value)}", name)
    return value


def _texts(table: dict, key: str, name: str) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleLoadError(f"{key} must be a list of text, not {_kind(value)}", name)
    return tuple(value)


def _kind(value: Any) -> str:
    if isinstance(value, list):
        inner = sorted({_kind(v) for v in value if not isinstance(v, str)})
        return "a list holding " + ", ".join(inner) if inner else "a list"
    return {bool: "a boolean", int: "a number", float: "a number", dict: "a table",
            str: "text"}.get(type(value), type(value).__name__)


def _risk_score(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise RuleLoadError(f"risk_score must be an integer from 0 to 100, not {value!r}", name)
    return value


def _version(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleLoadError(f"version must be an integer, not {value!r}", name)
    return value


def _notes(note: str, extra: Any) -> dict[str, str]:
    """``{"en": note}`` plus ``note_<lang>`` entries of the ``[evtxscan]`` table."""
    notes = {"en": note} if note else {}
    if isinstance(extra, dict):
        for key, value in extra.items():
            if key.startswith("note_") and isinstance(value, str) and value.strip():
                notes[key[len("note_"):]] = value
    return notes


def _threats(entries: Any, name: str) -> tuple[Threat, ...]:
    """Flatten ``[[rule.threat]]`` to (tactic id, tactic name, technique id, name)."""
    if entries is None:
        return ()
    bad = RuleLoadError("threat must be a list of tables with tactic and technique tables", name)
    if not isinstance(entries, list):
        raise bad
    out: list[Threat] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise bad
        tactic = entry.get("tactic") or {}
        techniques = entry.get("technique") or []
        if not isinstance(tactic, dict) or not isinstance(techniques, list):
            raise bad
        tactic_id, tactic_name = _id_name(tactic, bad)
        if not techniques:
            out.append((tactic_id, tactic_name, "", ""))
        for technique in techniques:
            out.append((tactic_id, tactic_name, *_id_name(technique, bad)))
            subs = technique.get("subtechnique") or []
            if not isinstance(subs, list):
                raise bad
            for sub in subs:
                out.append((tactic_id, tactic_name, *_id_name(sub, bad)))
    return tuple(out)


def _id_name(table: Any, bad: RuleLoadError) -> tuple[str, str]:
    if not isinstance(table, dict):
        raise bad
    ident, label = table.get("id", ""), table.get("name", "")
    if not isinstance(ident, str) or not isinstance(label, str):
        raise bad
    return ident, label

