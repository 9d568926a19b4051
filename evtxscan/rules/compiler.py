"""Compile a parsed EQL condition into a Python predicate over one nested ECS event.

We build on eql's ``PythonEngine``: its ``convert()`` dispatches each AST node to a
``_convert_<node>`` method and we reuse that machinery and its literal handling.  The
methods overridden here close the measured gaps between eql's Python engine and
Elasticsearch, which is what the upstream rules are written (and tested) against:

* **Events are plain nested dicts.**  Callbacks receive an ``EventView`` of the event (no
  eql ``Event``/``Scope`` wrapper per call) and read fields from it by path, so
  ``process.parent.name`` walks the nesting, dotted keys and arrays of objects resolve as
  in Elasticsearch, and backquoted names (```process.parent.name```, ```Some-Field```)
  resolve the same way (see ``fields.py``).
* **Multi-valued fields** (``event.type: ["start"]``) behave as in Elasticsearch: a test
  on a field is true if *any* value passes (``==``, ``:``, ``like``, ``regex``, ``in``,
  ``<``..., and string functions on their first argument).  eql compares the whole list and
  never matches, or raises ``TypeError`` for ``in``.
* **Negation is Query DSL negation.**  Elasticsearch turns ``a != v`` and ``not ...`` into
  ``bool.must_not``: ``a != v`` is true when *no* value of ``a`` equals ``v``, including
  when ``a`` is missing.  So every predicate here is two-valued (missing -> false for the
  positive test) and ``!=`` is exactly ``not ==``.  eql's three-valued null logic instead
  drops the event.
* **Case sensitivity** follows Elasticsearch: ``==``, ``!=``, ``in``, ``like``, ``regex``
  and plain functions are case-sensitive; ``:``, ``like~``, ``regex~``, ``in~`` and
  ``function~(...)`` are not (the parser in ``query.py`` keeps those markers).
* **Wildcards**: ``?`` is one character, ``*`` any run (see ``patterns.py``).
* **Regex** is Lucene's: it must match the whole value, ``^``/``$`` are plain characters,
  ``regex~`` folds ASCII letters but not ranges; it runs on RE2 (``regex.py``), so no
  pattern can make the scan backtrack for minutes.
* **Long ``and``/``or`` chains** are evaluated in a loop, not as nested closures (a
  10,000-term ``or`` must not hit Python's recursion limit on every event).

Value-returning functions (``length``, ``string``, ``substring`` ...) given a multi-valued
field use its first value, like a script reading ``doc[field].value``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from eql import PythonEngine, ast
from eql.functions import Add, Concat, Divide, Modulo, Multiply, Subtract, ToNumber, ToString

from .errors import CompileError
from .fields import EventView, FieldPath, first_value, split_path
from .patterns import regex_matcher, wildcard_matcher

View = EventView
Getter = Callable[[View], Any]
Condition = Callable[[View], Any]
ValueTest = Callable[[Any], bool]

_NUMBER = (int, float)


def compile_condition(query: ast.EventQuery) -> Condition:
    """Return ``condition(view)``, truthy when the event behind ``view`` matches.

    ``view`` is an ``EventView`` of the event (see ``matches``).  The event-category check
    (``process where``) is not part of the condition: the engine dispatches on
    ``event.category`` before calling it.
    """
    try:
        condition = _ElasticsearchEngine().convert(query.query)
    except CompileError:
        raise
    except RecursionError:
        raise CompileError("condition nested too deeply") from None
    except Exception as exc:  # eql raises assorted errors for nodes it cannot convert
        raise CompileError(f"eql compile error: {exc}") from None
    return condition


def matches(condition: Condition, event: dict) -> bool:
    """Evaluate one compiled condition on one event (the engine shares views instead)."""
    return bool(condition(EventView.of(event)))


# --------------------------------------------------------------------------- fields


def field_path(node: ast.Field) -> FieldPath:
    """The key path of an eql field node."""
    return split_path((node.base, *node.path))


# --------------------------------------------------------------------------- value tests


def any_value(get: Getter, test: ValueTest) -> Condition:
    """True if the value (or any value of a multi-valued field) passes ``test``."""

    def predicate(view: View) -> bool:
        value = get(view)
        if value is None:
            return False
        if type(value) is list:
            for item in value:
                if test(item):
                    return True
            return False
        return test(value)

    return predicate


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, _NUMBER):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def loose_equals(value: Any, literal: Any) -> bool:
    """Equality across types the way a keyword/numeric field compares to a literal."""
    if isinstance(literal, bool) or isinstance(value, bool):
        if isinstance(literal, bool) and isinstance(value, bool):
            return value is literal
        text = value if isinstance(value, str) else literal
        flag = literal if isinstance(literal, bool) else value
        return isinstance(text, str) and text.lower() == ("true" if flag else "false")
    if type(value) is type(literal) or (isinstance(value, _NUMBER) and isinstance(literal, _NUMBER)):
        return value == literal
    left, right = _as_number(value), _as_number(literal)
    return left is not None and left == right


def equals_test(literal: Any) -> ValueTest:
    if isinstance(literal, str) and not isinstance(literal, bool):
        return lambda value: value == literal if type(value) is str else loose_equals(value, literal)
    return lambda value: loose_equals(value, literal)


def set_test(literals: Sequence[Any], insensitive: bool = False) -> ValueTest:
    """``value in (literals)``; case-folded for ``in~``."""
    strings = {s.lower() if insensitive else s for s in literals if isinstance(s, str)}
    others = [x for x in literals if not isinstance(x, str)]
    if insensitive:
        lowered = list(strings)

        def test_i(value: Any) -> bool:
            if type(value) is str:
                return value.lower() in strings
            return any(loose_equals(value, x) for x in (*lowered, *others))

        return test_i

    def test(value: Any) -> bool:
        if type(value) is str and value in strings:
            return True
        return any(loose_equals(value, x) for x in others) or (
            type(value) is not str and any(loose_equals(value, x) for x in strings))

    return test


_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def order_test(comparator: str, literal: Any) -> ValueTest:
    compare = _ORDER[comparator]
    literal_number = _as_number(literal)

    def test(value: Any) -> bool:
        if isinstance(value, str) and isinstance(literal, str):
            return compare(value, literal)
        number = _as_number(value)
        if number is None or literal_number is None:
            return False
        return compare(number, literal_number)

    return test


def string_test(test: Callable[[str], bool]) -> ValueTest:
    return lambda value: type(value) is str and test(value)


# --------------------------------------------------------------------------- functions

def _case(insensitive: bool) -> Callable[[str], str]:
    return str.lower if insensitive else (lambda s: s)


def _starts_with(insensitive: bool) -> Callable[..., bool]:
    fold = _case(insensitive)
    return lambda s, sub: isinstance(s, str) and isinstance(sub, str) and fold(s).startswith(fold(sub))


def _ends_with(insensitive: bool) -> Callable[..., bool]:
    fold = _case(insensitive)
    return lambda s, sub: isinstance(s, str) and isinstance(sub, str) and fold(s).endswith(fold(sub))


def _contains(insensitive: bool) -> Callable[..., bool]:
    fold = _case(insensitive)
    return lambda s, sub: isinstance(s, str) and isinstance(sub, str) and fold(sub) in fold(s)


def _cidr(value: Any, *cidrs: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    for cidr in cidrs:
        try:
            if address in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False


def _between(insensitive: bool) -> Callable[..., Any]:
    fold = _case(insensitive)

    def between(source: Any, left: Any, right: Any, greedy: Any = False) -> Any:
        if not (isinstance(source, str) and isinstance(left, str) and isinstance(right, str)):
            return None
        text, left_f, right_f = fold(source), fold(left), fold(right)
        start = text.find(left_f)
        if start < 0:
            return ""
        start += len(left_f)
        end = text.rfind(right_f, start) if greedy else text.find(right_f, start)
        return source[start:end] if end >= 0 else ""

    return between


def _index_of(insensitive: bool) -> Callable[..., Any]:
    fold = _case(insensitive)

    def index_of(source: Any, sub: Any, start: Any = 0) -> Any:
        if not (isinstance(source, str) and isinstance(sub, str)):
            return None
        found = fold(source).find(fold(sub), start or 0)
        return found if found >= 0 else None

    return index_of


def _length(value: Any) -> Any:
    return len(value) if isinstance(value, str) else None


def _substring(source: Any, start: Any = None, end: Any = None) -> Any:
    return source[start:end] if isinstance(source, str) else None


#: value functions: lowercase name -> factory(insensitive) -> implementation
_VALUE_FUNCTIONS: dict[str, Callable[[bool], Callable[..., Any]]] = {
    "add": lambda _: Add.run,
    "subtract": lambda _: Subtract.run,
    "multiply": lambda _: Multiply.run,
    "divide": lambda _: Divide.run,
    "modulo": lambda _: Modulo.run,
    "concat": lambda _: Concat.run,
    "number": lambda _: ToNumber.run,
    "string": lambda _: ToString.run,
    "length": lambda _: _length,
    "substring": lambda _: _substring,
    "between": _between,
    "indexof": _index_of,
}

#: boolean functions over their first argument (any value of a multi-valued field)
_PREDICATE_FUNCTIONS: dict[str, Callable[[bool], Callable[..., bool]]] = {
    "startswith": _starts_with,
    "endswith": _ends_with,
    "stringcontains": _contains,
    "cidrmatch": lambda _: _cidr,
}

#: internal names from query.py plus eql's legacy spellings
_PATTERN_FUNCTIONS = {"like": ("wildcard", False), "like~": ("wildcard", True),
                      "wildcard": ("wildcard", True), "wildcard~": ("wildcard", True),
                      "regex": ("regex", False), "regex~": ("regex", True),
                      "match": ("regex", True), "match~": ("regex", True)}

def _literal_values(nodes: Sequence[ast.EqlNode]) -> list[Any] | None:
    if all(isinstance(n, ast.Literal) for n in nodes):
        return [n.value for n in nodes]
    return None


# --------------------------------------------------------------------------- engine


class _ElasticsearchEngine(PythonEngine):
    """eql's PythonEngine with Elasticsearch semantics; callbacks take an ``EventView``."""

    def _convert_field(self, node: ast.Field) -> Getter:
        return itemgetter(field_path(node))

    def _convert_is_null(self, node: ast.IsNull) -> Condition:
        get = self.convert(node.expr)
        return lambda view: get(view) is None

    def _convert_is_not_null(self, node: ast.IsNotNull) -> Condition:
        get = self.convert(node.expr)
        return lambda view: get(view) is not None

    def _convert_not(self, node: ast.Not) -> Condition:
        term = self.convert(node.term)
        return lambda view: not term(view)

    def _convert_and(self, node: ast.And) -> Condition:
        return all_of([self.convert(term) for term in node.terms])

    def _convert_or(self, node: ast.Or) -> Condition:
        return any_of([self.convert(term) for term in node.terms])

    def _convert_comparison(self, node: ast.Comparison) -> Condition:
        left, comparator, right = node.left, node.comparator, node.right
        if isinstance(left, ast.Literal) and not isinstance(right, ast.Literal):
            left, right, comparator = right, left, _FLIP[comparator]
        get = self.convert(left)
        if isinstance(right, ast.Literal):
            literal = right.value
            if comparator in ("==", "!="):
                positive = any_value(get, equals_test(literal))
                if comparator == "!=":
                    return lambda view: not positive(view)
                return positive
            return any_value(get, order_test(comparator, literal))
        # both sides computed (Elasticsearch rejects field-to-field, functions may remain)
        get_right = self.convert(right)

        def dynamic(view: View) -> bool:
            other = first_value(get_right(view))
            if other is None:
                return comparator == "!="
            if comparator in ("==", "!="):
                hit = any_value(get, lambda value: loose_equals(value, other))(view)
                return hit if comparator == "==" else not hit
            return any_value(get, order_test(comparator, other))(view)

        return dynamic

    def _convert_in_set(self, node: ast.InSet) -> Condition:
        literals = _literal_values(node.container)
        if literals is None:
            return self.convert(node.synonym)
        return any_value(self.convert(node.expression), set_test(literals))

    def _convert_math_operation(self, node: ast.MathOperation) -> Getter:
        return self.convert(node.to_function_call())

    def _convert_function_call(self, node: ast.FunctionCall) -> Callable[[View], Any]:
        name = node.name.lower()
        insensitive = name.endswith("~")
        base = name.rstrip("~")
        arguments = node.arguments
        if not arguments:
            raise CompileError(f"function {node.name} needs arguments")

        if name == "in~":
            literals = _literal_values(arguments[1:])
            if literals is None:
                raise CompileError("in~ needs literal values")
            return any_value(self.convert(arguments[0]), set_test(literals, insensitive=True))

        if name in _PATTERN_FUNCTIONS or base in _PATTERN_FUNCTIONS:
            kind, insensitive = _PATTERN_FUNCTIONS.get(name) or _PATTERN_FUNCTIONS[base]
            patterns = _literal_values(arguments[1:])
            if patterns is None or not all(isinstance(p, str) for p in patterns):
                raise CompileError(f"{node.name} needs string literal patterns")
            build = wildcard_matcher if kind == "wildcard" else regex_matcher
            return any_value(self.convert(arguments[0]), string_test(build(patterns, insensitive)))

        if base in _PREDICATE_FUNCTIONS:
            impl = _PREDICATE_FUNCTIONS[base](insensitive)
            get = self.convert(arguments[0])
            rest = _literal_values(arguments[1:])
            if rest is not None:
                return any_value(get, lambda value: bool(impl(value, *rest)))
            get_rest = [self.convert(arg) for arg in arguments[1:]]

            def predicate(view: View) -> bool:
                others = [first_value(g(view)) for g in get_rest]
                if any(o is None for o in others):
                    return False
                return any_value(get, lambda value: bool(impl(value, *others)))(view)

            return predicate

        if base in _VALUE_FUNCTIONS:
            impl = _VALUE_FUNCTIONS[base](insensitive)
            getters = [self.convert(arg) for arg in arguments]

            def call(view: View) -> Any:
                values = [first_value(g(view)) for g in getters]
                if any(v is None for v in values):
                    return None
                return impl(*values)

            return call

        raise CompileError(f"function {node.name} not supported")


