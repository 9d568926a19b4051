"""What a decoded record is made of: elements, typed values, substitutions, references.

A template definition compiles into a tree of these nodes once per chunk; a record is
that tree with its substitution values put in (``fragment.resolve``).  Text values are
plain ``str`` (the common case, kept cheap); everything else is a small slotted class,
tested with ``type(node) is ...`` in the hot loops.
"""

from __future__ import annotations


class BadRecord(ValueError):
    """The record's binary XML does not parse; the record is counted and skipped."""


class Element:
    """An element of a compiled template or of an instantiated record."""

    __slots__ = ("name", "attrs", "children", "has_elem")

    def __init__(self, name: str) -> None:
        self.name = name
        self.attrs: list[tuple[str, list]] = []
        self.children: list = []
        self.has_elem = False


class Value:
    """A typed (non-string) value: ``num`` is its JSON number (int/bool) or None."""

    __slots__ = ("num", "text", "empty", "items")

    def __init__(self, num, text: str, empty: bool = False, items: list | None = None):
        self.num = num
        self.text = text
        self.empty = empty
        self.items = items  # array values: one node per item (str or Value)


class Substitution:
    """A substitution placeholder in a template."""

    __slots__ = ("index", "type", "optional")

    def __init__(self, index: int, type_: int, optional: bool) -> None:
        self.index = index
        self.type = type_
        self.optional = optional


class EntityRef:
    """An entity reference, rendered as its text (``&amp;``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class NestedFragment:
    """A nested binary XML substitution value (``TYPE_BINXML``), parsed when instantiated."""

    __slots__ = ("offset", "size")

    def __init__(self, offset: int, size: int) -> None:
        self.offset = offset
        self.size = size


NULL = Value(None, "", True)


def is_empty(node) -> bool:
    """pyevtx-rs' ``is_optional_empty``: what an optional substitution leaves out."""
    if type(node) is str:
        return not node
    if type(node) is Value:
        return node.empty
    if type(node) is NestedFragment:
        return node.size == 0
    return False
