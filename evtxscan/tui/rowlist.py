"""``RowList``: rows drawn line by line under a header that stays put, and a cursor.

The alert list, the timeline and the files pane are each one of these: a line-API view
renders only the rows on screen (100k processes scroll as fast as 100; a DataTable
would build every row first), and each row is fitted to the width it is drawn at, so a
narrow terminal gets ellipses where text is cut, never a silently cropped PID or word.
Subclasses say how many rows there are (``row_count``), what a row and the header say
at a width (``row_text``, ``header_text``) and what a move or Enter means (``moved``,
``opened``).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .keys import Localized
from .render import fit

#: Rows whose drawn segments are kept (a screen's worth many times over).
CACHE_ROWS = 2000


class RowList(Localized, ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"rowlist--cursor", "rowlist--header"}
    DEFAULT_CSS = """
    RowList > .rowlist--cursor { background: $accent 40%; text-style: bold; }
    RowList:focus > .rowlist--cursor { background: $accent; }
    RowList > .rowlist--header { text-style: bold; background: $panel; }
    """
    BINDINGS = [
        Binding("j,down", "move(1)", "Down", show=False),
        Binding("k,up", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("g,home", "jump(0)", "First", show=False),
        Binding("G,end", "jump(-1)", "Last", show=False),
    ]

    cursor = reactive(0, always_update=True)
    #: whether line 0 is a header (kept at the top while the rows scroll)
    has_header = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._cache: dict[int, list[Segment]] = {}
        self._cached_width = -1

    # ---------------------------------------------------------------- subclasses
    def row_count(self) -> int:
        raise NotImplementedError

    def row_text(self, i: int, width: int) -> Text:
        raise NotImplementedError

    def header_text(self, width: int) -> Text:
        return Text("")

    def moved(self, i: int) -> None:
        """The cursor is on row ``i``."""

    def opened(self, i: int) -> None:
        """Enter (or a double click) on row ``i``."""

    # ---------------------------------------------------------------- rows
    @property
    def _head(self) -> int:
        return 1 if self.has_header else 0

    @property
    def row_width(self) -> int:
        """The width rows are fitted to (without the scrollbar)."""
        return self.scrollable_content_region.width or self.size.width

    def reset(self, cursor: int = 0) -> None:
        """The rows changed: redraw them all, put the cursor on row ``cursor``."""
        self._cache.clear()
        n = self.row_count()
        self.virtual_size = Size(0, n + self._head)   # rows are fitted: no sideways scroll
        self.cursor = max(0, min(cursor, n - 1))
        self.refresh()
        self.call_after_refresh(self._show_cursor, True)

    def refresh_rows(self) -> None:
        """Rows changed in place (a status, a tick): redraw, keep the cursor."""
        self._cache.clear()
        self.refresh()

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(0, self.row_count() + self._head)

    def _show_cursor(self, centre: bool = False) -> None:
        """Scroll so the cursor's row is visible (mid-screen after a jump)."""
        height = max(1, self.scrollable_content_region.height - self._head)
        top = self.scroll_offset.y
        i = self.cursor
        if centre and not top <= i < top + height:
            self.scroll_to(y=max(0, i - height // 2), animate=False, immediate=True)
        elif i < top:
            self.scroll_to(y=i, animate=False, immediate=True)
        elif i >= top + height:
            self.scroll_to(y=i - height + 1, animate=False, immediate=True)

    # ---------------------------------------------------------------- drawing
    def _segments(self, text: Text, style) -> list[Segment]:
        text = fit(text, self.row_width)
        text.no_wrap = True
        text.style = style       # the widget's (or the cursor's) colours under the row's
        return list(text.render(self.app.console))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if width != self._cached_width:
            self._cache.clear()
            self._cached_width = width
        if self._head and y == 0:
            style = base + self.get_component_rich_style("rowlist--header")
            return Strip(self._segments(self.header_text(self.row_width), style)).crop_extend(
                0, width, style)
        i = self.scroll_offset.y + y - self._head
        if i < 0 or i >= self.row_count():
            return Strip.blank(width, base)
        if i == self.cursor:
            style = base + self.get_component_rich_style("rowlist--cursor")
            segs = self._segments(self.row_text(i, self.row_width), style)
        else:
            style = base
            segs = self._cache.get(i)
            if segs is None:
                if len(self._cache) > CACHE_ROWS:
                    self._cache.clear()
                segs = self._cache[i] = self._segments(self.row_text(i, self.row_width), base)
        return Strip(segs).crop_extend(0, width, style)

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._show_cursor()
        if self.row_count():
            self.moved(new)

    def _refresh_row(self, i: int) -> None:
        y = i - self.scroll_offset.y + self._head
        if self._head <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # ---------------------------------------------------------------- keys and mouse
    def action_move(self, delta: int) -> None:
        n = self.row_count()
        if n:
            self.cursor = max(0, min(n - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height
                                         - self._head - 1))

    def action_jump(self, where: int) -> None:
        n = self.row_count()
        if n:
            self.cursor = where if where >= 0 else n - 1

    def action_open(self) -> None:
        if self.row_count():
            self.opened(self.cursor)

    def on_click(self, event: events.Click) -> None:
        i = self.scroll_offset.y + event.y - self._head
        if event.y >= self._head and 0 <= i < self.row_count():
            self.cursor = i
            if event.chain >= 2:
                self.opened(i)

    @property
    def lines(self) -> list[str]:
        """Every row as plain text at the current width (tests, captures)."""
        return [fit(self.row_text(i, self.row_width), self.row_width).plain
                for i in range(self.row_count())]
