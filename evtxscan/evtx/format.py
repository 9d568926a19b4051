"""The EVTX format's constants and fixed structures, declared once.

Everything else in ``evtxscan.evtx`` (and the readers, the fixture writer and the bench
scripts) takes its magic values, sizes and field offsets from here, so that a number such
as 4096 or the offset of a chunk's free space pointer has one owner.  The layout follows
MS-EVEN6 and libevtx's notes: a 4096-byte file header (128 bytes used) followed by 64 KiB
chunks; each chunk has a 512-byte header (with the string and template hash tables) and
then records, each framed by a magic, its size and a trailing copy of the size.

Only declarations and the arithmetic of the headers live here (decode, checksum, seal);
walking records is ``walk``, judging damage is ``layout`` and ``repair``.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

FILE_MAGIC = b"ElfFile\0"
CHUNK_MAGIC = b"ElfChnk\0"
RECORD_MAGIC = b"**\0\0"

FILE_HEADER_SIZE = 4096        # on disk; the first 128 bytes are used
FILE_HEADER_USED = 128
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512        # records start here
RECORD_HEADER_SIZE = 24        # magic, size, record id, written FILETIME
MIN_RECORD_SIZE = RECORD_HEADER_SIZE + 4  # + the trailing copy of the size
MAX_RECORDS_PER_CHUNK = CHUNK_SIZE // MIN_RECORD_SIZE
MAX_U64 = (1 << 64) - 1
ZERO_CHUNK = bytes(CHUNK_SIZE)

# file header (bytes 0..128): magic .. chunk count, then flags and CRC32 at 120 and 124
FILE_HEADER = struct.Struct("<8sQQQIHHHH")
FILE_CHUNK_COUNT = 42          # u16
FILE_FLAGS = 120               # u32: 1 dirty, 2 full
FILE_CHECKSUM = 124            # u32: CRC32 of bytes 0..120
FILE_CRC_SPAN = 120

# chunk header (bytes 0..512)
CHUNK_HEADER = struct.Struct("<8sQQQQIIII")  # magic .. records checksum (bytes 0..56)
CHUNK_RECORD_NUMBERS = 8       # u64 first, u64 last record number
CHUNK_LAST_RECORD_NUMBER = 16  # u64
CHUNK_RECORD_IDS = 24          # u64 first, u64 last record id
CHUNK_LAST_RECORD_ID = 32      # u64
CHUNK_LAST_RECORD_OFFSET = 44  # u32, followed by the free space offset (u32)
CHUNK_FREE_SPACE = 48          # u32
CHUNK_DATA_CHECKSUM = 52       # u32: CRC32 of the records, 512 .. free space
CHUNK_FLAGS = 120              # u32
CHUNK_HEADER_CHECKSUM = 124    # u32: CRC32 of bytes 0..120 and 128..512
STRING_TABLE = 128             # 64 u32 heads of the name hash chains
STRING_BUCKETS = 64
TEMPLATE_TABLE = 384           # 32 u32 heads of the template chains
TEMPLATE_BUCKETS = 32
TABLE_BUCKETS = STRING_BUCKETS + TEMPLATE_BUCKETS  # both tables, back to back from 128

# record header: magic, size, record id, written time (FILETIME); the size again at the end
RECORD_HEADER = struct.Struct("<4sIQQ")

# BinXML tokens (MS-EVEN6 2.2.12): the low nibble is the token, 0x40 a flag (an element
# start with attributes, an attribute with more to follow)
TOKEN_END_OF_STREAM = 0x00
TOKEN_OPEN_START = 0x01
TOKEN_CLOSE_START = 0x02
TOKEN_CLOSE_EMPTY = 0x03
TOKEN_END_ELEMENT = 0x04
TOKEN_VALUE = 0x05
TOKEN_ATTRIBUTE = 0x06
TOKEN_CDATA = 0x07
TOKEN_CHAR_REF = 0x08
TOKEN_ENTITY_REF = 0x09
TOKEN_PI_TARGET = 0x0A
TOKEN_PI_DATA = 0x0B
TOKEN_TEMPLATE_INSTANCE = 0x0C
TOKEN_SUBSTITUTION = 0x0D
TOKEN_OPTIONAL_SUBSTITUTION = 0x0E
TOKEN_FRAGMENT_HEADER = 0x0F
TOKEN_HAS_MORE = 0x40
FRAGMENT_HEADER = b"\x0f\x01\x01\x00"  # token, major 1, minor 1, flags 0
TEMPLATE_DEFINITION_HEADER = 24  # next offset, GUID, size; the template's fragment follows

# BinXML value types (MS-EVEN6 2.2.15); ``| TYPE_ARRAY`` makes an array of the type
TYPE_NULL = 0x00
TYPE_STRING = 0x01             # UTF-16LE
TYPE_ANSI_STRING = 0x02
TYPE_INT8 = 0x03
TYPE_UINT8 = 0x04
TYPE_INT16 = 0x05
TYPE_UINT16 = 0x06
TYPE_INT32 = 0x07
TYPE_UINT32 = 0x08
TYPE_INT64 = 0x09
TYPE_UINT64 = 0x0A
TYPE_REAL32 = 0x0B
TYPE_REAL64 = 0x0C
TYPE_BOOL = 0x0D               # 32-bit
TYPE_BINARY = 0x0E
TYPE_GUID = 0x0F
TYPE_SIZE_T = 0x10
TYPE_FILETIME = 0x11
TYPE_SYSTEMTIME = 0x12
TYPE_SID = 0x13
TYPE_HEXINT32 = 0x14
TYPE_HEXINT64 = 0x15
TYPE_BINXML = 0x21             # a nested BinXML fragment
TYPE_ARRAY = 0x80


def chunk_offset(index: int) -> int:
    """File offset of chunk ``index``."""
    return FILE_HEADER_SIZE + index * CHUNK_SIZE


class NotEvtxError(Exception):
    """The file is not an EVTX log at all (empty, or no ``ElfFile`` header).

    Raised rather than reported because there is nothing to read: the file loop catches it
    and names the file.  ``path`` is the name of the stream, as far as it has one.
    """

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: not an EVTX file: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FileHeader:
    """The 128 meaningful bytes of the 4096-byte file header."""

    first_chunk: int
    last_chunk: int
    next_record_id: int
    header_size: int
    minor_version: int
    major_version: int
    block_size: int
    chunk_count: int
    flags: int
    checksum: int
    checksum_ok: bool

    @property
    def dirty(self) -> bool:
        """Set while the service has the log open: counts may lag the chunks on disk."""
        return bool(self.flags & 1)

    @property
    def full(self) -> bool:
        return bool(self.flags & 2)


@dataclass(frozen=True, slots=True)
class ChunkHeader:
    """The fixed part of a chunk header (the string/template tables follow it)."""

    magic: bytes
    first_record_number: int
    last_record_number: int
    first_record_id: int
    last_record_id: int
    header_size: int
    last_record_offset: int
    free_space_offset: int
    data_checksum: int
    flags: int
    header_checksum: int


def file_header_crc(header: bytes | bytearray | memoryview) -> int:
    """CRC32 of the first 120 bytes, as stored at offset 124."""
    return zlib.crc32(header[:FILE_CRC_SPAN])


def chunk_header_crc(chunk: bytes | bytearray | memoryview) -> int:
    """CRC32 of bytes 0..120 and 128..512 (skipping the flags and the checksum itself)."""
    return zlib.crc32(chunk[128:CHUNK_HEADER_SIZE], zlib.crc32(chunk[:120]))


def chunk_data_crc(chunk: bytes | bytearray | memoryview, free_space_offset: int) -> int:
    """CRC32 of the records area, 512 up to the free-space offset."""
    return zlib.crc32(chunk[CHUNK_HEADER_SIZE:free_space_offset])


def parse_file_header(header: bytes | bytearray | memoryview) -> FileHeader:
    """Decode a file header; the caller has checked the magic and that 128 bytes exist."""
    (_magic, first, last, next_id, size, minor, major, block, count) = FILE_HEADER.unpack_from(
        header)
    flags, checksum = struct.unpack_from("<II", header, FILE_FLAGS)
    return FileHeader(first, last, next_id, size, minor, major, block, count, flags, checksum,
                      checksum == file_header_crc(header))


def parse_chunk_header(chunk: bytes | bytearray | memoryview) -> ChunkHeader:
    """Decode the first 128 bytes of a chunk (magic not checked here)."""
    (magic, first_num, last_num, first_id, last_id, size, last_offset, free, data_crc) = (
        CHUNK_HEADER.unpack_from(chunk))
    flags, header_crc = struct.unpack_from("<II", chunk, CHUNK_FLAGS)
    return ChunkHeader(bytes(magic), first_num, last_num, first_id, last_id, size, last_offset,
                       free, data_crc, flags, header_crc)


def seal_header(header: bytearray) -> None:
    """Recompute the file header CRC in place (after patching counts, say)."""
    struct.pack_into("<I", header, FILE_CHECKSUM, file_header_crc(header))


def seal_chunk(chunk: bytearray) -> None:
    """Recompute a chunk's records CRC and header CRC in place, in that order.

    The records CRC is part of the header, so it must be written before the header CRC.
    """
    free = min(parse_chunk_header(chunk).free_space_offset, len(chunk))
    struct.pack_into("<I", chunk, CHUNK_DATA_CHECKSUM,
                     chunk_data_crc(chunk, max(free, CHUNK_HEADER_SIZE)))
    struct.pack_into("<I", chunk, CHUNK_HEADER_CHECKSUM, chunk_header_crc(chunk))


def synthetic_file_header(chunk_count: int, next_record_id: int = 0) -> bytes:
    """A valid file header for ``chunk_count`` chunks (both parsers need one to start)."""
    head = bytearray(FILE_HEADER_SIZE)
    FILE_HEADER.pack_into(head, 0, FILE_MAGIC, 0, max(chunk_count - 1, 0), next_record_id,
                          FILE_HEADER_USED, 1, 3, FILE_HEADER_SIZE, min(chunk_count, 0xFFFF))
    seal_header(head)
    return bytes(head)


def name_hash(name: str) -> int:
    """The string-table hash: x65599 over UTF-16 code units, 32-bit; bucket is ``% 64``.

    The fixture writer uses this one too; tests on real logs check it against what
    Windows wrote.
    """
    value = 0
    for unit in memoryview(name.encode("utf-16-le")).cast("H"):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value


def template_bucket(guid: bytes) -> int:
    """Template-table bucket: the same hash over the GUID's eight 16-bit words, ``% 32``."""
    value = 0
    for unit in struct.unpack("<8H", guid):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value % TEMPLATE_BUCKETS
