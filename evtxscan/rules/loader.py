"""Load rule files of every registered format into a ``RuleSet``.

The loader knows no format: it walks folders for the suffixes the formats registered in
``formats.py`` declare, asks which format claims each file, lets it read the rules and
compile each one.  A rule that cannot be run exactly is skipped with a one-line reason
and counted; nothing a rule file holds (bad syntax, metadata of the wrong type, a
condition too large to run, a bug in a parser) ends the load, because one exotic rule
must not cost the other two thousand.

Cost of one rule is bounded here: a condition larger than ``MAX_RULE_COST`` (tests and
patterns; the largest of the ~3,600 upstream Elastic and Sigma rules is far below it) is
skipped, so a hostile or generated rule with 10,000 ``or`` terms cannot turn a scan's rule
stage from a fraction of a second into minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from importlib import resources
from pathlib import Path

from ..textsafe import printable
from .errors import RuleError, RuleLoadError
from .formats import RuleFormat, format_for, suffixes
from .model import Rule, RuleSet, SkippedRule

#: the largest condition (``Compiled.cost``: tests and patterns) a rule may have
MAX_RULE_COST = 5_000
#: a rule file larger than this is not read (the largest upstream rule file, a Sigma list
#: of vulnerable drivers' hashes, has 295 KB)
MAX_RULE_FILE_BYTES = 1 << 20
_HEAD_CHARS = 8192


def default_rules_path() -> Path:
    """The folder of rules shipped inside the package (``evtxscan/rules/*.toml``)."""
    return Path(str(resources.files("evtxscan.rules")))


def _rule_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        wanted = suffixes()
        yield from sorted(p for p in path.rglob("*")
                          if p.suffix.lower() in wanted and p.is_file())
    else:
        yield path


def load_rules(paths: Iterable[Path], include_default: bool = True) -> RuleSet:
    """Load every rule under ``paths`` (files, or folders searched recursively for the
    suffixes of every registered format).

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
            for item in _file_rules(file):
                if isinstance(item, SkippedRule):
                    skipped.append(item)
                    continue
                first = loaded.get(item.rule_id)
                if first is not None:
                    skipped.append(SkippedRule(
                        str(file), item.name,
                        f"duplicate rule_id {item.rule_id} (already loaded from {first.source})"))
                    continue
                loaded[item.rule_id] = item
    rules = sorted(loaded.values(), key=lambda r: (r.name.casefold(), r.name, r.rule_id))
    return RuleSet(rules=rules, skipped=skipped, cost_limit=MAX_RULE_COST)


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RULE_FILE_BYTES + 1)
    except OSError as exc:
        raise RuleLoadError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_RULE_FILE_BYTES:
        raise RuleLoadError(f"larger than {MAX_RULE_FILE_BYTES >> 20} MiB: not read as a rule file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleLoadError(f"not UTF-8 text: {exc.reason}") from None


def _file_rules(path: Path) -> list[Rule | SkippedRule]:
    """The usable rules of one file, and a ``SkippedRule`` for each that is not."""
    source = str(path)
    try:
        text = _read(path)
        fmt = format_for(path, text[:_HEAD_CHARS])
        if fmt is None:
            raise RuleLoadError("not a rule file of a known format ("
                                + ", ".join(sorted(suffixes())) + ")")
        items = fmt.load(path, text)
    except RuleError as exc:
        return [SkippedRule(source, exc.name, str(exc))]
    except Exception as exc:  # noqa: BLE001 - a parser's bug must not end the load
        return [SkippedRule(source, "", _unexpected(exc))]
    out: list[Rule | SkippedRule] = []
    for item in items:
        if isinstance(item, RuleError):
            out.append(SkippedRule(source, item.name, str(item)))
            continue
        out.append(_checked(fmt, item))
    return out


def _checked(fmt: RuleFormat, rule: Rule) -> Rule | SkippedRule:
    """The rule with its cost, once it compiled within the bounds; else why not."""
    try:
        compiled = fmt.compile(rule)
    except RuleError as exc:
        return SkippedRule(rule.source, rule.name, str(exc))
    except RecursionError:
        return SkippedRule(rule.source, rule.name, "condition nested too deeply")
    except Exception as exc:  # noqa: BLE001
        return SkippedRule(rule.source, rule.name, _unexpected(exc))
    if compiled.cost > MAX_RULE_COST:
        return SkippedRule(rule.source, rule.name,
                           f"condition too large: {compiled.cost} tests and patterns "
                           f"(at most {MAX_RULE_COST})")
    return replace(rule, cost=compiled.cost)


def _unexpected(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"unexpected {type(exc).__name__} while reading the rule: {first}"[:300]


def load_rule_file(path: Path) -> Rule:
    """Read the one rule of ``path``; raises ``RuleLoadError`` with the reason it is
    unusable."""
    items = _file_rules(Path(path))
    if len(items) != 1:
        raise RuleLoadError(f"{len(items)} rules in the file, expected one")
    (item,) = items
    if isinstance(item, SkippedRule):
        raise RuleLoadError(item.reason, item.name)
    return item


def format_listing(ruleset: RuleSet) -> list[str]:
    """Lines for ``evtxscan rules PATH``; the last one is ``N loaded, M skipped``.

    Names, paths and reasons come from rule files: control characters in them are
    escaped (``printable``), so a rule cannot repaint the terminal that lists it.
    """
    lines = [f"{printable(rule.severity):<8} {rule.risk_score:>3}  {rule.format:<7} "
             f"{printable(rule.name)}  [{printable(rule.rule_id)}]"
             for rule in ruleset.rules]
    lines.extend(f"SKIP {printable(skip.source)}: {printable(skip.reason)}"
                 for skip in ruleset.skipped)
    lines.append(f"{len(ruleset.rules)} loaded, {len(ruleset.skipped)} skipped")
    return lines


def rule_costs(ruleset: RuleSet, top: int = 10) -> dict:
    """What summary.json says about the rules beyond counts: how many of each format
    loaded, the bound on one rule's condition, and the largest conditions loaded (the
    rules that cost a scan the most per event).  Deterministic: sizes, not times."""
    by_format: dict[str, int] = {}
    for rule in ruleset.rules:
        by_format[rule.format] = by_format.get(rule.format, 0) + 1
    largest = sorted(ruleset.rules, key=lambda r: (-r.cost, r.name, r.rule_id))[:top]
    return {"by_format": dict(sorted(by_format.items())),
            "cost_limit": ruleset.cost_limit,
            "largest": [{"id": r.rule_id, "name": r.name, "format": r.format, "cost": r.cost}
                        for r in largest]}
