"""Raw records -> normalized process and activity events.

Mapping follows Elastic's own shippers (Winlogbeat's Sysmon and Security modules) so the
JSON ingests into Elastic or Timesketch as is.  Events are compact slotted objects while
they sit in the graph (a host can hold hundreds of thousands); the nested ECS dict is
built only when a rule or an output needs it (``evtxscan.ecs``).

Two traps this module exists to avoid:
* 4688 PIDs are hex text (``0x1a2c``), Sysmon PIDs decimal: never mix them up.
* 4688 v0/v1 carry no parent name; leave it empty here, the graph fills it later.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import uuid
from dataclasses import FrozenInstanceError, dataclass, field, fields
from datetime import datetime, timezone
from typing import NamedTuple

from .records import SECURITY_PROVIDER, SYSMON_PROVIDER, RawRecord
from .winargs import split_command_line

_ENTITY_NS = uuid.UUID("5a4b1b1e-7e37-4c55-9f39-4d2a8f9e0b11")
_ENTITY_NS_BYTES = _ENTITY_NS.bytes
_intern = sys.intern


def _istr(text: str | None) -> str | None:
    """Interned non-empty text, else None.  A host's user names, logon ids, command lines
    and process GUIDs repeat across hundreds of thousands of events (a parent's command
    line and GUID are also every child's ``parent_*``): one copy each."""
    return _intern(text) if text else None

INTEGRITY_BY_SID = {
    "S-1-16-0": "untrusted",
    "S-1-16-4096": "low",
    "S-1-16-8192": "medium",
    "S-1-16-8448": "medium",  # medium plus
    "S-1-16-12288": "high",
    "S-1-16-16384": "system",
    "S-1-16-20480": "protected",
}
ELEVATION_TYPES = {"%%1936": "default", "%%1937": "full", "%%1938": "limited"}


class Source:
    """Where an event came from: enough for a responder to find the record again.

    Immutable, like a frozen dataclass of ``file, sha256, record_id, event_id, channel,
    backend, recovered, vss_store``.  ``vss_store`` is ``(store, created)`` for a record
    kept only from a Volume Shadow Copy store's older copy of the log (None otherwise).  Stored as the record id plus one tuple of the rest, shared by
    every record of a file with the same event id: every process start and end keeps
    its ``Source``, and this halves what each costs (48 bytes instead of 88 + an int).
    """

    __slots__ = ("_origin", "record_id")
    _FIELDS = ("file", "sha256", "record_id", "event_id", "channel", "backend", "recovered",
               "vss_store")

    def __init__(self, file: str, sha256: str, record_id: int, event_id: int, channel: str,
                 backend: str, recovered: bool = False,
                 vss_store: tuple[str, str | None] | None = None) -> None:
        object.__setattr__(self, "_origin",
                           _origin(file, sha256, event_id, channel, backend, recovered,
                                   vss_store))
        object.__setattr__(self, "record_id", record_id)

    file = property(lambda self: self._origin[0])
    sha256 = property(lambda self: self._origin[1])
    event_id = property(lambda self: self._origin[2])
    channel = property(lambda self: self._origin[3])
    backend = property(lambda self: self._origin[4])
    recovered = property(lambda self: self._origin[5])
    vss_store = property(lambda self: self._origin[6])

    def _astuple(self) -> tuple:
        f, sha, eid, channel, backend, recovered, vss = self._origin
        return (f, sha, self.record_id, eid, channel, backend, recovered, vss)

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._astuple() == other._astuple()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._astuple())

    def __repr__(self) -> str:
        return "Source(" + ", ".join(f"{k}={v!r}" for k, v in zip(self._FIELDS, self._astuple())) + ")"

    def __reduce__(self):
        return (Source, self._astuple())

    def to_json(self) -> dict:
        f, sha, eid, channel, backend, recovered, vss = self._origin
        d = {"file": f, "sha256": sha, "record_id": self.record_id,
             "event_id": eid, "channel": channel, "backend": backend}
        if recovered:
            d["recovered"] = True
        if vss is not None:
            d["vss_store"] = {"name": vss[0], "created": vss[1]}
        return d

    def marked(self, vss_store: tuple[str, str | None]) -> Source:
        """This source, marked as kept only from a shadow-copy store."""
        f, sha, eid, channel, backend, recovered, _ = self._origin
        return Source(f, sha, self.record_id, eid, channel, backend, recovered, vss_store)


