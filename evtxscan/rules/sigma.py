"""Sigma rules (YAML), run with Sigma's own semantics.

Why pySigma and our own compiler, not pySigma's Elasticsearch backend and EQL text: the
EQL route was measured on SigmaHQ's 1,183 ``process_creation`` rules and loses Sigma's
meaning in ways that load silently -- 965 queries name ``process.executable.caseless``
(a sub-field of Elastic's index mapping only), Sigma's unanchored ``|re`` becomes EQL's
whole-value ``regex~`` (85 false alerts from "Uncommon Svchost Command Line Parameter" on
the samples), ``\\*`` (a literal star) has no EQL wildcard escape.  So pySigma (LGPL,
SigmaHQ's reference parser) reads the rule: its ``SigmaRule`` objects apply every
modifier exactly (contains/startswith/endswith/all, re with i/m/s, base64/base64offset,
windash, wide/utf16*, cidr, exists, fieldref, lt..gte, cased, escapes, the condition
grammar and ``1 of``/``all of`` selectors), and the resolved condition tree is turned
into a plain, picklable tree (``SigmaIR`` below) that ``sigma_compile.py`` compiles to
evtxscan's own predicates over an ``EventView``: the same shape the EQL compiler makes,
so indexing and prefilters serve both formats.

What cannot be run exactly is refused with a one-line reason: keyword (field-less)
searches, placeholders (``|expand``) without values, timestamp-part modifiers,
correlation rules and filters, regexes RE2 cannot run, logsources whose events evtxscan
does not read yet, fields it cannot read yet (``sigma_map.field_problem``).

Metadata: ``level`` maps to Elastic's severity and risk score as Elastic's own Sigma
backend does (informational 1 and low 21 -> ``low``, medium 47, high 73, critical 99);
a rule without a level is ``low``/21.  ATT&CK tags (``attack.execution``,
``attack.t1059.001``) become threat entries; all tags, the author, references, false
positives and status stay with the rule (SigmaHQ's Detection Rule License asks that
author and references stay visible).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

from .errors import CompileError, RuleError, RuleLoadError
from .formats import Compiled, RuleFormat, register
from .model import Rule, Threat
from .patterns import MANY, ONE

#: A node of a compiled Sigma condition (plain tuples, so rules pickle):
#: ("and", (nodes...)), ("or", (nodes...)), ("not", node),
#: ("glob", field, parts, cased), ("re", field, pattern, flags),
#: ("num", field, op, number), ("bool", field, value), ("null", field),
#: ("exists", field, present), ("cidr", field, network), ("fieldref", field, other,
#: startswith, endswith).  ``parts`` is a glob (``patterns.py``).
SigmaIR = tuple

LEVELS: dict[str, tuple[str, int]] = {
    "informational": ("low", 1),
    "low": ("low", 21),
    "medium": ("medium", 47),
    "high": ("high", 73),
    "critical": ("critical", 99),
}
NO_LEVEL = ("low", 21)

#: ATT&CK tactics by their Sigma tag, ``-`` read as ``_`` (``attack.privilege-escalation``).
#: ATT&CK v19 split Defense Evasion (TA0005) into Stealth (TA0005) and Defense Impairment
#: (TA0112); SigmaHQ's rules use the new names, older rules the old one.
TACTICS: dict[str, tuple[str, str]] = {
    "reconnaissance": ("TA0043", "Reconnaissance"),
    "resource_development": ("TA0042", "Resource Development"),
    "initial_access": ("TA0001", "Initial Access"),
    "execution": ("TA0002", "Execution"),
    "persistence": ("TA0003", "Persistence"),
    "privilege_escalation": ("TA0004", "Privilege Escalation"),
    "defense_evasion": ("TA0005", "Defense Evasion"),
    "stealth": ("TA0005", "Stealth"),
    "defense_impairment": ("TA0112", "Defense Impairment"),
    "credential_access": ("TA0006", "Credential Access"),
    "discovery": ("TA0007", "Discovery"),
    "lateral_movement": ("TA0008", "Lateral Movement"),
    "collection": ("TA0009", "Collection"),
    "command_and_control": ("TA0011", "Command and Control"),
    "exfiltration": ("TA0010", "Exfiltration"),
    "impact": ("TA0040", "Impact"),
}


class SigmaYaml(RuleFormat):
    name = "sigma"
    label = "Sigma YAML"
    suffixes = (".yml", ".yaml")

    def claims(self, path: Path, head: str) -> bool:
        if path.suffix.lower() in self.suffixes:
            return True
        return "\ndetection:" in "\n" + head and "\nlogsource:" in "\n" + head

    def load(self, path: Path, text: str) -> list[Rule | RuleError]:
        documents = _documents(text)
        from sigma.collection import SigmaCollection
        from sigma.correlations import SigmaCorrelationRule
        from sigma.filters import SigmaFilter
        from sigma.rule import SigmaRule

        collection = SigmaCollection.from_dicts(documents, collect_errors=True,
                                                resolve_references=False, policy=_policy())
        out: list[Rule | RuleError] = []
        for parsed in collection.rules:
            title = parsed.title if isinstance(getattr(parsed, "title", None), str) else ""
            if isinstance(parsed, SigmaCorrelationRule):
                out.append(RuleLoadError("Sigma correlation rules are not supported", title))
            elif isinstance(parsed, SigmaFilter):
                out.append(RuleLoadError("Sigma filters are not supported", title))
            elif not isinstance(parsed, SigmaRule):
                out.append(RuleLoadError(f"unknown Sigma document {type(parsed).__name__}", title))
            elif parsed.errors:
                out.append(RuleLoadError(_sigma_message(parsed.errors[0]), title))
            else:
                try:
                    out.append(_rule(parsed, str(path), text))
                except RuleError as exc:
                    exc.name = exc.name or title
                    out.append(exc)
        if not out and collection.errors:
            raise RuleLoadError(_sigma_message(collection.errors[0]))
        return out

    def compile(self, rule: Rule) -> Compiled:
        from .sigma_compile import compile_sigma
        return compile_sigma(rule)


register(SigmaYaml())


@functools.lru_cache(maxsize=1)
def _policy():
    """pySigma's safe policy (RE2 checks every regex), with RE2's error log off: a bad
    pattern is a skip reason, not a line on stderr."""
    import re2
    from sigma.policy import SigmaPolicy
    from sigma.policy.regex_engine import RE2RegexEngine

    class QuietRE2(RE2RegexEngine):
        def compile(self, pattern: str, flags: int = 0):
            import re
            prefix = "".join(letter for flag, letter in ((re.IGNORECASE, "i"), (re.MULTILINE, "m"),
                                                         (re.DOTALL, "s")) if flags & flag)
            options = re2.Options()
            options.log_errors = False
            return re2.compile(f"(?{prefix}){pattern}" if prefix else pattern, options)

    return SigmaPolicy(regex_engine=QuietRE2())


def _documents(text: str) -> list[Any]:
    import yaml
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        raise RuleLoadError("yaml parse error: " + " ".join(str(exc).split())) from None
    except RecursionError:
        raise RuleLoadError("yaml parse error: nested too deeply") from None
    if not documents or not any(isinstance(d, dict) and ({"detection", "correlation", "filter",
                                                          "action"} & d.keys())
                                for d in documents):
        raise RuleLoadError("not a Sigma rule: no detection section")
    return documents


def _sigma_message(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def _rule(parsed: Any, source: str, text: str) -> Rule:
    """A ``Rule`` from a pySigma ``SigmaRule`` without errors."""
    title = parsed.title
    level = parsed.level.name.lower() if parsed.level is not None else ""
    severity, risk = LEVELS.get(level, NO_LEVEL)
    logsource = tuple((k, v) for k, v in (("category", parsed.logsource.category),
                                          ("product", parsed.logsource.product),
                                          ("service", parsed.logsource.service)) if v)
    tags = tuple(str(tag) for tag in parsed.tags)
    rule_id = str(parsed.id) if parsed.id is not None else \
        "sigma-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return Rule(
        rule_id=rule_id,
        name=title,
        description=" ".join((parsed.description or "").split()),
        severity=severity,
        risk_score=risk,
        query=_detection_text(text),
        references=_texts(parsed.references, "references", title),
        threat=_threats(parsed.tags),
        tags=tags,
        source=source,
        event_category="any",  # the rule runs on the events of its logsource (compile)
        query_ast=_condition(parsed),
        format=SigmaYaml.name,
        author=tuple(a.strip() for a in (parsed.author or "").split(",") if a.strip()),
        falsepositives=_texts(parsed.falsepositives, "falsepositives", title),
        level=level,
        status=parsed.status.name.lower() if parsed.status is not None else "",
        license=parsed.license or "",
        logsource=logsource,
    )


def _texts(values: Any, key: str, title: str) -> tuple[str, ...]:
    if not values:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleLoadError(f"{key} must be a list of text", title)
    return tuple(values)


def _threats(tags: Any) -> tuple[Threat, ...]:
    out: list[Threat] = []
    for tag in tags:
        if tag.namespace != "attack":
            continue
        name = tag.name.lower().replace("-", "_")
        if name in TACTICS:
            out.append((*TACTICS[name], "", ""))
        elif name[:1] == "t" and name[1:2].isdigit():
            out.append(("", "", name.upper(), ""))
    return tuple(out)


def _detection_text(text: str) -> str:
    """The ``detection:`` section as the file writes it (the rule's query, for people)."""
    lines = text.splitlines()
    for start, line in enumerate(lines):
        if line.startswith("detection:"):
            end = start + 1
            while end < len(lines) and (not lines[end].strip() or lines[end][:1] in " \t#"):
                end += 1
            return "\n".join(lines[start:end]).rstrip()
    return ""


# --------------------------------------------------------------------------- condition


def _condition(parsed: Any) -> SigmaIR:
    """The rule's conditions (a list means any of them) as one ``SigmaIR`` tree."""
    from sigma.exceptions import SigmaError

    trees = []
    for condition in parsed.detection.parsed_condition:
        try:
            tree = condition.parse()
        except SigmaError as exc:
            raise CompileError(_sigma_message(exc)) from None
        if tree is None:
            raise CompileError("condition selects nothing")
        trees.append(_node(tree))
    return trees[0] if len(trees) == 1 else ("or", tuple(trees))


def _node(node: Any) -> SigmaIR:
    from sigma.conditions import (ConditionAND, ConditionFieldEqualsValueExpression,
                                  ConditionNOT, ConditionOR, ConditionValueExpression)

    if isinstance(node, ConditionAND):
        return ("and", tuple(_node(arg) for arg in node.args if arg is not None))
    if isinstance(node, ConditionOR):
        return ("or", tuple(_node(arg) for arg in node.args if arg is not None))
    if isinstance(node, ConditionNOT):
        return ("not", _node(node.args[0]))
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return _leaf(node.field, node.value)
    if isinstance(node, ConditionValueExpression):
        raise CompileError("keyword searches (a value without a field) are not supported: "
                           "evtxscan matches fields")
    raise CompileError(f"condition element {type(node).__name__} is not supported")


def _leaf(field: str, value: Any) -> SigmaIR:
    from sigma import types as st

    if isinstance(value, st.SigmaExpansion):
        return ("or", tuple(_leaf(field, v) for v in value.values))
    if isinstance(value, st.SigmaString):  # SigmaCasedString too
        if value.contains_placeholder():
            names = sorted({p.name for p in value.s if isinstance(p, st.Placeholder)})
            raise CompileError(f"placeholder %{names[0]}% in {field} has no value")
        parts = tuple(p if isinstance(p, str) else
                      (MANY if p is st.SpecialChars.WILDCARD_MULTI else ONE) for p in value.s)
        return ("glob", field, parts, isinstance(value, st.SigmaCasedString))
    if isinstance(value, st.SigmaRegularExpression):
        if value.regexp.contains_placeholder():
            raise CompileError(f"placeholder in the regular expression of {field} has no value")
        flags = "".join(sorted(st.SigmaRegularExpression.sigma_to_re_flag[f]
                               for f in value.flags))
        return ("re", field, str(value.regexp), flags)
    if isinstance(value, st.SigmaTimestampPart):
        raise CompileError(f"timestamp-part modifiers ({field}) are not supported")
    if isinstance(value, st.SigmaCompareExpression):
        return ("num", field, value.op.name.lower(), value.number.number)
    if isinstance(value, st.SigmaNumber):
        return ("num", field, "eq", value.number)
    if isinstance(value, st.SigmaBool):
        return ("bool", field, bool(value.boolean))
    if isinstance(value, st.SigmaNull):
        return ("null", field)
    if isinstance(value, st.SigmaExists):
        return ("exists", field, bool(value.exists))
    if isinstance(value, st.SigmaCIDRExpression):
        return ("cidr", field, str(value.network))
    if isinstance(value, st.SigmaFieldReference):
        return ("fieldref", field, value.field, bool(value.starts_with), bool(value.ends_with))
    raise CompileError(f"{type(value).__name__} values ({field}) are not supported")
