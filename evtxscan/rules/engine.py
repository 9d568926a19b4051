"""Run compiled rules over events, one event at a time.

``match()`` is called for every process event of a scan (hundreds of thousands), so all
the work that does not depend on the event happens once, in ``__init__``:

* each rule is compiled once to a closure by its format (``formats.py``);
* rules are grouped by the event category their query names (``process where`` ->
  ``process``).  An event only meets the rules of its categories (ECS ``event.category``
  is a list, an event can be in several) plus ``any where`` rules, so a registry rule
  costs nothing for a process event.  A rule may also name the kinds of Windows events
  it runs on (``Compiled.events``: a Sigma ``process_creation`` rule runs on Sysmon 1 and
  Security 4688 only): the plan of an event then holds only the rules for its
  (``winlog.channel``, event id);
* rules that require an exact value somewhere (``process.name : ("a.exe", "b.exe")``,
  or a path ending in a fixed file name; see ``prefilter.py``) are put in hash tables
  keyed by that value, so an event only runs the rules its ``process.name`` (etc.) could
  satisfy.  Rules that require a substring (a Sigma ``CommandLine|contains``) are
  reached through one RE2 set search per field and event that finds every such
  substring at once.  The tables only skip rules that cannot match; every candidate
  still runs its full condition.

Per event, field values are resolved once and shared by all rules (``EventView``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .compiler import Condition
from .fields import EventView, FieldPath
from .formats import EventKey, compile_rule
from .model import Rule
from .regex import literal_finder

_ANY = "any"
#: an event whose kind is not known yet (``deciding_fields``): every restricted rule
_UNKNOWN = ("", "*")
_PLAN_CACHE_LIMIT = 256


@dataclass(frozen=True)
class _Index:
    """Rules reachable through one field: ``table[value]`` -> rule positions; for a
    ``contains`` index ``find(value)`` gives the literals the value holds, and
    ``by_literal[i]`` the positions of the rules needing literal ``i``."""

    path: FieldPath
    insensitive: bool
    basename: bool
    table: dict[str, tuple[int, ...]]
    everything: tuple[int, ...]  # for values that are not strings: stay conservative
    contains: bool = False
    find: Callable[[str], list[int]] | None = None
    by_literal: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class _Plan:
    """What an event of one category combination is checked against."""

    positions: tuple[int, ...]  # all rules of these categories, in order
    always: tuple[int, ...]     # rules without a usable prefilter
    indexes: tuple[_Index, ...]


def event_key(event: dict) -> EventKey | None:
    """(``winlog.channel``, event id as text) of an ECS event, None when not known."""
    winlog = event.get("winlog")
    if type(winlog) is not dict:
        return None
    channel, event_id = winlog.get("channel"), winlog.get("event_id")
    if type(channel) is not str or event_id is None:
        return None
    return (channel, event_id if type(event_id) is str else str(event_id))


def event_categories(event: dict) -> tuple[str, ...]:
    """The eql event types of an ECS event: its ``event.category`` values."""
    meta = event.get("event")
    if type(meta) is not dict:
        return ()
    category = meta.get("category")
    if type(category) is list:
        return tuple(c for c in category if type(c) is str)
    if type(category) is str:
        return (category,)
    return ()


class RuleEngine:
    """Match events against a fixed sequence of rules; results keep the rules' order.

    A rule whose condition raises on some odd event does not stop the scan: the event
    simply does not match that rule, and ``errors`` counts it by rule id so the summary
    can say so.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.errors: Counter[str] = Counter()
        self._conditions: list[Condition] = []
        self._requirements: list = []
        self._events: list[frozenset[EventKey] | None] = []
        self._by_category: dict[str, list[int]] = {}
        for position, rule in enumerate(self.rules):
            compiled = compile_rule(rule)
            self._conditions.append(compiled.condition)
            self._requirements.append(compiled.requirement)
            self._events.append(compiled.events)
            self._by_category.setdefault(rule.event_category, []).append(position)
        #: do any rules run on some kinds of events only?  (else plans ignore the kind)
        self._restricted = any(events is not None for events in self._events)
        self._plans: dict[tuple, _Plan] = {}

    def _build_plan(self, categories: tuple[str, ...], key: EventKey | None) -> _Plan:
        events = self._events
        positions = sorted({p for c in (*categories, _ANY) for p in self._by_category.get(c, ())
                            if events[p] is None or key == _UNKNOWN or key in events[p]})
        always: list[int] = []
        tables: dict[tuple[FieldPath, bool, bool, bool], dict[str, set[int]]] = {}
        for position in positions:
            requirement = self._requirements[position]
            if requirement is None:
                always.append(position)
                continue
            for atom in requirement:
                table = tables.setdefault(
                    (atom.path, atom.insensitive, atom.basename, atom.contains), {})
                for value in atom.values:
                    table.setdefault(value, set()).add(position)
        indexes = tuple(_index(path, insensitive, basename_, contains, table)
                        for (path, insensitive, basename_, contains), table
                        in sorted(tables.items(), key=repr))
        return _Plan(tuple(positions), tuple(always), indexes)

    def _plan(self, categories: tuple[str, ...], key: EventKey | None = _UNKNOWN) -> _Plan:
        if not self._restricted:
            key = _UNKNOWN
        cache_key = (categories, key)
        plan = self._plans.get(cache_key)
        if plan is None:
            plan = self._build_plan(categories, key)
            if len(self._plans) < _PLAN_CACHE_LIMIT:
                self._plans[cache_key] = plan
        return plan

    def deciding_fields(self, categories: tuple[str, ...]) -> frozenset[FieldPath] | None:
        """The fields whose values alone decide whether an event of these categories can
        match any rule (the index keys), or None when some rule must see every event.
        A caller that can produce these fields cheaply skips building the full event for
        most events (``could_match``)."""
        plan = self._plan(categories)
        if plan.always:
            return None
        return frozenset(index.path for index in plan.indexes)

    def could_match(self, categories: tuple[str, ...], fields: dict) -> bool:
        """False when no rule can match an event of ``categories`` whose deciding fields
        are ``fields`` (an event document holding at least those)."""
        plan = self._plan(categories)
        if plan.always:
            return True
        return bool(plan.indexes) and bool(_candidates(plan, EventView.of(fields)))

    def rules_for(self, categories: Iterable[str]) -> tuple[Rule, ...]:
        """The rules an event of these categories is checked against, in order."""
        return tuple(self.rules[p] for p in self._plan(tuple(categories)).positions)

    def match(self, event: dict) -> list[Rule]:
        """Rules that fire on ``event``, in the order they were given."""
        plan = self._plan(event_categories(event),
                          event_key(event) if self._restricted else _UNKNOWN)
        view = EventView.of(event)
        candidates = _candidates(plan, view) if plan.indexes else plan.always
        conditions, rules = self._conditions, self.rules
        try:
            return [rules[p] for p in candidates if conditions[p](view)]
        except Exception:  # noqa: BLE001 - one odd event must not end a scan
            return self._match_counting_errors(candidates, view)

    def _match_counting_errors(self, candidates: Sequence[int], view: EventView) -> list[Rule]:
        matched = []
        for position in candidates:
            try:
                if self._conditions[position](view):
                    matched.append(self.rules[position])
            except Exception:  # noqa: BLE001
                self.errors[self.rules[position].rule_id] += 1
        return matched


