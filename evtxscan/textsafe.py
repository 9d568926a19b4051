"""Make attacker-controlled strings safe to show on a terminal.

Command lines and paths come from evidence: they may carry ANSI escape sequences that
would repaint a responder's terminal, or Rich markup that would restyle it.  Output to a
terminal goes through ``printable``; Rich/Textual widgets get ``rich.text.Text`` objects
built from its result (never markup strings).
"""

from __future__ import annotations

import re

#: C0/C1 controls (ESC, CSI 0x9b, BEL, CR...), line/paragraph separators, bidi embeddings,
#: overrides and isolates (which reorder what follows), lone surrogates, and invisible
#: format characters (zero-width space/joiners, LRM/RLM/ALM, word joiner, BOM, Unicode
#: tags) that make ``cmd.exe`` and ``c\u200bmd.exe`` look alike.
CONTROL_CHARS = (r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028\u2029"
                 r"\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
                 r"\ud800-\udfff\U000e0000-\U000e007f")
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")


def _escape(m: re.Match[str]) -> str:
    c = m.group(0)
    o = ord(c)
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}"


def printable(text: str | None, *, keep_newlines: bool = False) -> str:
    """``text`` with control, bidi-override and lone-surrogate characters escaped.

    Newlines and tabs are escaped too unless ``keep_newlines``; a table row must stay
    one row.  The result is a plain string: nothing in it is interpreted downstream.
    """
    if not text:
        return ""
    s = _CONTROL.sub(_escape, text)
    if not keep_newlines:
        s = s.replace("\n", "\\n").replace("\t", "\\t")
    return s