@functools.lru_cache(maxsize=1024, typed=True)
def _origin(file: str, sha256: str, event_id: int, channel: str, backend: str,
            recovered: bool, vss_store: tuple[str, str | None] | None = None) -> tuple:
    return (file, sha256, event_id, channel, backend, recovered, vss_store)


@dataclass(slots=True)
class ProcEvent:
    """A process start (Sysmon 1 / 4688) or end (Sysmon 5 / 4689), normalized."""

    kind: str                      # "start" | "end"
    host: str
    timestamp: str                 # UTC ISO-8601, microseconds, Z
    pid: int | None
    executable: str
    source: Source
    provider: str
    version: int = 0
    command_line: str | None = None
    entity_id: str | None = None   # Sysmon ProcessGuid; set by the graph for 4688
    parent_pid: int | None = None
    parent_executable: str | None = None
    parent_command_line: str | None = None
    parent_entity_id: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    user_id: str | None = None
    logon_id: str | None = None     # hex text, lower case: "0x3e7"
    working_directory: str | None = None
    integrity: str | None = None
    hashes: dict[str, str] | None = None
    extra: dict[str, object] | None = None   # pe info, target user, elevation, ...

    @property
    def name(self) -> str:
        return basename(self.executable)

    @property
    def is_sysmon(self) -> bool:
        return self.provider == SYSMON_PROVIDER

    def __reduce__(self):
        # a constructor call unpickles twice as fast as the slots dataclass' __setstate__
        # (--jobs and Dask results carry hundreds of thousands of these)
        return (ProcEvent, tuple(getattr(self, f) for f in _PROC_EVENT_FIELDS))


_PROC_EVENT_FIELDS = tuple(f.name for f in fields(ProcEvent))


class ProcEnd(NamedTuple):
    """What the graph needs of a process end, as it waits for the graph to be built.

    The pipeline keeps ends in this form (a 6-tuple: 88 bytes, a ``ProcEvent`` is 208):
    a host's log holds one per process.  ``ProcessGraph.build`` takes either form.
    """

    host: str
    timestamp: str
    pid: int | None
    executable: str
    entity_id: str | None
    source: Source
    kind = "end"

    @classmethod
    def of(cls, ev: ProcEvent) -> ProcEnd:
        return cls(ev.host, ev.timestamp, ev.pid, ev.executable, ev.entity_id, ev.source)


@dataclass(slots=True)
class ActivityEvent:
    """A Sysmon side event (network, DNS, file, registry, image load) of a process."""

    host: str
    timestamp: str
    event_id: int
    entity_id: str | None
    pid: int | None
    executable: str
    summary: str                   # one line a responder reads: "TCP 10.0.0.5:4444"
    source: Source
    details: dict[str, str] = field(default_factory=dict)


def basename(path: str | None) -> str:
    if not path:
        return ""
    return path.replace("/", "\\").rsplit("\\", 1)[-1]


def parse_pid(text: str | None, *, hex_text: bool) -> int | None:
    """4688/4689 write PIDs as HexInt64 (``0x1a2c``); Sysmon as decimal UInt32."""
    if text is None:
        return None
    return _parse_pid(text, hex_text)


@functools.lru_cache(maxsize=1 << 16)
def _parse_pid(text: str, hex_text: bool) -> int | None:
    """Remembered, so the events of a host share one int object per PID value."""
    t = text.strip()
    if not t:
        return None
    try:
        if hex_text or t.lower().startswith("0x"):
            return int(t, 16)
        return int(t)
    except ValueError:
        return None


