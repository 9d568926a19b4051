"""A chunk's string and template tables: their hash chains checked, linked again, rebuilt.

The 64 string and 32 template table entries of a chunk header each start a chain through
the definitions' next-offsets.  pyevtx-rs follows every chain when it loads a chunk and
resolves names through that cache; python-evtx resolves names only through the tables.
So a chain that loops hangs pyevtx-rs for good (holding the GIL), a chain cut short costs
it the records that use the names it held, and a cut chunk whose table heads point past
the cut hides the older definitions of their buckets.  This module finds such chains
(for ``inspect``), links them again from the definitions found in the chunk (for
``assess``), and rebuilds the heads of a chunk cut mid-way (for ``recover``).
"""

from __future__ import annotations

import struct

from .format import (
    CHUNK_HEADER_SIZE,
    FRAGMENT_HEADER,
    STRING_BUCKETS,
    STRING_TABLE,
    TABLE_BUCKETS,
    TEMPLATE_BUCKETS,
    TEMPLATE_DEFINITION_HEADER,
    TEMPLATE_TABLE,
    TOKEN_TEMPLATE_INSTANCE,
    name_hash,
    template_bucket,
)

_U32 = struct.Struct("<I").unpack_from
_TABLE_HEADS = struct.Struct(f"<{TABLE_BUCKETS}I").unpack_from
_STRING_HEADS = struct.Struct(f"<{STRING_BUCKETS}I")
_TEMPLATE_HEADS = struct.Struct(f"<{TEMPLATE_BUCKETS}I")


def chain_faults(chunk: bytes | bytearray | memoryview, end: int,
                 fix: bytearray | None = None) -> list[str]:
    """Faults in the chunk's string (64) and template (32) hash chains, in words.

    Each table entry starts a chain through the entries' next-offsets, which pyevtx-rs
    follows until it reads 0 when it loads a chunk: a chain that loops (one flipped bit
    can do it) hangs it for good, holding the GIL; and it resolves names through that
    cache, so a chain cut short costs it the records that use the names it held. Windows
    prepends each new entry, so a chain runs to strictly lower offsets inside the records
    area (true of every chunk in the public samples); anything else is a fault. With
    ``fix``, each faulty chain is linked again in ``fix`` from the definitions found in the
    chunk (see ``relink_chains``). About 50 us a chunk without faults.
    """
    faults: list[str] = []
    bad: set[int] = set()
    heads = _TABLE_HEADS(chunk, STRING_TABLE)
    for bucket in range(TABLE_BUCKETS):
        off = heads[bucket]
        if not off:
            continue
        room = 8 if bucket < STRING_BUCKETS else 24
        while off:
            if not CHUNK_HEADER_SIZE <= off <= end - room:
                why = f"points outside the records (offset {off:#x})"
            else:
                nxt = _U32(chunk, off)[0]
                if nxt < off:
                    off = nxt
                    continue
                why = f"loops (offset {off:#x} leads to {nxt:#x})"
            kind, n = (("string", bucket) if bucket < STRING_BUCKETS
                       else ("template", bucket - STRING_BUCKETS))
            faults.append(f"{kind} table chain {n} {why}: linked again from the "
                          f"definitions in the chunk")
            bad.add(bucket)
            break
    if fix is not None and bad:
        relink_chains(fix, end, bad)
    return faults


