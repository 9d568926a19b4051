"""BinXML tokens into trees: template definitions compiled, template instances resolved.

``parse_fragment`` reads a token stream (MS-EVEN6 2.2.12) into ``Element`` trees: in a
template definition substitutions stay ``Substitution`` placeholders; in a record (or a
nested fragment) a template instance is resolved in place with the record's values.
The rules follow pyevtx-rs, so both readers give the same tree: optional substitutions
that are empty leave nothing, an element holding an array value is repeated once per
item, and the template's end of stream ends the record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...evtx.format import (
    TEMPLATE_DEFINITION_HEADER,
    TOKEN_ATTRIBUTE,
    TOKEN_CLOSE_EMPTY,
    TOKEN_CLOSE_START,
    TOKEN_END_ELEMENT,
    TOKEN_END_OF_STREAM,
    TOKEN_ENTITY_REF,
    TOKEN_FRAGMENT_HEADER,
    TOKEN_HAS_MORE,
    TOKEN_OPEN_START,
    TOKEN_OPTIONAL_SUBSTITUTION,
    TOKEN_PI_DATA,
    TOKEN_PI_TARGET,
    TOKEN_SUBSTITUTION,
    TOKEN_TEMPLATE_INSTANCE,
    TOKEN_VALUE,
)
from .nodes import BadRecord, Element, EntityRef, NestedFragment, Substitution, Value, is_empty
from .values import U16, U32, literal_value, substitution_value

if TYPE_CHECKING:
    from .chunk import ChunkDecoder


def parse_fragment(ck: ChunkDecoder, pos: int, end: int, *, template: bool,
                   nested: bool = False) -> Element | None:
    """Parse a binary XML fragment into a tree.

    In a template definition, substitutions become ``Substitution`` placeholders.  In a record
    or nested fragment, template instances are instantiated in place.  As in pyevtx-rs,
    element starts carry a dependency id only inside template definitions.  A nested
    fragment (a ``TYPE_BINXML`` substitution) holding no element gives None: it renders
    as nothing.
    """
    buf = ck.buf
    stack: list[Element] = []
    root: Element | None = None
    cur: Element | None = None
    attr_name: str | None = None
    attr_nodes: list = []

    def attach(elem: Element) -> None:
        nonlocal root
        if stack:
            parent = stack[-1]
            parent.children.append(elem)
            parent.has_elem = True
        elif root is None:
            root = elem
        else:
            raise BadRecord("more than one root element")

    while pos < end:
        tok = buf[pos]
        kind = tok & 0x0F
        if kind == TOKEN_END_OF_STREAM:
            break
        if kind == TOKEN_FRAGMENT_HEADER:
            pos += 4
            continue
        if kind == TOKEN_OPEN_START:
            if cur is not None:
                raise BadRecord("element start inside an element start")
            name, pos = ck.name_at(pos + (7 if template else 5))
            if tok & TOKEN_HAS_MORE:
                pos += 4  # attribute list size
            cur, attr_name = Element(name), None
            continue
        if kind == TOKEN_ATTRIBUTE:
            if cur is None:
                raise BadRecord("attribute outside an element start")
            if attr_name is not None and attr_nodes:
                cur.attrs.append((attr_name, attr_nodes))
            attr_name, pos = ck.name_at(pos + 1)
            attr_nodes = []
            continue
        if kind == TOKEN_CLOSE_START or kind == TOKEN_CLOSE_EMPTY:
            if cur is None:
                raise BadRecord("element close without a start")
            if attr_name is not None and attr_nodes:
                cur.attrs.append((attr_name, attr_nodes))
            elem, cur, attr_name = cur, None, None
            pos += 1
            if kind == TOKEN_CLOSE_START:
                stack.append(elem)
            else:
                attach(elem)
            continue
        if kind == TOKEN_END_ELEMENT:
            if not stack:
                raise BadRecord("element end without a start")
            pos += 1
            attach(stack.pop())
            continue
        if kind == TOKEN_TEMPLATE_INSTANCE:
            if template or cur is not None:
                raise BadRecord("template instance inside a template or attribute")
            elem, pos = instantiate(ck, pos, end)
            attach(elem)
            if not stack:  # the template's end of stream ends the fragment (as in both
                break      # parsers; a second instance after it is not rendered)
            continue
        if kind == TOKEN_VALUE:
            node, pos = literal_value(buf, pos + 1)
        elif kind == TOKEN_SUBSTITUTION or kind == TOKEN_OPTIONAL_SUBSTITUTION:
            if not template:
                raise BadRecord("substitution outside a template")
            node = Substitution(U16(buf, pos + 1)[0], buf[pos + 3],
                                kind == TOKEN_OPTIONAL_SUBSTITUTION)
            pos += 4
        elif kind == TOKEN_ENTITY_REF:
            name, pos = ck.name_at(pos + 1)
            node = EntityRef(f"&{name};")
        elif kind == TOKEN_PI_TARGET:  # processing instruction target: not rendered
            _name, pos = ck.name_at(pos + 1)
            continue
        elif kind == TOKEN_PI_DATA:  # processing instruction data: not rendered
            pos += 3 + 2 * U16(buf, pos + 1)[0]
            continue
        else:  # CDATA, character reference: pyevtx-rs fails these too
            raise BadRecord(f"unsupported binary XML token 0x{tok:02x}")
        if cur is not None:
            if attr_name is not None:
                attr_nodes.append(node)
        elif stack:
            stack[-1].children.append(node)
        else:
            raise BadRecord("value outside of an element")
    if cur is not None or stack:
        raise BadRecord("unbalanced elements")
    if root is None and not nested:
        raise BadRecord("no root element")
    return root


def instance_header(ck: ChunkDecoder, pos: int, end: int) -> tuple[int, int, int, tuple, int]:
    """Read a TemplateInstance token at ``pos``, whose fragment ends at ``end``.

    Returns (template offset, substitution count, value start, descriptors, value end).
    ``descriptors`` alternates size and type.
    """
    buf = ck.buf
    def_off = U32(buf, pos + 6)[0]
    pos += 10
    if def_off == pos - ck.off:  # the definition follows in place: skip it
        if pos + TEMPLATE_DEFINITION_HEADER > end:
            raise BadRecord("template definition runs past the record")
        pos += TEMPLATE_DEFINITION_HEADER + U32(buf, pos + 20)[0]
    if pos + 4 > end:
        raise BadRecord("substitution count runs past the record")
    count = U32(buf, pos)[0]
    if count > 0xFFFF:
        raise BadRecord(f"implausible substitution count {count}")
    pos += 4
    vstart = pos + 4 * count
    if vstart > end:
        raise BadRecord(f"{count} substitution descriptors run past the record")
    desc = ck.descriptors(count).unpack_from(buf, pos)
    vend = vstart + sum(desc[0::2])
    if vend > end:
        raise BadRecord("substitution values run past the record")
    return def_off, count, vstart, desc, vend


def instantiate(ck: ChunkDecoder, pos: int, end: int) -> tuple[Element, int]:
    """The record tree of the TemplateInstance at ``pos``, and where its values end."""
    def_off, count, vstart, desc, vend = instance_header(ck, pos, end)
    tmpl = ck.template(def_off)
    values = []
    off = vstart
    buf = ck.buf
    for i in range(count):
        size = desc[2 * i]
        values.append(substitution_value(buf, off, desc[2 * i + 1], size))
        off += size
    return resolve(ck, tmpl.root, values, expand=False)[0], vend


def resolve(ck: ChunkDecoder, elem: Element, values: list, expand: bool = True) -> list[Element]:
    """Instantiate a template element with the record's values (pyevtx-rs rules).

    Gives a list: an element holding an array value of more than one item is repeated
    once per item (``expand_arrays``), except the template's root element.
    """
    out = Element(elem.name)
    arrays = False
    for name, nodes in elem.attrs:
        resolved: list = []
        for node in nodes:
            arrays |= _resolve_into(ck, node, values, resolved)
        if resolved:
            out.attrs.append((name, resolved))
    children = out.children
    for node in elem.children:
        t = type(node)
        if t is Element:
            children.extend(resolve(ck, node, values))
            out.has_elem = True
        elif t is Substitution:
            arrays |= _resolve_into(ck, node, values, children)
        else:
            children.append(node)
    if not out.has_elem:
        out.has_elem = any(type(c) is Element for c in children)  # from nested binary XML
    return expand_arrays(out) if arrays and expand else [out]


def _resolve_into(ck: ChunkDecoder, node, values: list, out: list) -> bool:
    """Append what a template node becomes; True when that is an array to expand."""
    if type(node) is not Substitution:
        out.append(node)
        return False
    if node.index >= len(values):
        return False
    value = values[node.index]
    if node.optional and is_empty(value):
        return False
    if type(value) is NestedFragment:
        if value.size:
            elem = parse_fragment(ck, value.offset, value.offset + value.size, template=False,
                                  nested=True)
            if elem is not None:
                out.append(elem)
        return False
    out.append(value)
    return type(value) is Value and value.items is not None and len(value.items) > 1


def expand_arrays(elem: Element) -> list[Element]:
    """MS-EVEN6 array expansion: repeat the element once per item of its first array."""
    for i, node in enumerate(elem.children):
        if type(node) is Value and node.items is not None and len(node.items) > 1:
            out = []
            for item in node.items:
                clone = Element(elem.name)
                clone.attrs = elem.attrs
                clone.has_elem = elem.has_elem
                rest = elem.children[i + 1:]
                clone.children = elem.children[:i] + ([item] if item != "" else []) + rest
                out.extend(expand_arrays(clone))
            return out
    for a, (name, nodes) in enumerate(elem.attrs):
        for i, node in enumerate(nodes):
            if type(node) is Value and node.items is not None and len(node.items) > 1:
                out = []
                for item in node.items:
                    clone = Element(elem.name)
                    clone.children = elem.children
                    clone.has_elem = elem.has_elem
                    new_nodes = nodes[:i] + ([item] if item != "" else []) + nodes[i + 1:]
                    clone.attrs = (elem.attrs[:a] + ([(name, new_nodes)] if new_nodes else [])
                                   + elem.attrs[a + 1:])
                    out.extend(expand_arrays(clone))
                return out
    return [elem]