def _index(path: FieldPath, insensitive: bool, basename: bool, contains: bool,
           table: dict[str, set[int]]) -> _Index:
    frozen = {value: tuple(sorted(ps)) for value, ps in sorted(table.items())}
    everything = tuple(sorted({p for ps in table.values() for p in ps}))
    if not contains:
        return _Index(path, insensitive, basename, frozen, everything)
    literals = list(frozen)
    return _Index(path, insensitive, basename, frozen, everything, contains=True,
                  find=literal_finder(literals),
                  by_literal=tuple(frozen[literal] for literal in literals))


def _candidates(plan: _Plan, view: EventView) -> list[int]:
    """Positions of the rules this event could match, in order."""
    selected = set(plan.always)
    for index in plan.indexes:
        value = view[index.path]
        if value is None:
            continue
        table = index.table
        for item in value if type(value) is list else (value,):
            if type(item) is str and index.contains:
                by_literal = index.by_literal
                for found in index.find(item.lower() if index.insensitive else item):
                    selected.update(by_literal[found])
            elif type(item) is str:
                if index.basename:
                    item = item.rpartition("\\")[2]
                hit = table.get(item.lower() if index.insensitive else item)
                if hit:
                    selected.update(hit)
            else:
                selected.update(index.everything)
    return sorted(selected)