def relink_chains(chunk: bytearray, end: int, buckets: set[int]) -> None:
    """Link the given table buckets (0-63 strings, 64-95 templates) again, as Windows links
    them: every inline definition of the bucket found in [512, end), newest at the head,
    each pointing to the one before. Only next-offsets change, which BinXML never reads."""
    view = memoryview(chunk)
    found: dict[int, list[int]] = {b: [] for b in buckets}
    strings = any(b < STRING_BUCKETS for b in buckets)
    templates = any(b >= STRING_BUCKETS for b in buckets)
    for p in range(CHUNK_HEADER_SIZE + 4, end):
        if _U32(chunk, p - 4)[0] != p:  # an inline definition follows a reference to itself
            continue
        if strings:
            b = string_definition_at(view, p, end, check_next=False)
            if b in found:
                found[b].append(p)
        if templates:
            b = template_definition_at(view, p, end, check_next=False)
            if b is not None and b + STRING_BUCKETS in found:
                found[b + STRING_BUCKETS].append(p)
    view.release()
    for bucket, offsets in found.items():
        prev = 0
        for p in offsets:
            struct.pack_into("<I", chunk, p, prev)
            prev = p
        struct.pack_into("<I", chunk, STRING_TABLE + 4 * bucket, prev)


def string_definition_at(data: memoryview, p: int, end: int, check_next: bool = True) -> int | None:
    """Bucket of a valid inline name definition at ``p``, else None."""
    if p + 10 > end:
        return None
    next_offset, stored_hash, count = struct.unpack_from("<IHH", data, p)
    stop = p + 8 + 2 * count
    if (not count or (check_next and next_offset >= p) or stop + 2 > end
            or bytes(data[stop:stop + 2]) != b"\0\0"):
        return None
    try:
        full = name_hash(bytes(data[p + 8:stop]).decode("utf-16-le"))
    except UnicodeDecodeError:
        return None
    return full % STRING_BUCKETS if full & 0xFFFF == stored_hash else None


def template_definition_at(data: memoryview, p: int, end: int, check_next: bool = True) -> int | None:
    """Bucket of a valid inline template definition at ``p``, else None."""
    if p < 10 or p + 28 > end or data[p - 10] != TOKEN_TEMPLATE_INSTANCE:
        return None
    next_offset, = struct.unpack_from("<I", data, p)
    template_id, = struct.unpack_from("<I", data, p - 8)
    size, = struct.unpack_from("<I", data, p + 20)
    if ((check_next and next_offset >= p) or template_id != struct.unpack_from("<I", data, p + 4)[0]
            or p + TEMPLATE_DEFINITION_HEADER + size > end
            or bytes(data[p + 24:p + 28]) != FRAGMENT_HEADER):
        return None
    return template_bucket(bytes(data[p + 4:p + 20]))


def heads_before(chunk: memoryview, end: int) -> tuple[list[int], list[int]]:
    """String and template table heads as they were when the chunk ended at ``end``.

    Heads before ``end`` are kept. A head past the cut hides its bucket's older entries
    (its next-pointer is lost), so for those buckets we find the newest definition before
    the cut: inline definitions are the only places where an offset field points at the
    very next byte, and we also check the stored hash, so stray matches do not survive.
    """
    strings = list(_STRING_HEADS.unpack_from(chunk, STRING_TABLE))
    templates = list(_TEMPLATE_HEADS.unpack_from(chunk, TEMPLATE_TABLE))
    lost_strings = {i for i, head in enumerate(strings) if head >= end}
    lost_templates = {i for i, head in enumerate(templates) if head >= end}
    for i in lost_strings:
        strings[i] = 0
    for i in lost_templates:
        templates[i] = 0
    if lost_strings or lost_templates:
        for p in range(CHUNK_HEADER_SIZE + 4, end):
            if _U32(chunk, p - 4)[0] != p:
                continue
            bucket = string_definition_at(chunk, p, end)
            if bucket in lost_strings and p > strings[bucket]:
                strings[bucket] = p
            bucket = template_definition_at(chunk, p, end)
            if bucket in lost_templates and p > templates[bucket]:
                templates[bucket] = p
    return strings, templates


def write_heads(chunk: bytearray, strings: list[int], templates: list[int]) -> None:
    """Store table heads (as ``heads_before`` gives them) in a chunk header."""
    _STRING_HEADS.pack_into(chunk, STRING_TABLE, *strings)
    _TEMPLATE_HEADS.pack_into(chunk, TEMPLATE_TABLE, *templates)
