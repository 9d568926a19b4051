"""Regular expressions run in linear time (RE2), in the syntax each rule format writes.

Python's ``re`` backtracks: ``regex~ "(a+)+$"`` against ``'a' * 40 + '!'`` ran for more
than 90 s, and a rule file is untrusted input.  Every regex a rule carries is therefore
matched by RE2 (google-re2), whose time is linear in the text; a pattern RE2 cannot take
is refused with a reason (``RegexError``), never handed to a backtracking engine.

Two syntaxes reach this module:

* **Elastic EQL** ``regex``/``regex~`` use Lucene's ``RegExp`` (what Elasticsearch runs):
  the pattern must match the *whole* value; ``^`` and ``$`` are ordinary characters;
  ``.`` is any character, newlines included; ``@`` any string, ``#`` nothing, ``"..."``
  a literal string; ``\\d \\s \\w`` (and upper-case negations) are ``[0-9]``,
  ``[ \\t\\n\\r]``, ``[a-zA-Z_0-9]``; a backslash before any other character makes it
  literal, except before a letter that names no class (an error, as in Lucene);
  ``x*?`` means ``(x*)?`` (no lazy quantifiers).  ``regex~`` is Lucene's
  ``ASCII_CASE_INSENSITIVE``: single ASCII letters (also inside ``[...]``) match either
  case, ranges such as ``[a-z]`` do not.  ``translate_lucene`` parses the pattern exactly
  as Lucene's parser does and writes the same language in RE2 syntax; the operators RE2
  has no equivalent for (``&`` intersection, ``~`` complement, ``<n-m>`` intervals,
  ``<name>`` automata) are refused.
* **Sigma** ``|re`` is PCRE-like and *unanchored* (a search, not a whole-value match),
  with the ``i``, ``m``, ``s`` modifiers as inline flags.  RE2 reads that syntax as
  written; look-around, back-references and ``\\Z`` are refused by RE2 itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .errors import RegexError

StringTest = Callable[[str], bool]

_MAX_CODE_POINT = 0x10FFFF
#: ``[^\\x00-\\x{10FFFF}]``: a class nothing matches (Lucene's empty language ``#``)
_NOTHING = r"[^\x00-\x{10FFFF}]"


def _re2():
    """google-re2's low-level module and options, imported on first use."""
    import re2
    from re2 import _re2 as low

    options = re2.Options()
    options.never_capture = True   # a yes/no answer: no submatch bookkeeping
    options.log_errors = False     # errors are reported as skip reasons, not on stderr
    options.max_mem = 32 << 20
    return low, options


def _compile(pattern: str):
    low, options = _re2()
    compiled = low.RE2(pattern.encode("utf-8", "surrogatepass"), options)
    if not compiled.ok():
        raise RegexError(f"RE2 cannot run /{pattern}/: {compiled.error().decode('utf-8', 'replace')}")
    return compiled


def _matcher(pattern: str, anchor_name: str) -> StringTest:
    low, _ = _re2()
    compiled = _compile(pattern)
    anchor = getattr(low.RE2.Anchor, anchor_name)
    match = compiled.Match
    miss = (-1, -1)

    def test(value: str) -> bool:
        data = value.encode("utf-8", "surrogatepass")
        return match(anchor, data, 0, len(data))[0] != miss

    return test


def search_matcher(pattern: str, flags: str = "") -> StringTest:
    """``test(value)``: does ``pattern`` (RE2/PCRE syntax) occur anywhere in the value?
    ``flags`` is a subset of ``"ims"`` (Sigma's ``|i``, ``|m``, ``|s``)."""
    prefix = f"(?{''.join(sorted(set(flags)))})" if flags else ""
    return _matcher(prefix + pattern, "UNANCHORED")


def lucene_matcher(patterns: Sequence[str], insensitive: bool) -> StringTest:
    """``test(value)``: does the whole value match any of the Lucene ``patterns``?"""
    translated = [translate_lucene(p, insensitive) for p in patterns]
    return _matcher("|".join(f"(?:{p})" for p in translated), "ANCHOR_BOTH")


