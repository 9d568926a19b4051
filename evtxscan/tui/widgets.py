"""Thin widgets: each renders engine objects (as safe ``Text``) and posts messages.

* ``ProcessTree``    a host's process tree, children loaded on expand, in pages; each
                     line fitted to the pane (PIDs and the alert mark never cut).
* ``DetailPane``     every ECS field of one process, its decoded command, its Sysmon
                     activity and where each record came from.
* ``ChecklistPane``  the guide's items for one alert, with answers, ticks and notes.
* ``TimelineView``   a host's processes by time (a ``RowList``: 100k rows scroll as
                     fast as 100).

The alert list is ``alertlist.AlertList``, the files pane ``files.FileList``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from evtxscan.i18n import tr
from evtxscan.textsafe import printable
from evtxscan.timefmt import display

from .keys import Localized
from .model import ordered_marks
from .render import (ALERT_SYMBOL, MARK_STYLE, activity_text, add, decoded_text, fit,
                     flatten, mark_word, proc_label, short_time, state_box, status_text,
                     user_fields, value_text)
from .rowlist import RowList

#: Children shown per page under one parent; more load on Enter ("… N more").
PAGE = 200


# --------------------------------------------------------------------------- alerts
# --------------------------------------------------------------------------- tree
@dataclass(frozen=True)
class More:
    """A "… N more" line standing for children not added yet."""

    parent: int | None           # graph node, or None for the host's roots
    before: bool                 # the earlier ones (above the window) or the later ones


class ProcessTree(Localized, Tree[object]):
    """A host's processes; node data is the graph node (int) or a ``More`` marker.

    Never builds the whole host: a node's children are added when it is expanded, at
    most ``PAGE`` at a time, around the one being revealed.
    """

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("l,right", "expand_or_child", "Expand", show=False),
        Binding("h,left", "collapse_or_parent", "Collapse", show=False),
        Binding("p", "goto_parent", "Parent"),
        Binding("c", "goto_child", "First child"),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]

    class Moved(Message):
        """The cursor is on another process (``node`` is a graph node or None)."""

        def __init__(self, node: int | None) -> None:
            self.node = node
            super().__init__()

    def __init__(self, view, host: str, lang: str, tz=None, **kwargs) -> None:
        super().__init__("", data=None, **kwargs)
        self.show_root = False
        self.guide_depth = 3
        self.view = view
        self.host = host
        self.lang = lang
        self.tz = tz
        self._windows: dict[int | None, tuple[int, int]] = {}
        self._tnodes: dict[int, TreeNode] = {}
        self._index: dict[int | None, dict[int, int]] = {}

    # ---------------------------------------------------------------- data
    def _kids(self, parent: int | None) -> list:
        return self.view.roots(self.host) if parent is None else self.view.children(parent)

    def _tnode_of(self, parent: int | None) -> TreeNode:
        return self.root if parent is None else self._tnodes[parent]

    def _label(self, proc, width: int | None = None) -> Text:
        return proc_label(proc, self.view.marks.get(proc.node, ()), self.lang, tz=self.tz,
                          width=width)

    def render_label(self, node: TreeNode, base_style, style) -> Text:
        """A process line fitted to the pane: the room left after the guides and the
        expand icon, so the name gets an ellipsis and the PID and the alert mark stay
        (Textual would crop the line at the pane's edge, mid-PID)."""
        data = node.data
        if not isinstance(data, int):
            return super().render_label(node, base_style, style)
        depth, up = 0, node.parent
        while up is not None and up is not self.root:
            depth, up = depth + 1, up.parent
        icon = ((self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE)
                if node.allow_expand else "")
        room = self.scrollable_content_region.width - depth * self.guide_depth - len(icon)
        label = self._label(self.view.graph[data], room if room > 0 else None)
        label.stylize(style)
        from textual.widgets._tree import TOGGLE_STYLE
        return Text.assemble((icon, base_style + TOGGLE_STYLE), label)

    def _add_proc(self, tparent: TreeNode, proc, **where) -> TreeNode:
        if self.view.has_children(proc.node):
            t = tparent.add(self._label(proc), data=proc.node, **where)
        else:
            t = tparent.add_leaf(self._label(proc), data=proc.node, **where)
        self._tnodes[proc.node] = t
        return t

    def _more_label(self, n: int, before: bool) -> Text:
        word = tr("tui.more_before" if before else "tui.more_after", self.lang, n=f"{n:,}")
        return Text(word, style="italic dim")

    def _more_node(self, tparent: TreeNode, before: bool) -> TreeNode | None:
        for c in tparent.children:
            if isinstance(c.data, More) and c.data.before == before:
                return c
        return None

    def _set_more(self, parent: int | None) -> None:
        """Add, update or drop the "… N earlier" / "… N more" lines of ``parent``."""
        tparent = self._tnode_of(parent)
        lo, hi = self._windows[parent]
        total = len(self._kids(parent))
        for before, n in ((True, lo), (False, total - hi)):
            node = self._more_node(tparent, before)
            if n <= 0:
                if node is not None:
                    node.remove()
            elif node is None:
                where = {"before": 0} if before and tparent.children else {}
                tparent.add_leaf(self._more_label(n, before), data=More(parent, before),
                                 **where)
            else:
                node.set_label(self._more_label(n, before))

    def _fill(self, parent: int | None, lo: int, hi: int) -> None:
        """Show children ``[lo, hi)`` of ``parent`` (replacing what was shown)."""
        tparent = self._tnode_of(parent)
        for c in list(tparent.children):
            if isinstance(c.data, int):
                self._forget(c)
        tparent.remove_children()
        kids = self._kids(parent)
        for p in kids[lo:hi]:
            self._add_proc(tparent, p)
        self._windows[parent] = (lo, hi)
        self._set_more(parent)

    def _forget(self, tnode: TreeNode) -> None:
        stack = [tnode]
        while stack:
            t = stack.pop()
            if isinstance(t.data, int):
                self._tnodes.pop(t.data, None)
                self._windows.pop(t.data, None)
            stack.extend(t.children)

    def ensure_loaded(self, parent: int | None) -> None:
        if parent not in self._windows:
            self._fill(parent, 0, min(PAGE, len(self._kids(parent))))

    def _position(self, parent: int | None, node: int) -> int:
        idx = self._index.get(parent)
        if idx is None:
            idx = self._index[parent] = {p.node: i for i, p in enumerate(self._kids(parent))}
        return idx[node]

    def _include(self, parent: int | None, node: int) -> None:
        """Make sure ``node`` (a child of ``parent``) has a line under it."""
        self.ensure_loaded(parent)
        if node in self._tnodes:
            return
        i = self._position(parent, node)
        lo, hi = self._windows[parent]
        total = len(self._kids(parent))
        if hi <= i < hi + PAGE:
            self.load_more(parent, before=False, upto=i + 1)
        elif lo - PAGE <= i < lo:
            self.load_more(parent, before=True, upto=i)
        else:  # far away: show a page around it instead
            start = max(0, i - PAGE // 4)
            self._fill(parent, start, min(total, start + PAGE))

    def load_more(self, parent: int | None, before: bool, upto: int | None = None) -> None:
        tparent = self._tnode_of(parent)
        kids = self._kids(parent)
        lo, hi = self._windows[parent]
        if before:
            new_lo = max(0, min(lo - PAGE, upto if upto is not None else lo - PAGE))
            anchor = next((c for c in tparent.children if isinstance(c.data, int)), None)
            for p in kids[new_lo:lo]:
                if anchor is not None:
                    self._add_proc(tparent, p, before=anchor)
                else:
                    self._add_proc(tparent, p)
            self._windows[parent] = (new_lo, hi)
        else:
            new_hi = min(len(kids), max(hi + PAGE, upto or 0))
            more = self._more_node(tparent, False)
            for p in kids[hi:new_hi]:
                if more is not None:
                    self._add_proc(tparent, p, before=more)
                else:
                    self._add_proc(tparent, p)
            self._windows[parent] = (lo, new_hi)
        self._set_more(parent)

    # ---------------------------------------------------------------- navigation
    def reveal(self, node: int) -> TreeNode:
        """Add and expand the ancestry of ``node``; return its tree node (the cursor is
        moved after the next refresh, when the new lines exist)."""
        path = self.view.path_to(node)
        parent: int | None = None
        for proc in path:
            self._include(parent, proc.node)
            if parent is not None and not self._tnodes[parent].is_expanded:
                self._tnodes[parent].expand()   # (expand() always re-lays the tree out)
            parent = proc.node
        target = self._tnodes[node]
        self.call_after_refresh(self._move_to, target)
        return target

    def _move_to(self, tnode: TreeNode) -> None:
        self.move_cursor(tnode)
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if tnode.line >= 0 and not top <= tnode.line < top + height - min(2, height // 4):
            # a jump off screen (or onto its last lines, where its children would be
            # hidden): put the process mid-screen, its context around it
            self.scroll_to(y=max(0, tnode.line - height // 2), animate=False)

    @property
    def cursor_proc(self) -> int | None:
        n = self.cursor_node
        return n.data if n is not None and isinstance(n.data, int) else None

    def action_expand_or_child(self) -> None:
        t = self.cursor_node
        if t is None or not t.allow_expand:
            return
        if not t.is_expanded:
            self._expand(t)
        else:
            self.action_goto_child()

    def action_collapse_or_parent(self) -> None:
        t = self.cursor_node
        if t is not None and t.allow_expand and t.is_expanded:
            t.collapse()
        else:
            self.action_goto_parent()

    def action_goto_parent(self) -> None:
        node = self.cursor_proc
        if node is None:
            return
        par = self.view.graph.parent(node)
        if par is None:
            self.notify(tr("tui.no_parent_node", self.lang), timeout=2)
            return
        self.reveal(par.node)

    def action_goto_child(self) -> None:
        node = self.cursor_proc
        if node is None:
            return
        kids = self.view.children(node)
        if not kids:
            self.notify(tr("tui.no_children", self.lang), timeout=2)
            return
        self.reveal(kids[0].node)

    def _expand(self, t: TreeNode) -> None:
        if isinstance(t.data, int):
            self.ensure_loaded(t.data)
        t.expand()

    @on(Tree.NodeExpanded)
    def _on_expanded(self, event: Tree.NodeExpanded) -> None:
        if isinstance(event.node.data, int):
            self.ensure_loaded(event.node.data)

    @on(Tree.NodeSelected)
    def _on_selected(self, event: Tree.NodeSelected) -> None:
        data = event.node.data
        if isinstance(data, More):
            event.stop()
            cursor_line = self.cursor_line
            self.load_more(data.parent, data.before)
            if data.before:   # keep the cursor on the first newly shown line
                self.call_after_refresh(self.move_cursor_to_line, max(cursor_line, 0))

    @on(Tree.NodeHighlighted)
    def _on_highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        self.post_message(self.Moved(data if isinstance(data, int) else None))


# --------------------------------------------------------------------------- detail
class TextView(Localized, ScrollView, can_focus=True):
    """A long ``Text`` wrapped to the width and drawn line by line.

    Replacing the text changes only this widget's virtual size, never the screen's
    layout, so following the tree cursor stays cheap.
    """

    BINDINGS = [
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._text = Text("")
        self._lines: list[Text] | None = None
        self._strips: dict[int, Strip] = {}
        self._wrapped_at = -1

    def set_text(self, text: Text) -> None:
        self._text = text
        self._lines = None
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._wrap()
        self.refresh()

    def _wrap(self) -> list[Text]:
        """The text as display lines for the current width (rendered only when seen)."""
        width = self.scrollable_content_region.width
        if width <= 0:   # not laid out yet: wrap when the size is known
            return []
        if self._lines is None or self._wrapped_at != width:
            lines: list[Text] = []
            for line in self._text.split("\n", allow_blank=True):
                if line.cell_len <= width:
                    lines.append(line)
                else:
                    lines.extend(line.wrap(self.app.console, width, overflow="fold"))
            self._lines, self._wrapped_at = lines, width
            self._strips: dict[int, Strip] = {}
            self.virtual_size = Size(width, len(lines))
        return self._lines

    def on_resize(self) -> None:
        self._wrap()

    def render_line(self, y: int) -> Strip:
        lines = self._wrap()
        i = self.scroll_offset.y + y
        width = self.size.width
        base = self.rich_style
        if i >= len(lines):
            return Strip.blank(width, base)
        strip = self._strips.get(i)
        if strip is None:
            part = lines[i].copy()
            part.end = ""
            strip = self._strips[i] = Strip(list(part.render(self.app.console)),
                                            part.cell_len)
        return strip.apply_style(base).crop_extend(0, width, base)

    @property
    def lines(self) -> list[str]:
        """Every wrapped line as plain text (what scrolling would show)."""
        return [t.plain for t in self._wrap()]


class DetailPane(TextView):
    """Everything known about one process; scrolls, wraps, never truncates."""

    def __init__(self, view, lang: str, tz, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = view
        self.lang = lang
        self.tz = tz
        self.node: int | None = None

    def show(self, node: int | None) -> None:
        self.node = node
        self.set_text(self.render_detail(node) if node is not None else Text(""))

    @property
    def text(self) -> str:
        """The pane as plain text (what the responder reads)."""
        return self.render_detail(self.node).plain if self.node is not None else ""

    def render_detail(self, node: int) -> Text:
        lang = self.lang
        g = self.view.graph
        proc = g[node]
        t = Text(end="")
        head = t
        add(head, proc.name or "?", "bold")
        if proc.pid is not None:
            head.append(f"  pid {proc.pid}", style="dim")
        for a in self.view.alerts_by_node.get(node, []):
            head.append("  ")
            head.append(f"{ALERT_SYMBOL} [{tr('mark.alert', lang)}] ", style="bold red")
            add(head, a.rule.name, "red")
        others = [m for m in ordered_marks(self.view.marks.get(node, ())) if m != "alert"]
        for m in others:
            head.append(" ")
            head.append(f"[{mark_word(m, lang)}]", style=MARK_STYLE.get(m, "bold"))
        t.append("\n")
        doc = self.view.ecs(node)
        if doc is None:  # a placeholder: known only from its children's records
            t.append(tr("tui.placeholder_note", lang) + "\n", style="italic")
            self._field(t, tr("tui.command_line", lang), proc.command_line)
            self._field(t, "process.executable", proc.executable)
            self._field(t, "process.entity_id", proc.entity_id)
            self._field(t, tr("tui.children", lang), str(len(self.view.children(node))))
            return t
        pr = doc.get("process", {})
        t.append(tr("tui.command_line", lang) + ":\n", style="bold")
        t.append("  ")
        add(t, pr.get("command_line") or "-", "")
        t.append("\n")
        t.append_text(decoded_text(pr.get("command_line"), lang))
        for key, value in user_fields(doc):
            self._field(t, tr(key, lang), value)
        integ = (pr.get("Ext", {}).get("token", {}) or {}).get("integrity_level_name")
        self._field(t, tr("tui.integrity", lang), integ)
        self._field(t, tr("tui.start", lang), display(proc.start_time, self.tz))
        self._field(t, tr("tui.end", lang), display(proc.end_time, self.tz) if proc.end_time
                    else tr("tui.still_running", lang))
        par = g.parent(node)
        how = proc.parent_how or "none"
        if par is not None:
            ptxt = Text(end="")
            add(ptxt, par.name or "?", "bold")
            ptxt.append(f" pid {par.pid}" if par.pid is not None else "", style="dim")
            if par.placeholder:
                ptxt.append(f" ({tr('tui.placeholder', lang)})", style="dim italic")
            ptxt.append(f"  {tr('tui.parent_how', lang)}: ", style="dim")
            ptxt.append(how, style="cyan")
            t.append(f"{tr('tui.parent', lang)}: ", style="bold")
            t.append_text(ptxt)
            t.append("\n")
        else:
            self._field(t, tr("tui.parent", lang), tr("tui.no_parent", lang))
        t.append_text(activity_text(self.view.activity(node), lang, self.tz,
                                    sysmon=self.view.has_sysmon(proc.host)))
        hashes = pr.get("hash", {}) or {}
        if hashes:
            t.append(f"{tr('tui.hashes', lang)}:\n", style="bold")
            for k in sorted(hashes):
                t.append(f"  {k}: ", style="dim")
                add(t, hashes[k])
                t.append("\n")
        sources = (doc.get("evtxscan", {}) or {}).get("sources", [])
        t.append(f"{tr('tui.sources', lang)}:\n", style="bold")
        for s in sources:
            t.append("  ")
            add(t, s.get("channel"), "cyan")
            t.append(f"  {tr('tui.record', lang)} ", style="dim")
            t.append(str(s.get("record_id")))
            t.append(f"  {tr('tui.event', lang)} ", style="dim")
            t.append(str(s.get("event_id")))
            if s.get("recovered"):
                t.append(f"  {tr('tui.recovered', lang)}", style="yellow")
            vss = s.get("vss_store")
            if vss:  # kept only from a shadow copy's older copy of the log
                t.append(f"  {tr('tui.shadow_copy', lang)} ", style="yellow")
                created = vss.get("created") or tr("tui.time_unknown", lang)
                add(t, f"{vss.get('name')} ({created})", "yellow")
            t.append("\n    ")
            add(t, s.get("file"))  # "DC01.E01::p1/Windows/...": the container and the path
            t.append("\n")
        t.append(f"{tr('tui.ecs', lang)}:\n", style="bold")
        for key, value in flatten(doc):
            t.append(f"  {key}: ", style="dim")
            add(t, value_text(value))
            t.append("\n")
        return t

    @staticmethod
    def _field(t: Text, name: str, value) -> None:
        t.append(f"{name}: ", style="bold")
        add(t, value if value not in (None, "") else "-")
        t.append("\n")


# --------------------------------------------------------------------------- checklist
class ChecklistList(Localized, OptionList):
    """The guide's items; ``x``/space tick, ``-`` n/a, ``e`` note."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
        Binding("x,space", "toggle_done", "Tick [x]"),
        Binding("minus", "toggle_na", "n/a [-]"),
        Binding("e", "note", "Note"),
    ]

    class Act(Message):
        def __init__(self, action: str, item_id: str) -> None:
            self.action = action
            self.item_id = item_id
            super().__init__()

    def _act(self, action: str) -> None:
        opt = self.highlighted_option
        if opt is not None and opt.id and not opt.disabled:
            self.post_message(self.Act(action, opt.id))

    def action_toggle_done(self) -> None:
        self._act("done")

    def action_toggle_na(self) -> None:
        self._act("n/a")

    def action_note(self) -> None:
        self._act("note")


#: Guide section (``evtxscan.checklist.SECTIONS``) -> i18n key of its heading here.
_SECTION_TITLES = {"investigation": "tui.section_investigation",
                   "false_positive": "tui.section_false_positive",
                   "response": "tui.section_response"}


class ChecklistPane(Vertical):
    """The guide of the current alert: progress, alert note, then the items."""

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.alert = None
        self.items: list = []
        self.answers: dict[str, str | None] = {}
        self._head_text = Text("")

    def compose(self):
        yield Static(id="checklist-head")
        yield ChecklistList(id="checklist-items")

    @property
    def options(self) -> ChecklistList:
        return self.query_one(ChecklistList)

    def show(self, alert, items: list, answers: dict, case) -> None:
        """Show ``alert``'s checklist (``items`` and ``answers`` from the engine)."""
        same = self.alert is not None and alert is not None and self.alert.id == alert.id
        keep = self.options.highlighted if same else None
        self.alert, self.items, self.answers = alert, items, answers
        ol = self.options
        ol.clear_options()
        if alert is None:
            self._head(None, case)
            ol.add_option(Option(Text(tr("tui.no_checklist", self.lang), style="dim"),
                                 disabled=True))
            return
        if not items:
            ol.add_option(Option(Text(tr("tui.no_guide", self.lang), style="dim"), disabled=True))
            ol.add_options(self._rule_facts(alert.rule))
        section = None
        opts: list = []
        first = None
        for n, item in enumerate(items, 1):
            if item.section and item.section != section:
                section = item.section
                key = _SECTION_TITLES.get(item.section)
                title = tr(key, self.lang) if key else item.section
                opts.append(Option(Text(_text(title), style="bold underline"), disabled=True))
            if first is None:
                first = len(opts)
            opts.append(Option(self.prompt(n, item, case), id=item.id))
        ol.add_options(opts)
        ol.highlighted = keep if keep is not None else first
        self._head(alert, case)

    def _rule_facts(self, rule) -> list[Option]:
        """Without a guide, what the rule itself says (a Sigma rule: its description,
        false positives, author and references, which its licence asks to keep shown)."""
        opts: list[Option] = []
        for key, lines in (("tui.rule_looks_for", [getattr(rule, "description", "")]),
                           ("tui.rule_false_positives", getattr(rule, "falsepositives", ())),
                           ("tui.rule_author", [", ".join(getattr(rule, "author", ()))]),
                           ("tui.rule_references", getattr(rule, "references", ()))):
            lines = [line for line in lines if line]
            if not lines:
                continue
            opts.append(Option(Text(_text(tr(key, self.lang)), style="bold underline"),
                               disabled=True))
            opts.extend(Option(Text(_text(line)), disabled=True) for line in lines)
        return opts

    def refresh_item(self, item_id: str, case) -> None:
        for n, item in enumerate(self.items, 1):
            if item.id == item_id:
                idx = self.options.get_option_index(item_id)
                self.options.replace_option_prompt_at_index(idx, self.prompt(n, item, case))
        self._head(self.alert, case)

    def prompt(self, n: int, item, case) -> Text:
        state = case.state(self.alert.id, item.id) if case is not None else "open"
        box = state_box(state)
        style = {"[x]": "green", "[-]": "dim"}.get(box, "")
        t = Text(end="")
        t.append(box, style=f"bold {style}".strip())
        t.append(f" {n}. ")
        t.append(_text(item.text(self.lang)), style="strike dim" if box == "[-]" else "")
        ans = self.answers.get(item.id)
        if ans:
            for line in str(ans).splitlines() or [""]:
                t.append("\n    → ", style="cyan")
                add(t, line, "cyan")
        note = case.note(self.alert.id, item.id) if case is not None else None
        if note:
            t.append("\n    ✎ ", style="yellow")
            add(t, note, "yellow")
        return t

    def _head(self, alert, case) -> None:
        head = Text(end="")
        if alert is not None:
            add(head, alert.rule.name, "bold")
            head.append(" — ")
            add(head, alert.process.name, "bold")
            if alert.process.pid is not None:
                head.append(f" {alert.process.pid}", style="dim")
            if case is not None:
                states = [case.state(alert.id, i.id) for i in self.items]
                head.append("\n")
                head.append(tr("tui.guide_progress", self.lang, done=states.count("done"),
                               na=states.count("n/a"),
                               open=len(states) - states.count("done") - states.count("n/a")),
                            style="dim")
                head.append(f"  ·  {tr('tui.col_status', self.lang)}: ", style="dim")
                head.append_text(status_text(case.alert_status(alert.id), self.lang))
                note = case.alert_note(alert.id)
                if note:
                    head.append(f"\n{tr('tui.alert_note', self.lang)}: ", style="yellow")
                    add(head, note, "yellow")
        self._head_text = head
        self.query_one("#checklist-head", Static).update(head, layout=False)

    @property
    def text(self) -> str:
        """Every option as plain text (for tests and people reading a capture)."""
        ol = self.options
        parts = []
        for i in range(ol.option_count):
            p = ol.get_option_at_index(i).prompt
            parts.append(p.plain if isinstance(p, Text) else str(p))
        return "\n".join([self._head_text.plain] + parts)


def _text(s: str) -> str:
    # guide text is ours (from the rule file), but keep terminal control out anyway
    return printable(s)


# --------------------------------------------------------------------------- timeline
class TimelineView(RowList):
    """A host's processes by start time, one line each; renders only what is visible."""

    BINDINGS = [
        Binding("a", "next_alert(1)", "Next alert"),
        Binding("A", "next_alert(-1)", "Prev alert", show=False),
        Binding("enter", "open", "Open in tree"),
    ]

    class Moved(Message):
        def __init__(self, proc) -> None:
            self.proc = proc
            super().__init__()

    class Opened(Message):
        def __init__(self, proc) -> None:
            self.proc = proc
            super().__init__()

    def __init__(self, view, lang: str, tz, tz_name: str = "UTC", **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = view
        self.lang = lang
        self.tz = tz
        self.tz_name = tz_name
        self.procs: list = []

    def set_rows(self, procs: list, cursor: int = 0) -> None:
        self.procs = procs
        self.reset(cursor)

    @property
    def current(self):
        return self.procs[self.cursor] if self.procs else None

    def row_count(self) -> int:
        return len(self.procs)

    #: from this width on, times are shown in full (``2026-03-10T02:14:07.250000+05:30``);
    #: narrower, to the second (``2026-03-10 07:44:07``)
    FULL_TIME = 140

    def _widths(self, width: int) -> tuple[int, int]:
        """(time, process) column widths at ``width``."""
        tw = 32 if width >= self.FULL_TIME else 19
        return tw, max(20, min(40, (width - tw) // 2))

    def _time(self, ts: str | None, width: int) -> str:
        if width >= self.FULL_TIME:
            return display(ts, self.tz)
        return short_time(ts, self.tz)

    def header_text(self, width: int) -> Text:
        tw, pw = self._widths(width)
        t = Text(end="", style="bold")
        t.append(fit(tr("tui.col_time", self.lang, tz=self.tz_name), tw).plain.ljust(tw))
        t.append(" ")
        t.append(fit(tr("tui.col_process", self.lang), pw).plain.ljust(pw))
        t.append(" ")
        t.append(tr("tui.col_parent_cmdline", self.lang))
        return t

    def row_text(self, i: int, width: int) -> Text:
        p = self.procs[i]
        tw, pw = self._widths(width)
        t = Text(no_wrap=True, end="")
        t.append(self._time(p.start_time, width).ljust(tw), style="dim")
        t.append(" ")
        label = proc_label(p, self.view.marks.get(p.node, ()), self.lang, width=pw)
        label.pad_right(max(0, pw - label.cell_len))
        t.append_text(label)
        par = self.view.graph.parent(p.node)
        t.append(" ← ", style="dim")
        add(t, (par.name if par else "") or "-", "dim")
        t.append("  ")
        add(t, p.cmdline() or "")
        return t

    def moved(self, i: int) -> None:
        self.post_message(self.Moved(self.procs[i]))

    def opened(self, i: int) -> None:
        self.post_message(self.Opened(self.procs[i]))

    def find(self, needle: str, direction: int = 1, start: int | None = None) -> int | None:
        """The next process (from the cursor, wrapping) whose name or command line holds
        ``needle`` (any case), or None."""
        n = needle.lower()
        count = len(self.procs)
        if not n or not count:
            return None
        i = self.cursor if start is None else start
        for _ in range(count):
            i = (i + direction) % count
            p = self.procs[i]
            if n in (p.name or "").lower() or n in (p.cmdline() or "").lower():
                return i
        return None

    def action_next_alert(self, direction: int) -> None:
        n = len(self.procs)
        i = self.cursor
        for _ in range(n):
            i = (i + direction) % n
            if self.procs[i].node in self.view.alerts_by_node:
                self.cursor = i
                return
        self.notify(tr("tui.no_more_alerts", self.lang), timeout=2)
