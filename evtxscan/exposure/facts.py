"""Facts about a host's exposure, each with where it was read.

A fact is what one record or one registry value says, nothing more: the verdict decides
what facts mean together.  Every fact carries its ``Origin``: a log file + record id, or a
hive file (+ SHA-256) + key path + value name + the key's last-write time, so that a
report can show exactly what an answer rests on.

Times are UTC ISO-8601 with microseconds and a ``Z`` (``2020-07-14T10:00:00.000000Z``),
the form evtxscan uses everywhere, so they compare as strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: What a fact is about.  ``os``: release/build; ``boot``: the event log service started
#: (6005) or the build at boot (6009); ``update``: an update's state change (Setup,
#: WindowsUpdateClient, CBS package); ``dns_service``: the DNS Server service entered the
#: running/stopped state or its start type changed; ``workaround``: the
#: TcpReceivePacketSize value as a hive holds it, or a Sysmon record setting/deleting it;
#: ``dns_role``: the Services\DNS key present or absent.
Kind = Literal["os", "boot", "update", "dns_service", "workaround", "dns_role"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a fact was read."""

    kind: Literal["log", "hive"]
    file: str                       # as shown to the user (relative to the scanned root)
    sha256: str = ""
    record_id: int | None = None    # log
    event_id: int | None = None
    channel: str | None = None
    provider: str | None = None
    key: str | None = None          # hive: full key path inside the hive
    value: str | None = None        # hive: value name (None: the key itself)
    last_write: str | None = None   # hive: the key's last-write time

    def to_json(self) -> dict:
        out: dict = {"kind": self.kind, "file": self.file, "sha256": self.sha256}
        if self.kind == "log":
            out.update(record_id=self.record_id, event_id=self.event_id,
                       channel=self.channel, provider=self.provider)
        else:
            out.update(key=self.key, value=self.value, last_write=self.last_write)
        return out

    def brief(self) -> str:
        """One line a responder can find the evidence by."""
        if self.kind == "log":
            return f"{self.file} record {self.record_id} (event {self.event_id})"
        where = self.key + (f"\\{self.value}" if self.value else "")
        return f"{self.file}: {where} (key written {self.last_write})"


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing the evidence says.  ``data`` holds the kind's fields (see ``Kind``)."""

    kind: Kind
    host: str
    time: str | None                # when it happened (record time, install time), or
                                    # for hive state the key's last-write time
    data: dict = field(default_factory=dict, hash=False, compare=True)
    origin: Origin | None = None

    def to_json(self) -> dict:
        return {"kind": self.kind, "host": self.host, "time": self.time,
                "data": dict(self.data), "origin": self.origin.to_json() if self.origin else None}

    def sort_key(self) -> tuple:
        o = self.origin
        return (self.time or "", self.kind, o.file if o else "", o.record_id or 0 if o else 0,
                o.key or "" if o else "", o.value or "" if o else "")


@dataclass(slots=True)
class Problem:
    """A file that could not be used (or not in full), with what is wrong: one line each."""

    file: str
    reason: str

    def line(self) -> str:
        return f"{self.file}: {self.reason}"

    def to_json(self) -> dict:
        return {"file": self.file, "reason": self.reason}
