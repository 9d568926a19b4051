"""SYSTEM and SOFTWARE hives -> exposure facts, read with regipy (MIT).

What is read, and why:

* SYSTEM ``Select\\Current``: which ``ControlSetNNN`` was current (``CurrentControlSet`` is a
  link made at boot; offline, only ``Select`` says which one it is).
* SYSTEM ``ControlSetNNN\\Services\\DNS`` (present: the DNS Server role is installed) and
  ``...\\DNS\\Parameters\\TcpReceivePacketSize`` (the workaround), each control set, with the
  key's last-write time: a value cannot change without its key's last-write time moving,
  so a key last written before the alert held the same values at the alert.
* SYSTEM ``ControlSetNNN\\Control\\ComputerName\\ComputerName`` and ``Services\\Tcpip\\
  Parameters`` (``Hostname``/``Domain``): whose hive this is.
* SOFTWARE ``Microsoft\\Windows NT\\CurrentVersion``: ``ProductName``, ``CurrentBuild``
  (``CurrentBuildNumber``), ``UBR``, ``EditionID``, ``InstallationType``, ``CSDVersion``.
* SOFTWARE ``...\\Component Based Servicing\\Packages``: ``Package_for_KB*`` and
  ``Package_for_RollupFix*`` with ``CurrentState`` and, when the key has them,
  ``InstallTimeHigh``/``InstallTimeLow`` (a FILETIME).

Transaction logs: a hive whose two sequence numbers differ was not flushed cleanly, and
its ``.LOG1``/``.LOG2`` hold the newer pages.  They are applied (regipy's recovery, older
log first) into a private temporary folder that is removed at once; a clean hive is read
as it is.  regipy applies every ``HvLE`` entry without checking its hashes; we only call
it for a dirty hive.  Evidence is opened read-only and never written.

Damage: each hive's bins are walked once (cheap: a few thousand headers); a broken bin
chain gives one line naming the file and the offset, and every lookup that still works is
used.  A lookup that fails adds the key to that one line.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .facts import Fact, Origin, Problem
from .logfacts import kb_in

REGF = b"regf"
HBIN = b"hbin"
BASE_BLOCK = 4096
HIVE_KINDS = ("SYSTEM", "SOFTWARE")
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)
_CONTROL_SET = re.compile(r"^ControlSet\d{3}$", re.IGNORECASE)
_PACKAGE = re.compile(r"^Package_for_(KB\d+|RollupFix)~", re.IGNORECASE)
_ROLLUP_VERSION = re.compile(r"~(\d+)\.(\d+)\.\d+\.\d+$")
CURRENT_VERSION = "\\Microsoft\\Windows NT\\CurrentVersion"
CBS_PACKAGES = "\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"


@dataclass(frozen=True, slots=True)
class HiveFile:
    """A hive found in the evidence, with the transaction logs beside it."""

    path: str                 # absolute
    display: str              # relative to the scanned root
    kind: str                 # "SYSTEM" | "SOFTWARE"
    logs: tuple[str, ...] = ()


@dataclass(slots=True)
class HiveResult:
    hive: HiveFile
    sha256: str = ""
    host: str = ""            # from SYSTEM (ComputerName / Tcpip Hostname + Domain)
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    recovered_pages: int = 0

    @property
    def status(self) -> str:
        """``ok``; ``partial`` when read with problems; ``error`` when nothing was read."""
        if not self.problems:
            return "ok"
        return "partial" if self.facts else "error"

    def to_json(self) -> dict:
        return {"path": self.hive.display, "kind": self.hive.kind, "sha256": self.sha256,
                "host": self.host, "status": self.status,
                "logs": [os.path.basename(p) for p in self.hive.logs],
                "recovered_pages": self.recovered_pages, "facts": len(self.facts),
                "notes": list(self.notes),
                "problems": [p.reason for p in self.problems]}


# ------------------------------------------------------------------------- discovery
def hive_kind(path: str) -> str | None:
    """``SYSTEM``/``SOFTWARE`` when the file is a registry hive of that name.  The name
    inside the base block (``\\SystemRoot\\System32\\Config\\SOFTWARE``) decides; the
    file name only when the base block names nothing (a hive rebuilt by a tool)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return None
    if len(head) < 112 or head[:4] != REGF:
        return None
    inner = head[48:112].decode("utf-16-le", "replace").split("\x00", 1)[0]
    name = (inner.replace("/", "\\").rsplit("\\", 1)[-1] or Path(path).name).upper()
    return name if name in HIVE_KINDS else None