def literal_finder(literals: Sequence[str]) -> Callable[[str], list[int]]:
    """``find(value)``: the positions in ``literals`` of those that occur in the value,
    found in one pass (an RE2 set of literal patterns).  The prefilter uses it to pick,
    from thousands of rules, the few whose required substring an event holds."""
    import re2

    low, options = _re2()
    literal = re2.Options()
    for name in ("never_capture", "log_errors", "max_mem"):
        setattr(literal, name, getattr(options, name))
    literal.literal = True
    literal.max_mem = 256 << 20
    found_set = low.Set(low.RE2.Anchor.UNANCHORED, literal)
    for text in literals:
        if found_set.Add(text.encode("utf-8", "surrogatepass")) < 0:
            raise RegexError(f"RE2 set cannot take the literal {text!r}")
    if not found_set.Compile():
        raise RegexError("RE2 set of literals does not compile")
    match = found_set.Match

    def find(value: str) -> list[int]:
        return match(value.encode("utf-8", "surrogatepass"))

    return find


# --------------------------------------------------------------------------- Lucene

_PREDEFINED: dict[str, tuple[tuple[int, int], ...]] = {
    "d": ((0x30, 0x39),),
    "s": ((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x20)),
    "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
}
#: letters whose escape Lucene rejects ("invalid character class")
_BAD_ESCAPES = frozenset("abcefghijklmnopqrtuvxyzABCEFGHIJKLMNOPQRTUVXYZ")

Ranges = tuple[tuple[int, int], ...]


def _union(*parts: Ranges) -> Ranges:
    spans = sorted(span for part in parts for span in part)
    out: list[list[int]] = []
    for lo, hi in spans:
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return tuple((lo, hi) for lo, hi in out)


