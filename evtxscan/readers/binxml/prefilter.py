"""The prefilter: EventID and provider of a record without rendering it.

Templates are shared by most records of a chunk, so when a template is compiled we note
where System/EventID and System/Provider/@Name are: a substitution index or a literal of
the template (its *plan*).  For each record we then read only the substitution
descriptors and one or two values; a record that is not wanted is never instantiated.
Records the plan cannot decide (a System built from nested BinXML, an array value) are
instantiated in full.
"""

from __future__ import annotations

from itertools import accumulate
from typing import TYPE_CHECKING

from ...evtx.format import TOKEN_FRAGMENT_HEADER, TOKEN_TEMPLATE_INSTANCE
from .fragment import instance_header, parse_fragment
from .json_model import (
    content,
    event_id_of,
    has_content,
    json_event_id,
    json_provider,
    record_json,
    text_of,
)
from .nodes import Element, NestedFragment, Substitution, Value, is_empty
from .values import substitution_value

if TYPE_CHECKING:
    from .chunk import ChunkDecoder


class NeedsFullParse(Exception):
    """The fast prefilter cannot decide for this record; instantiate it in full."""


class Template:
    """A compiled template and, once asked, where its EventID and provider name are."""

    __slots__ = ("root", "_plan")

    def __init__(self, root: Element) -> None:
        self.root = root
        self._plan: tuple | None | bool = False

    @property
    def plan(self) -> tuple | None:
        """(EventID nodes, Provider attributes up to Name), or None: use the slow path.

        Only System elements written literally in this template qualify; a System built
        from a nested substitution needs the full instantiation.
        """
        if self._plan is False:
            self._plan = make_plan(self.root)
        return self._plan


def make_plan(root: Element) -> tuple | None:
    """Where a template's EventID and Provider are, or None (see ``Template.plan``)."""
    def first(children: list, name: str) -> Element | None:
        # A substitution before the element could bring an element of the same name
        # (nested binary XML); only then the template alone cannot tell.
        for c in children:
            if type(c) is Substitution:
                return None
            if type(c) is Element and c.name == name:
                return c
        return None

    if root.name != "Event":
        return None
    system = first(root.children, "System")
    if system is None:
        return None
    eid = first(system.children, "EventID")
    prov = first(system.children, "Provider")
    if eid is None or prov is None:
        return None
    if any(type(c) is Element for c in eid.children) or any(type(c) is Element for c in prov.children):
        return None
    if any(type(c) is Substitution for c in prov.children):
        return None  # text content could turn Provider's JSON into something else
    attrs = []
    for name, nodes in prov.attrs:
        attrs.append((name, nodes))
        if name == "Name":
            break
    literal_eid = all(type(n) is not Substitution for n in eid.children)
    literal_prov = all(type(n) is not Substitution for _, nodes in attrs for n in nodes)
    return (
        plan_event_id(eid.children, None) if literal_eid else eid.children,
        literal_eid,
        plan_provider(attrs, None) if literal_prov else attrs,
        literal_prov,
    )


def _fast_nodes(nodes: list, values) -> list:
    """Resolve text-only template nodes; ``values(i)`` decodes substitution ``i``."""
    out: list = []
    for node in nodes:
        if type(node) is Substitution:
            value = values(node.index)
            if value is None or (node.optional and is_empty(value)):
                continue
            if type(value) is NestedFragment or (type(value) is Value and value.items is not None
                                                 and len(value.items) > 1):
                raise NeedsFullParse
            out.append(value)
        else:
            out.append(node)
    return out


def plan_event_id(nodes: list, values) -> int | None:
    return event_id_of(text_of(_fast_nodes(nodes, values) if values is not None else nodes))


def plan_provider(attrs: list, values) -> str | None:
    """Provider/@Name as the rust backend's regex reads it (see ``json_provider``)."""
    for name, nodes in attrs:
        if values is not None:
            nodes = _fast_nodes(nodes, values)
        if not has_content(nodes):
            continue
        value = content(nodes)
        if name == "Name":
            return value if isinstance(value, str) else None
        if isinstance(value, str) and ("{" in value or "}" in value):
            return None
    return None


def prefilter(ck: ChunkDecoder, pos: int, end: int) -> tuple[int | None, str | None, dict | None]:
    """EventID and provider name of the record whose binary XML is at [pos, end).

    Fast path: a template instance whose template writes System literally; only the
    substitutions that EventID/Provider use are decoded.  Otherwise the record is
    instantiated in full and its JSON model returned as the third item.
    """
    buf = ck.buf
    first = buf[pos]
    if first == TOKEN_FRAGMENT_HEADER:
        pos += 4
        first = buf[pos]
    if first == TOKEN_TEMPLATE_INSTANCE:
        def_off, count, vstart, desc, _vend = instance_header(ck, pos, end)
        plan = ck.template(def_off).plan
        if plan is not None:
            eid_plan, eid_literal, prov_plan, prov_literal = plan
            offsets: list = []

            def values(i: int):
                if i >= count:
                    return None
                if not offsets:
                    offsets.extend(accumulate(desc[0:2 * count:2], initial=vstart))
                return substitution_value(buf, offsets[i], desc[2 * i + 1], desc[2 * i])
            try:
                event_id = eid_plan if eid_literal else plan_event_id(eid_plan, values)
                provider = prov_plan if prov_literal else plan_provider(prov_plan, values)
                return event_id, provider, None
            except NeedsFullParse:
                pass
    doc = record_json(parse_fragment(ck, pos, end, template=False))
    return json_event_id(doc), json_provider(doc), doc
