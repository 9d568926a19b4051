"""Line breaking for Chinese (and Japanese, Korean) text in the TUI.

Rich and Textual wrap at whitespace only (``rich._wrap.words``, which Textual's
``Content`` uses too).  Chinese puts no spaces between words, so a whole sentence was one
"word": it jumped to a line of its own, and a sentence glued to a file name
(``注意:DC01/C/Windows/.../Security.evtx 未能完整读取``) was folded at the pane's edge, in
the middle of the file name.  As UAX #14 says, a line may break between two ideographs;
``install`` makes Rich's word splitter see each ideograph as a word, keeping closing
punctuation (``。``, ``)``, ``:``...) with the character before it and opening
punctuation with the one after, and leaving runs of other characters (paths, command
lines) whole.  Text without CJK characters is split exactly as before.

Rich's splitter is a private function, so ``install`` checks what it replaces and does
nothing on a Rich whose ``_wrap.words`` it does not recognise; ``tests/test_tui.py``
fails then, rather than the TUI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = ("\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
       "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef")
#: never at the start of a line
CLOSE = "、。，．：；！？）」』】〕〉》\uff09\uff0c\uff1a\uff1b\uff01\uff1f:;,.!?)\\]}%"
#: never at the end of a line (when an ideograph follows)
OPEN = "（「『【〔〈《(\\[{"
HAS_CJK = re.compile(f"[{CJK}]")
WORD = re.compile(
    rf"\s*(?:[{OPEN}](?=[{CJK}]))*"                   # opening punctuation, kept with
    rf"(?:[{CJK}][{CLOSE}]*"                          # one ideograph (and what closes it)
    rf"|(?:(?![{OPEN}][{CJK}])[^\s{CJK}])+)\s*")      # or a run of anything else


def words(text: str) -> Iterable[tuple[int, int, str]]:
    """``rich._wrap.words`` with break opportunities between ideographs."""
    if not HAS_CJK.search(text):
        yield from _original(text)
        return
    position = 0
    m = WORD.match(text, position)
    while m is not None and m.end() > position:
        yield m.start(), m.end(), m.group(0)
        position = m.end()
        m = WORD.match(text, position)


_original = None


def install() -> bool:
    """Use ``words`` for every wrap in this process; True when installed."""
    global _original
    try:
        import rich._wrap as rich_wrap
    except ImportError:   # pragma: no cover - Rich reorganised
        return False
    current = getattr(rich_wrap, "words", None)
    if current is words:
        return True
    if current is None or not hasattr(rich_wrap, "divide_line"):
        return False
    _original = current
    rich_wrap.words = words
    return True
