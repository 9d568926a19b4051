"""Parse an Elastic rule's EQL text into an eql AST without losing Elasticsearch semantics.

eql's own walker folds ``:``, ``like`` and ``like~`` into one case-insensitive
``wildcard()`` call, ``regex``/``regex~`` into ``match()``, drops the ``~`` of ``in~`` and
of function calls (``endsWith~``), and knows function names only in their camelCase
spelling.  Elasticsearch keeps those apart (``==``, ``in``, ``like``, ``regex`` and plain
functions are case-sensitive; ``:`` and every ``~`` form are not) and resolves function
names case-insensitively (upstream rules use ``endswith~``).  So we reuse eql's grammar
and walker, and override only the few visitor methods that throw that information away:
they emit calls whose names say what Elasticsearch would do (``like~``, ``like``,
``regex~``, ``regex``, ``in~``, ``<function>~``).  Those names cannot be written as
function calls in EQL text, so they never collide with user input.

Only single event queries (``<category> where <condition>``) are accepted; everything
else raises ``UnsupportedQuery`` with the one-line reason the loader reports.
"""

from __future__ import annotations

import ipaddress

from eql import ast
from eql.errors import EqlError, EqlParseError
from eql.functions import CidrMatch
from eql.parser import LarkToEQL, lark_parser
from eql.utils import ParserConfig
from lark.exceptions import LarkError

from .errors import UnsupportedQuery

__all__ = ["UnsupportedQuery", "parse_event_query"]


class _CidrMatch(CidrMatch):
    """``cidrMatch`` accepting what Elasticsearch accepts: IPv6 ranges and bare addresses.

    eql rejects ``"::1"`` and ``"FE80::/10"``, which upstream network rules list.
    """

    @classmethod
    def validate(cls, arguments):  # noqa: D102 - eql signature hook
        error = super(CidrMatch, cls).validate(arguments)  # type checks only
        if error is not None:
            return error
        for position, argument in enumerate(arguments[1:], 1):
            try:
                ipaddress.ip_network(str(argument.node.value).strip(), strict=False)
            except ValueError:
                return position
        return None


class _ElasticsearchWalker(LarkToEQL):
    """eql's Lark walker, keeping case-sensitivity markers as Elasticsearch does."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        # Elasticsearch resolves function names case-insensitively (``endswith~``).
        for name, signature in list(self._function_lookup.items()):
            self._function_lookup.setdefault(name.lower(), signature)
        self._function_lookup["cidrMatch"] = self._function_lookup["cidrmatch"] = _CidrMatch

    def string_predicate(self, node):  # noqa: D102 - eql visitor hook
        info = super().string_predicate(node)
        predicate = str(node["STRING_PREDICATE"])
        name = {":": "like~", "like~": "like~", "like": "like",
                "regex~": "regex~", "regex": "regex"}[predicate]
        info.node = ast.FunctionCall(name, info.node.arguments)
        return info

    def in_set(self, node):  # noqa: D102 - eql visitor hook
        info = super().in_set(node)
        if node.get("IN") == "in~":
            term = info.node
            info.node = ast.FunctionCall("in~", [term.expression, *term.container])
        return info

    def function_call(self, node, prev_node=None, prev_arg=None):  # noqa: D102
        if node.data == "method":
            raw = str(node["method_name"]["METHOD_START"])[1:-1]
        else:
            raw = self.name(node.children[0])
        info = super().function_call(node, prev_node, prev_arg)
        if raw.endswith("~") and isinstance(info.node, ast.FunctionCall):
            call = info.node
            info.node = ast.FunctionCall(call.name + "~", call.arguments, call.as_method)
        return info


def _error_line(exc: Exception) -> str:
    if isinstance(exc, EqlParseError):
        return f"{exc.error_msg} (line {exc.line + 1}, column {exc.column + 1})"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def parse_event_query(text: str) -> ast.EventQuery:
    """Parse ``text`` with Elasticsearch EQL syntax and return its single event query.

    Raises ``UnsupportedQuery`` for sequences, samples, joins, pipes, ``descendant of``
    style subqueries and for syntax errors ("eql parse error: ...").
    """
    if not text or not text.strip():
        raise UnsupportedQuery("empty query")
    if not text.endswith("\n"):
        text += "\n"
    config = ParserConfig(
        elasticsearch_syntax=True,
        reject_field_comparisons=True,
        # Accept what Elasticsearch accepts, so the reason says "sequence ... not
        # supported" rather than a confusing syntax error.
        allow_sample=True,
        allow_runs=True,
        allow_negation=True,
        # Unknown functions are reported by the compiler with their name.
        check_functions=False,
    )
    with config:
        walker = _ElasticsearchWalker(text)
        try:
            tree = lark_parser.parse(text, start="piped_query")
            node = walker.visit(tree)
            # eql's Optimizer is skipped on purpose: it only folds constants and rewrites
            # ``not a == b`` as ``a != b``, which the compiler treats alike, and it costs
            # a third of the parse time of a large rule folder.
            node = getattr(node, "node", node)
        except LarkError as exc:
            line = getattr(exc, "line", 0)
            column = getattr(exc, "column", 0)
            raise UnsupportedQuery(
                f"eql parse error: invalid syntax (line {line}, column {column})") from None
        except EqlError as exc:
            raise UnsupportedQuery(f"eql parse error: {_error_line(exc)}") from None
        except RecursionError:
            raise UnsupportedQuery("eql parse error: query nested too deeply") from None
    return _single_event_query(node)


def _single_event_query(node: ast.EqlNode) -> ast.EventQuery:
    if isinstance(node, ast.PipedQuery):
        if node.pipes:
            raise UnsupportedQuery("pipes not supported")
        node = node.first
    if isinstance(node, ast.Sequence):
        raise UnsupportedQuery("sequence queries not supported")
    if isinstance(node, ast.Sample):
        raise UnsupportedQuery("sample queries not supported")
    if isinstance(node, ast.Join):
        raise UnsupportedQuery("join queries not supported")
    if not isinstance(node, ast.EventQuery):
        raise UnsupportedQuery(f"{type(node).__name__} queries not supported")
    for sub in node.query:
        if isinstance(sub, ast.NamedSubquery):
            raise UnsupportedQuery(f"'{sub.query_type} of' subqueries not supported")
    return node