def _complement(ranges: Ranges) -> Ranges:
    out, start = [], 0
    for lo, hi in _union(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= _MAX_CODE_POINT:
        out.append((start, _MAX_CODE_POINT))
    return tuple(out)


def _predefined(letter: str) -> Ranges:
    ranges = _PREDEFINED[letter.lower()]
    return _complement(ranges) if letter.isupper() else ranges


def _char_ranges(code: int, fold: bool) -> Ranges:
    """One character; with ASCII case folding its other case as well (as Lucene's
    ``toCaseInsensitiveChar``: code points up to 128 only)."""
    if fold and code <= 128:
        char = chr(code)
        other = char.upper() if char.islower() else char.lower()
        if other != char and len(other) == 1:
            return _union(((code, code),), ((ord(other), ord(other)),))
    return ((code, code),)


def _escape(code: int) -> str:
    char = chr(code)
    if char.isascii() and (char.isalnum() or char == "_"):
        return char
    return f"\\x{{{code:x}}}"


def _class(ranges: Ranges) -> str:
    if not ranges:
        return _NOTHING
    if len(ranges) == 1 and ranges[0][0] == ranges[0][1]:
        return _escape(ranges[0][0])
    body = "".join(_escape(lo) if lo == hi else f"{_escape(lo)}-{_escape(hi)}"
                   for lo, hi in ranges)
    return f"[{body}]"


class _LuceneParser:
    """Lucene ``RegExp`` (all optional syntax on, as Elasticsearch's regexp query) ->
    the same language in RE2 syntax.  Method names follow Lucene's parser."""

    def __init__(self, text: str, fold: bool) -> None:
        self.text, self.fold, self.pos = text, fold, 0

    def error(self, message: str) -> RegexError:
        return RegexError(f"Lucene regex /{self.text}/: {message}")

    # -- scanning
    def more(self) -> bool:
        return self.pos < len(self.text)

    def peek(self, chars: str) -> bool:
        return self.more() and self.text[self.pos] in chars

    def match(self, char: str) -> bool:
        if self.more() and self.text[self.pos] == char:
            self.pos += 1
            return True
        return False

    def next(self) -> str:
        if not self.more():
            raise self.error("unexpected end of pattern")
        char = self.text[self.pos]
        self.pos += 1
        return char

    # -- grammar
    def parse(self) -> str:
        if not self.text:
            return "(?:)"
        out = self.union()
        if self.more():
            raise self.error(f"end of pattern expected at position {self.pos}")
        return out

    def union(self) -> str:
        options = [self.inter()]
        while self.match("|"):
            options.append(self.inter())
        return options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"

    def inter(self) -> str:
        out = self.concat()
        if self.peek("&"):
            raise self.error("intersection (&) has no RE2 equivalent")
        return out

    def concat(self) -> str:
        parts = [self.repeat()]
        while self.more() and not self.peek(")|&"):
            parts.append(self.repeat())
        return "".join(parts)

    def repeat(self) -> str:
        out = self.compl()
        while self.peek("?*+{"):
            op = self.next()
            if op in "?*+":
                out = f"(?:{out}){op}"
                continue
            start = self.pos
            while self.peek("0123456789"):
                self.pos += 1
            if start == self.pos:
                raise self.error(f"integer expected at position {self.pos}")
            low = int(self.text[start:self.pos])
            high: int | None = low
            if self.match(","):
                start = self.pos
                while self.peek("0123456789"):
                    self.pos += 1
                high = int(self.text[start:self.pos]) if start != self.pos else None
            if not self.match("}"):
                raise self.error(f"'}}' expected at position {self.pos}")
            if high is not None and high < low:
                out = _NOTHING  # Lucene's repeat(min > max) accepts nothing
            else:
                out = f"(?:{out}){{{low},{'' if high is None else high}}}"
        return out

    def compl(self) -> str:
        if self.peek("~"):
            raise self.error("complement (~) has no RE2 equivalent")
        return self.char_class_exp()

    def char_class_exp(self) -> str:
        if not self.match("["):
            return self.simple()
        negate = self.match("^")
        ranges = self.char_class()
        while self.more() and not self.peek("]"):
            ranges = _union(ranges, self.char_class())
        if not self.match("]"):
            raise self.error(f"']' expected at position {self.pos}")
        return _class(_complement(ranges) if negate else ranges)

    def char_class(self) -> Ranges:
        predefined = self.predefined()
        if predefined is not None:
            return predefined
        first = self.char_exp()
        if self.match("-"):
            last = self.char_exp()
            if ord(first) > ord(last):
                raise self.error(f"invalid range {first}-{last}")
            return ((ord(first), ord(last)),)
        return _char_ranges(ord(first), self.fold)

    def predefined(self) -> Ranges | None:
        """``\\d`` and friends; consumes a lone backslash like Lucene does."""
        if not self.match("\\"):
            return None
        if self.peek("dDwWsS"):
            return _predefined(self.next())
        if self.peek("\\"):
            return _char_ranges(ord(self.next()), self.fold)
        if self.more() and self.text[self.pos] in _BAD_ESCAPES:
            raise self.error(f"invalid character class \\{self.text[self.pos]}")
        self.pos -= 1  # an escaped ordinary character: char_exp reads it
        return None

    def simple(self) -> str:
        if self.match("."):
            return r"(?s:.)"
        if self.match("#"):
            return _NOTHING
        if self.match("@"):
            return r"(?s:.*)"
        if self.match('"'):
            start = self.pos
            while self.more() and not self.peek('"'):
                self.pos += 1
            if not self.match('"'):
                raise self.error(f"'\"' expected at position {self.pos}")
            return "".join(_class(_char_ranges(ord(c), self.fold))
                           for c in self.text[start:self.pos - 1])
        if self.match("("):
            if self.match(")"):
                return "(?:)"
            inner = self.union()
            if not self.match(")"):
                raise self.error(f"')' expected at position {self.pos}")
            return f"(?:{inner})"
        if self.peek("<"):
            raise self.error("numeric intervals and named automata (<...>) are not supported")
        predefined = self.predefined()
        if predefined is not None:
            return _class(predefined)
        return _class(_char_ranges(ord(self.char_exp()), self.fold))

    def char_exp(self) -> str:
        self.match("\\")
        return self.next()


def translate_lucene(pattern: str, insensitive: bool = False) -> str:
    """RE2 syntax for the language of a Lucene ``RegExp`` (to be matched whole)."""
    return _LuceneParser(pattern, insensitive).parse()