def norm_guid(text: str | None) -> str | None:
    """GUIDs as ``{lower-case}``: pyevtx-rs and Windows render them differently."""
    if not text:
        return None
    t = text.strip().strip("{}").lower()
    if not t or t == "00000000-0000-0000-0000-000000000000":
        return None
    return "{" + t + "}"


def norm_logon(text: str | None) -> str | None:
    if not text:
        return None
    t = text.strip().lower()
    try:
        return hex(int(t, 16)) if t.startswith("0x") else hex(int(t))
    except ValueError:
        return t or None


def synth_entity_id(host: str, pid: int | None, timestamp: str) -> str:
    """A stable GUID-shaped id for a 4688 process: same host, PID and start -> same id.

    ``uuid.uuid5(_ENTITY_NS, name)`` in braces, computed without the UUID object (one
    per 4688 record)."""
    b = bytearray(hashlib.sha1(_ENTITY_NS_BYTES + f"{host.lower()}|{pid}|{timestamp}"
                               .encode("utf-8")).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50  # version 5
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{{{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}}}"


def _split_user(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    if "\\" in text:
        dom, name = text.split("\\", 1)
        return name or None, dom or None
    return text, None


_UTCTIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})"
                      r"\.([0-9]{1,6})")


def _sysmon_time(raw: RawRecord) -> str:
    """Sysmon's UtcTime (when the process started), else the record's TimeCreated."""
    t = raw.data.get("UtcTime", "")
    if t:
        m = _UTCTIME.fullmatch(t.strip())
        if m and m.group(1) >= "1000":  # the usual form: reformat the text (strptime is slow)
            y, mo, d, hh, mm, ss, frac = m.groups()
            try:
                datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss))
            except ValueError:
                return raw.time_created
            return f"{y}-{mo}-{d}T{hh}:{mm}:{ss}.{frac.ljust(6, '0')}Z"
        try:
            dt = datetime.strptime(t.strip(), "%Y-%m-%d %H:%M:%S.%f")
            return dt.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        except ValueError:
            pass
    return raw.time_created


_HASH_KEYS = {"SHA1": "sha1", "MD5": "md5", "SHA256": "sha256", "IMPHASH": "imphash",
              "SHA384": "sha384", "SHA512": "sha512"}
_SHARED = 4096  # distinct images/tokens remembered by the shared-value caches below


@functools.lru_cache(maxsize=1 << 13)
def split_args(cmdline: str) -> tuple[str, ...]:
    """``split_command_line``, remembered: the same command lines recur all day long."""
    return tuple(split_command_line(cmdline))


@functools.lru_cache(maxsize=_SHARED)
def _hashes_and_imphash(text: str | None, hash_type: str | None
                        ) -> tuple[dict[str, str] | None, str | None]:
    """``parse_hashes`` minus the imphash (which ECS puts under ``pe``), shared between the
    events of one image.  Callers never modify the dict."""
    hashes = parse_hashes(text, hash_type)
    if hashes and "imphash" in hashes:
        hashes = dict(hashes)
        imphash = hashes.pop("imphash")
        return hashes or None, imphash
    return hashes or None, None


@functools.lru_cache(maxsize=_SHARED)
def _shared_dict(items: tuple) -> dict:
    """One read-only dict per distinct content (PE info, token details of an image)."""
    return {k: (_shared_dict(v) if type(v) is tuple else v) for k, v in items}


def parse_hashes(text: str | None, hash_type: str | None = None) -> dict[str, str] | None:
    """``SHA1=..,MD5=..,IMPHASH=..`` (Sysmon >= 3) or a bare hash + HashType (Sysmon 1/2)."""
    if not text:
        return None
    out: dict[str, str] = {}
    if "=" not in text and hash_type:
        key = _HASH_KEYS.get(hash_type.strip().upper())
        if key:
            out[key] = text.strip().lower()
        return out or None
    for part in re.split(r"[,;]", text):
        if "=" in part:
            k, v = part.split("=", 1)
            key = _HASH_KEYS.get(k.strip().upper())
            if key and v.strip():
                out[key] = v.strip().lower()
    return out or None


