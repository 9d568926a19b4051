"""One chunk being decoded: its names and compiled templates, by chunk-relative offset.

Names and templates are defined once in a chunk and referenced by offset from every
record after, so they are decoded once per chunk and cached here.  Names are read at
their offset rather than through the string table: python-evtx raises on a name that is
not in the table, pyevtx-rs reads it, and so do we.
"""

from __future__ import annotations

import struct

from ...evtx.format import CHUNK_SIZE, TEMPLATE_DEFINITION_HEADER
from .fragment import parse_fragment
from .nodes import BadRecord
from .prefilter import Template
from .values import U16, U32


class ChunkDecoder:
    """One chunk being read: its names and compiled templates, by chunk-relative offset."""

    __slots__ = ("buf", "off", "index", "names", "templates", "structs")

    def __init__(self, buf, off: int, index: int, structs: dict) -> None:
        self.buf = buf
        self.off = off
        self.index = index
        self.names: dict[int, str] = {}
        self.templates: dict[int, Template] = {}
        self.structs = structs

    def name_at(self, pos: int) -> tuple[str, int]:
        """Read a name reference at ``pos``; skip the name when it is defined in place."""
        ref = U32(self.buf, pos)[0]
        pos += 4
        name = self.names.get(ref)
        if name is None:
            if ref + 8 > CHUNK_SIZE:
                raise BadRecord(f"name offset {ref} is outside the chunk")
            at = self.off + ref
            n = U16(self.buf, at + 6)[0]
            if ref + 8 + 2 * n > CHUNK_SIZE or at + 8 + 2 * n > len(self.buf):
                raise BadRecord(f"name at chunk offset {ref} ({n} characters) runs past the chunk")
            name = self.buf[at + 8:at + 8 + 2 * n].decode("utf-16-le", "surrogatepass")
            self.names[ref] = name
        if ref == pos - self.off:
            pos += 10 + 2 * U16(self.buf, pos + 6)[0]
        return name, pos

    def template(self, def_off: int) -> Template:
        """The template defined at chunk offset ``def_off``, compiled on first use."""
        tmpl = self.templates.get(def_off)
        if tmpl is None:
            if def_off + TEMPLATE_DEFINITION_HEADER > CHUNK_SIZE:
                raise BadRecord(f"template offset {def_off} is outside the chunk")
            at = self.off + def_off
            size = U32(self.buf, at + 20)[0]
            body = at + TEMPLATE_DEFINITION_HEADER
            if def_off + TEMPLATE_DEFINITION_HEADER + size > CHUNK_SIZE:
                raise BadRecord(f"template at chunk offset {def_off} runs past the chunk")
            tmpl = Template(parse_fragment(self, body, body + size, template=True))
            self.templates[def_off] = tmpl
        return tmpl

    def descriptors(self, count: int) -> struct.Struct:
        """How ``count`` substitution descriptors unpack (size, type, pad), shared by file."""
        s = self.structs.get(count)
        if s is None:
            s = self.structs[count] = struct.Struct("<" + "HBx" * count)
        return s
