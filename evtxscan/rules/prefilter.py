"""Find, in a rule's condition, a cheap test every matching event must pass.

Most upstream rules require an exact name somewhere: ``process.name : ("a.exe", "b.exe")``
or ``(process.name : "x.exe" or ?process.pe.original_file_name == "X.EXE")``.  If we know
that, the engine can look the event's ``process.name`` up in a hash table and run only the
rules that could match, instead of all of them.  This module only *derives* that
necessary condition from the eql AST; it never changes what a rule matches.

A necessary condition is a list of ``Atom`` (an OR): the rule can only match if, for at
least one atom, some value of ``atom.path`` (lower-cased when ``insensitive``) is in
``atom.values``.  ``None`` means no useful condition was found and the rule always runs.

Path patterns such as ``"?:\\Windows\\System32\\bash.exe"`` or
``"\\Device\\HarddiskVolume*\\...\\mmc.exe"`` end in a wildcard-free file name: any
value they match has exactly that text after its last backslash, so they give an atom on
the value's *basename* (``Atom.basename``).
"""

from __future__ import annotations

from dataclasses import dataclass

from eql import ast

from .fields import FieldPath, split_path

#: fields nearly every process event shares; indexing on them would not narrow anything
_UNSELECTIVE = frozenset({
    ("host", "os", "type"), ("host", "os", "name"), ("host", "os", "family"),
    ("event", "type"), ("event", "category"), ("event", "kind"), ("event", "action"),
    ("event", "outcome"), ("event", "module"), ("event", "dataset"),
})


@dataclass(frozen=True)
class Atom:
    """Some value of ``path`` (case-folded if ``insensitive``) is one of ``values``; with
    ``basename`` its text after the last backslash is; with ``contains`` it holds one
    of ``values`` somewhere (the engine finds every such literal in one RE2 set search).
    ``path`` is an ECS path or a derived view key (``fields.py``)."""

    path: FieldPath
    insensitive: bool
    values: frozenset[str]
    basename: bool = False  # compare the text after the value's last backslash
    contains: bool = False  # the value contains one of ``values``


Requirement = list[Atom]


def required_atoms(condition: ast.Expression) -> Requirement | None:
    """A necessary condition for ``condition`` as OR-ed atoms, or None."""
    if isinstance(condition, ast.And):
        options = [r for r in (required_atoms(t) for t in condition.terms) if r is not None]
        selective = [r for r in options if not any(a.path in _UNSELECTIVE for a in r)]
        if not selective:
            return None
        return min(selective, key=lambda r: sum(len(a.values) for a in r))
    if isinstance(condition, ast.Or):
        union: Requirement = []
        for term in condition.terms:
            required = required_atoms(term)
            if required is None:
                return None
            union.extend(required)
        return union
    return _atoms(condition)


def _strings(nodes: list[ast.Expression]) -> list[str] | None:
    if nodes and all(isinstance(n, ast.String) for n in nodes):
        return [n.value for n in nodes]
    return None


def _atoms(node: ast.Expression) -> Requirement | None:
    if isinstance(node, ast.Comparison) and node.comparator == "==":
        field, literal = node.left, node.right
        if isinstance(field, ast.String):
            field, literal = literal, field
        if isinstance(field, ast.Field) and isinstance(literal, ast.String):
            return [Atom(_path(field), False, frozenset({literal.value}))]
        return None
    if isinstance(node, ast.InSet) and isinstance(node.expression, ast.Field):
        values = _strings(node.container)
        if values is not None:
            return [Atom(_path(node.expression), False, frozenset(values))]
        return None
    if isinstance(node, ast.FunctionCall) and node.arguments and isinstance(node.arguments[0], ast.Field):
        values = _strings(node.arguments[1:])
        if values is None:
            return None
        path = _path(node.arguments[0])
        if node.name == "in~":
            return [Atom(path, True, frozenset(v.lower() for v in values))]
        if node.name in ("like~", "like"):
            return _pattern_atoms(path, values, insensitive=node.name == "like~")
    return None


def _pattern_atoms(path: FieldPath, patterns: list[str], insensitive: bool) -> Requirement | None:
    """Exact patterns give value atoms, ``...\\name.exe`` patterns basename atoms."""
    fold = str.lower if insensitive else str
    exact: set[str] = set()
    names: set[str] = set()
    for pattern in patterns:
        if "*" not in pattern and "?" not in pattern:
            exact.add(fold(pattern))
            continue
        head, sep, name = pattern.rpartition("\\")
        if not sep or not name or "*" in name or "?" in name:
            return None
        names.add(fold(name))
    atoms = []
    if exact:
        atoms.append(Atom(path, insensitive, frozenset(exact)))
    if names:
        atoms.append(Atom(path, insensitive, frozenset(names), basename=True))
    return atoms


def _path(node: ast.Field) -> FieldPath:
    return split_path((node.base, *node.path))
