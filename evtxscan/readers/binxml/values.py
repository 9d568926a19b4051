"""BinXML values as pyevtx-rs renders them, so both readers give equal records.

Where the two libraries render a value differently, we follow pyevtx-rs (see the reader's
module docstring for the list): GUIDs uppercase without braces, HexInt as ``0x3e7``,
size_t as hex, bools as ``true``/``false``, times as ``...T..:..:...ffffffZ``, binary as
uppercase hex, floats with the shortest round-trip digits, UTF-16 cut at the first NUL.
A value that cannot be rendered fails the record (``BadRecord``), as it does in pyevtx-rs.
"""

from __future__ import annotations

import math
import struct
from datetime import datetime, timedelta
from decimal import Decimal

from ...evtx.format import (
    TYPE_ANSI_STRING,
    TYPE_ARRAY,
    TYPE_BINARY,
    TYPE_BINXML,
    TYPE_BOOL,
    TYPE_FILETIME,
    TYPE_GUID,
    TYPE_HEXINT32,
    TYPE_HEXINT64,
    TYPE_INT8,
    TYPE_INT16,
    TYPE_INT32,
    TYPE_INT64,
    TYPE_NULL,
    TYPE_REAL32,
    TYPE_REAL64,
    TYPE_SID,
    TYPE_SIZE_T,
    TYPE_STRING,
    TYPE_SYSTEMTIME,
    TYPE_UINT8,
    TYPE_UINT16,
    TYPE_UINT32,
    TYPE_UINT64,
)
from .nodes import NULL, BadRecord, NestedFragment, Value

U16 = struct.Struct("<H").unpack_from
U32 = struct.Struct("<I").unpack_from
_GUID = struct.Struct("<IHH").unpack_from
_SYSTEMTIME = struct.Struct("<8H").unpack_from
EPOCH_1601 = datetime(1601, 1, 1)

# How fixed-width values unpack.  Integers and bool are the only ones pyevtx-rs writes as
# JSON numbers; everything else is text.
_NUMBERS = {
    TYPE_INT8: struct.Struct("<b"), TYPE_UINT8: struct.Struct("<B"),
    TYPE_INT16: struct.Struct("<h"), TYPE_UINT16: struct.Struct("<H"),
    TYPE_INT32: struct.Struct("<i"), TYPE_UINT32: struct.Struct("<I"),
    TYPE_INT64: struct.Struct("<q"), TYPE_UINT64: struct.Struct("<Q"),
    TYPE_REAL32: struct.Struct("<f"), TYPE_REAL64: struct.Struct("<d"),
    TYPE_BOOL: struct.Struct("<i"), TYPE_FILETIME: struct.Struct("<Q"),
    TYPE_HEXINT32: struct.Struct("<I"), TYPE_HEXINT64: struct.Struct("<Q"),
}
_WIDTH = {TYPE_INT8: 1, TYPE_UINT8: 1, TYPE_INT16: 2, TYPE_UINT16: 2, TYPE_INT32: 4,
          TYPE_UINT32: 4, TYPE_INT64: 8, TYPE_UINT64: 8, TYPE_REAL32: 4, TYPE_REAL64: 8,
          TYPE_BOOL: 4, TYPE_GUID: 16, TYPE_FILETIME: 8, TYPE_SYSTEMTIME: 16,
          TYPE_HEXINT32: 4, TYPE_HEXINT64: 8}
_INT_TYPES = frozenset(range(TYPE_INT8, TYPE_UINT64 + 1))
_STRING_ARRAY = TYPE_STRING | TYPE_ARRAY


def utf16_text(raw: bytes) -> str:
    """UTF-16LE as pyevtx-rs decodes it: cut at the first NUL, lone surrogates dropped."""
    s = raw.decode("utf-16-le", "ignore")
    cut = s.find("\x00")
    return s if cut < 0 else s[:cut]


def ansi_text(raw: bytes) -> str:
    """An ANSI (code page 1252) string; pyevtx-rs drops every NUL in it, not only the last."""
    raw = raw.replace(b"\x00", b"")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # the 5 bytes cp1252 leaves undefined map to C1 controls
        return "".join(bytes([b]).decode("cp1252", "strict") if b not in b"\x81\x8d\x8f\x90\x9d"
                       else chr(b) for b in raw)


def float_text(value: float, single: bool) -> str:
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