def _opt(d: dict[str, str], key: str) -> str | None:
    v = d.get(key)
    return v if v else None


def normalize(raw: RawRecord, source: Source) -> ProcEvent | ActivityEvent | None:
    """Map one raw record to a normalized event; None for records we do not model.

    Pure: depends only on its arguments.  Never raises on odd field values: a record
    with an unparsable PID keeps ``pid=None`` rather than being dropped.
    """
    host = _intern(raw.computer or "")
    d = raw.data
    if raw.provider == SYSMON_PROVIDER:
        if raw.event_id == 1:
            return _sysmon_start(raw, host, source)
        if raw.event_id == 5:
            return ProcEvent(
                kind="end", host=host, timestamp=_sysmon_time(raw), source=source,
                provider=SYSMON_PROVIDER, version=raw.version,
                pid=parse_pid(d.get("ProcessId"), hex_text=False),
                executable=_intern(d.get("Image", "")),
                entity_id=_istr(norm_guid(d.get("ProcessGuid"))),
            )
        return _sysmon_activity(raw, host, source)
    if raw.provider == SECURITY_PROVIDER:
        if raw.event_id == 4688:
            return _security_start(raw, host, source)
        if raw.event_id == 4689:
            return ProcEvent(
                kind="end", host=host, timestamp=raw.time_created, source=source,
                provider=SECURITY_PROVIDER, version=raw.version,
                pid=parse_pid(d.get("ProcessId"), hex_text=True),
                executable=_intern(d.get("ProcessName", "")),
                logon_id=_istr(norm_logon(d.get("SubjectLogonId"))),
            )
    return None


def _sysmon_start(raw: RawRecord, host: str, source: Source) -> ProcEvent:
    d = raw.data
    user_name, user_domain = _split_user(_opt(d, "User"))
    extra: list[tuple[str, object]] = []
    pe = [(k_ecs, d[k]) for k, k_ecs in (("OriginalFileName", "original_file_name"),
                                         ("Description", "description"),
                                         ("Product", "product"), ("Company", "company"),
                                         ("FileVersion", "file_version")) if d.get(k)]
    hashes, imphash = _hashes_and_imphash(_opt(d, "Hashes") or _opt(d, "Hash"),
                                          _opt(d, "HashType"))
    if imphash:
        pe.append(("imphash", imphash))
    if pe:
        extra.append(("pe", tuple(pe)))
    if d.get("TerminalSessionId"):
        extra.append(("session_id", d["TerminalSessionId"]))
    if d.get("ParentUser"):
        extra.append(("parent_user", d["ParentUser"]))
    if d.get("LogonGuid"):
        extra.append(("logon_guid", norm_guid(d["LogonGuid"])))
    return ProcEvent(
        kind="start", host=host, timestamp=_sysmon_time(raw), source=source,
        provider=SYSMON_PROVIDER, version=raw.version,
        pid=parse_pid(d.get("ProcessId"), hex_text=False),
        executable=_intern(d.get("Image", "")),
        command_line=_istr(d.get("CommandLine")),
        entity_id=_istr(norm_guid(d.get("ProcessGuid"))),
        parent_pid=parse_pid(d.get("ParentProcessId"), hex_text=False),
        parent_executable=_intern(d["ParentImage"]) if d.get("ParentImage") else None,
        parent_command_line=_istr(d.get("ParentCommandLine")),
        parent_entity_id=_istr(norm_guid(d.get("ParentProcessGuid"))),
        user_name=_istr(user_name), user_domain=_istr(user_domain),
        user_id=_istr(raw.user_sid),
        logon_id=_istr(norm_logon(d.get("LogonId"))),
        working_directory=_istr(d.get("CurrentDirectory")),
        integrity=_istr((d.get("IntegrityLevel") or "").lower()),
        hashes=hashes,
        extra=_shared_dict(tuple(extra)) if extra else None,
    )


