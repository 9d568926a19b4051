"""String matchers with Elasticsearch's wildcard and regexp semantics.

eql's Python ``wildcard()`` only knows ``*`` and escapes ``?``, so upstream exclusions such
as ``?:\\Windows\\System32\\conhost.exe`` never match and the rule alerts on conhost.
Elasticsearch (Lucene ``WildcardQuery``) reads ``?`` as exactly one character and ``*`` as
any run, and EQL passes backslashes through literally.  Lucene ``RegexpQuery`` matches the
whole value, not a prefix as ``re.match`` does.

Matchers are built once per rule and then called for every event, so patterns are sorted
into the cheapest test that decides them: an exact set, ``str.startswith``/``endswith``
with a tuple, substring tests, and one compiled regex for whatever is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

StringTest = Callable[[str], bool]


def wildcard_to_regex(pattern: str) -> str:
    """Translate one wildcard pattern to an (unanchored) Python regex."""
    out = []
    for char in pattern:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return "".join(out)


def wildcard_matcher(patterns: Sequence[str], insensitive: bool) -> StringTest:
    """Return ``test(value)`` that is true when ``value`` matches any of ``patterns``."""
    if insensitive:
        patterns = [p.lower() for p in patterns]
    exact: set[str] = set()
    prefixes: list[str] = []
    suffixes: list[str] = []
    infixes: list[str] = []
    complex_: list[str] = []
    for pattern in patterns:
        core = pattern.strip("*")
        if "?" in pattern or "*" in core:
            complex_.append(pattern)
        elif core == "":
            return _any_string  # "*" matches every value
        elif pattern.startswith("*") and pattern.endswith("*"):
            infixes.append(core)
        elif pattern.startswith("*"):
            suffixes.append(core)
        elif pattern.endswith("*"):
            prefixes.append(core)
        else:
            exact.add(pattern)
    regex = None
    if complex_:
        regex = re.compile("|".join(f"(?:{wildcard_to_regex(p)})" for p in complex_), re.DOTALL)
    return _combine(exact, tuple(prefixes), tuple(suffixes), tuple(infixes), regex, insensitive)


def _any_string(value: str) -> bool:
    return True


def _combine(exact: set[str], prefixes: tuple[str, ...], suffixes: tuple[str, ...],
             infixes: tuple[str, ...], regex: re.Pattern | None, insensitive: bool) -> StringTest:
    fullmatch = regex.fullmatch if regex is not None else None
    only_exact = not (prefixes or suffixes or infixes or fullmatch)

    if only_exact and insensitive:
        return lambda value: value.lower() in exact
    if only_exact:
        return lambda value: value in exact

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
        return fullmatch is not None and fullmatch(value) is not None

    return test


def regex_matcher(patterns: Sequence[str], insensitive: bool) -> StringTest:
    """Return ``test(value)``: does the whole value match any of the regexes?

    Raises ``re.error`` for a pattern Python cannot compile; Lucene's optional operators
    (``@ & ~ < > #``) are not emulated, the common syntax is the same.
    """
    flags = re.DOTALL | (re.IGNORECASE if insensitive else 0)
    compiled = re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    fullmatch = compiled.fullmatch
    return lambda value: fullmatch(value) is not None
