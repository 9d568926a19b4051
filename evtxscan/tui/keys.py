"""The TUI's keys, as the help screen lists them, and the footer in the app's language.

Only the layout is here (which keys, under which heading); every word is in
``evtxscan.i18n`` (``help.*``, ``footer.*``), so a new language is one edit there.
"""

from __future__ import annotations

from dataclasses import replace

from evtxscan.i18n import DEFAULT, has, tr

#: The help screen: (i18n key of a heading, [(the keys as shown, i18n key of what they
#: do)]).  A test checks that every binding in the app appears here.
LAYOUT: list[tuple[str, list[tuple[str, str]]]] = [
    ("help.section.everywhere", [
        ("?", "help.help"),
        ("q / ctrl+c", "help.quit"),
        ("escape / backspace", "help.back"),
        ("H", "help.hosts"),
        ("t", "help.timeline"),
        ("f", "help.files"),
        ("m", "help.status"),
        ("s", "help.export"),
    ]),
    ("help.section.alerts", [
        ("j / k / ↓ / ↑", "help.alerts.move"),
        ("g / G / home / end", "help.alerts.ends"),
        ("pageup / pagedown", "help.page"),
        ("enter / l", "help.alerts.open"),
        ("/", "help.alerts.filter"),
        ("escape", "help.alerts.clear"),
        ("o", "help.alerts.sort"),
        ("z", "help.alerts.stack"),
    ]),
    ("help.section.tree", [
        ("j / k / ↓ / ↑", "help.tree.move"),
        ("l / →", "help.tree.expand"),
        ("h / ←", "help.tree.collapse"),
        ("enter / space", "help.tree.toggle"),
        ("p", "help.tree.parent"),
        ("c", "help.tree.child"),
        ("a / A", "help.tree.alerts"),
        ("/", "help.tree.search"),
        ("n / N", "help.tree.matches"),
        ("g / G / home / end", "help.tree.ends"),
    ]),
    ("help.section.panes", [
        ("tab / shift+tab", "help.panes.cycle"),
        ("1 / 2 / 3", "help.panes.focus"),
        ("j / k / ↓ / ↑ / g / G / home / end", "help.panes.scroll"),
    ]),
    ("help.section.checklist", [
        ("j / k / ↓ / ↑", "help.checklist.move"),
        ("x / space", "help.checklist.tick"),
        ("-", "help.checklist.na"),
        ("e", "help.checklist.note"),
        ("E", "help.checklist.alert_note"),
    ]),
    ("help.section.timeline", [
        ("j / k / ↓ / ↑", "help.timeline.move"),
        ("pageup / pagedown", "help.page"),
        ("g / G / home / end", "help.timeline.ends"),
        ("a / A", "help.timeline.alerts"),
        ("/", "help.timeline.search"),
        ("n / N", "help.tree.matches"),
        ("enter", "help.timeline.open"),
    ]),
    ("help.section.files", [
        ("j / k / ↓ / ↑ / g / G", "help.files.move"),
    ]),
    ("help.section.dialogs", [
        ("enter", "help.dialogs.save"),
        ("escape", "help.dialogs.cancel"),
        ("1 / 2 / 3 / 4 / 5", "help.dialogs.status"),
    ]),
]
#: Headings in the left column of the help screen; the rest are on the right.
LEFT = 3

#: (heading key, [(keys, what they do in English, its i18n key)]): the layout in words.
KEYS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (section, [(keys, tr(key, DEFAULT), key) for keys, key in rows]) for section, rows in LAYOUT]


def help_markdown(lang: str, part: int | None = None) -> str:
    """The help screen: every key, grouped by where it works.

    ``part`` 0 / 1 gives the left / right column (the screen shows both side by side);
    None gives all of it.
    """
    out: list[str] = []
    if part in (None, 0):
        out += [tr("help.literal", lang), ""]
    sections = LAYOUT if part is None else LAYOUT[:LEFT] if part == 0 else LAYOUT[LEFT:]
    for section, rows in sections:
        out += [f"## {tr(section, lang)}", ""]
        for keys, key in rows:
            out.append(f"- `{keys}` — {tr(key, lang)}")
        out.append("")
    return "\n".join(out)


def localize_bindings(node, lang: str) -> None:
    """Show ``node``'s footer words in ``lang`` (its own copy of the bindings); the code
    says them in English, ``footer.<English>`` in ``evtxscan.i18n`` translates them."""
    if lang == DEFAULT:
        return
    try:
        by_key = node._bindings.key_to_bindings   # per-node copy made by Textual
    except AttributeError:  # another Textual: the footer stays in English
        return
    for key, bindings in list(by_key.items()):
        by_key[key] = [replace(b, description=tr("footer." + b.description, lang))
                       if has("footer." + b.description) else b for b in bindings]
    node.refresh_bindings()


class Localized:
    """Mixed into our screens and widgets: footer words in the app's language, and on a
    screen, ``q Quit`` and ``? Help`` first in the footer, so a narrow terminal cuts
    other keys, never those two."""

    PINNED = ("quit", "help")

    def on_mount(self) -> None:
        localize_bindings(self, getattr(self.app, "lang", "en"))

    @property
    def active_bindings(self):
        bindings = super().active_bindings   # a Screen's; widgets have none
        pinned = {k: b for k, b in bindings.items() if b.binding.action in self.PINNED}
        return {**pinned, **{k: b for k, b in bindings.items() if k not in pinned}}