def _security_start(raw: RawRecord, host: str, source: Source) -> ProcEvent:
    d = raw.data
    extra: list[tuple[str, object]] = []
    elev = ELEVATION_TYPES.get(d.get("TokenElevationType", ""))
    if elev:
        extra.append(("elevation_type", elev))
    tsid = d.get("TargetUserSid")
    if tsid and tsid != "S-1-0-0":
        extra.append(("effective_user", (("id", tsid), ("name", d.get("TargetUserName") or None),
                                         ("domain", d.get("TargetDomainName") or None))))
    if d.get("TargetLogonId") and d.get("TargetLogonId") != "0x0":
        extra.append(("target_logon_id", norm_logon(d["TargetLogonId"])))
    return ProcEvent(
        kind="start", host=host, timestamp=raw.time_created, source=source,
        provider=SECURITY_PROVIDER, version=raw.version,
        pid=parse_pid(d.get("NewProcessId"), hex_text=True),
        executable=_intern(d.get("NewProcessName", "")),
        command_line=_istr(d.get("CommandLine")),
        parent_pid=parse_pid(d.get("ProcessId"), hex_text=True),
        parent_executable=_intern(d["ParentProcessName"]) if d.get("ParentProcessName") else None,
        user_name=_istr(d.get("SubjectUserName")), user_domain=_istr(d.get("SubjectDomainName")),
        user_id=_istr(d.get("SubjectUserSid")),
        logon_id=_istr(norm_logon(d.get("SubjectLogonId"))),
        integrity=INTEGRITY_BY_SID.get(d.get("MandatoryLabel", "")),
        extra=_shared_dict(tuple(extra)) if extra else None,
    )


def _sysmon_activity(raw: RawRecord, host: str, source: Source) -> ActivityEvent | None:
    d = raw.data
    eid = raw.event_id
    if eid == 3:
        proto = d.get("Protocol", "").upper()
        summary = (f"{proto} {d.get('SourceIp', '')}:{d.get('SourcePort', '')} -> "
                   f"{d.get('DestinationIp', '')}:{d.get('DestinationPort', '')}"
                   + (f" ({d['DestinationHostname']})" if d.get("DestinationHostname") else ""))
        keys = ("Protocol", "SourceIp", "SourcePort", "DestinationIp", "DestinationPort",
                "DestinationHostname", "Initiated")
    elif eid == 22:
        summary = f"DNS {d.get('QueryName', '')} -> {d.get('QueryResults', '')}"
        keys = ("QueryName", "QueryStatus", "QueryResults")
    elif eid == 11:
        summary = f"file created {d.get('TargetFilename', '')}"
        keys = ("TargetFilename",)
    elif eid in (12, 13, 14):
        verb = {12: d.get("EventType", "registry key"), 13: "registry set",
                14: "registry rename"}[eid]
        summary = f"{verb} {d.get('TargetObject', '')}" + (
            f" = {d['Details']}" if d.get("Details") else "")
        keys = ("EventType", "TargetObject", "Details", "NewName")
    elif eid == 7:
        summary = f"image loaded {d.get('ImageLoaded', '')}"
        keys = ("ImageLoaded", "Signed", "Signature")
    else:
        return None
    return ActivityEvent(
        host=host, timestamp=_sysmon_time(raw), event_id=eid,
        entity_id=_istr(norm_guid(d.get("ProcessGuid"))),
        pid=parse_pid(d.get("ProcessId"), hex_text=False),
        executable=_intern(d.get("Image", "")), summary=summary, source=source,
        details={k: d[k] for k in keys if d.get(k)},
    )


@functools.lru_cache(maxsize=_SHARED)
def name_of(path: str) -> str:
    return basename(path)
