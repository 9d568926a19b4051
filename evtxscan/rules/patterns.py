"""String matchers: wildcards (``*`` any run, ``?`` one character) and regular expressions.

eql's Python ``wildcard()`` only knows ``*`` and escapes ``?``, so upstream exclusions such
as ``?:\\Windows\\System32\\conhost.exe`` never match and the rule alerts on conhost.
Elasticsearch (Lucene ``WildcardQuery``) reads ``?`` as exactly one character and ``*`` as
any run, and EQL passes backslashes through literally.  Sigma wildcards mean the same,
except that ``\\*`` and ``\\?`` are literal characters there: so a pattern is held as a
*glob*, a tuple of parts (literal text, ``MANY``, ``ONE``), and each format builds its
globs from its own syntax.

Matchers are built once per rule and then called for every event, so patterns are sorted
into the cheapest test that decides them: an exact set, ``str.startswith``/``endswith``
with a tuple, substring tests, and for the rest a segment matcher that places the
pieces between ``*`` from left to right with ``str.find`` (and fixed-width regexes for
pieces holding ``?``).  Nothing here backtracks: the cost is bounded by the length of the
value times the length of the pattern, whatever a hostile rule writes.  Regular
expressions go to RE2 (``regex.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from .regex import literal_finder, lucene_matcher

StringTest = Callable[[str], bool]

#: glob parts other than text
MANY, ONE = 0, 1
Glob = tuple[str | int, ...]


def eql_glob(pattern: str) -> Glob:
    """An EQL/Elasticsearch wildcard pattern as a glob (no escapes: ``\\`` is literal)."""
    parts: list[str | int] = []
    text: list[str] = []
    for char in pattern:
        if char in "*?":
            if text:
                parts.append("".join(text))
                text = []
            parts.append(MANY if char == "*" else ONE)
        else:
            text.append(char)
    if text:
        parts.append("".join(text))
    return tuple(parts)


def normalize_glob(glob: Iterable[str | int], fold: bool = False) -> Glob:
    """Adjacent text joined, runs of ``MANY`` collapsed, empty text dropped, text
    lower-cased when ``fold``."""
    out: list[str | int] = []
    for part in glob:
        if isinstance(part, str):
            if not part:
                continue
            if fold:
                part = part.lower()
            if out and isinstance(out[-1], str):
                out[-1] += part
                continue
        elif part == MANY and out and out[-1] == MANY:
            continue
        out.append(part)
    return tuple(out)


def glob_text(glob: Glob) -> str:
    """A readable form for messages (``*`` and ``?`` for the wildcards)."""
    return "".join(p if isinstance(p, str) else ("*" if p == MANY else "?") for p in glob)


def wildcard_matcher(patterns: Sequence[str], insensitive: bool) -> StringTest:
    """EQL ``like``/``:``: ``test(value)`` is true when ``value`` matches any pattern."""
    return glob_matcher([eql_glob(p) for p in patterns], insensitive)


def glob_matcher(globs: Iterable[Glob], insensitive: bool) -> StringTest:
    """``test(value)``: does the whole value match any of ``globs``?  With
    ``insensitive`` the value is lower-cased before the test (and the globs too)."""
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    infixes: list[str] = []
    complex_: list[StringTest] = []
    for glob in globs:
        glob = normalize_glob(glob, insensitive)
        if all(p == MANY for p in glob) and glob:
            return _any_string  # "*" matches every value
        if all(isinstance(p, str) for p in glob):
            exact.add(glob[0] if glob else "")
        elif len(glob) == 2 and glob[1] == MANY and isinstance(glob[0], str):
            prefixes.append(glob[0])
        elif len(glob) == 2 and glob[0] == MANY and isinstance(glob[1], str):
            suffixes.append(glob[1])
        elif len(glob) == 3 and glob[0] == glob[2] == MANY and isinstance(glob[1], str):
            infixes.append(glob[1])
        else:
            complex_.append(segment_matcher(glob))
    return _combine(exact, tuple(prefixes), tuple(suffixes), tuple(infixes),
                    tuple(complex_), insensitive)


#: more substrings than this are searched for at once (RE2 set) rather than in a loop
_INFIX_LOOP = 8


def glob_cost(globs: Iterable[Glob]) -> int:
    """What testing a value against ``globs`` (one ``glob_matcher``) costs, in tests:
    exact, prefix and suffix sets are one C-level test each, substrings one each up to
    ``_INFIX_LOOP`` (then one set search), every other pattern one segment matcher."""
    infixes = complex_ = 0
    for glob in globs:
        glob = normalize_glob(glob)
        plain = [p for p in glob if isinstance(p, str)]
        if len(plain) == len(glob) or (len(glob) == 2 and len(plain) == 1 and MANY in glob):
            continue
        if len(glob) == 3 and glob[0] == glob[2] == MANY and len(plain) == 1:
            infixes += 1
        else:
            complex_ += 1
    return 1 + complex_ + (infixes if infixes <= _INFIX_LOOP else 1)


def _any_string(value: str) -> bool:
    return True


def _combine(exact: set[str], prefixes: tuple[str, ...], suffixes: tuple[str, ...],
             infixes: tuple[str, ...], complex_: tuple[StringTest, ...],
             insensitive: bool) -> StringTest:
    only_exact = not (prefixes or suffixes or infixes or complex_)

    if only_exact and insensitive:
        return lambda value: value.lower() in exact
    if only_exact:
        return lambda value: value in exact
    if len(infixes) > _INFIX_LOOP:
        # one RE2 set search instead of a Python loop over dozens of substrings
        find = literal_finder(infixes)
        infixes = ()
        complex_ = (lambda value: bool(find(value)),) + complex_
    if insensitive and not exact and not prefixes and not suffixes and not complex_ \
            and len(infixes) == 1:
        infix = infixes[0]
        return lambda value: infix in value.lower()

    def test(value: str) -> bool:
        if insensitive:
            value = value.lower()
        if value in exact:
            return True
        if prefixes and value.startswith(prefixes):
            return True
        if suffixes and value.endswith(suffixes):
            return True
        for infix in infixes:
            if infix in value:
                return True
        for matcher in complex_:
            if matcher(value):
                return True
        return False

    return test


class _Piece:
    """Text between two ``MANY``: literal, or fixed-width with ``ONE`` in it."""

    __slots__ = ("width", "literal", "regex")

    def __init__(self, parts: Sequence[str | int]) -> None:
        self.width = sum(len(p) if isinstance(p, str) else 1 for p in parts)
        if all(isinstance(p, str) for p in parts):
            self.literal: str | None = "".join(parts)  # type: ignore[arg-type]
            self.regex = None
        else:
            self.literal = None
            # only literals and '.': a fixed-width pattern, nothing to backtrack over
            self.regex = re.compile("".join(re.escape(p) if isinstance(p, str) else "."
                                            for p in parts), re.DOTALL)

    def at(self, value: str, pos: int) -> bool:
        if self.literal is not None:
            return value.startswith(self.literal, pos)
        return self.regex.match(value, pos) is not None

    def find(self, value: str, start: int, end: int) -> int:
        """Leftmost position >= ``start`` where the piece fits before ``end``."""
        if self.literal is not None:
            return value.find(self.literal, start, end)
        found = self.regex.search(value, start, end)
        return found.start() if found is not None else -1


def segment_matcher(glob: Glob) -> StringTest:
    """Whole-value match of a glob with ``MANY`` anywhere, without backtracking: the
    first piece at the start, the last at the end, the ones between leftmost in order
    (leftmost placement never loses a match when the gaps are ``*``)."""
    pieces: list[list[str | int]] = [[]]
    for part in glob:
        if part == MANY:
            pieces.append([])
        else:
            pieces[-1].append(part)
    if len(pieces) == 1:  # no MANY: the value has exactly the piece's width
        only = _Piece(pieces[0])
        return lambda value: len(value) == only.width and only.at(value, 0)
    first, last = _Piece(pieces[0]), _Piece(pieces[-1])
    middle = [_Piece(p) for p in pieces[1:-1] if p]
    least = first.width + last.width + sum(p.width for p in middle)

    def test(value: str) -> bool:
        if len(value) < least or not first.at(value, 0):
            return False
        end = len(value) - last.width
        if not last.at(value, end):
            return False
        pos = first.width
        for piece in middle:
            found = piece.find(value, pos, end)
            if found < 0:
                return False
            pos = found + piece.width
        return pos <= end

    return test


def regex_matcher(patterns: Sequence[str], insensitive: bool) -> StringTest:
    """EQL ``regex``/``regex~``: does the whole value match any of the Lucene regexes?
    Raises ``RegexError`` for a pattern that cannot be run exactly in linear time."""
    return lucene_matcher(patterns, insensitive)
