"""Turn engine objects into Rich ``Text`` for the widgets, safely.

Every string that comes from evidence (names, command lines, users, paths, hashes) is
attacker-controlled.  It is passed through ``printable`` (control characters, ANSI
escapes and bidi overrides shown escaped, e.g. ``\\x1b``) and appended to a ``Text`` as
plain content: never formatted into a markup string, so ``[bold]`` or ``[link=...]`` in a
command line is shown as those characters.  Widgets receive ``Text`` objects only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone, tzinfo

from rich.text import Text

from evtxscan.i18n import DEFAULT, has, tr
from evtxscan.textsafe import printable

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow",
                  "low": "cyan"}
#: Severity -> symbol, so severity reads without colour too.
SEVERITY_SYMBOL = {"critical": "!!!", "high": "!!", "medium": "!", "low": "."}
#: An alerted process: a red "!" before its name, and "[ALERT]" after its PID.
ALERT_SYMBOL = "!"
#: Mark -> style; others are bold.
MARK_STYLE = {"alert": "bold red", "discovery": "magenta", "lolbins": "yellow",
              "werfault": "bold magenta", "masquerading": "bold black on yellow",
              "unexpected_dns_parent": "bold yellow"}
#: Alert status (``evtxscan.case.ALERT_STATUSES``) -> style.
STATUS_STYLE = {"open": "", "acknowledged": "cyan", "true_positive": "bold red",
                "false_positive": "green", "benign": "green"}
STATE_BOX = {"done": "[x]", "n/a": "[-]", "open": "[ ]"}
ELLIPSIS = "…"


# --------------------------------------------------------------------------- fitting
def fit(text: Text | str, width: int) -> Text:
    """``text`` in at most ``width`` cells, cut with an ellipsis (CJK-aware)."""
    t = Text(text) if isinstance(text, str) else text.copy()
    t.end = ""
    if width <= 0:
        return Text("", end="")
    if t.cell_len > width:
        t.truncate(max(0, width), overflow="ellipsis")
    return t


def fit_left(text: str, width: int) -> Text:
    """A path in at most ``width`` cells, its start cut (``…/Logs/Security.evtx``): the
    end of a path says the most."""
    t = Text(text, end="")
    if t.cell_len <= width:
        return t
    if width <= 1:
        return Text(ELLIPSIS[:width], end="")
    rev = fit(Text(text[::-1]), width - 1).plain
    rev = rev[:-1] if rev.endswith(ELLIPSIS) else rev
    keep = rev[::-1]
    while Text(keep).cell_len > width - 1:
        keep = keep[1:]
    return Text(ELLIPSIS + keep, end="")


def short_time(ts: str | None, tz: tzinfo = timezone.utc, *, year: bool = True) -> str:
    """``2026-03-10 02:14:07`` (or ``03-10 02:14:07``) in ``tz``: the lists' compact
    time; the process pane gives the full ISO-8601 one."""
    if not ts:
        return ""
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(tz)
    except ValueError:
        return ts
    return dt.strftime("%Y-%m-%d %H:%M:%S" if year else "%m-%d %H:%M:%S")


def severity_text(severity: str, lang: str) -> Text:
    """Symbol, word (in ``lang``) and colour: severity never rests on colour alone."""
    from evtxscan.outputs.reportdata import severity_text as word
    sym = SEVERITY_SYMBOL.get(severity, "?")
    return Text(f"{sym:<3} {word(severity, lang)}", style=SEVERITY_STYLE.get(severity, ""),
                end="")


def status_text(status: str | None, lang: str) -> Text:
    if not status:
        return Text("", end="")
    return Text(tr("status." + status, lang), style=STATUS_STYLE.get(status, ""), end="")


def mark_word(mark: str, lang: str) -> str:
    return tr("mark." + mark, lang) if has("mark." + mark) else mark


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


def proc_label(proc, marks: Iterable[str] = (), lang: str = DEFAULT, *,
               tz: tzinfo | None = None, width: int | None = None) -> Text:
    """A tree / timeline label: ``! name pid [ALERT] start [marks]``.

    An alerted process is marked three ways (a red ``!`` first, the red ``[ALERT]`` word,
    the colour); marks follow in ``model.mark_order`` (ancestry flags, then the facets'),
    in ``lang``; ``tz`` adds the start time (siblings of one name and PID differ in it).
    Within ``width`` cells the PID is never cut: the name is shortened with an ellipsis,
    the time shortened then left out, then the other marks and the placeholder note,
    then the ``[ALERT]`` word (its ``!`` and colour stay).
    """
    from .model import ordered_marks
    marks = ordered_marks(marks)
    alerted = "alert" in marks
    others = [m for m in marks if m != "alert"]
    name = printable(proc.name or "?")
    long_time = short_time(proc.start_time, tz) if tz is not None and proc.start_time else ""
    brief_time = short_time(proc.start_time, tz, year=False) if long_time else ""

    def build(name_w: int | None, others_on: bool, when: str, note: bool,
              word: bool) -> Text:
        t = Text(end="")
        if alerted:
            t.append(ALERT_SYMBOL + " ", style="bold red")
        shown = name if name_w is None else fit(name, name_w).plain
        t.append(shown, style=("bold red" if alerted else "bold") if not proc.placeholder
                 else "italic")
        if proc.pid is not None:
            t.append(f" {proc.pid}", style="dim")
        if proc.placeholder and note:
            t.append(f" ({tr('tui.placeholder', lang)})", style="dim italic")
        if alerted and word:
            t.append(f" [{mark_word('alert', lang)}]", style=MARK_STYLE["alert"])
        if when:
            t.append(f" {when}", style="dim")
        for m in others if others_on else ():
            t.append(" ")
            t.append(f"[{mark_word(m, lang)}]", style=MARK_STYLE.get(m, "bold"))
        return t

    full = build(None, True, long_time, True, True)
    if width is None or full.cell_len <= width:
        return full
    name_len = Text(name).cell_len
    # (least wanted first) what gives way, and the shortest the name may get meanwhile
    for others_on, when, note, word, shortest in (
            (True, long_time, True, True, 8), (True, brief_time, True, True, 8),
            (True, "", True, True, 8), (False, brief_time, True, True, 8),
            (False, "", True, True, 8), (False, "", False, True, 3),
            (False, "", False, False, 1)):
        rest = build(0, others_on, when, note, word).cell_len
        room = width - rest
        if room >= min(shortest, name_len):
            return build(min(name_len, room), others_on, when, note, word)
    return build(1, False, "", False, False)


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


# --------------------------------------------------------------------------- process pane
def user_fields(doc: dict) -> list[tuple[str, str]]:
    """(i18n key of the label, value) of who ran the process, as the record says it.

    A Sysmon 1 record names the process' user in its ``User`` field, while its System
    ``Security UserID`` is the account that wrote the record (Sysmon's service, usually
    S-1-5-18): shown apart, each labelled, never paired as ``CORP\\bob (S-1-5-18)``.  A
    4688's Subject is the account that created the process, its Target (v2) the one the
    process runs as.
    """
    user = doc.get("user", {}) or {}
    name = "\\".join(x for x in (user.get("domain"), user.get("name")) if x)
    sysmon = (doc.get("event", {}) or {}).get("module") == "sysmon"
    out: list[tuple[str, str]] = []
    if sysmon:
        if name:
            out.append(("tui.user_sysmon", name))
        sid = ((doc.get("winlog", {}) or {}).get("user", {}) or {}).get("identifier") \
            or user.get("id")
        if sid:
            out.append(("tui.record_sid", sid))
        return out
    if name or user.get("id"):
        out.append(("tui.user_subject", f"{name} ({user['id']})" if name and user.get("id")
                    else name or user["id"]))
    eff = user.get("effective") or {}
    ename = "\\".join(x for x in (eff.get("domain"), eff.get("name")) if x)
    if ename or eff.get("id"):
        out.append(("tui.user_target", f"{ename} ({eff['id']})" if ename and eff.get("id")
                    else ename or eff["id"]))
    return out


def decoded_text(cmdline: str | None, lang: str) -> Text:
    """The command line's encoded PowerShell, decoded (``evtxscan.decode``), shown
    literally: a label line, then the script indented, line by line."""
    from evtxscan.decode import decode_command_line
    from evtxscan.outputs.reportdata import decoded_text as body
    t = Text(end="")
    for d in decode_command_line(cmdline):
        text, problem = body(d, lang)
        key = "tui.decoded" if d.depth == 0 else "tui.decoded_nested"
        t.append(tr(key, lang, switch=printable(d.switch)) + ":", style="bold magenta")
        if problem:
            t.append(" ")
            t.append(problem, style="yellow")
        t.append("\n")
        for line in text.split("\n") if text else ():
            t.append("  ")
            t.append(line, style="magenta")
            t.append("\n")
    return t


#: Sysmon event id -> kind of activity (the facet's table; event ids it lacks are shown
#: as "Sysmon <id>", so new kinds from the normalizer appear without a change here).
def _activity_kind(event_id) -> str | None:
    from evtxscan.facets.activity import ACTIVITY_KINDS
    return ACTIVITY_KINDS.get(event_id)


def activity_text(events: list, lang: str, tz: tzinfo, *, sysmon: bool,
                  limit: int = 200) -> Text:
    """A process' Sysmon activity records (``ActivityIndex.of``), one per line: time,
    kind, what the record says (addresses and names, the query, the file, the key), and
    the record it came from.  The one function that renders them: it reads only what
    every activity record has (time, event id, a one-line summary, its source)."""
    from evtxscan.timefmt import display
    t = Text(end="")
    t.append(tr("tui.activity", lang, n=len(events)) + ":\n", style="bold")
    if not events:
        t.append("  " + tr("tui.activity_none" if sysmon else "tui.activity_no_sysmon", lang)
                 + "\n", style="dim")
        return t
    for ev in events[:limit]:
        eid = getattr(ev, "event_id", None)
        kind = _activity_kind(eid)
        word = tr("tui.activity_" + kind, lang) if kind else tr("tui.activity_event", lang,
                                                                 id=eid)
        t.append("  ")
        t.append(display(getattr(ev, "timestamp", None), tz), style="dim")
        t.append(f"  {word}  ", style="cyan")
        add(t, getattr(ev, "summary", None) or "")
        src = getattr(ev, "source", None)
        if src is not None:
            t.append(f"\n      {tr('tui.record', lang)} {src.record_id}  ", style="dim")
            add(t, src.file, "dim")
        t.append("\n")
    if len(events) > limit:
        t.append("  " + tr("tui.activity_more", lang, n=len(events) - limit) + "\n",
                 style="dim italic")
    return t
