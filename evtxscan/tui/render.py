"""Turn engine objects into Rich ``Text`` for the widgets, safely.

Every string that comes from evidence (names, command lines, users, paths, hashes) is
attacker-controlled.  It is passed through ``printable`` (control characters, ANSI
escapes and bidi overrides shown escaped, e.g. ``\\x1b``) and appended to a ``Text`` as
plain content: never formatted into a markup string, so ``[bold]`` or ``[link=...]`` in a
command line is shown as those characters.  Widgets receive ``Text`` objects only.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from evtxscan import facets
from evtxscan.i18n import DEFAULT, tr
from evtxscan.textsafe import printable

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
                  "low": "cyan"}
#: Mark -> style; others are bold.
MARK_STYLE = {"alert": "bold red", "discovery": "magenta", "lolbins": "yellow",
              "werfault": "bold magenta"}
STATE_BOX = {"done": "[x]", "n/a": "[-]", "open": "[ ]"}


def safe(value: object, style: str = "") -> Text:
    """Evidence -> a one-line ``Text`` shown literally (``None`` -> empty)."""
    if value is None:
        return Text("", style=style)
    return Text(printable(str(value)), style=style, no_wrap=False, end="")


def add(text: Text, value: object, style: str = "") -> Text:
    """Append evidence to ``text`` as literal content."""
    if value is not None:
        text.append(printable(str(value)), style=style or None)
    return text


def proc_label(proc, marks: Iterable[str] = (), lang: str = DEFAULT) -> Text:
    """A tree / timeline label: ``name pid`` then marks (the alert first, then the
    facets' in ``evtxscan.facets.FACETS`` order), in ``lang`` (``mark.<mark>``)."""
    t = Text(end="")
    name = proc.name or "?"
    add(t, name, "bold" if not proc.placeholder else "italic")
    if proc.pid is not None:
        t.append(f" {proc.pid}", style="dim")
    if proc.placeholder:
        t.append(f" ({tr('tui.placeholder', lang)})", style="dim italic")
    order = ["alert"] + [f.mark for f in facets.FACETS if f.mark]
    for m in sorted(set(marks), key=order.index):
        word = tr("mark." + m, lang)
        t.append(" ")
        t.append(f"[{word}]", style=MARK_STYLE.get(m, "bold"))
    return t


def state_box(state: str | None) -> str:
    return STATE_BOX.get(state or "open", "[ ]")


def flatten(doc: dict, prefix: str = "") -> list[tuple[str, object]]:
    """Nested ECS -> sorted ``(dotted.key, value)`` pairs; lists of dicts are indexed."""
    out: list[tuple[str, object]] = []
    for key in sorted(doc):
        value = doc[key]
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(flatten(value, name + "."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                out.extend(flatten(v, f"{name}[{i}]."))
        else:
            out.append((name, value))
    return out


def value_text(value: object) -> str:
    """An ECS value as one literal line (lists joined the way ECS shows them)."""
    if isinstance(value, list):
        return "[" + ", ".join(_q(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _q(v: object) -> str:
    if isinstance(v, str):
        return '"' + v + '"'
    return value_text(v)
