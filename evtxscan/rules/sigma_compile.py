"""Compile a Sigma condition tree (``sigma.SigmaIR``) into evtxscan's predicates.

The result has the shape the EQL compiler gives (a predicate over an ``EventView`` and
the prefilter's ``Atom`` list), so the engine indexes Sigma and Elastic rules alike.
Fields are read through ``sigma_map.SigmaField`` view keys: each Sigma field of an event
is resolved (raw EventData text, or its exact reading from ECS) and lower-cased once per
event, however many rules ask for it.

Sigma's matching semantics, as its specification and pySigma define them:

* text is compared case-insensitively unless ``|cased``; wildcards ``*`` and ``?`` span
  any characters (newlines too) and must cover the whole value; ``|re`` is a *search*
  (unanchored), case-sensitive unless ``|i``, run by RE2;
* a missing field matches no positive test, so ``not`` of a test on it is true;
  ``field: null`` matches a missing or empty field, ``|exists`` presence;
* numbers compare as numbers (the record's decimal or ``0x`` text); ``|cidr`` an IP
  address inside the network; ``|fieldref`` the other field's value (equality, or
  starts/ends/contains with the position modifiers), case-insensitively.

``and`` terms are evaluated cheapest first (tests have no side effects, so the order is
free); ``or`` terms over one field are merged into one matcher (exact set, prefixes,
suffixes, substrings, then segment patterns).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from .compiler import all_of, any_of
from .errors import CompileError, RuleLoadError
from .formats import Compiled
from .model import Rule
from .patterns import MANY, glob_cost, glob_matcher, normalize_glob
from .prefilter import Atom, Requirement
from .regex import search_matcher
from .sigma import SigmaIR
from .sigma_map import (DOCUMENT_EVENTS, LOGSOURCE_EVENTS, SERVICE_CHANNELS, SigmaField,
                        describe, field_problem)

Condition = Callable[[Any], bool]


def compile_sigma(rule: Rule) -> Compiled:
    """The engine's form of a Sigma rule (raises ``RuleError`` with the reason when it
    cannot be run exactly on the events evtxscan reads)."""
    tree: SigmaIR = rule.query_ast
    events = rule_events(rule, tree)
    read = events & DOCUMENT_EVENTS
    if not read:
        raise RuleLoadError(f"no such events read yet: {_logsource_text(rule)} means "
                            f"{describe(events)} events, evtxscan reads "
                            f"{describe(DOCUMENT_EVENTS)}")
    for field in sorted(_fields(tree)):
        for kind in sorted(read):
            problem = field_problem(kind, field)
            if problem:
                raise RuleLoadError(problem)
    condition, cost = _compile(tree)
    return Compiled(condition, _requirement(tree), events=events, cost=cost)


def _logsource_text(rule: Rule) -> str:
    return "logsource " + ", ".join(f"{k} {v}" for k, v in rule.logsource) if rule.logsource \
        else "a rule without logsource"


def rule_events(rule: Rule, tree: SigmaIR) -> frozenset[tuple[str, str]]:
    """The (channel, event id) pairs a rule's logsource means."""
    source = dict(rule.logsource)
    product = source.get("product")
    if product and product.lower() != "windows":
        raise RuleLoadError(f"logsource product {product}: evtxscan reads Windows event logs")
    category, service = source.get("category"), source.get("service")
    if category:
        events = LOGSOURCE_EVENTS.get(category.lower())
        if events is None:
            raise RuleLoadError(f"logsource category {category}: no Windows events known for it")
        if service:
            channel = SERVICE_CHANNELS.get(service.lower())
            events = frozenset(e for e in events if e[0] == channel)
        return events
    if service:
        channel = SERVICE_CHANNELS.get(service.lower())
        if channel is None:
            raise RuleLoadError(f"logsource service {service}: no Windows log known for it")
        ids = _required_event_ids(tree)
        if ids is None:
            return frozenset({(channel, "*")})  # every event of the log: none is read whole
        return frozenset((channel, i) for i in ids)
    raise RuleLoadError("logsource names neither a category nor a service")


def _required_event_ids(tree: SigmaIR) -> frozenset[str] | None:
    """The EventID values every match must have, when the condition pins them."""
    kind = tree[0]
    if kind == "and":
        found = [ids for ids in map(_required_event_ids, tree[1]) if ids is not None]
        return min(found, key=len) if found else None
    if kind == "or":
        out: set[str] = set()
        for child in tree[1]:
            ids = _required_event_ids(child)
            if ids is None:
                return None
            out |= ids
        return frozenset(out)
    if kind == "num" and tree[1] == "EventID" and tree[2] == "eq":
        return frozenset({str(tree[3])})
    if kind == "glob" and tree[1] == "EventID" and all(isinstance(p, str) for p in tree[2]):
        return frozenset({"".join(tree[2])})
    return None


def _fields(tree: SigmaIR) -> set[str]:
    kind = tree[0]
    if kind in ("and", "or"):
        return set().union(*map(_fields, tree[1]))
    if kind == "not":
        return _fields(tree[1])
    if kind == "fieldref":
        return {tree[1], tree[2]}
    return {tree[1]}


# --------------------------------------------------------------------------- predicates


