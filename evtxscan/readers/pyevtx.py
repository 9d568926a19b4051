"""Pure-Python backend: python-evtx's file layout, a template-aware prefilter.

Why not ``record.xml()`` from python-evtx for every record: python-evtx parses a record's
template again for every record and renders the whole XML (measured 135 records/s on
security.evtx), although most records of a Security or Sysmon log are not wanted.
Templates are shared by most records of a chunk, so each template is compiled once per
chunk into a small tree.  At that point we note where System/EventID and
System/Provider/@Name are: a substitution index or a literal of the template.  For each
record we read only the record header, the substitution descriptors and one or two
values (about 45,000 records/s).  Only wanted records are instantiated in full.  So a
record that is not wanted counts as read when its header, template and those values
parse; its EventData is not looked at.

Wanted records are rendered the way pyevtx-rs renders them (``_json_element`` follows
its JSON output) and then mapped as ``rust.from_json`` maps them, so both backends give
equal ``RawRecord`` values.  Where the two libraries render a value differently, we
follow pyevtx-rs:
- GUIDs: ``94F748D5-4A45-...``, uppercase without braces (python-evtx and Windows' XML:
  ``{94f748d5-4a45-...}``).
- HexInt32/64: ``0x3e7``, as Windows writes them (python-evtx pads to 8/16 digits).
- size_t: hex, ``0x4`` (python-evtx: decimal).
- bool: ``true``/``false``; a bool stored as neither 0 nor 1 keeps its number
  (python-evtx: ``True``/``False``).
- FILETIME/SYSTEMTIME values: ``2019-03-08T23:23:05.000000Z`` (python-evtx:
  ``2019-03-08 23:23:05``).
- binary: uppercase hex (python-evtx: base64).
- floats: shortest round-trip digits, ``1.5e-7`` / ``1e+16`` (python-evtx: ``repr``).
- string arrays: the element is repeated once per item (MS-EVEN6 array expansion);
  python-evtx renders ``<string>..</string>`` markup as the text.
- UTF-16 strings: cut at the first NUL, lone surrogates dropped (python-evtx raises on a
  lone surrogate and loses the record).  Control characters such as ``\\x03`` and
  ``\\x1b`` are kept.  ANSI strings lose every NUL, not only the last.
``report.stats`` gets the record header's timestamp, as from the rust backend.

Python-evtx limits that we work around:
- ``Evtx.chunks()`` stops at the chunk count in the file header, which lags on
  live or dirty logs (measured: 41 of 358 records of a Sysmon log).  We walk the 64 KiB
  chunks by offset up to the end of the file.  An all-zero chunk is preallocated space,
  not damage.
- It stops a chunk at the first bad record.  It raises on a template that has a NULL
  value node, and on a name that is not in the chunk's string table.  We read names at
  their offset, count each bad record with its file offset, and go on with the next.
  After a bad record header we go on at the next record of the chunk.  pyevtx-rs
  ends the chunk there.
"""

from __future__ import annotations

import math
import mmap
import os
import struct
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import BinaryIO

from Evtx.Evtx import ChunkHeader

from ..records import FileReport, RawRecord, is_wanted
from .common import from_json, json_text as _text

FILE_HEADER_SIZE = 0x1000
CHUNK_SIZE = 0x10000
CHUNK_HEADER_SIZE = 0x200
FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = 0x00002A2A

_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_RECORD_HEADER = struct.Struct("<IIQQ").unpack_from  # magic, size, record id, FILETIME
_GUID = struct.Struct("<IHH").unpack_from
_SYSTEMTIME = struct.Struct("<8H").unpack_from
_EPOCH_1601 = datetime(1601, 1, 1)
_ZERO_CHUNK = bytes(CHUNK_SIZE)

# Value types by their code (MS-EVEN6 2.2.15).  Integers 0x03..0x0a and bool 0x0d are
# the only ones pyevtx-rs writes as JSON numbers; everything else is text.
_NUMBERS = {
    0x03: struct.Struct("<b"), 0x04: struct.Struct("<B"),
    0x05: struct.Struct("<h"), 0x06: struct.Struct("<H"),
    0x07: struct.Struct("<i"), 0x08: struct.Struct("<I"),
    0x09: struct.Struct("<q"), 0x0A: struct.Struct("<Q"),
    0x0B: struct.Struct("<f"), 0x0C: struct.Struct("<d"),
    0x0D: struct.Struct("<i"), 0x11: struct.Struct("<Q"),
    0x14: struct.Struct("<I"), 0x15: struct.Struct("<Q"),
}
_WIDTH = {0x03: 1, 0x04: 1, 0x05: 2, 0x06: 2, 0x07: 4, 0x08: 4, 0x09: 8, 0x0A: 8,
          0x0B: 4, 0x0C: 8, 0x0D: 4, 0x0F: 16, 0x11: 8, 0x12: 16, 0x14: 4, 0x15: 8}
