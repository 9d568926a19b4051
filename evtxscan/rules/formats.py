"""The rule-format registry: which module reads a rule file, and compiles its rules.

A format is one module that subclasses ``RuleFormat`` and registers an instance::

    class MyFormat(RuleFormat):
        name = "myformat"                 # Rule.format of its rules
        label = "My rules"                # for listings
        suffixes = (".myr",)              # files a folder walk offers it
        def claims(self, path, head): ... # is this file mine? (suffix and/or content)
        def load(self, path, text): ...   # -> list of Rule or RuleError, one per rule
        def compile(self, rule): ...      # -> Compiled: predicate + prefilter + events

    register(MyFormat())

and one import line at the end of this module.  Nothing else changes: the loader walks
folders for every registered suffix and asks the formats in registration order which one
claims a file; the engine compiles every rule through its format.  The compiled form is
the same for all formats (a predicate over an ``EventView`` and the prefilter's
``Atom`` list), so hash-table indexing and the skeleton prefilter work for all of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .errors import RuleError
from .model import Rule
from .prefilter import Requirement

Condition = Callable[[Any], Any]
#: (winlog.channel, event id as text): the kind of Windows event a document came from
EventKey = tuple[str, str]


@dataclass(frozen=True)
class Compiled:
    """What the engine runs for one rule.

    ``condition(view)`` is truthy when the event behind the ``EventView`` matches;
    ``requirement`` a necessary condition for the prefilter (None: run on every event of
    the rule's category); ``events`` the kinds of events the rule may match (None: any
    event of its ``event_category``); ``cost`` the size of the condition (tests and
    patterns), which the loader bounds.
    """

    condition: Condition
    requirement: Requirement | None
    events: frozenset[EventKey] | None = None
    cost: int = 1


class RuleFormat(ABC):
    """One rule file format; see the module docstring for how to add one."""

    name: ClassVar[str]
    label: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    @abstractmethod
    def claims(self, path: Path, head: str) -> bool:
        """Is ``path`` a file of this format?  ``head`` is its first few KiB as text."""

    @abstractmethod
    def load(self, path: Path, text: str) -> list[Rule | RuleError]:
        """The rules in one file, or for each rule that cannot be used the error saying
        why.  Raises ``RuleError`` when the file as a whole is unusable."""

    @abstractmethod
    def compile(self, rule: Rule) -> Compiled:
        """The engine's form of ``rule``; raises ``RuleError`` when it cannot be run
        exactly."""


_FORMATS: dict[str, RuleFormat] = {}


def register(fmt: RuleFormat) -> RuleFormat:
    """Add a format (its ``name`` must be new)."""
    if fmt.name in _FORMATS:
        raise ValueError(f"rule format {fmt.name} registered twice")
    _FORMATS[fmt.name] = fmt
    return fmt


def formats() -> tuple[RuleFormat, ...]:
    """Registered formats, in registration order."""
    return tuple(_FORMATS.values())


def get(name: str) -> RuleFormat:
    try:
        return _FORMATS[name]
    except KeyError:
        raise RuleError(f"unknown rule format {name!r}") from None


def suffixes() -> frozenset[str]:
    """Every file suffix a registered format reads (lower case, with the dot)."""
    return frozenset(s for fmt in _FORMATS.values() for s in fmt.suffixes)


def format_for(path: Path, head: str) -> RuleFormat | None:
    """The format that claims this file: one whose suffix it has first, else any whose
    content test accepts it."""
    suffix = path.suffix.lower()
    ordered = sorted(_FORMATS.values(), key=lambda f: suffix not in f.suffixes)
    for fmt in ordered:
        if fmt.claims(path, head):
            return fmt
    return None


def compile_rule(rule: Rule) -> Compiled:
    """``rule`` compiled by its own format."""
    return get(rule.format).compile(rule)


# The formats register themselves when imported (one line per format).
from . import elastic_toml  # noqa: E402,F401
from . import sigma  # noqa: E402,F401
