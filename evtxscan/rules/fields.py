"""Resolve ECS field paths in one event, the way Elasticsearch sees its fields.

Our events are nested dicts, so ``process.parent.name`` is ``event["process"]["parent"]
["name"]``.  Elasticsearch does not distinguish that from a dotted key
(``{"process.parent.name": ...}``, flattened JSON) or a mix of both, and it flattens arrays
of objects (``[{"a": 1}, {"a": 2}]`` gives ``a: [1, 2]``).  Nested lookup is the fast path;
the rest is tried only when it misses.

Dozens of rules ask for the same few fields (``host.os.type``, ``event.type``,
``process.name``) of the same event, so the engine resolves each path at most once per
event through an ``EventView``: a dict from path to value that fills itself on first use.
A key is an ECS path (a tuple) or a *derived field*: any hashable object with a
``resolve_in(view)`` method, such as a Sigma field name that reads the raw EventData text
or derives it from ECS fields (``sigma_map.py``); it is memoized the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

FieldPath = tuple[str | int, ...]

#: private key of the event inside its view; also the "no such key" marker
_EVENT = object()


class EventView(dict):
    """Memo of ``path -> value`` for one event; ``view[path]`` resolves on first use.

    A value is a scalar, a flat list (multi-valued field, never empty) or None (missing).
    Build it with ``EventView.of(event)``.  The event itself is kept under a private key
    rather than an attribute so that creating a view (once per event) stays a C-level
    dict construction.
    """

    __slots__ = ()

    @classmethod
    def of(cls, event: dict) -> "EventView":
        return cls({_EVENT: event})

    @property
    def event(self) -> dict:
        return dict.__getitem__(self, _EVENT)

    def __missing__(self, path: FieldPath) -> Any:
        if type(path) is tuple:
            value = resolve(dict.__getitem__(self, _EVENT), path)
        else:
            value = path.resolve_in(self)
        self[path] = value
        return value


def split_path(parts: Sequence[str | int]) -> FieldPath:
    """Split dotted names (from backquoted fields such as ```process.parent.name```)."""
    out: list[str | int] = []
    for part in parts:
        if isinstance(part, str):
            out.extend(part.split("."))
        else:
            out.append(part)
    return tuple(out)


def resolve(event: dict, path: FieldPath) -> Any:
    """The value at ``path``: scalar, flat non-empty list, or None when missing.

    Most misses are plain absent fields (Sysmon has no ``process.pe.original_file_name``);
    the dotted-key search only runs when a dict on the way actually holds a dotted key.
    """
    value: Any = event
    try:
        for key in path:
            value = value[key]
    except (KeyError, TypeError, IndexError):
        return _resolve_missing(event, path)
    if type(value) is list:
        return _flat(value)
    return value


def _resolve_missing(event: dict, path: FieldPath) -> Any:
    value: Any = event
    for depth, key in enumerate(path):
        if type(value) is dict:
            value = value.get(key, _EVENT)
            if value is _EVENT:
                if _dotted_on_the_way(event, path[:depth]):
                    return _resolve_slow(event, path)
                return None
        elif type(value) is list:
            return _resolve_slow(event, path)  # arrays of objects, list indexes
        else:
            return None  # a scalar has no sub-fields
    return _flat(value) if type(value) is list else value


def _dotted_on_the_way(event: dict, walked: FieldPath) -> bool:
    """Does the root or any dict along ``walked`` have a key containing a dot?"""
    value: Any = event
    for key in (None, *walked):
        if key is not None:
            value = value[key]
        try:
            if "." in "".join(value):
                return True
        except TypeError:  # a non-string key: let the slow path decide
            return True
    return False


def _resolve_slow(value: Any, path: Sequence[str | int]) -> Any:
    """Dotted keys (longest first), arrays of objects, list indexes."""
    if not path:
        if value is None:
            return None
        return _flat(value) if type(value) is list else value
    if isinstance(value, dict):
        for cut in range(len(path), 0, -1):
            head = path[:cut]
            if cut > 1 and not all(isinstance(p, str) for p in head):
                continue
            key = ".".join(head) if cut > 1 else head[0]  # type: ignore[arg-type]
            if key in value:
                found = _resolve_slow(value[key], path[cut:])
                if found is not None:
                    return found
        return None
    if isinstance(value, list):
        key = path[0]
        if isinstance(key, int):
            return _resolve_slow(value[key], path[1:]) if -len(value) <= key < len(value) else None
        found_all: list[Any] = []
        for item in value:
            sub = _resolve_slow(item, path)
            if type(sub) is list:
                found_all.extend(sub)
            elif sub is not None:
                found_all.append(sub)
        return found_all or None
    return None


def _flat(values: list) -> Any:
    """A list without Nones and nested lists; an empty list is a missing field."""
    if None not in values and not any(type(item) is list for item in values):
        return values or None
    out: list[Any] = []
    for item in values:
        if type(item) is list:
            out.extend(_flat(item) or ())
        elif item is not None:
            out.append(item)
    return out or None


def first_value(value: Any) -> Any:
    """A multi-valued field read as a script reads ``doc[field].value``."""
    return value[0] if type(value) is list else value
