"""Recognise an evidence file by its first bytes, never by its extension.

Responders rename things (``disk.bin``, ``DC01.img.part``, ``collection``), and a KAPE
folder holds thousands of files that are neither logs nor containers.  Each kind here
is one signature check over the head (and, for a fixed VHD, the tail) of a file; the
first that matches names the kind.  A split image's later segments (``.E02``,
``.002``) are recognised as segments so they are read once, through the first.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

HEAD = 4096

EVTX = b"ElfFile\x00"
EWF1 = b"EVF\x09\x0d\x0a\xff\x00"
EWF2 = b"EVF2\x0d\x0a\x81\x00"
SEVEN_Z = b"7z\xbc\xaf\x27\x1c"
#: volume boot sectors (offset, bytes, what): a raw volume without a partition table
VOLUMES = ((3, b"NTFS    ", "NTFS"), (3, b"EXFAT   ", "exFAT"), (3, b"-FVE-FS-", "BitLocker"),
           (3, b"ReFS\x00\x00\x00\x00", "ReFS"), (54, b"FAT12   ", "FAT"),
           (54, b"FAT16   ", "FAT"), (82, b"FAT32   ", "FAT"))
_SPLIT_RAW = re.compile(r"^(.*)\.(\d{3})$")


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: str            # "evtx", "ewf", "vhdx", "vhd", "vmdk", "qcow", "raw", "zip", "7z", "tar"
    family: str          # "log", "image", "archive"
    segment: int = 1     # >1: a later segment of a split image (read through the first)
    detail: str = ""     # e.g. the file system of a raw volume


def _ewf(head: bytes, tail: bytes, path: str) -> Sniffed | None:
    if head.startswith(EWF1) or head.startswith(EWF2):
        segment = struct.unpack_from("<H", head, 9)[0] if head.startswith(EWF1) else 1
        return Sniffed("ewf", "image", segment or 1)
    return None


def _mbr_plausible(head: bytes, size: int) -> bool:
    """0x55AA alone is two bytes of chance: also want a sane partition entry."""
    if len(head) < 512 or head[510:512] != b"\x55\xaa":
        return False
    found = False
    for i in range(4):
        e = head[446 + 16 * i: 462 + 16 * i]
        status, ptype = e[0], e[4]
        start, count = struct.unpack_from("<II", e, 8)
        if ptype == 0:
            continue
        if status not in (0x00, 0x80) or count == 0 or start == 0:
            return False
        if ptype != 0xEE and (start + count) * 512 > max(size, 1) * 2:
            return False  # far beyond the file: not a partition table
        found = True
    return found


def _raw(head: bytes, tail: bytes, path: str) -> Sniffed | None:
    size = _size(path)
    if len(head) >= 520 and head[512:520] == b"EFI PART":
        return Sniffed("raw", "image", detail="GPT")
    for off, sig, what in VOLUMES:
        if head[off:off + len(sig)] == sig:
            return Sniffed("raw", "image", detail=what)
    if _mbr_plausible(head, size):
        return Sniffed("raw", "image", detail="MBR")
    return None


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _simple(kind: str, family: str, test: Callable[[bytes, bytes], bool]):
    def sniff(head: bytes, tail: bytes, path: str) -> Sniffed | None:
        return Sniffed(kind, family) if test(head, tail) else None
    return sniff


def _tar(head: bytes, tail: bytes, path: str) -> Sniffed | None:
    if head[257:262] == b"ustar":
        return Sniffed("tar", "archive")
    inner = _inflate_head(head)
    if inner[257:262] == b"ustar":
        return Sniffed("tar", "archive", detail="compressed")
    return None


def _inflate_head(head: bytes) -> bytes:
    """The first bytes of a gzip/bzip2/xz stream, decompressed (b"" if not one)."""
    import bz2
    import lzma
    import zlib
    try:
        if head[:2] == b"\x1f\x8b":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 1024)
        if head[:3] == b"BZh":
            return bz2.BZ2Decompressor().decompress(head, 1024)
        if head[:6] == b"\xfd7zXZ\x00":
            return lzma.LZMADecompressor().decompress(head, 1024)
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        pass
    return b""


#: checked in order; the first match names the kind
SNIFFERS: list[Callable[[bytes, bytes, str], Sniffed | None]] = [
    _simple("evtx", "log", lambda h, t: h.startswith(EVTX)),
    _ewf,
    _simple("vhdx", "image", lambda h, t: h.startswith(b"vhdxfile")),
    _simple("vhd", "image", lambda h, t: h.startswith(b"conectix") or t.startswith(b"conectix")),
    _simple("vmdk", "image", lambda h, t: h.startswith(b"KDMV") or h.startswith(b"COWD")
            or h.startswith(b"# Disk DescriptorFile")),
    _simple("qcow", "image", lambda h, t: h.startswith(b"QFI\xfb")),
    _simple("zip", "archive", lambda h, t: h[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")),
    _simple("7z", "archive", lambda h, t: h.startswith(SEVEN_Z)),
    _tar,
    _raw,
]


def sniff(path: str) -> Sniffed | None:
    """The kind of the file at ``path`` (None: neither a log nor a container).

    Raises OSError when the file cannot be read.
    """
    with open(path, "rb") as f:
        head = f.read(HEAD)
        tail = b""
        size = os.fstat(f.fileno()).st_size
        if size >= 512 + len(head) or size > HEAD:
            f.seek(max(0, size - 512))
            tail = f.read(512)
    for test in SNIFFERS:
        found = test(head, tail, path)
        if found is not None:
            if found.kind == "raw":
                found = _split_raw(path, found)
            return found
    split = _SPLIT_RAW.match(os.path.basename(path))
    if split and int(split.group(2)) > 1 and os.path.exists(
            os.path.join(os.path.dirname(path), f"{split.group(1)}.001")):
        return Sniffed("raw", "image", segment=int(split.group(2)))
    return None


def _split_raw(path: str, found: Sniffed) -> Sniffed:
    m = _SPLIT_RAW.match(os.path.basename(path))
    if m and int(m.group(2)) > 1:
        return Sniffed("raw", "image", segment=int(m.group(2)), detail=found.detail)
    return found


def segments(path: str, kind: str) -> list[str]:
    """Every file of a split image, first first (dfVFS finds them the same way)."""
    d, name = os.path.split(path)
    if kind == "ewf":
        stem, ext = os.path.splitext(name)
        if len(ext) == 4 and ext[1].upper() in "ELS":
            letter = ext[1]
            out = []
            for i in range(1, 100):
                p = os.path.join(d, f"{stem}.{letter}{i:02d}")
                if not os.path.exists(p):
                    break
                out.append(p)
            return out or [path]
    if kind == "raw":
        m = _SPLIT_RAW.match(name)
        if m and int(m.group(2)) in (0, 1):
            out = []
            for i in range(int(m.group(2)), 1000):
                p = os.path.join(d, f"{m.group(1)}.{i:03d}")
                if not os.path.exists(p):
                    break
                out.append(p)
            return out
    return [path]
