"""Load Elastic detection-rules TOML files into ``Rule`` values.

Rules are data: the same TOML format as Elastic's ``detection-rules`` repository, so an
analyst can point evtxscan at a checkout of it (or at their own rules) without edits.
What the single-event engine cannot run -- other languages, sequences, pipes, unknown
functions, bad TOML -- is skipped with a one-line reason and counted; it never ends the
load, because one exotic rule must not cost the other four hundred.

Translations of the investigation guide live in a top-level ``[evtxscan]`` table
(``note_zh = '''...'''`` or a triple-quoted basic string) that Elastic's own loader
ignores.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from .compiler import CompileError, compile_condition
from .model import Rule, RuleSet, SkippedRule, Threat
from .query import UnsupportedQuery, parse_event_query


class RuleLoadError(ValueError):
    """A rule file cannot become a ``Rule``; ``str()`` is the reason, ``name`` if known."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(reason)
        self.name = name


def default_rules_path() -> Path:
    """The folder of rules shipped inside the package (``evtxscan/rules/*.toml``)."""
    return Path(str(resources.files("evtxscan.rules")))


def _rule_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*.toml") if p.is_file())
    else:
        yield path


def load_rules(paths: Iterable[Path], include_default: bool = True) -> RuleSet:
    """Load every rule under ``paths`` (files or folders, recursively ``*.toml``).

    The packaged default rules come first; for a duplicate ``rule_id`` the first one
    loaded wins and later ones are skipped with a reason.  ``rules`` is sorted by name
    then id so listings and outputs are stable; ``skipped`` keeps load order.
    """
    sources = [default_rules_path()] if include_default else []
    sources.extend(Path(p) for p in paths)
    loaded: dict[str, Rule] = {}
    skipped: list[SkippedRule] = []
    for source in sources:
        if not source.exists():
            skipped.append(SkippedRule(str(source), "", "no such file or directory"))
            continue
        for file in _rule_files(source):
            try:
                rule = load_rule_file(file)
            except RuleLoadError as exc:
                skipped.append(SkippedRule(str(file), exc.name, str(exc)))
                continue
            first = loaded.get(rule.rule_id)
            if first is not None:
                skipped.append(SkippedRule(
                    str(file), rule.name,
                    f"duplicate rule_id {rule.rule_id} (already loaded from {first.source})"))
                continue
            loaded[rule.rule_id] = rule
    rules = sorted(loaded.values(), key=lambda r: (r.name.casefold(), r.name, r.rule_id))
    return RuleSet(rules=rules, skipped=skipped)


def load_rule_file(path: Path) -> Rule:
    """Read one TOML rule file; raises ``RuleLoadError`` with the reason it is unusable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleLoadError(f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RuleLoadError(f"not UTF-8 text: {exc.reason}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RuleLoadError(f"toml parse error: {exc}") from None
    return rule_from_toml(data, str(path))


def rule_from_toml(data: dict[str, Any], source: str) -> Rule:
    """Build a ``Rule`` from a parsed detection-rules document."""
    rule = data.get("rule")
    if not isinstance(rule, dict):
        raise RuleLoadError("no [rule] table")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    name = str(rule.get("name") or "")
    language = rule.get("language")
    if language != "eql":
        reason = (f"language {language} not supported" if language
                  else f"rule type {rule.get('type', 'unknown')} not supported")
        raise RuleLoadError(reason, name)
    rule_id = str(rule.get("rule_id") or "")
    if not rule_id:
        raise RuleLoadError("missing rule_id", name)
    if not name:
        raise RuleLoadError("missing name")
    query = rule.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RuleLoadError("missing query", name)
    try:
        query_ast = parse_event_query(query)
        compile_condition(query_ast)  # validate now; each engine compiles its own copy
    except (UnsupportedQuery, CompileError) as exc:
        raise RuleLoadError(str(exc), name) from None

    note = str(rule.get("note") or "")
    return Rule(
        rule_id=rule_id,
        name=name,
        description=" ".join(str(rule.get("description") or "").split()),
        severity=str(rule.get("severity") or "unknown"),
        risk_score=_int(rule.get("risk_score"), 0),
        query=query.strip(),
        note=note,
        notes=_notes(note, data.get("evtxscan")),
        references=tuple(str(r) for r in rule.get("references") or ()),
        threat=_threats(rule.get("threat") or ()),
        tags=tuple(str(t) for t in rule.get("tags") or ()),
        version=_int(rule.get("version", metadata.get("version")), None),
        source=source,
        event_category=query_ast.event_type,
        query_ast=query_ast,
    )


def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _notes(note: str, extra: Any) -> dict[str, str]:
    """``{"en": note}`` plus ``note_<lang>`` entries of the ``[evtxscan]`` table."""
    notes = {"en": note} if note else {}
    if isinstance(extra, dict):
        for key, value in extra.items():
            if key.startswith("note_") and isinstance(value, str) and value.strip():
                notes[key[len("note_"):]] = value
    return notes


def _threats(entries: Iterable[Any]) -> tuple[Threat, ...]:
    """Flatten ``[[rule.threat]]`` to (tactic id, tactic name, technique id, name)."""
    out: list[Threat] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        tactic = entry.get("tactic") or {}
        tactic_id, tactic_name = str(tactic.get("id", "")), str(tactic.get("name", ""))
        techniques = entry.get("technique") or []
        if not techniques:
            out.append((tactic_id, tactic_name, "", ""))
        for technique in techniques:
            out.append((tactic_id, tactic_name,
                        str(technique.get("id", "")), str(technique.get("name", ""))))
            for sub in technique.get("subtechnique") or []:
                out.append((tactic_id, tactic_name,
                            str(sub.get("id", "")), str(sub.get("name", ""))))
    return tuple(out)


def format_listing(ruleset: RuleSet) -> list[str]:
    """Lines for ``evtxscan rules PATH``; the last one is ``N loaded, M skipped``."""
    lines = [f"{rule.severity:<8} {rule.risk_score:>3}  {rule.name}  [{rule.rule_id}]"
             for rule in ruleset.rules]
    lines.extend(f"SKIP {skip.source}: {skip.reason}" for skip in ruleset.skipped)
    lines.append(f"{len(ruleset.rules)} loaded, {len(ruleset.skipped)} skipped")
    return lines
