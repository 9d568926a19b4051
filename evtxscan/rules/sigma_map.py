"""What a Sigma rule sees of an evtxscan document: the mapping tables, as data.

Sigma rules name the fields of the Windows record itself (``Image``, ``CommandLine``,
``IntegrityLevel`` ...) and expect the record's own text (``High``, not ``high``;
``SHA1=..,MD5=..``, not a hash table).  Sigma's Windows pipelines say which events a
``logsource`` means and how a field name reaches Security 4688 records, whose EventData
names differ from Sysmon's.  Everything here is one of five tables:

``LOGSOURCE_EVENTS``
    Sigma ``category`` -> the (channel, event id) pairs it means (pySigma's Sysmon
    pipeline; ``process_creation`` also means Security 4688, as its Windows audit
    pipeline).  ``SERVICE_CHANNELS``: Sigma ``service`` -> the log's channel.
``RAW_NAMES``
    per event kind, the Sigma field names the record calls differently (4688:
    ``Image`` -> ``NewProcessName``, ``User`` -> ``SubjectDomainName\\SubjectUserName``
    ...); other names are the record's own.
``RECORD_FIELDS``
    per event kind, the EventData names Windows writes; a name a record never has reads
    as missing, which *is* the rule's meaning (a 4688 record has no ``OriginalFileName``).
``FROM_ECS``
    per event kind, how each EventData text is read back *exactly* from the ECS fields
    evtxscan writes today, for documents without ``winlog.event_data`` (raw EventData
    arrives with the ECS-fidelity work; when a document carries
    ``winlog.event_data.<Name>`` that text is read first).  Parent fields come from the
    process graph, so a 4688 v0/v1 record, which names no parent, still gives
    ``ParentImage`` and ``ParentCommandLine``.
``SYSTEM_FIELDS``
    the record's System fields by their Sigma names (``EventID``, ``Channel``...).

A Sigma field a record has but evtxscan can neither read raw nor derive exactly (Sysmon's
``ParentUser`` today) makes a rule that uses it unrunnable: it is skipped with that reason
rather than loaded and silently wrong (``field_problem``).  One approximation remains and
is stated here: a 4688 ``MandatoryLabel`` read back from evtxscan's ``medium`` is
``S-1-16-8192``; the rare medium-plus label ``S-1-16-8448`` also reads as ``medium``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..normalize import ELEVATION_TYPES, INTEGRITY_BY_SID

SYSMON = "Microsoft-Windows-Sysmon/Operational"
SECURITY = "Security"
POWERSHELL = "Microsoft-Windows-PowerShell/Operational"
POWERSHELL_CLASSIC = "Windows PowerShell"

EventKind = tuple[str, str]  # (winlog.channel, event id as text)

#: The kinds of events evtxscan turns into documents the rule stage matches.  A rule
#: whose logsource means none of them counts as skipped ("no such events read yet"),
#: not as loaded; it runs once its events are added here.
DOCUMENT_EVENTS: frozenset[EventKind] = frozenset({(SYSMON, "1"), (SECURITY, "4688")})
#: Do documents carry ``winlog.event_data`` (each record's raw EventData)?  When they
#: do, fields evtxscan cannot derive (``ParentUser``...) become readable.
RAW_EVENT_DATA = False


def _sysmon(*ids: int) -> frozenset[EventKind]:
    return frozenset((SYSMON, str(i)) for i in ids)


LOGSOURCE_EVENTS: dict[str, frozenset[EventKind]] = {
    "process_creation": _sysmon(1) | {(SECURITY, "4688")},
    "file_change": _sysmon(2),
    "network_connection": _sysmon(3),
    "sysmon_status": _sysmon(4, 16),
    "process_termination": _sysmon(5) | {(SECURITY, "4689")},
    "driver_load": _sysmon(6),
    "image_load": _sysmon(7),
    "create_remote_thread": _sysmon(8),
    "raw_access_thread": _sysmon(9),
    "process_access": _sysmon(10),
    "file_event": _sysmon(11),
    "registry_event": _sysmon(12, 13, 14),
    "registry_add": _sysmon(12),
    "registry_delete": _sysmon(12),
    "registry_set": _sysmon(13),
    "registry_rename": _sysmon(14),
    "create_stream_hash": _sysmon(15),
    "pipe_created": _sysmon(17, 18),
    "wmi_event": _sysmon(19, 20, 21),
    "dns_query": _sysmon(22),
    "file_delete": _sysmon(23),
    "clipboard_capture": _sysmon(24),
    "process_tampering": _sysmon(25),
    "file_delete_detected": _sysmon(26),
    "file_block_executable": _sysmon(27),
    "file_block_shredding": _sysmon(28),
    "file_executable_detected": _sysmon(29),
    "sysmon_error": _sysmon(255),
    "ps_module": frozenset({(POWERSHELL, "4103")}),
    "ps_script": frozenset({(POWERSHELL, "4104")}),
    "ps_classic_start": frozenset({(POWERSHELL_CLASSIC, "400")}),
    "ps_classic_provider_start": frozenset({(POWERSHELL_CLASSIC, "600")}),
    "ps_classic_script": frozenset({(POWERSHELL_CLASSIC, "800")}),
}

#: Sigma ``service`` -> channel (pySigma's Windows pipeline)
SERVICE_CHANNELS: dict[str, str] = {
    "security": SECURITY,
    "system": "System",
    "application": "Application",
    "sysmon": SYSMON,
    "powershell": POWERSHELL,
    "powershell-classic": POWERSHELL_CLASSIC,
    "taskscheduler": "Microsoft-Windows-TaskScheduler/Operational",
    "wmi": "Microsoft-Windows-WMI-Activity/Operational",
    "windefend": "Microsoft-Windows-Windows Defender/Operational",
    "dns-server": "DNS Server",
    "driver-framework": "Microsoft-Windows-DriverFrameworks-UserMode/Operational",
    "ntlm": "Microsoft-Windows-NTLM/Operational",
    "dhcp": "Microsoft-Windows-DHCP-Server/Operational",
    "printservice-admin": "Microsoft-Windows-PrintService/Admin",
    "printservice-operational": "Microsoft-Windows-PrintService/Operational",
    "smbclient-security": "Microsoft-Windows-SmbClient/Security",
    "applocker": "Microsoft-Windows-AppLocker/EXE and DLL",
    "msexchange-management": "MSExchange Management",
    "codeintegrity-operational": "Microsoft-Windows-CodeIntegrity/Operational",
    "firewall-as": "Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",
    "bits-client": "Microsoft-Windows-Bits-Client/Operational",
    "terminalservices-localsessionmanager":
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "openssh": "OpenSSH/Operational",
    "appxdeployment-server": "Microsoft-Windows-AppXDeploymentServer/Operational",
    "shell-core": "Microsoft-Windows-Shell-Core/Operational",
    "security-mitigations": "Microsoft-Windows-Security-Mitigations/KernelMode",
    "ldap_debug": "Microsoft-Windows-LDAP-Client/Debug",
}

#: how to name an event kind in messages
EVENT_NAMES: dict[str, str] = {SYSMON: "Sysmon", SECURITY: "Security"}


def describe(kinds: frozenset[EventKind] | set[EventKind]) -> str:
    """``Sysmon 7`` or ``Sysmon 12/13/14``, for skip reasons."""
    by_channel: dict[str, list[str]] = {}
    for channel, event_id in sorted(kinds, key=lambda k: (k[0], k[1].zfill(6))):
        by_channel.setdefault(EVENT_NAMES.get(channel, channel), []).append(event_id)
    return ", ".join(f"every {name} event" if ids == ["*"] else f"{name} {'/'.join(ids)}"
                     for name, ids in by_channel.items())


# --------------------------------------------------------------------------- fields

_SYSMON_1, _SECURITY_4688 = (SYSMON, "1"), (SECURITY, "4688")

#: Sigma field -> the record's EventData name (a tuple: the names joined by a backslash)
RAW_NAMES: dict[EventKind, dict[str, str | tuple[str, ...]]] = {
    _SECURITY_4688: {
        "Image": "NewProcessName",
        "ParentImage": "ParentProcessName",
        "ProcessId": "NewProcessId",
        "ParentProcessId": "ProcessId",
        "LogonId": "SubjectLogonId",
        "IntegrityLevel": "MandatoryLabel",
        "User": ("SubjectDomainName", "SubjectUserName"),
    },
}

RECORD_FIELDS: dict[EventKind, frozenset[str]] = {
    _SYSMON_1: frozenset({
        "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
        "Description", "Product", "Company", "OriginalFileName", "CommandLine",
        "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
        "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage",
        "ParentCommandLine", "ParentUser"}),
    _SECURITY_4688: frozenset({
        "SubjectUserSid", "SubjectUserName", "SubjectDomainName", "SubjectLogonId",
        "NewProcessId", "NewProcessName", "TokenElevationType", "ProcessId", "CommandLine",
        "TargetUserSid", "TargetUserName", "TargetDomainName", "TargetLogonId",
        "ParentProcessName", "MandatoryLabel"}),
}

Reader = Callable[[Any], "str | None"]  # EventView -> text


def _text(value: Any) -> str | None:
    """EventData is text: render what ECS typed back the way Windows writes it."""
    if value is None:
        return None
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if type(value) is list and value:
        return _text(value[0])
    return None


def ecs(*path: str) -> Reader:
    """The text of one ECS field."""
    return lambda view: _text(view[path])


def pid(*path: str, hex_text: bool) -> Reader:
    """A PID as the record wrote it: decimal (Sysmon) or ``0x..`` (Security)."""
    def read(view: Any) -> str | None:
        value = view[path]
        if type(value) is not int:
            return _text(value)
        return hex(value) if hex_text else str(value)
    return read


_SYSMON_INTEGRITY = {name.lower(): name for name in (
    "Untrusted", "Low", "Medium", "High", "System", "Protected", "AppContainer")}
_LABEL_SID: dict[str, str] = {}
for _sid, _name in INTEGRITY_BY_SID.items():
    _LABEL_SID.setdefault(_name, _sid)  # "medium" -> S-1-16-8192 (see module docstring)
_ELEVATION_TOKENS = {name: token for token, name in ELEVATION_TYPES.items()}
_TOKEN = ("process", "Ext", "token")


def _integrity_sysmon(view: Any) -> str | None:
    value = view[(*_TOKEN, "integrity_level_name")]
    return _SYSMON_INTEGRITY.get(value, value) if type(value) is str else None


def _integrity_sid(view: Any) -> str | None:
    value = view[(*_TOKEN, "integrity_level_name")]
    return _LABEL_SID.get(value) if type(value) is str else None


def _elevation(view: Any) -> str | None:
    value = view[(*_TOKEN, "elevation_type")]
    return _ELEVATION_TOKENS.get(value) if type(value) is str else None


#: Sysmon writes its hashes in this order, upper-case hex, ``IMPHASH`` last
_HASH_ORDER = (("SHA1", ("process", "hash", "sha1")), ("MD5", ("process", "hash", "md5")),
               ("SHA256", ("process", "hash", "sha256")),
               ("IMPHASH", ("process", "pe", "imphash")))


def _hashes(view: Any) -> str | None:
    parts = [f"{name}={value.upper()}" for name, path in _HASH_ORDER
             if type(value := view[path]) is str and value]
    return ",".join(parts) or None


def _account(domain_path: tuple[str, ...], name_path: tuple[str, ...]) -> Reader:
    """``DOMAIN\\user`` (Sysmon's ``User``), from ECS ``user.domain`` and ``user.name``."""
    def read(view: Any) -> str | None:
        domain, name = _text(view[domain_path]), _text(view[name_path])
        if domain and name:
            return f"{domain}\\{name}"
        return name or domain
    return read


FROM_ECS: dict[EventKind, dict[str, Reader]] = {
    _SYSMON_1: {
        "Image": ecs("process", "executable"),
        "ParentImage": ecs("process", "parent", "executable"),
        "CommandLine": ecs("process", "command_line"),
        "ParentCommandLine": ecs("process", "parent", "command_line"),
        "OriginalFileName": ecs("process", "pe", "original_file_name"),
        "Description": ecs("process", "pe", "description"),
        "Product": ecs("process", "pe", "product"),
        "Company": ecs("process", "pe", "company"),
        "FileVersion": ecs("process", "pe", "file_version"),
        "IntegrityLevel": _integrity_sysmon,
        "Hashes": _hashes,
        "User": _account(("user", "domain"), ("user", "name")),
        "LogonId": ecs("winlog", "logon", "id"),
        "CurrentDirectory": ecs("process", "working_directory"),
        "ProcessId": pid("process", "pid", hex_text=False),
        "ParentProcessId": pid("process", "parent", "pid", hex_text=False),
    },
    _SECURITY_4688: {
        "NewProcessName": ecs("process", "executable"),
        "ParentProcessName": ecs("process", "parent", "executable"),
        "CommandLine": ecs("process", "command_line"),
        # not a 4688 field: the parent's command line as the process graph knows it
        "ParentCommandLine": ecs("process", "parent", "command_line"),
        "MandatoryLabel": _integrity_sid,
        "SubjectUserName": ecs("user", "name"),
        "SubjectDomainName": ecs("user", "domain"),
        "SubjectUserSid": ecs("user", "id"),
        "SubjectLogonId": ecs("winlog", "logon", "id"),
        "NewProcessId": pid("process", "pid", hex_text=True),
        "ProcessId": pid("process", "parent", "pid", hex_text=True),
        "TargetUserName": ecs("user", "effective", "name"),
        "TargetDomainName": ecs("user", "effective", "domain"),
        "TargetUserSid": ecs("user", "effective", "id"),
        "TokenElevationType": _elevation,
    },
}

SYSTEM_FIELDS: dict[str, Reader] = {
    "EventID": ecs("winlog", "event_id"),
    "Channel": ecs("winlog", "channel"),
    "Provider_Name": ecs("winlog", "provider_name"),
    "Computer": ecs("winlog", "computer_name"),
    "EventRecordID": ecs("winlog", "record_id"),
}


def raw_name(kind: EventKind | None, field: str) -> str | tuple[str, ...]:
    """The record's EventData name(s) for a Sigma field on this kind of event."""
    names = RAW_NAMES.get(kind) if kind is not None else None
    return names.get(field, field) if names else field


def field_problem(kind: EventKind, field: str) -> str | None:
    """Why ``field`` cannot be read exactly on ``kind`` today, or None when it can."""
    if field in SYSTEM_FIELDS or RAW_EVENT_DATA:
        return None
    names = raw_name(kind, field)
    derived = FROM_ECS.get(kind, {})
    known = RECORD_FIELDS.get(kind)
    for name in names if isinstance(names, tuple) else (names,):
        if name in derived:
            continue
        if known is not None and name not in known:
            continue  # the record never has it: missing is the exact reading
        return (f"field {field} of {describe({kind})} records is not in evtxscan's "
                "documents yet")
    return None


# --------------------------------------------------------------------------- view keys

_CHANNEL = ("winlog", "channel")
_EVENT_ID = ("winlog", "event_id")


class _Kind:
    """View key: the (channel, event id) of the event, computed once per event."""

    __slots__ = ()

    def resolve_in(self, view: Any) -> EventKind | None:
        channel, event_id = view[_CHANNEL], view[_EVENT_ID]
        if type(channel) is not str or event_id is None:
            return None
        return (channel, event_id if type(event_id) is str else str(event_id))

    def __repr__(self) -> str:
        return "EventKind"


KIND = _Kind()


_EVENT_DATA = ("winlog", "event_data")


def _record_reader(kind: EventKind | None, name: str) -> Reader:
    """Reads one EventData name: the raw text when the document carries it, else its
    exact reading from ECS (or missing)."""
    derive = FROM_ECS.get(kind, {}).get(name) if kind is not None else None

    def read(view: Any) -> str | None:
        raw = view[_EVENT_DATA]
        if type(raw) is dict:
            value = raw.get(name)
            if value is not None:
                return _text(value)
        return derive(view) if derive is not None else None

    return read


@functools.lru_cache(maxsize=4096)
def reader(kind: EventKind | None, field: str) -> Reader:
    """How the text of Sigma ``field`` is read on events of ``kind`` (built once per
    pair: the tables are fixed)."""
    system = SYSTEM_FIELDS.get(field)
    if system is not None:
        return system
    names = raw_name(kind, field)
    if not isinstance(names, tuple):
        return _record_reader(kind, names)
    parts = [_record_reader(kind, name) for name in names]

    def joined(view: Any) -> str | None:
        return "\\".join(t for part in parts if (t := part(view))) or None

    return joined


def field_text(view: Any, field: str) -> str | None:
    """The text a Sigma rule sees for ``field`` on the event behind ``view``."""
    return reader(view[KIND], field)(view)


class SigmaField(str):
    """View key for a Sigma field: the record's text, or with ``fold`` its lower case
    (Sigma compares text case-insensitively unless ``|cased``).

    A ``str`` subclass (``"sigma:Image"``, ``"sigma-folded:Image"``) so that the view's
    dict hashes and compares it in C: a scan looks these keys up hundreds of times per
    event.  ECS paths are tuples, so the two kinds of keys never collide.
    """

    __slots__ = ("name", "fold", "_plain")

    def __new__(cls, name: str, fold: bool = False) -> "SigmaField":
        self = super().__new__(cls, ("sigma-folded:" if fold else "sigma:") + name)
        self.name, self.fold = name, fold
        self._plain = SigmaField(name) if fold else None
        return self

    def resolve_in(self, view: Any) -> str | None:
        if self._plain is None:
            return field_text(view, self.name)
        value = view[self._plain]
        return value.lower() if value is not None else None

    def __repr__(self) -> str:
        return f"SigmaField({self.name!r}{', fold=True' if self.fold else ''})"

    def __reduce__(self):
        return (SigmaField, (self.name, self.fold))
