"""Log records -> exposure facts.

Which records (provider, event id) and what each means:

* ``EventLog`` 6005 (the event log service started: the host booted) and 6009 (the
  release and build at boot: unnamed insertion strings ``10.00.``, ``17763``, service pack,
  ``Multiprocessor Free``).  System channel.
* ``Service Control Manager`` 7036 (a service entered the running/stopped state) and 7040
  (its start type changed).  The display name and state words are localized, so the
  service is known by the key name 7036 writes into its binary data (UTF-16 ``DNS/4``:
  service ``DNS``, state 4 = running, 1 = stopped) and 7040's ``param4``; the English
  display name ``DNS Server`` is the fallback.
* ``Microsoft-Windows-Servicing`` 1 (changes initiated), 2 (package changed to a state),
  3 (failed), 4 (a reboot is needed before the change): Setup channel, UserData
  ``CbsPackageChangeState`` / ``CbsPackageInitiateChanges`` with ``PackageIdentifier``
  (``KB4565511``) and ``IntendedPackageStateTextized``.
* ``Microsoft-Windows-WindowsUpdateClient`` 19 (installation successful), 20 (failure), 43
  (started): ``updateTitle`` names the KB.
* Sysmon 13 (SetValue) and 12 (DeleteValue / DeleteKey) on
  ``HKLM\\System\\<control set>\\Services\\DNS\\Parameters\\TcpReceivePacketSize`` (the
  workaround), with the process that did it.

``WANTED`` (owned by ``evtxscan.records``, where every pair read in full is listed) holds
the pairs; the per-file stage calls ``fact_of`` on each record it reads.
"""

from __future__ import annotations

import re

from ..records import EXPOSURE_WANTED, SYSMON_PROVIDER, RawRecord
from .facts import Fact, Origin

EVENTLOG = "EventLog"
SCM = "Service Control Manager"
SERVICING = "Microsoft-Windows-Servicing"
WUCLIENT = "Microsoft-Windows-WindowsUpdateClient"

#: (provider, event ids) this module turns into facts; ``records.WANTED`` includes them so
#: the per-file stage reads these records in full.
WANTED: dict[str, frozenset[int]] = EXPOSURE_WANTED

DNS_SERVICE = "dns"                     # the service key name, lower case
DNS_DISPLAY = "dns server"              # English display name, lower case
_WORKAROUND_SUFFIX = "\\services\\dns\\parameters\\tcpreceivepacketsize"
_DNS_KEYS = ("\\services\\dns\\parameters", "\\services\\dns")
_CONTROL_SET = re.compile(r"^hklm\\system\\(currentcontrolset|controlset\d{3})\\", re.I)
_DWORD = re.compile(r"DWORD \((0x[0-9a-fA-F]+)\)")
_SCM_STATES = {"1": "stopped", "4": "running", "2": "start_pending", "3": "stop_pending"}
_SETUP_KINDS = {1: "initiated", 2: "changed", 3: "failed", 4: "reboot_required"}
_WU_KINDS = {19: "installed", 20: "failed", 43: "started"}


_KB = re.compile(r"\bKB(\d{6,7})\b", re.IGNORECASE)


def kb_in(text: str | None) -> str | None:
    """The KB number named in an update title or a package name, as ``KB4565511``."""
    m = _KB.search(text or "")
    return f"KB{m.group(1)}" if m else None


def origin(raw: RawRecord, file: str, sha256: str) -> Origin:
    return Origin("log", file, sha256, record_id=raw.record_id, event_id=raw.event_id,
                  channel=raw.channel, provider=raw.provider)


def fact_of(raw: RawRecord, file: str, sha256: str = "") -> Fact | None:
    """The exposure fact one record states, or None when it states none."""
    fn = _BY_PROVIDER.get(raw.provider)
    if fn is None or raw.event_id not in WANTED[raw.provider]:
        return None
    data = fn(raw)
    if data is None:
        return None
    kind, fields = data
    return Fact(kind, raw.computer, raw.time_created, fields, origin(raw, file, sha256))


