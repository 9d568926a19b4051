"""Collections that come as archives: zip (KAPE, Velociraptor, CyLR), 7z, tar(.gz/.bz2/.xz).

Listing reads only the archive's index.  Opening a member: an uncompressed zip or tar
member is read in place (a byte range of the archive); a compressed one is decompressed
once into memory or an anonymous temporary file (``streams.scratch``), because the
readers seek.  A member that is damaged part way is read up to the damage and the rest
is reported, so the EVTX layer treats it as a truncated log (and recovers what it can).

Passwords (``--archive-password``, repeatable) are tried in turn; ZipCrypto and WinZip
AES zips (pyzipper) and 7z with or without encrypted names (py7zr).
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from .model import Container, Locator, LogRef, SourceOptions
from .names import copy_key, is_log_name, is_velociraptor, shadow_copy, velociraptor_original
from .streams import RangeRaw, buffered, scratch


class ArchiveError(Exception):
    """The archive (or a member) cannot be read; ``str()`` is the one line to show."""


def _no_password(given: tuple[str, ...]) -> str:
    return ("password-protected archive: none of the --archive-password values opened it"
            if given else "password-protected archive: give --archive-password")


# ------------------------------------------------------------------------------- zip

def _zip(path: str):
    import pyzipper  # WinZip AES as well as ZipCrypto; the stdlib reads only the latter
    return pyzipper.AESZipFile(path)


def _bad_zip() -> tuple[type[BaseException], ...]:
    import pyzipper  # its own copy of zipfile, with its own BadZipFile
    return (zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error, EOFError, ValueError,
            RuntimeError, NotImplementedError)


def _zip_password(z, info, given: tuple[str, ...]) -> str | None:
    """The first password that opens ``info`` (None: it is not encrypted)."""
    if not info.flag_bits & 0x1:
        return None
    for pw in given:
        try:
            with z.open(info, pwd=pw.encode()) as f:
                f.read(1)
            return pw
        except _bad_zip():
            continue
    raise ArchiveError(_no_password(given))


def list_zip(c: Container, opts: SourceOptions, match=is_log_name) -> Iterator[LogRef]:
    try:
        z = _zip(c.path)
    except (OSError, *_bad_zip()) as exc:
        raise ArchiveError(f"corrupt zip archive: {exc}") from exc
    with z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        velo = is_velociraptor(names)
        if velo:
            c.notes.append("Velociraptor collection: member names decoded for original paths")
        for info in infos:
            if info.is_dir() or not match(info.filename):
                continue
            yield _member_ref(c, info.filename, info.file_size, "zip", velo,
                              lambda info=info: _zip_password(z, info, opts.archive_passwords))


def _member_ref(c: Container, name: str, size: int, kind: str, velo: bool,
                password) -> LogRef:
    display = f"{c.display}::{name}"
    original = velociraptor_original(name) if velo else None
    snapshot, below = shadow_copy(original) if original else (None, name)
    try:
        secret = password()
    except ArchiveError as exc:
        return LogRef(display, Locator(kind, c.path, name), c.display, str(exc), size,
                      original)
    return LogRef(display, Locator(kind, c.path, name, secret), c.display, None, size,
                  original, snapshot, copy_key(c.path, below))


def open_zip(loc: Locator) -> tuple[BinaryIO, list[str]]:
    z = _zip(loc.path)
    try:
        info = z.getinfo(loc.member)
        pwd = loc.secret.encode() if loc.secret else None
        if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1:
            start = _zip_data_offset(loc.path, info)
            return buffered(RangeRaw(loc.path, start, info.file_size, loc.member)), []
        with z.open(info, pwd=pwd) as member:
            # WinZip AE-2 stores no CRC (the AES authentication code stands for it)
            crc = None if getattr(info, "wz_aes_version", None) == 2 else info.CRC
            return _salvage(member, loc.member, info.file_size, "zip entry", crc)
    finally:
        z.close()


def _zip_data_offset(path: str, info) -> int:
    """Where a member's data begins: after its *local* header, whose extra field may
    differ in length from the central directory's."""
    import struct
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
    if head[:4] != b"PK\x03\x04":
        raise ArchiveError(f"corrupt zip entry {info.filename}: no local header")
    name_len, extra_len = struct.unpack_from("<HH", head, 26)
    return info.header_offset + 30 + name_len + extra_len


def _salvage(member, name: str, size: int, what: str, crc: int | None = None
             ) -> tuple[BinaryIO, list[str]]:
    """Decompress a member; on damage keep what could be read and say so.

    A zip member's CRC-32 is checked only at its end, and a failed check throws away
    the last read: so the check is switched off (``_expected_crc``, as zipfile and
    pyzipper name it) and made here instead.  The log's own chunk checksums then show
    where the damage is, and the EVTX layer reads around it.
    """
    if crc is not None and hasattr(member, "_expected_crc"):
        member._expected_crc = None
    out = scratch(size)
    problems: list[str] = []
    running = 0
    try:
        while True:
            block = member.read(1 << 16)
            if not block:
                break
            running = zlib.crc32(block, running)
            out.write(block)
    except (OSError, tarfile.TarError, *_bad_zip()) as exc:
        problems.append(f"corrupt {what}: {exc}; read {out.tell()} of {size} bytes, "
                        f"the rest is lost")
    else:
        if crc is not None and running != crc:
            problems.append(f"corrupt {what}: CRC-32 does not match (the data is damaged "
                            f"somewhere in its {size} bytes); read as it is")
    out.seek(0)
    try:
        out.name = name  # type: ignore[misc]
    except (AttributeError, TypeError):
        pass
    return out, problems