def find_hives(paths: list[str]) -> list[HiveFile]:
    """SYSTEM and SOFTWARE hives under ``paths`` (recursively; ``RegBack`` copies, which
    are older states, are left out), each with its ``.LOG1``/``.LOG2``."""
    out: list[HiveFile] = []
    seen: set[str] = set()
    several = len(paths) > 1
    for root in paths:
        rp = Path(root)
        if rp.is_file():
            cands = [(str(rp), rp.name)]
        elif rp.is_dir():
            cands = []
            label = rp.name or str(rp)
            for dirpath, dirnames, filenames in os.walk(rp):
                dirnames[:] = sorted(d for d in dirnames if d.lower() != "regback")
                for fn in sorted(filenames):
                    if fn.upper() in HIVE_KINDS:
                        full = os.path.join(dirpath, fn)
                        rel = os.path.relpath(full, rp).replace(os.sep, "/")
                        cands.append((full, f"{label}/{rel}" if several else rel))
        else:
            continue
        for full, display in cands:
            real = os.path.realpath(full)
            if real in seen or not os.path.isfile(full):
                continue
            kind = hive_kind(full)
            if kind is None:
                continue
            seen.add(real)
            logs = tuple(sorted(p for p in (full + ".LOG1", full + ".LOG2",
                                            full + ".log1", full + ".log2")
                                if os.path.isfile(p)))
            out.append(HiveFile(os.path.abspath(full), display, kind,
                                tuple(dict.fromkeys(logs))))
    return sorted(out, key=lambda h: h.display)


