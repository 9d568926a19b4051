"""What a log's name says, in one place for every kind of source.

Which entries are event logs is decided here for a folder, a file system inside an
image and an archive alike: a case-insensitive ``.evtx`` name (``Security.evtx``,
``SECURITY.EVTX``, ``Microsoft-Windows-Sysmon%4Operational.evtx``).  The records decide
what a log holds; the name only says which files to read.

Collectors rename what they copy.  Velociraptor escapes each path component of a zip
member (``C:`` -> ``C%3A``, ``%4`` -> ``%254``, a device ``\\\\.\\C:`` ->
``%5C%5C.%5CC%3A``); ``original_path`` undoes that so a report can also say where the log
lived on the host.  Shadow copies collected by path
(``\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy3\\...``) are recognised here too, so
a store copy read from a collection and one read from an image take one code path.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from .model import Snapshot

LOG_SUFFIX = ".evtx"

#: Velociraptor's collection zip: uploads under ``uploads/<accessor>/`` beside these files
VELOCIRAPTOR_MARKERS = ("collection_context.json", "uploads.json", "client_info.json")
_ESCAPED = re.compile(r"%[0-9A-F]{2}")
_SHADOW = re.compile(r"HarddiskVolumeShadowCopy(\d+)$", re.IGNORECASE)
_DEVICE = re.compile(r"^(\\\\[.?]\\)?([A-Za-z]:|GLOBALROOT\\Device\\[^\\]+)$", re.IGNORECASE)


def is_log_name(name: str) -> bool:
    """An entry to read as an event log (its records decide the rest)."""
    return name.lower().endswith(LOG_SUFFIX)


#: Registry hives the CVE-2020-1350 exposure answer reads (``evtxscan.exposure``), and
#: the transaction logs beside them.
HIVE_NAMES = ("system", "software")
HIVE_LOGS = (".log1", ".log2")


def is_hive_name(name: str) -> bool:
    """A SYSTEM/SOFTWARE hive or one of its transaction logs (by its last component; the
    hive's own base block decides what it is)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    stem, dot, ext = base.rpartition(".")
    return base in HIVE_NAMES or (stem in HIVE_NAMES and dot + ext in HIVE_LOGS)


def is_velociraptor(names: list[str]) -> bool:
    """A Velociraptor collection (offline collector or export) by its own files."""
    top = {n for n in names if "/" not in n}
    return any(n.startswith("uploads/") for n in names) and any(m in top for m in
                                                                VELOCIRAPTOR_MARKERS)


def velociraptor_original(member: str) -> str | None:
    """``uploads/auto/C%3A/Windows/.../Sysmon%254Operational.evtx`` ->
    ``C:\\Windows\\...\\Sysmon%4Operational.evtx`` (None if not an upload)."""
    parts = member.split("/")
    if len(parts) < 4 or parts[0] != "uploads":
        return None
    return "\\".join(unquote(p) for p in parts[2:])


def shadow_copy(original: str) -> tuple[Snapshot | None, str]:
    """(the shadow-copy store named by a collected path, the path below its volume).

    ``\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\\Windows\\...`` ->
    (vss1, ``Windows\\...``); ``C:\\Windows\\...`` -> (None, ``Windows\\...``).
    """
    parts = original.split("\\")
    # the device is one or several components: "C:", "\\.\C:", "\\?\GLOBALROOT\Device\X"
    for cut in range(1, min(len(parts), 8)):
        head = "\\".join(parts[:cut])
        if _DEVICE.match(head):
            m = _SHADOW.search(head)
            snap = Snapshot(f"vss{int(m.group(1))}") if m else None
            return snap, "\\".join(parts[cut:])
    return None, original


def copy_key(scope: str, inner: str) -> str:
    """The key every copy of one log shares: the volume's scope and the path below it,
    compared as Windows compares names."""
    return scope + "::" + inner.replace("\\", "/").strip("/").lower()