#: chains up to this long are nested closures (fastest); longer ones loop
_NESTED = 4


def all_of(terms: Sequence[Condition]) -> Condition:
    """True when every term is (evaluated left to right, stopping at the first false)."""
    if len(terms) == 1:
        return terms[0]
    if len(terms) <= _NESTED:
        predicate = terms[-1]
        for term in reversed(terms[:-1]):
            predicate = _and(term, predicate)
        return predicate
    frozen = tuple(terms)

    def every(view: View) -> bool:
        for term in frozen:
            if not term(view):
                return False
        return True

    return every


def any_of(terms: Sequence[Condition]) -> Condition:
    """True when some term is (left to right, stopping at the first true)."""
    if len(terms) == 1:
        return terms[0]
    if len(terms) <= _NESTED:
        predicate = terms[-1]
        for term in reversed(terms[:-1]):
            predicate = _or(term, predicate)
        return predicate
    frozen = tuple(terms)

    def some(view: View) -> bool:
        for term in frozen:
            if term(view):
                return True
        return False

    return some


def _and(first: Condition, rest: Condition) -> Condition:
    return lambda view: first(view) and rest(view)


def _or(first: Condition, rest: Condition) -> Condition:
    return lambda view: first(view) or rest(view)


def condition_cost(query: ast.EventQuery) -> int:
    """The size of a condition: one per node, except the literals of a set membership
    (``in``, ``in~``), which are one hash lookup whatever their number."""
    cost = 0
    for node in query.query:
        if isinstance(node, ast.InSet) and _literal_values(node.container) is not None:
            cost -= len(node.container)
        elif isinstance(node, ast.FunctionCall) and node.name == "in~":
            cost -= sum(isinstance(arg, ast.Literal) for arg in node.arguments[1:])
        cost += 1
    return max(cost, 1)
