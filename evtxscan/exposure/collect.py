"""Gather each host's exposure evidence, then answer per alert.

Facts come from two places: the per-file stage turns the records of ``logfacts.WANTED``
into facts (each with its file, SHA-256 and record id), and the hives found beside the
logs are read here.  This module puts them together per host:

* log facts belong to the host their record names (System/Computer);
* a SYSTEM hive names its host (``Tcpip\\Parameters`` Hostname + Domain, else
  ``ComputerName``); a SOFTWARE hive belongs to the SYSTEM hive of its folder; a hive that
  names no host belongs to the host whose logs sit under the same top folder of the
  evidence (``DC01/...``), the way KAPE and Velociraptor lay collections out;
* host names match case-insensitively, and a bare name matches its FQDN (``DC01`` and
  ``DC01.corp.example``), since a hive and a log may spell the host either way;
* coverage (which of SYSTEM/SOFTWARE hive, System/Setup log, update records, Sysmon the
  host has) comes from the files attributed to it, so the answer says what was missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .facts import Fact, Origin, Problem
from .hives import HiveResult, find_hives, pair_hosts, read_hive
from .logfacts import WUCLIENT
from .verdict import Assessment, Coverage, assess

SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"


def host_key(name: str) -> str:
    """The part of a host name both spellings share: ``dc01`` for ``DC01.corp.example``."""
    return (name or "").split(".", 1)[0].lower()


def _top(path: str) -> str:
    return path.replace("\\", "/").split("/", 1)[0].lower()


@dataclass
class HostEvidence:
    facts: list[Fact] = field(default_factory=list)
    hive_kinds: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ExposureIndex:
    """Every host's exposure evidence, built once per analysis."""

    hosts: dict[str, HostEvidence] = field(default_factory=dict)
    hives: list[HiveResult] = field(default_factory=list)
    reports: list = field(default_factory=list)      # FileReport-like: path, stats

    @classmethod
    def build(cls, log_facts: Iterable[Fact], hives: list[HiveResult], reports: list) -> ExposureIndex:
        self = cls({}, list(hives), list(reports))
        for f in log_facts:
            self._host(f.host).facts.append(f)
        for r in pair_hosts(hives):
            host = r.host or self._host_of_folder(r.hive.display)
            ev = self._host(host or "")
            ev.hive_kinds.add(r.hive.kind)
            ev.facts += [Fact(f.kind, host or "", f.time, f.data, f.origin) for f in r.facts]
            ev.notes += [f"{r.hive.display}: {n}" for n in r.notes]
            ev.problems += r.problems
        return self

    def _host(self, name: str) -> HostEvidence:
        return self.hosts.setdefault(host_key(name), HostEvidence())

    def _host_of_folder(self, display: str) -> str | None:
        top = _top(display)
        names: Counter[str] = Counter()
        for rep in self.reports:
            if _top(rep.path) == top:
                names.update(rep.stats.computers)
        return names.most_common(1)[0][0] if names else None

    def coverage(self, host: str, reports: list) -> Coverage:
        ev = self.hosts.get(host_key(host), HostEvidence())
        return coverage(ev.hive_kinds, reports)

    def assess(self, host: str, when: str, *, reports: list,
               dns_process: Fact | None = None) -> Assessment:
        ev = self.hosts.get(host_key(host), HostEvidence())
        return assess(ev.facts, when, coverage=self.coverage(host, reports),
                      dns_process=dns_process, problems=ev.problems, notes=ev.notes)

    def problems(self) -> list[Problem]:
        return [p for r in self.hives for p in r.problems]


def coverage(hive_kinds: set[str], reports: list) -> Coverage:
    """Which sources a host has: its hives' kinds and its logs' channels and providers."""
    channels: set[str] = set()
    providers: set[str] = set()
    for rep in reports:
        channels.update(rep.stats.channels)
        providers.update(rep.stats.providers)
    return Coverage(system_hive="SYSTEM" in hive_kinds, software_hive="SOFTWARE" in hive_kinds,
                    system_log="System" in channels, setup_log="Setup" in channels,
                    update_log=WUCLIENT in providers or "System" in channels,
                    sysmon=SYSMON_PROVIDER in providers)


def hive_kinds_of(hives: list[HiveResult], host: str) -> set[str]:
    """The kinds of hive attributed to ``host`` (by the name the hive itself gives)."""
    return {r.hive.kind for r in hives if r.host and host_key(r.host) == host_key(host)}


def read_hives(paths: list[str]) -> list[HiveResult]:
    """Find and read every SYSTEM/SOFTWARE hive under ``paths`` (each problem one line)."""
    return pair_hosts([read_hive(h) for h in find_hives(paths)])


def dns_process_fact(processes: Iterable, when: str,
                     key: Callable[[str], str] = lambda n: n.lower()) -> Fact | None:
    """dns.exe seen in the process graph at or before ``when``: the earliest such start,
    with its start record as origin.  ``processes`` are graph ``Process`` nodes."""
    best = None
    for p in processes:
        if key(p.name or "") != "dns.exe" or not p.start_time or p.start_time > when:
            continue
        if p.placeholder or not p.starts:
            continue
        if best is None or p.start_time < best.start_time:
            best = p
    if best is None:
        return None
    src = best.starts[0].source
    return Fact("dns_role", best.host, best.start_time,
                {"present": True, "via": "process", "name": best.name,
                 "executable": best.executable, "pid": best.pid},
                Origin("log", src.file, src.sha256, record_id=src.record_id,
                       event_id=src.event_id, channel=src.channel))