def _eventlog(raw: RawRecord):
    if raw.event_id == 6005:
        return "boot", {"event": "eventlog_started"}
    d = raw.data
    version = (d.get("Data0") or "").strip().rstrip(".")
    build = d.get("Data1") or ""
    return "boot", {"event": "build_at_boot", "version": version,
                    "build": int(build) if build.isdigit() else None,
                    "service_pack": d.get("Data2") or "",
                    "kernel": d.get("Data3") or ""}


def service_of_binary(text: str | None) -> tuple[str, str] | None:
    """7036's binary data (hex of UTF-16 ``Name/state``) -> (name, state number)."""
    if not text:
        return None
    try:
        s = bytes.fromhex(text).decode("utf-16-le").rstrip("\x00")
    except ValueError:
        return None
    name, _, state = s.partition("/")
    return name, state


def _scm(raw: RawRecord):
    d = raw.data
    display = d.get("param1") or ""
    if raw.event_id == 7036:
        svc = service_of_binary(d.get("Binary"))
        name = svc[0] if svc else None
        if name is not None and name.lower() != DNS_SERVICE:
            return None
        if name is None and display.lower() != DNS_DISPLAY:
            return None
        state = _SCM_STATES.get(svc[1]) if svc else None
        if state is None:
            word = (d.get("param2") or "").lower()
            state = "running" if word == "running" else "stopped" if word == "stopped" \
                else word or "unknown"
        return "dns_service", {"event": "state", "state": state, "display_name": display,
                               "service": name or ""}
    name = d.get("param4") or ""
    if (name or display).lower() not in (DNS_SERVICE, DNS_DISPLAY):
        return None
    return "dns_service", {"event": "start_type", "display_name": display, "service": name,
                           "old": d.get("param2") or "", "new": d.get("param3") or ""}


def _servicing(raw: RawRecord):
    d = raw.data
    package = d.get("PackageIdentifier") or ""
    if not package:
        return None
    state = d.get("IntendedPackageStateTextized") or d.get("IntendedPackageState") or ""
    return "update", {"via": "setup", "event": _SETUP_KINDS[raw.event_id],
                      "package": package, "kb": kb_in(package), "state": state,
                      "error": d.get("ErrorCode") or "", "client": d.get("Client") or ""}


def _wuclient(raw: RawRecord):
    d = raw.data
    title = d.get("updateTitle") or ""
    if not title:
        return None
    return "update", {"via": "windows_update", "event": _WU_KINDS[raw.event_id],
                      "title": title, "kb": kb_in(title), "error": d.get("errorCode") or ""}


def _sysmon(raw: RawRecord):
    d = raw.data
    target = d.get("TargetObject") or ""
    low = target.lower()
    event_type = d.get("EventType") or ""
    m = _CONTROL_SET.match(low)
    if not m:
        return None
    rest = low[m.end() - 1:]
    if raw.event_id == 13:
        if rest != _WORKAROUND_SUFFIX:
            return None
        v = _DWORD.search(d.get("Details") or "")
        action = "set"
        value = int(v.group(1), 16) if v else None
    else:
        if rest == _WORKAROUND_SUFFIX and event_type.lower() == "deletevalue":
            action = "deleted"
        elif rest in _DNS_KEYS and event_type.lower() == "deletekey":
            action = "deleted"      # the key and the value in it went away
        else:
            return None
        value = None
    return "workaround", {"via": "sysmon", "action": action, "value": value,
                          "details": d.get("Details") or "", "target": target,
                          "control_set": m.group(1), "event_type": event_type,
                          "image": d.get("Image") or "", "pid": d.get("ProcessId") or "",
                          "process_guid": d.get("ProcessGuid") or ""}


_BY_PROVIDER = {EVENTLOG: _eventlog, SCM: _scm, SERVICING: _servicing, WUCLIENT: _wuclient,
                SYSMON_PROVIDER: _sysmon}