# ------------------------------------------------------------------------- reading
def filetime_iso(ft: int) -> str | None:
    """FILETIME -> UTC ISO-8601 (integer arithmetic: exact to the microsecond)."""
    if not ft:
        return None
    try:
        dt = _FILETIME_EPOCH + timedelta(microseconds=ft // 10)
    except OverflowError:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def bin_damage(data: bytes) -> str | None:
    """Where the chain of hive bins breaks, in words; None when it is whole."""
    if len(data) < BASE_BLOCK or data[:4] != REGF:
        return "not a registry hive (no regf signature)"
    size = struct.unpack_from("<I", data, 40)[0]
    end = BASE_BLOCK + size
    if end > len(data):
        return (f"cut short: the base block promises {size} bytes of hive bins, "
                f"the file holds {max(len(data) - BASE_BLOCK, 0)}")
    off = BASE_BLOCK
    while off < end:
        if data[off:off + 4] != HBIN:
            return (f"no hive bin at offset {off} (of {end}): keys stored past it may be "
                    f"missing or unreadable")
        rel, bin_size = struct.unpack_from("<II", data, off + 4)
        if rel != off - BASE_BLOCK or bin_size < 4096 or bin_size % 4096:
            return f"hive bin at offset {off} has a bad header (offset {rel}, size {bin_size})"
        off += bin_size
    return None


def _sequence(path: str) -> tuple[int, int] | None:
    with open(path, "rb") as f:
        head = f.read(12)
    if len(head) < 12 or head[:4] != REGF:
        return None
    return struct.unpack_from("<II", head, 4)


def _quiet_regipy() -> None:
    """regipy logs each unparsable cell of a damaged hive (hundreds of lines); evtxscan
    says what is wrong with a hive in one line of its own."""
    log = logging.getLogger("regipy")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    log.propagate = False


def _open_hive(hf: HiveFile, result: HiveResult):
    """A regipy hive of ``hf`` with its transaction logs applied when it is dirty."""
    from regipy.registry import RegistryHive

    _quiet_regipy()
    seq = _sequence(hf.path)
    dirty = seq is not None and seq[0] != seq[1]
    if not dirty:
        if hf.logs:
            result.notes.append("transaction logs present, not needed: the hive was "
                                "flushed cleanly")
        return RegistryHive(hf.path), None
    if not hf.logs:
        result.notes.append(f"the hive was not flushed cleanly (sequence numbers "
                            f"{seq[0]}/{seq[1]}) and no .LOG1/.LOG2 is beside it: its "
                            f"latest changes may be missing")
        return RegistryHive(hf.path), None
    from regipy.recovery import apply_transaction_logs

    logs = sorted(hf.logs, key=lambda p: (_sequence(p) or (0, 0))[0])   # older first
    tmp = tempfile.mkdtemp(prefix="evtxscan-hive-")
    try:
        restored = os.path.join(tmp, "restored")
        primary, secondary = logs[-1], (logs[0] if len(logs) > 1 else None)
        _, pages = apply_transaction_logs(hf.path, primary, secondary,
                                          restored_hive_path=restored)
        result.recovered_pages = pages
        result.notes.append(f"transaction logs applied: {pages} dirty page(s) from "
                            + ", ".join(Path(p).name for p in logs))
        return RegistryHive(restored), restored
    except Exception as exc:  # a damaged log: read the hive as it is
        result.problems.append(Problem(hf.display, f"transaction log not applied "
                                       f"({type(exc).__name__}: {exc}); the hive is read "
                                       f"without its latest changes"))
        return RegistryHive(hf.path), None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _Reader:
    """Guarded lookups: a failure is remembered (for the hive's one line), never raised."""

    def __init__(self, hive, hf: HiveFile, result: HiveResult) -> None:
        self.hive, self.hf, self.result = hive, hf, result
        self.failed: list[str] = []

    def key(self, path: str):
        from regipy.exceptions import RegistryKeyNotFoundException

        try:
            return self.hive.get_key(path)
        except RegistryKeyNotFoundException:
            return None
        except Exception:  # noqa: BLE001 - regipy/construct raise many kinds on damage
            self.failed.append(path)
            return None

    def values(self, key, path: str) -> dict[str, object]:
        try:
            return {v.name: v.value for v in key.iter_values(trim_values=False)}
        except Exception:  # noqa: BLE001
            self.failed.append(path)
            return {}

    def subkeys(self, key, path: str) -> list:
        try:
            return list(key.iter_subkeys() or ())
        except Exception:  # noqa: BLE001
            self.failed.append(path)
            return []

    def origin(self, path: str, key, value: str | None = None) -> Origin:
        return Origin("hive", self.hf.display, self.result.sha256, key=path, value=value,
                      last_write=last_write(key))


def last_write(key) -> str | None:
    return filetime_iso(int(key.header.last_modified)) if key is not None else None


def read_hive(hf: HiveFile) -> HiveResult:
    """Facts of one hive.  Never raises for a bad hive: problems are values."""
    result = HiveResult(hf)
    try:
        result.sha256 = sha256_of(hf.path)
        with open(hf.path, "rb") as f:
            data = f.read()
    except OSError as exc:
        result.problems.append(Problem(hf.display, f"cannot read: {exc.strerror or exc}"))
        return result
    damage = bin_damage(data)
    del data
    try:
        hive, _ = _open_hive(hf, result)
    except Exception as exc:  # noqa: BLE001 - not parseable at all
        result.problems.append(Problem(hf.display, f"damaged registry hive, not read "
                                       f"({type(exc).__name__}: {exc})"))
        return result
    r = _Reader(hive, hf, result)
    if hf.kind == "SYSTEM":
        _system(r)
    else:
        _software(r)
    if damage or r.failed:
        reason = "damaged registry hive: " + (damage or "keys could not be parsed")
        if r.failed:
            reason += "; unreadable: " + ", ".join(dict.fromkeys(r.failed))
        reason += "; everything else was read"
        result.problems.append(Problem(hf.display, reason))
    result.facts.sort(key=Fact.sort_key)
    return result


def _system(r: _Reader) -> None:
    res = r.result
    select = r.key("\\Select")
    current = None
    if select is not None:
        cur = r.values(select, "\\Select").get("Current")
        current = cur if isinstance(cur, int) else None
    root_sets = sorted(k.name for k in r.subkeys(r.hive.root, "\\")
                       if _CONTROL_SET.match(getattr(k, "name", "")))
    host = ""
    for cs in root_sets:
        number = int(cs[-3:])
        is_current = current == number
        if is_current or not host:
            host = _host_name(r, cs) or host
        svc_path = f"\\{cs}\\Services\\DNS"
        svc = r.key(svc_path)
        res.facts.append(Fact("dns_role", "", last_write(svc) if svc is not None else None,
                              {"present": svc is not None, "control_set": cs,
                               "current": is_current},
                              r.origin(svc_path, svc) if svc is not None else
                              Origin("hive", r.hf.display, res.sha256, key=svc_path)))
        if svc is None:
            continue
        par_path = svc_path + "\\Parameters"
        par = r.key(par_path)
        value = r.values(par, par_path).get("TcpReceivePacketSize") if par is not None else None
        res.facts.append(Fact("workaround", "", last_write(par) if par is not None else None,
                              {"via": "hive", "action": "state",
                               "value": value if isinstance(value, int) else None,
                               "present": value is not None, "control_set": cs,
                               "current": is_current, "select_current": current},
                              r.origin(par_path, par, "TcpReceivePacketSize")
                              if par is not None else
                              Origin("hive", r.hf.display, res.sha256, key=par_path,
                                     value="TcpReceivePacketSize")))
    res.host = host
    for f in res.facts:
        object.__setattr__(f, "host", host)


def _host_name(r: _Reader, cs: str) -> str:
    tcp_path = f"\\{cs}\\Services\\Tcpip\\Parameters"
    tcp = r.key(tcp_path)
    if tcp is not None:
        v = r.values(tcp, tcp_path)
        name, domain = v.get("Hostname"), v.get("Domain") or v.get("NV Domain")
        if isinstance(name, str) and name:
            return f"{name}.{domain}" if isinstance(domain, str) and domain else name
    cn_path = f"\\{cs}\\Control\\ComputerName\\ComputerName"
    cn = r.key(cn_path)
    if cn is not None:
        name = r.values(cn, cn_path).get("ComputerName")
        if isinstance(name, str):
            return name
    return ""


def _int(v) -> int | None:
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def _software(r: _Reader) -> None:
    res = r.result
    cv = r.key(CURRENT_VERSION)
    if cv is not None:
        v = r.values(cv, CURRENT_VERSION)
        build = _int(v.get("CurrentBuild")) or _int(v.get("CurrentBuildNumber"))
        res.facts.append(Fact("os", "", last_write(cv), {
            "via": "hive", "product": v.get("ProductName") or "", "build": build,
            "ubr": _int(v.get("UBR")), "edition": v.get("EditionID") or "",
            "installation_type": v.get("InstallationType") or "",
            "service_pack": v.get("CSDVersion") or "",
            "version": v.get("CurrentVersion") or ""}, r.origin(CURRENT_VERSION, cv)))
    pk = r.key(CBS_PACKAGES)
    if pk is None:
        return
    for sub in r.subkeys(pk, CBS_PACKAGES):
        name = getattr(sub, "name", "")
        m = _PACKAGE.match(name)
        if not m:
            continue
        path = f"{CBS_PACKAGES}\\{name}"
        v = r.values(sub, path)
        hi, lo = _int(v.get("InstallTimeHigh")), _int(v.get("InstallTimeLow"))
        installed_at = filetime_iso((hi << 32) | lo) if hi is not None and lo is not None \
            else None
        rollup = _ROLLUP_VERSION.search(name) if m.group(1).lower() == "rollupfix" else None
        res.facts.append(Fact("update", "", installed_at, {
            "via": "cbs", "package": name, "kb": kb_in(m.group(1)),
            "state_code": _int(v.get("CurrentState")),
            "rollup_build": int(rollup.group(1)) if rollup else None,
            "rollup_ubr": int(rollup.group(2)) if rollup else None,
            "install_time_known": installed_at is not None,
            "key_written": last_write(sub)}, r.origin(path, sub, "CurrentState")))


def read_hive_data(display: str, kind: str, data: bytes,
                   logs: tuple[tuple[str, bytes], ...] = ()) -> HiveResult:
    """Facts of a hive given as bytes (a hive inside an image or archive, streamed out by
    ``evtxscan.sources``), with its transaction logs as (name, bytes).  regipy reads
    paths, so the bytes go to a private temporary folder, removed before returning; the
    provenance is ``display`` (the container path) and the SHA-256 is the hive's own."""
    with tempfile.TemporaryDirectory(prefix="evtxscan-hive-") as tmp:
        path = os.path.join(tmp, kind)
        with open(path, "wb") as f:
            f.write(data)
        log_paths = []
        for name, raw in logs:
            lp = os.path.join(tmp, kind + "." + name.rsplit(".", 1)[-1].upper())
            with open(lp, "wb") as f:
                f.write(raw)
            log_paths.append(lp)
        result = read_hive(HiveFile(path, display, kind, tuple(sorted(log_paths))))
    result.hive = HiveFile("", display, kind, tuple(n for n, _ in logs))
    return result


def container_hives(containers: list, options=None) -> list[HiveResult]:
    """SYSTEM/SOFTWARE hives inside evidence containers (images, archives) that
    ``evtxscan.sources`` found, each read with the ``.LOG1``/``.LOG2`` beside it.  Only a
    Windows configuration folder counts (``.../System32/config/``; ``RegBack`` holds older
    copies), so a file that merely shares the name is not taken for the host's hive."""
    from .. import sources
    from ..sources.names import is_hive_name

    opts = options or sources.SourceOptions()
    out: list[HiveResult] = []
    for c in containers:
        refs = [r for r in sources.list_members(c, is_hive_name, opts) if r.problem is None]
        folders: dict[str, list] = {}
        for r in refs:
            path = r.display.replace("\\", "/")
            low = path.lower()
            if "/config/" not in low or "/regback/" in low:
                continue
            folders.setdefault(low.rsplit("/", 1)[0], []).append(r)
        for group in folders.values():
            by_name = {r.display.replace("\\", "/").rsplit("/", 1)[-1].upper(): r for r in group}
            for kind in HIVE_KINDS:
                ref = by_name.get(kind)
                if ref is None:
                    continue
                try:
                    data = _read_ref(sources, ref)
                    logs = tuple((n, _read_ref(sources, by_name[n]))
                                 for n in (f"{kind}.LOG1", f"{kind}.LOG2") if n in by_name)
                except OSError as exc:
                    res = HiveResult(HiveFile("", ref.display, kind))
                    res.problems.append(Problem(ref.display, f"cannot read: {exc}"))
                    out.append(res)
                    continue
                if data[:4] != REGF:
                    continue
                out.append(read_hive_data(ref.display, kind, data, logs))
    return out


def pair_hosts(results: list[HiveResult]) -> list[HiveResult]:
    """A SOFTWARE hive names no host: it is the host of the SYSTEM hive of its folder."""
    by_folder = {os.path.dirname(r.hive.display): r.host for r in results
                 if r.hive.kind == "SYSTEM" and r.host}
    for r in results:
        if not r.host:
            r.host = by_folder.get(os.path.dirname(r.hive.display), "")
            for i, f in enumerate(r.facts):
                r.facts[i] = Fact(f.kind, r.host, f.time, f.data, f.origin)
    return results


def _read_ref(sources, ref) -> bytes:
    with sources.open_log(ref.locator) as opened:
        return opened.stream.read()