# -------------------------------------------------------------------------------- 7z

def _seven(path: str, password: str | None):
    import py7zr
    return py7zr.SevenZipFile(path, password=password)


def list_7z(c: Container, opts: SourceOptions, match=is_log_name) -> Iterator[LogRef]:
    import py7zr
    tried: list[str | None] = [None, *opts.archive_passwords]
    last: Exception | None = None
    for pw in tried:
        try:
            with _seven(c.path, pw) as z:
                entries = [(e.filename, e.uncompressed) for e in z.list() if not e.is_directory]
                locked = z.needs_password()
            break
        except py7zr.PasswordRequired as exc:
            last = exc
        except (py7zr.Bad7zFile, OSError, EOFError, ValueError, KeyError) as exc:
            last = exc
            if pw is None:
                raise ArchiveError(f"corrupt 7z archive: {exc}") from exc
    else:
        if isinstance(last, py7zr.PasswordRequired) or opts.archive_passwords:
            raise ArchiveError(_no_password(opts.archive_passwords))
        raise ArchiveError(f"corrupt 7z archive: {last}")
    names = [n for n, _ in entries]
    velo = is_velociraptor(names)
    for name, size in entries:
        if not match(name):
            continue
        yield _member_ref(c, name, size or 0, "7z", velo,
                          lambda: _seven_password(c.path, locked, pw, opts.archive_passwords))


def _seven_password(path: str, locked: bool, listed_with: str | None,
                    given: tuple[str, ...]) -> str | None:
    """A password that decrypts the data (names may be readable without one)."""
    if not locked:
        return None
    if listed_with is not None:
        return listed_with
    for pw in given:
        try:
            with _seven(path, pw) as z:
                z.test()
            return pw
        except Exception:  # noqa: BLE001 - py7zr raises many kinds for a wrong password
            continue
    raise ArchiveError(_no_password(given))


class _Sink:
    """py7zr writes the one member we asked for into this (memory, or spooled)."""

    def __init__(self, name: str, size: int) -> None:
        self.buf = scratch(size)
        self.name = name

    def write(self, s) -> int:
        return self.buf.write(s)

    def read(self, size=None) -> bytes:
        return self.buf.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buf.seek(offset, whence)

    def flush(self) -> None:
        pass

    def size(self) -> int:
        return self.buf.seek(0, io.SEEK_END)

    def close(self) -> None:
        pass


def open_7z(loc: Locator) -> tuple[BinaryIO, list[str]]:
    import py7zr
    from py7zr.io import WriterFactory

    size = 0
    with _seven(loc.path, loc.secret) as z:
        for e in z.list():
            if e.filename == loc.member:
                size = e.uncompressed or 0

    class Factory(WriterFactory):
        sink: _Sink | None = None

        def create(self, filename: str):
            self.sink = _Sink(filename, size)
            return self.sink

    factory = Factory()
    problems: list[str] = []
    try:
        with _seven(loc.path, loc.secret) as z:
            z.extract(targets=[loc.member], factory=factory)
    except (py7zr.Bad7zFile, py7zr.PasswordRequired, OSError, EOFError, ValueError,
            zlib.error) as exc:
        problems.append(f"corrupt 7z entry: {exc}")
    if factory.sink is None:
        raise ArchiveError(problems[0] if problems else f"{loc.member}: not extracted")
    out = factory.sink.buf
    out.seek(0)
    try:
        out.name = loc.member  # type: ignore[misc]
    except (AttributeError, TypeError):
        pass
    return out, problems


# ------------------------------------------------------------------------------- tar

def list_tar(c: Container, opts: SourceOptions, match=is_log_name) -> Iterator[LogRef]:
    try:
        t = tarfile.open(c.path, "r:*")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ArchiveError(f"corrupt tar archive: {exc}") from exc
    with t:
        try:
            members = t.getmembers()
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            c.problems.append(("", f"corrupt tar archive after {len(t.members)} members: "
                                   f"{exc}"))
            members = list(t.members)
    names = [m.name for m in members]
    velo = is_velociraptor(names)
    for m in members:
        if m.isfile() and match(m.name):
            yield _member_ref(c, m.name, m.size, "tar", velo, lambda: None)


def open_tar(loc: Locator) -> tuple[BinaryIO, list[str]]:
    t = tarfile.open(loc.path, "r:*")
    try:
        m = t.getmember(loc.member)
        plain = isinstance(t.fileobj, io.BufferedReader) or type(t.fileobj).__name__ == \
            "BufferedReader"
        if plain and not m.issparse():
            return buffered(RangeRaw(loc.path, m.offset_data, m.size, loc.member)), []
        member = t.extractfile(m)
        return _salvage(member, loc.member, m.size, "tar entry")
    finally:
        t.close()