def _compile(tree: SigmaIR) -> tuple[Condition, int]:
    """(predicate, cost): cost counts tests and non-exact patterns."""
    kind = tree[0]
    if kind == "and":
        # positive terms first, cheapest first; exclusions (``not filter``) last: they
        # are usually true and decide nothing until the positives have held
        parts = sorted(((child[0] == "not", *_compile(child)) for child in tree[1]),
                       key=lambda npc: (npc[0], npc[2]))
        return all_of([p for _, p, _ in parts]), sum(c for _, _, c in parts) or 1
    if kind == "or":
        return _compile_or(tree[1])
    if kind == "not":
        inner, cost = _compile(tree[1])
        return (lambda view: not inner(view)), cost
    if kind == "glob":
        return _globs(tree[1], tree[3], [tree[2]])
    return _LEAVES[kind](*tree[1:]), 1


def _compile_or(children: tuple) -> tuple[Condition, int]:
    globs: dict[tuple[str, bool], list] = {}
    parts: list[tuple[Condition, int]] = []
    for child in children:
        if child[0] == "glob":
            globs.setdefault((child[1], child[3]), []).append(child[2])
        else:
            parts.append(_compile(child))
    parts.extend(_globs(field, cased, patterns) for (field, cased), patterns in globs.items())
    parts.sort(key=lambda pc: pc[1])
    return any_of([p for p, _ in parts]), sum(c for _, c in parts) or 1


def _globs(field: str, cased: bool, patterns: list) -> tuple[Condition, int]:
    key = SigmaField(field, fold=not cased)  # a folded value is lower-cased once per event
    globs = [normalize_glob(g, fold=not cased) for g in patterns]
    test = glob_matcher(globs, insensitive=False)
    cost = glob_cost(globs)

    def predicate(view: Any) -> bool:
        value = view[key]
        return value is not None and test(value)

    return predicate, cost


def _regex(field: str, pattern: str, flags: str) -> Condition:
    key = SigmaField(field)
    test = search_matcher(pattern, flags)
    return lambda view: (value := view[key]) is not None and test(value)


def _number(text: str) -> int | float | None:
    t = text.strip()
    try:
        return int(t, 16) if t[:2].lower() == "0x" else int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
}


def _numeric(field: str, op: str, number: Any) -> Condition:
    key = SigmaField(field)
    compare = _COMPARE[op]

    def predicate(view: Any) -> bool:
        value = view[key]
        if value is None:
            return False
        parsed = _number(value)
        return parsed is not None and compare(parsed, number)

    return predicate


def _boolean(field: str, flag: bool) -> Condition:
    key, text = SigmaField(field, fold=True), "true" if flag else "false"
    return lambda view: view[key] == text


def _null(field: str) -> Condition:
    key = SigmaField(field)
    return lambda view: not view[key]


def _exists(field: str, present: bool) -> Condition:
    key = SigmaField(field)
    return lambda view: (view[key] is not None) == present


def _cidr(field: str, network: str) -> Condition:
    key, net = SigmaField(field), ipaddress.ip_network(network, strict=False)

    def predicate(view: Any) -> bool:
        value = view[key]
        if value is None:
            return False
        try:
            return ipaddress.ip_address(value.strip()) in net
        except ValueError:
            return False

    return predicate


def _fieldref(field: str, other: str, startswith: bool, endswith: bool) -> Condition:
    key, ref = SigmaField(field, fold=True), SigmaField(other, fold=True)

    def predicate(view: Any) -> bool:
        value, wanted = view[key], view[ref]
        if value is None or wanted is None:
            return False
        if startswith and endswith:
            return wanted in value
        if startswith:
            return value.startswith(wanted)
        if endswith:
            return value.endswith(wanted)
        return value == wanted

    return predicate


_LEAVES: dict[str, Callable[..., Condition]] = {
    "re": _regex, "num": _numeric, "bool": _boolean, "null": _null, "exists": _exists,
    "cidr": _cidr, "fieldref": _fieldref,
}


# --------------------------------------------------------------------------- prefilter


def _requirement(tree: SigmaIR) -> Requirement | None:
    """A necessary condition as OR-ed atoms on folded field values, or None."""
    kind = tree[0]
    if kind == "and":
        options = [r for r in map(_requirement, tree[1]) if r is not None]
        return min(options, key=_selectivity) if options else None
    if kind == "or":
        union: Requirement = []
        for child in tree[1]:
            required = _requirement(child)
            if required is None:
                return None
            union.extend(required)
        return union
    if kind == "glob":
        return _glob_atoms(tree[1], tree[2])
    return None


def _selectivity(requirement: Requirement) -> tuple:
    """Which requirement of an ``and`` to index on: hash lookups before substring
    searches, then the fewest values, then the longest (rarest) substrings."""
    contains = any(a.contains for a in requirement)
    values = sum(len(a.values) for a in requirement)
    shortest = min((len(v) for a in requirement if a.contains for v in a.values), default=0)
    return (contains, values, -shortest)


def _glob_atoms(field: str, glob: tuple) -> Requirement | None:
    """Exact text: a value atom; ``*\\name``: a file-name atom; anything else: the
    longest piece of literal text, which every matching value contains."""
    parts = normalize_glob(glob, fold=True)
    key = SigmaField(field, fold=True)
    if all(isinstance(p, str) for p in parts):
        return [Atom(key, False, frozenset({parts[0] if parts else ""}))]
    if len(parts) == 2 and parts[0] == MANY and isinstance(parts[1], str):
        head, sep, name = parts[1].rpartition("\\")
        if sep and name:
            return [Atom(key, False, frozenset({name}), basename=True)]
    longest = max((p for p in parts if isinstance(p, str)), key=len, default="")
    if not longest:
        return None
    return [Atom(key, False, frozenset({longest}), contains=True)]