def iso_filetime(ft: int) -> str:
    """FILETIME as pyevtx-rs renders it: microseconds, truncated, ``Z``.

    Past year 9999 pyevtx-rs fails the record ("out-of-range date"); so do we.
    """
    try:
        dt = EPOCH_1601 + timedelta(seconds=ft // 10_000_000)
    except OverflowError:
        raise BadRecord(f"FILETIME {ft:#x} is an out-of-range date") from None
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{ft % 10_000_000 // 10:06d}Z"


def iso_systemtime(raw: bytes) -> str:
    year, month, _dow, day, hour, minute, second, millis = _SYSTEMTIME(raw)
    try:
        dt = datetime(year, month, day, hour, minute, second, millis * 1000)
    except ValueError:  # month 13, day 0, hour 25...: pyevtx-rs fails the record too
        raise BadRecord(f"SYSTEMTIME {raw.hex()} is an out-of-range date") from None
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond:06d}Z"


def guid_text(raw: bytes) -> str:
    d1, d2, d3 = _GUID(raw)
    tail = raw[8:16].hex().upper()
    return f"{d1:08X}-{d2:04X}-{d3:04X}-{tail[:4]}-{tail[4:]}"


def sid_text(raw: bytes) -> str:
    if len(raw) < 8:
        return "S-?"
    count = raw[1]
    subs = [str(U32(raw, 8 + 4 * i)[0]) for i in range(min(count, (len(raw) - 8) // 4))]
    return "-".join(["S", str(raw[0]), str(int.from_bytes(raw[2:8], "big")), *subs])


def scalar_value(type_: int, raw: bytes) -> Value:
    """Decode one fixed-width value of ``raw`` (exactly its width)."""
    if type_ in _INT_TYPES:
        v = _NUMBERS[type_].unpack(raw)[0]
        return Value(v, str(v))
    if type_ == TYPE_BOOL:  # pyevtx-rs keeps a bool that is neither 0 nor 1 as its number
        v = _NUMBERS[TYPE_BOOL].unpack(raw)[0]
        if v in (0, 1):
            return Value(v == 1, "true" if v else "false")
        return Value(v, str(v))
    if type_ in (TYPE_REAL32, TYPE_REAL64):
        return Value(None, float_text(_NUMBERS[type_].unpack(raw)[0], type_ == TYPE_REAL32))
    if type_ == TYPE_GUID:
        return Value(None, guid_text(raw))
    if type_ == TYPE_FILETIME:
        return Value(None, iso_filetime(_NUMBERS[TYPE_FILETIME].unpack(raw)[0]))
    if type_ == TYPE_SYSTEMTIME:
        return Value(None, iso_systemtime(raw))
    if type_ in (TYPE_HEXINT32, TYPE_HEXINT64):
        return Value(None, f"0x{_NUMBERS[type_].unpack(raw)[0]:x}")
    raise BadRecord(f"unsupported value type 0x{type_:02x}")


def substitution_value(buf, off: int, type_: int, size: int):
    """Decode a substitution value; strings become ``str`` (text nodes), as in pyevtx-rs."""
    if type_ == TYPE_STRING:
        return utf16_text(buf[off:off + size])
    if type_ == TYPE_NULL:
        return NULL
    width = _WIDTH.get(type_)
    if width is not None:
        raw = buf[off:off + width]
        if len(raw) < width:
            raise BadRecord(f"value of type 0x{type_:02x} runs past the end of the data")
        return scalar_value(type_, raw)
    if type_ == TYPE_BINARY:
        raw = buf[off:off + size]
        return Value(None, raw.hex().upper(), not raw)
    if type_ == TYPE_SID:
        return Value(None, sid_text(buf[off:off + size]))
    if type_ == TYPE_SIZE_T:  # rendered as a HexInt of its width
        raw = buf[off:off + size]
        return Value(None, f"0x{int.from_bytes(raw[:8], 'little'):x}")
    if type_ == TYPE_BINXML:
        return NestedFragment(off, size)
    if type_ == TYPE_ANSI_STRING:
        return ansi_text(buf[off:off + size])
    if type_ == _STRING_ARRAY:
        text = buf[off:off + size].decode("utf-16-le", "ignore")
        items = text.split("\x00")
        if text.endswith("\x00"):
            items.pop()
        return Value(None, ",".join(items), not items, items)
    width = _WIDTH.get(type_ & ~TYPE_ARRAY)
    if type_ & TYPE_ARRAY and width is not None:
        base = type_ & ~TYPE_ARRAY
        items = [scalar_value(base, buf[o:o + width]) for o in range(off, off + size - width + 1, width)]
        return Value(None, ",".join(i.text for i in items), not items, items)
    raise BadRecord(f"unsupported value type 0x{type_:02x}")


def literal_value(buf, pos: int) -> tuple[object, int]:
    """A Value token's payload inside a template (strings are length-prefixed)."""
    type_ = buf[pos]
    pos += 1
    if type_ == TYPE_STRING:
        n = U16(buf, pos)[0]
        return utf16_text(buf[pos + 2:pos + 2 + 2 * n]), pos + 2 + 2 * n
    if type_ == TYPE_ANSI_STRING:
        n = U16(buf, pos)[0]
        return ansi_text(buf[pos + 2:pos + 2 + n]), pos + 2 + n
    width = _WIDTH.get(type_)
    if width is None:
        raise BadRecord(f"unsupported literal value type 0x{type_:02x}")
    return scalar_value(type_, buf[pos:pos + width]), pos + width