_INT_TYPES = frozenset(range(0x03, 0x0B))
_DATA_CONTAINERS = ("EventData", "UserData")
_MAX_UNIQUE_NAMES = 64  # pyevtx-rs stops suffixing (Header_1, ...) after 64 distinct names


class BadRecord(ValueError):
    """The record's binary XML does not parse; the record is counted and skipped."""


class _Slow(Exception):
    """The fast prefilter cannot decide for this record; instantiate it in full."""


class _E:
    """An element of a compiled template or of an instantiated record."""

    __slots__ = ("name", "attrs", "children", "has_elem")

    def __init__(self, name: str) -> None:
        self.name = name
        self.attrs: list[tuple[str, list]] = []
        self.children: list = []
        self.has_elem = False


class _V:
    """A typed (non-string) value: ``num`` is its JSON number (int/bool) or None."""

    __slots__ = ("num", "text", "empty", "items")

    def __init__(self, num, text: str, empty: bool = False, items: list | None = None):
        self.num = num
        self.text = text
        self.empty = empty
        self.items = items  # array values: one node per item (str or _V)


class _Sub:
    """A substitution placeholder in a template."""

    __slots__ = ("index", "type", "optional")

    def __init__(self, index: int, type_: int, optional: bool) -> None:
        self.index = index
        self.type = type_
        self.optional = optional


class _Ref:
    """An entity reference, rendered as its text (``&amp;``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _BinXml:
    """A nested binary XML substitution value (type 0x21), parsed when instantiated."""

    __slots__ = ("offset", "size")

    def __init__(self, offset: int, size: int) -> None:
        self.offset = offset
        self.size = size


_NULL = _V(None, "", True)


# --- values -------------------------------------------------------------------------------

def _utf16(raw: bytes) -> str:
    """UTF-16LE as pyevtx-rs decodes it: cut at the first NUL, lone surrogates dropped."""
    s = raw.decode("utf-16-le", "ignore")
    cut = s.find("\x00")
    return s if cut < 0 else s[:cut]


def _ansi(raw: bytes) -> str:
    """An ANSI (code page 1252) string; pyevtx-rs drops every NUL in it, not only the last."""
    raw = raw.replace(b"\x00", b"")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # the 5 bytes cp1252 leaves undefined map to C1 controls
        return "".join(bytes([b]).decode("cp1252", "strict") if b not in b"\x81\x8d\x8f\x90\x9d"
                       else chr(b) for b in raw)


def _float_text(value: float, single: bool) -> str:
    """A float as pyevtx-rs writes it: shortest round-trip digits, ryu's layout.

    Positional while the decimal point stays within 16 digits (13 for a 32-bit float)
    and no more than 4 zeros (5) follow it, else ``1.5e-7`` / ``1e+16``.  Checked against
    pyevtx-rs on mutated records; no sample holds a float.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    text = repr(value)
    if single:  # the shortest text that reads back as the same 32-bit float
        packed = struct.pack("<f", value)
        for digits in range(1, 10):
            candidate = f"{value:.{digits}g}"
            try:
                if struct.pack("<f", float(candidate)) == packed:
                    text = candidate
                    break
            except OverflowError:
                continue
    sign, digit_tuple, k = Decimal(text).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + k  # digits * 10**k: the decimal point sits after ``point`` digits
    limit, low = (13, -6) if single else (16, -5)
    if 0 <= k and point <= limit:
        out = f"{digits}{'0' * k}.0"
    elif 0 < point <= limit:
        out = f"{digits[:point]}.{digits[point:]}"
    elif low < point <= 0:
        out = f"0.{'0' * -point}{digits}"
    else:
        mantissa = digits if len(digits) == 1 else f"{digits[0]}.{digits[1:]}"
        out = f"{mantissa}e{'+' if point > 0 else '-'}{abs(point - 1)}"
    return f"-{out}" if sign else out


def _iso_filetime(ft: int) -> str:
    """FILETIME as pyevtx-rs renders it: microseconds, truncated, ``Z``.

    Past year 9999 pyevtx-rs fails the record ("out-of-range date"); so do we.
    """
    try:
        dt = _EPOCH_1601 + timedelta(seconds=ft // 10_000_000)
    except OverflowError:
        raise BadRecord(f"FILETIME {ft:#x} is an out-of-range date") from None
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ft % 10_000_000 // 10:06d}Z"


def _iso_systemtime(raw: bytes) -> str:
    year, month, _dow, day, hour, minute, second, millis = _SYSTEMTIME(raw)
    try:
        dt = datetime(year, month, day, hour, minute, second, millis * 1000)
    except ValueError:  # month 13, day 0, hour 25...: pyevtx-rs fails the record too
        raise BadRecord(f"SYSTEMTIME {raw.hex()} is an out-of-range date") from None
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond:06d}Z"


def _guid_text(raw: bytes) -> str:
    d1, d2, d3 = _GUID(raw)
    tail = raw[8:16].hex().upper()
    return f"{d1:08X}-{d2:04X}-{d3:04X}-{tail[:4]}-{tail[4:]}"


def _sid_text(raw: bytes) -> str:
    if len(raw) < 8:
        return "S-?"
    count = raw[1]
    subs = [str(_U32(raw, 8 + 4 * i)[0]) for i in range(min(count, (len(raw) - 8) // 4))]
    return "-".join(["S", str(raw[0]), str(int.from_bytes(raw[2:8], "big")), *subs])


def _scalar(type_: int, raw: bytes) -> _V:
    """Decode one fixed-width value of ``raw`` (exactly its width)."""
    if type_ in _INT_TYPES:
        v = _NUMBERS[type_].unpack(raw)[0]
        return _V(v, str(v))
    if type_ == 0x0D:  # pyevtx-rs keeps a bool that is neither 0 nor 1 as its number
        v = _NUMBERS[0x0D].unpack(raw)[0]
        if v in (0, 1):
            return _V(v == 1, "true" if v else "false")
        return _V(v, str(v))
    if type_ in (0x0B, 0x0C):
        return _V(None, _float_text(_NUMBERS[type_].unpack(raw)[0], type_ == 0x0B))
    if type_ == 0x0F:
        return _V(None, _guid_text(raw))
    if type_ == 0x11:
        return _V(None, _iso_filetime(_NUMBERS[0x11].unpack(raw)[0]))
    if type_ == 0x12:
        return _V(None, _iso_systemtime(raw))
    if type_ in (0x14, 0x15):
        return _V(None, f"0x{_NUMBERS[type_].unpack(raw)[0]:x}")
    raise BadRecord(f"unsupported value type 0x{type_:02x}")


def _value(buf, off: int, type_: int, size: int):
    """Decode a substitution value; strings become ``str`` (text nodes), as in pyevtx-rs."""
    if type_ == 0x01:
        return _utf16(buf[off:off + size])
    if type_ == 0x00:
        return _NULL
    width = _WIDTH.get(type_)
    if width is not None:
        raw = buf[off:off + width]
        if len(raw) < width:
            raise BadRecord(f"value of type 0x{type_:02x} runs past the end of the data")
        return _scalar(type_, raw)
    if type_ == 0x0E:
        raw = buf[off:off + size]
        return _V(None, raw.hex().upper(), not raw)
    if type_ == 0x13:
        return _V(None, _sid_text(buf[off:off + size]))
    if type_ == 0x10:  # size_t: rendered as a HexInt of its width
        raw = buf[off:off + size]
        return _V(None, f"0x{int.from_bytes(raw[:8], 'little'):x}")
    if type_ == 0x21:
        return _BinXml(off, size)
    if type_ == 0x02:
        return _ansi(buf[off:off + size])
    if type_ == 0x81:
        text = buf[off:off + size].decode("utf-16-le", "ignore")
        items = text.split("\x00")
        if text.endswith("\x00"):
            items.pop()
        return _V(None, ",".join(items), not items, items)
    width = _WIDTH.get(type_ & 0x7F)
    if type_ & 0x80 and width is not None:
        base = type_ & 0x7F
        items = [_scalar(base, buf[o:o + width]) for o in range(off, off + size - width + 1, width)]
        return _V(None, ",".join(i.text for i in items), not items, items)
    raise BadRecord(f"unsupported value type 0x{type_:02x}")


def _literal_value(buf, pos: int) -> tuple[object, int]:
    """A Value token's payload inside a template (strings are length-prefixed)."""
    type_ = buf[pos]
    pos += 1
    if type_ == 0x01:
        n = _U16(buf, pos)[0]
        return _utf16(buf[pos + 2:pos + 2 + 2 * n]), pos + 2 + 2 * n
    if type_ == 0x02:
        n = _U16(buf, pos)[0]
        return _ansi(buf[pos + 2:pos + 2 + n]), pos + 2 + n
    width = _WIDTH.get(type_)
    if width is None:
        raise BadRecord(f"unsupported literal value type 0x{type_:02x}")
    return _scalar(type_, buf[pos:pos + width]), pos + width


def _is_empty(node) -> bool:
    """pyevtx-rs' ``is_optional_empty``: what an optional substitution leaves out."""
    if type(node) is str:
        return not node
    if type(node) is _V:
        return node.empty
    if type(node) is _BinXml:
        return node.size == 0
    return False


# --- binary XML -------------------------------------------------------------------------

class _Chunk:
    """One chunk being read: its names and compiled templates, by chunk-relative offset."""

    __slots__ = ("buf", "off", "index", "names", "templates", "structs")

    def __init__(self, buf, off: int, index: int, structs: dict) -> None:
        self.buf = buf
        self.off = off
        self.index = index
        self.names: dict[int, str] = {}
        self.templates: dict[int, _Template] = {}
        self.structs = structs

    def name_at(self, pos: int) -> tuple[str, int]:
        """Read a name reference at ``pos``; skip the name when it is defined in place."""
        ref = _U32(self.buf, pos)[0]
        pos += 4
        name = self.names.get(ref)
        if name is None:
            if ref + 8 > CHUNK_SIZE:
                raise BadRecord(f"name offset {ref} is outside the chunk")
            at = self.off + ref
            n = _U16(self.buf, at + 6)[0]
            if ref + 8 + 2 * n > CHUNK_SIZE or at + 8 + 2 * n > len(self.buf):
                raise BadRecord(f"name at chunk offset {ref} ({n} characters) runs past the chunk")
            name = self.buf[at + 8:at + 8 + 2 * n].decode("utf-16-le", "surrogatepass")
            self.names[ref] = name
        if ref == pos - self.off:
            pos += 10 + 2 * _U16(self.buf, pos + 6)[0]
        return name, pos

    def template(self, def_off: int) -> _Template:
        tmpl = self.templates.get(def_off)
        if tmpl is None:
            if def_off + 24 > CHUNK_SIZE:
                raise BadRecord(f"template offset {def_off} is outside the chunk")
            at = self.off + def_off
            size = _U32(self.buf, at + 20)[0]
            if def_off + 24 + size > CHUNK_SIZE:
                raise BadRecord(f"template at chunk offset {def_off} runs past the chunk")
            tmpl = _Template(_parse(self, at + 24, at + 24 + size, template=True))
            self.templates[def_off] = tmpl
        return tmpl

    def descriptors(self, count: int) -> struct.Struct:
        s = self.structs.get(count)
        if s is None:
            s = self.structs[count] = struct.Struct("<" + "HBx" * count)
        return s


def _parse(ck: _Chunk, pos: int, end: int, *, template: bool, nested: bool = False) -> _E | None:
    """Parse a binary XML fragment into a tree.

    In a template definition, substitutions become ``_Sub`` placeholders.  In a record
    or nested fragment, template instances are instantiated in place.  As in pyevtx-rs,
    element starts carry a dependency id only inside template definitions.  A nested
    fragment (substitution of type 0x21) holding no element gives None: it renders as
    nothing.
    """
    buf = ck.buf
    stack: list[_E] = []
    root: _E | None = None
    cur: _E | None = None
    attr_name: str | None = None
    attr_nodes: list = []

    def attach(elem: _E) -> None:
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
        if kind == 0x00:  # end of stream
            break
        if kind == 0x0F:  # fragment header
            pos += 4
            continue
        if kind == 0x01:  # open start element
            if cur is not None:
                raise BadRecord("element start inside an element start")
            name, pos = ck.name_at(pos + (7 if template else 5))
            if tok & 0x40:
                pos += 4  # attribute list size
            cur, attr_name = _E(name), None
            continue
        if kind == 0x06:  # attribute
            if cur is None:
                raise BadRecord("attribute outside an element start")
            if attr_name is not None and attr_nodes:
                cur.attrs.append((attr_name, attr_nodes))
            attr_name, pos = ck.name_at(pos + 1)
            attr_nodes = []
            continue
        if kind in (0x02, 0x03):  # close start / close empty element
            if cur is None:
                raise BadRecord("element close without a start")
            if attr_name is not None and attr_nodes:
                cur.attrs.append((attr_name, attr_nodes))
            elem, cur, attr_name = cur, None, None
            pos += 1
            if kind == 0x02:
                stack.append(elem)
            else:
                attach(elem)
            continue
        if kind == 0x04:  # close element
            if not stack:
                raise BadRecord("element end without a start")
            pos += 1
            attach(stack.pop())
            continue
        if kind == 0x0C:  # template instance
            if template or cur is not None:
                raise BadRecord("template instance inside a template or attribute")
            elem, pos = _instance(ck, pos, end)
            attach(elem)
            if not stack:  # the template's end of stream ends the fragment (as in both
                break      # parsers; a second instance after it is not rendered)
            continue
        if kind == 0x05:
            node, pos = _literal_value(buf, pos + 1)
        elif kind in (0x0D, 0x0E):
            if not template:
                raise BadRecord("substitution outside a template")
            node = _Sub(_U16(buf, pos + 1)[0], buf[pos + 3], kind == 0x0E)
            pos += 4
        elif kind == 0x09:
            name, pos = ck.name_at(pos + 1)
            node = _Ref(f"&{name};")
        elif kind == 0x0A:  # processing instruction target: not rendered
            _name, pos = ck.name_at(pos + 1)
            continue
        elif kind == 0x0B:  # processing instruction data: not rendered
            pos += 3 + 2 * _U16(buf, pos + 1)[0]
            continue
        else:  # CDATA (0x07), character reference (0x08): pyevtx-rs fails these too
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


def _instance_header(ck: _Chunk, pos: int, end: int) -> tuple[int, int, int, tuple, int]:
    """Read a TemplateInstance token at ``pos``, whose fragment ends at ``end``.

    Returns (template offset, substitution count, value start, descriptors, value end).
    ``descriptors`` alternates size and type.
    """
    buf = ck.buf
    def_off = _U32(buf, pos + 6)[0]
    pos += 10
    if def_off == pos - ck.off:  # the definition follows in place: skip it
        if pos + 24 > end:
            raise BadRecord("template definition runs past the record")
        pos += 24 + _U32(buf, pos + 20)[0]
    if pos + 4 > end:
        raise BadRecord("substitution count runs past the record")
    count = _U32(buf, pos)[0]
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


def _instance(ck: _Chunk, pos: int, end: int) -> tuple[_E, int]:
    def_off, count, vstart, desc, vend = _instance_header(ck, pos, end)
    tmpl = ck.template(def_off)
    values = []
    off = vstart
    buf = ck.buf
    for i in range(count):
        size = desc[2 * i]
        values.append(_value(buf, off, desc[2 * i + 1], size))
        off += size
    return _resolve(ck, tmpl.root, values, expand=False)[0], vend


def _resolve(ck: _Chunk, elem: _E, values: list, expand: bool = True) -> list[_E]:
    """Instantiate a template element with the record's values (pyevtx-rs rules).

    Gives a list: an element holding an array value of more than one item is repeated
    once per item (``_expand_arrays``), except the template's root element.
    """
    out = _E(elem.name)
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
        if t is _E:
            children.extend(_resolve(ck, node, values))
            out.has_elem = True
        elif t is _Sub:
            arrays |= _resolve_into(ck, node, values, children)
        else:
            children.append(node)
    if not out.has_elem:
        out.has_elem = any(type(c) is _E for c in children)  # from nested binary XML
    return _expand_arrays(out) if arrays and expand else [out]


def _resolve_into(ck: _Chunk, node, values: list, out: list) -> bool:
    """Append what a template node becomes; True when that is an array to expand."""
    if type(node) is not _Sub:
        out.append(node)
        return False
    if node.index >= len(values):
        return False
    value = values[node.index]
    if node.optional and _is_empty(value):
        return False
    if type(value) is _BinXml:
        if value.size:
            elem = _parse(ck, value.offset, value.offset + value.size, template=False,
                          nested=True)
            if elem is not None:
                out.append(elem)
        return False
    out.append(value)
    return type(value) is _V and value.items is not None and len(value.items) > 1


def _expand_arrays(elem: _E) -> list[_E]:
    """MS-EVEN6 array expansion: repeat the element once per item of its first array."""
    for i, node in enumerate(elem.children):
        if type(node) is _V and node.items is not None and len(node.items) > 1:
            out = []
            for item in node.items:
                clone = _E(elem.name)
                clone.attrs = elem.attrs
                clone.has_elem = elem.has_elem
                rest = elem.children[i + 1:]
                clone.children = elem.children[:i] + ([item] if item != "" else []) + rest
                out.extend(_expand_arrays(clone))
            return out
    for a, (name, nodes) in enumerate(elem.attrs):
        for i, node in enumerate(nodes):
            if type(node) is _V and node.items is not None and len(node.items) > 1:
                out = []
                for item in node.items:
                    clone = _E(elem.name)
                    clone.children = elem.children
                    clone.has_elem = elem.has_elem
                    new_nodes = nodes[:i] + ([item] if item != "" else []) + nodes[i + 1:]
                    clone.attrs = (elem.attrs[:a] + ([(name, new_nodes)] if new_nodes else [])
                                   + elem.attrs[a + 1:])
                    out.extend(_expand_arrays(clone))
                return out
    return [elem]


# --- JSON model (what pyevtx-rs' records_json gives, as json.loads would return it) ------

def _has_content(nodes: list) -> bool:
    for n in nodes:
        t = type(n)
        if t is str:
            if n:
                return True
        elif t is _V:
            if not n.empty:
                return True
        elif t is _Ref:
            return True
    return False


def _text_of(nodes: list) -> str:
    return "".join(n if type(n) is str else n.text for n in nodes if type(n) is not _E)


def _content(nodes: list):
    """A JSON number when the content is exactly one numeric value, else its text."""
    if len(nodes) == 1 and type(nodes[0]) is _V and nodes[0].num is not None:
        return nodes[0].num
    return _text_of(nodes)


def _content_skip_elements(nodes: list):
    single = None
    for n in nodes:
        t = type(n)
        if t is _E:
            continue
        if t is str:
            if n:
                return _text_of(nodes)
        elif t is _V:
            if n.empty:
                continue
            if single is not None:
                return _text_of(nodes)
            single = n
        else:
            return _text_of(nodes)
    if single is not None and single.num is not None:
        return single.num
    return _text_of(nodes)


def _json_attrs(attrs: list) -> dict:
    return {name: _content(nodes) for name, nodes in attrs if _has_content(nodes)}


def _json_element(elem: _E, container: bool = False):
    has_text = _has_content(elem.children)
    attrs_text = any(_has_content(nodes) for _, nodes in elem.attrs)
    if not elem.has_elem and not has_text and not attrs_text:
        return None
    if not elem.has_elem and not attrs_text:
        return _content(elem.children)
    return _json_body(elem, container)


def _data_value(elem: _E):
    if elem.has_elem:
        return _json_body(elem, False)
    if not _has_content(elem.children):
        return ""
    return _content(elem.children)


def _name_attr(elem: _E) -> list | None:
    for name, nodes in elem.attrs:
        if name == "Name":
            return nodes
    return None


def _json_body(elem: _E, container: bool) -> dict:
    out: dict = {}
    if elem.attrs:
        attrs = _json_attrs(elem.attrs)
        if attrs:
            out["#attributes"] = attrs
    if _has_content(elem.children):
        out["#text"] = _content_skip_elements(elem.children)
    kids = [c for c in elem.children if type(c) is _E]
    data = [c for c in kids if c.name == "Data"] if container else []
    flatten = any((n := _name_attr(c)) is not None and _has_content(n) for c in data)
    positional_done = False
    seen: dict[str, int] = {}
    for child in kids:
        if container and child.name == "Data":
            if flatten:
                name_nodes = _name_attr(child)
                if name_nodes is not None and _has_content(name_nodes):
                    out[_text_of(name_nodes)] = _data_value(child)
            elif not positional_done:
                positional_done = True
                if len(data) == 1:
                    out["Data"] = {"#text": _data_value(child)}
                else:
                    out["Data"] = {"#text": [_data_value(c) for c in data]}
            continue
        n = seen.get(child.name)
        if n is None:
            if len(seen) < _MAX_UNIQUE_NAMES:
                seen[child.name] = 1
            key = child.name
        else:
            seen[child.name] = n + 1
            key = f"{child.name}_{n}"
        out[key] = _json_element(child, child.name in _DATA_CONTAINERS)
    return out


def _record_json(root: _E) -> dict:
    return {root.name: _json_element(root)}


def _event_id(text: str) -> int | None:
    """System/EventID's text as a number, or None when it is not a plain decimal.

    The rust backend's regex reads only a bare JSON number: it misses an EventID that
    carries a Qualifiers attribute (``{"#attributes": {...}, "#text": 7036}``, classic
    providers) or that is text (``"4688"``, events forwarded by WEC).  We read both.
    """
    return int(text) if text.isascii() and text.isdigit() else None


def _json_event_id(doc: dict) -> int | None:
    try:
        return _event_id(_text(doc["Event"]["System"]["EventID"]))
    except (KeyError, TypeError):
        return None


def _json_provider(doc: dict) -> str | None:
    try:
        prov = doc["Event"]["System"]["Provider"]
    except (KeyError, TypeError):
        return None
    if not isinstance(prov, dict) or next(iter(prov), None) != "#attributes":
        return None
    for key, value in prov["#attributes"].items():
        if key == "Name":
            return value if isinstance(value, str) else None
        if isinstance(value, str) and ("{" in value or "}" in value):
            return None  # the rust backend's regex cannot read past a brace
    return None


# --- the prefilter ------------------------------------------------------------------------

class _Template:
    """A compiled template and, once asked, where its EventID and provider name are."""

    __slots__ = ("root", "_plan")

    def __init__(self, root: _E) -> None:
        self.root = root
        self._plan: tuple | None | bool = False

    @property
    def plan(self) -> tuple | None:
        """(EventID nodes, Provider attributes up to Name), or None: use the slow path.

        Only System elements written literally in this template qualify; a System built
        from a nested substitution needs the full instantiation.
        """
        if self._plan is False:
            self._plan = _make_plan(self.root)
        return self._plan


def _make_plan(root: _E) -> tuple | None:
    def first(children: list, name: str) -> _E | None:
        # A substitution before the element could bring an element of the same name
        # (nested binary XML); only then the template alone cannot tell.
        for c in children:
            if type(c) is _Sub:
                return None
            if type(c) is _E and c.name == name:
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
    if any(type(c) is _E for c in eid.children) or any(type(c) is _E for c in prov.children):
        return None
    if any(type(c) is _Sub for c in prov.children):
        return None  # text content could turn Provider's JSON into something else
    attrs = []
    for name, nodes in prov.attrs:
        attrs.append((name, nodes))
        if name == "Name":
            break
    literal_eid = all(type(n) is not _Sub for n in eid.children)
    literal_prov = all(type(n) is not _Sub for _, nodes in attrs for n in nodes)
    return (
        _plan_event_id(eid.children, None) if literal_eid else eid.children,
        literal_eid,
        _plan_provider(attrs, None) if literal_prov else attrs,
        literal_prov,
    )


def _fast_nodes(nodes: list, values) -> list:
    """Resolve text-only template nodes; ``values(i)`` decodes substitution ``i``."""
    out: list = []
    for node in nodes:
        if type(node) is _Sub:
            value = values(node.index)
            if value is None or (node.optional and _is_empty(value)):
                continue
            if type(value) is _BinXml or (type(value) is _V and value.items is not None
                                          and len(value.items) > 1):
                raise _Slow
            out.append(value)
        else:
            out.append(node)
    return out


def _plan_event_id(nodes: list, values) -> int | None:
    return _event_id(_text_of(_fast_nodes(nodes, values) if values is not None else nodes))


def _plan_provider(attrs: list, values) -> str | None:
    """Provider/@Name as the rust backend's regex reads it (see ``_json_provider``)."""
    for name, nodes in attrs:
        if values is not None:
            nodes = _fast_nodes(nodes, values)
        if not _has_content(nodes):
            continue
        value = _content(nodes)
        if name == "Name":
            return value if isinstance(value, str) else None
        if isinstance(value, str) and ("{" in value or "}" in value):
            return None
    return None


# --- the walk -----------------------------------------------------------------------------

def _load(source) -> tuple[object, callable]:
    """Bytes-like view of ``source`` and how to release it."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), lambda: None
    if isinstance(source, (str, os.PathLike)):
        fh = open(source, "rb")
        try:
            if os.fstat(fh.fileno()).st_size == 0:
                fh.close()
                return b"", lambda: None
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except BaseException:
            fh.close()
            raise

        def close() -> None:
            mm.close()
            fh.close()
        return mm, close
    source.seek(0)
    return source.read(), lambda: None


def read_records(source: str | BinaryIO | bytes, report: FileReport, *,
                 recovered: bool = False) -> Iterator[RawRecord]:
    """Yield the wanted records of one file; count every record into ``report``.

    ``source`` is a path (memory-mapped read-only), a bytes object, or a seekable binary
    file object (read into memory).  Chunks are found by offset, not by the file header's
    count.  A bad chunk or record is counted in ``report.skipped``/``report.errors`` with
    its absolute offset, and the walk goes on.  A trailing partial chunk is counted, not
    read (recovery is another module's job).  A file with neither a valid file header nor
    any valid chunk raises ``ValueError``.
    """
    buf, close = _load(source)
    try:
        yield from _walk(buf, report, recovered)
    finally:
        close()


def _walk(buf, report: FileReport, recovered: bool) -> Iterator[RawRecord]:
    size = len(buf)
    if size < FILE_HEADER_SIZE:
        raise ValueError(f"not an EVTX file: {size} bytes, shorter than the file header")
    header_ok = buf[:8] == FILE_MAGIC
    if not header_ok:
        if size < FILE_HEADER_SIZE + CHUNK_SIZE:
            raise ValueError("not an EVTX file: bad file header magic")
        report.note("bad file header magic; chunks read by offset", offset=0)
    full, tail = divmod(max(size - FILE_HEADER_SIZE, 0), CHUNK_SIZE)
    structs: dict = {}
    seconds: dict = {}
    any_chunk = False
    for index in range(full):
        off = FILE_HEADER_SIZE + index * CHUNK_SIZE
        if buf[off:off + 8] != CHUNK_MAGIC:
            if buf[off:off + CHUNK_SIZE] == _ZERO_CHUNK:
                continue  # never written (a new log is preallocated): nothing is lost
            report.skipped += 1
            report.error("bad chunk magic", offset=off, chunk=index)
            continue
        any_chunk = True
        try:
            yield from _walk_chunk(_Chunk(buf, off, index, structs), report, recovered, seconds)
        except Exception as exc:  # noqa: BLE001 - a broken chunk must not end the file
            report.skipped += 1
            report.error(f"chunk unreadable: {type(exc).__name__}: {exc}"[:300],
                         offset=off, chunk=index)
    if tail:
        report.skipped += 1
        report.error(f"truncated chunk: {tail} of {CHUNK_SIZE} bytes",
                     offset=FILE_HEADER_SIZE + full * CHUNK_SIZE, chunk=full)
    if not header_ok and not any_chunk:
        raise ValueError("not an EVTX file: bad file header magic and no valid chunk")


def _walk_chunk(ck: _Chunk, report: FileReport, recovered: bool,
                seconds: dict) -> Iterator[RawRecord]:
    buf, base, index = ck.buf, ck.off, ck.index
    header = ChunkHeader(buf, base)
    free = min(header.next_record_offset(), CHUNK_SIZE)
    first_id, last_id = header.log_first_record_number(), header.log_last_record_number()
    stats = report.stats
    pos = CHUNK_HEADER_SIZE
    while pos < free:
        at = base + pos
        if pos + 24 > CHUNK_SIZE:
            report.skipped += 1
            report.error("record header past the end of the chunk", offset=at, chunk=index)
            break
        magic, size, record_id, filetime = _RECORD_HEADER(buf, at)
        if magic != RECORD_MAGIC or size < 28 or pos + size > free:
            # pyevtx-rs ends the chunk here.  The chunk header promises records up to
            # ``free``: look for the next one of this chunk and go on from there.
            bad_id = record_id if magic == RECORD_MAGIC else None
            why = (f"bad record magic 0x{magic:08x}" if bad_id is None
                   else f"record {record_id}: bad record size {size}")
            nxt = _resync(buf, base, pos + 8, free, first_id, last_id)
            report.skipped += 1
            if nxt is None:
                report.error(f"{why}; no further record of this chunk before its free "
                             f"space at chunk offset {free}", offset=at, chunk=index,
                             record_id=bad_id)
                break
            report.error(f"{why}; {nxt - pos} bytes skipped to the next record",
                         offset=at, chunk=index, record_id=bad_id)
            pos = nxt
            continue
        pos += size
        last = record_id == last_id  # the chunk header's last record ends the chunk
        try:
            event_id, provider, doc = _prefilter(ck, at + 24, at + size - 4)
            wanted = event_id is not None and provider is not None and is_wanted(provider,
                                                                                   event_id)
            raw = None
            if wanted:
                if doc is None:
                    doc = _record_json(_parse(ck, at + 24, at + size - 4, template=False))
                try:
                    raw = from_json(doc, record_id, recovered)
                except (ValueError, KeyError, TypeError) as exc:  # as rust.read_records
                    raise BadRecord(f"unreadable JSON ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - one bad record must not end the chunk
            report.skipped += 1
            report.error(f"record {record_id}: {type(exc).__name__}: {exc}"[:300],
                         offset=at, chunk=index, record_id=record_id)
            if last:
                break
            continue
        report.records += 1
        sec, frac = divmod(filetime, 10_000_000)
        stamp = seconds.get(sec)
        if stamp is None:
            try:
                stamp = f"{_EPOCH_1601 + timedelta(seconds=sec):%Y-%m-%dT%H:%M:%S}"
            except OverflowError:
                stamp = ""
            seconds[sec] = stamp
        stats.add(record_id, f"{stamp}.{frac // 10:06d}Z" if stamp else "", event_id, provider)
        if raw is not None:
            stats.add_identity(raw.channel, raw.computer)
            yield raw
        if last:
            break


def _resync(buf, base: int, pos: int, free: int, first_id: int, last_id: int) -> int | None:
    """Chunk offset of the next plausible record in [pos, free), or None.

    Records are 8-byte aligned and end with a copy of their size.  Only ids within the
    chunk header's range are taken: a record left from an earlier use of the chunk
    would be read with this chunk's templates, which need not be its own.
    """
    pos = (pos + 7) & ~7
    magic = b"\x2a\x2a\x00\x00"
    while True:
        pos = buf.find(magic, base + pos, base + free) - base
        if pos < 0:
            return None
        if pos % 8 == 0 and pos + 28 <= free:
            _magic, size, record_id, _ft = _RECORD_HEADER(buf, base + pos)
            if (28 <= size <= free - pos and first_id <= record_id <= last_id
                    and _U32(buf, base + pos + size - 4)[0] == size):
                return pos
        pos += 1


def _prefilter(ck: _Chunk, pos: int, end: int) -> tuple[int | None, str | None, dict | None]:
    """EventID and provider name of the record whose binary XML is at [pos, end).

    Fast path: a template instance whose template writes System literally; only the
    substitutions that EventID/Provider use are decoded.  Otherwise the record is
    instantiated in full and its JSON model returned as the third item.
    """
    buf = ck.buf
    first = buf[pos]
    if first == 0x0F:
        pos += 4
        first = buf[pos]
    if first == 0x0C:
        def_off, count, vstart, desc, _vend = _instance_header(ck, pos, end)
        plan = ck.template(def_off).plan
        if plan is not None:
            eid_plan, eid_literal, prov_plan, prov_literal = plan
            offsets: list = []

            def values(i: int):
                if i >= count:
                    return None
                if not offsets:
                    offsets.extend(accumulate(desc[0:2 * count:2], initial=vstart))
                return _value(buf, offsets[i], desc[2 * i + 1], desc[2 * i])
            try:
                event_id = eid_plan if eid_literal else _plan_event_id(eid_plan, values)
                provider = prov_plan if prov_literal else _plan_provider(prov_plan, values)
                return event_id, provider, None
            except _Slow:
                pass
    doc = _record_json(_parse(ck, pos, end, template=False))
    return _json_event_id(doc), _json_provider(doc), doc
