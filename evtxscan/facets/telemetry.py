"""``telemetry``: what the host's logs can and cannot show, with caveats, so that
"nothing found" is never mistaken for "nothing happened".

A caveat is a value: ``code``, ``params`` and its English ``text`` (for alerts.jsonl);
``caveat_text`` words it in another language (``caveat.<code>`` in ``evtxscan.i18n``).
Other facets name the caveat codes that weaken their answers (``Facet.caveats``).
"""

from __future__ import annotations

from ..graph import ts_us
from ..i18n import has, tr
from ..records import SECURITY_PROVIDER, SYSMON_PROVIDER
from .activity import ACTIVITY_KINDS
from .base import WINDOW_US, Facet, Subject, ev, iso, sentences


def caveat_text(caveat: dict, lang: str = "en") -> str:
    """One caveat as a sentence in ``lang`` (English when there is no translation); its
    stored English text when its code is unknown or its params do not fit."""
    key = "caveat." + caveat.get("code", "")
    if not has(key):
        return caveat.get("text", "")
    params = {k: (", ".join(map(str, v)) if isinstance(v, list) else v)
              for k, v in caveat.get("params", {}).items()}
    try:
        return tr(key, lang, **params)
    except (KeyError, IndexError, ValueError):
        return caveat.get("text", "")


def _caveat(code: str, **params) -> dict:
    c = {"code": code, "params": params}
    c["text"] = caveat_text(c, "en")
    return c


def host_telemetry(analysis, host: str) -> dict:
    """What the logs attributed to ``host`` can and cannot show (alert-independent)."""
    reports = sorted(analysis.host_reports(host), key=lambda r: r.path)
    logs = []
    sysmon_ids: set[int] = set()
    has_sysmon = False
    ends: set[str] = set()
    caveats: list[dict] = []
    for r in reports:
        st = r.stats
        is_sysmon = SYSMON_PROVIDER in st.providers
        is_security = SECURITY_PROVIDER in st.providers
        missing = sum(b - a - 1 for a, b in st.gaps)
        logs.append({"file": r.path, "sha256": r.sha256, "size": r.size, "status": r.status,
                     "records": r.records, "skipped": r.skipped, "recovered": r.recovered,
                     "providers": sorted(st.providers), "channels": sorted(st.channels),
                     "first_time": st.first_time, "last_time": st.last_time,
                     "first_record_id": st.first_record_id,
                     "last_record_id": st.last_record_id,
                     "gaps": [list(g) for g in st.gaps], "missing_records": missing,
                     "event_ids": sorted(st.event_ids)})
        if is_sysmon:
            has_sysmon = True
            sysmon_ids.update(st.event_ids)
            if 5 in st.event_ids:
                ends.add("sysmon 5")
        if is_security:
            if 4689 in st.event_ids:
                ends.add("security 4689")
            if 1102 in st.event_ids:
                caveats.append(_caveat("log_cleared", file=r.path))
        if st.gaps:
            caveats.append(_caveat("record_gaps", file=r.path, missing=missing,
                                   count=len(st.gaps), after=st.gaps[0][0]))
        if r.skipped or r.recovered or r.status != "ok":
            caveats.append(_caveat("damaged", file=r.path, status=r.status,
                                   skipped=r.skipped, recovered=r.recovered))
    # 4688 versions and command lines, from the records themselves
    versions: set[int] = set()
    n4688 = with_cmd = 0
    for q in analysis.graph.processes(host):
        for e in q.starts:
            if e.is_sysmon or e.source.event_id != 4688:
                continue
            n4688 += 1
            versions.add(e.version)
            if e.command_line:
                with_cmd += 1
    if n4688 == 0:
        cmd_state = "none"
    elif with_cmd == n4688:
        cmd_state = "logged"
    elif with_cmd:
        cmd_state = "partial"
    elif versions == {0}:
        cmd_state = "absent_v0"
    else:
        cmd_state = "audit_off"
    if not reports:
        caveats.insert(0, _caveat("no_logs"))
    if not has_sysmon:
        caveats.insert(0, _caveat("no_sysmon"))
        if n4688 == 0:
            caveats.append(_caveat("no_4688"))
    else:
        absent = sorted(i for i in ACTIVITY_KINDS if i not in sysmon_ids)
        if absent:
            caveats.append(_caveat("sysmon_ids_missing", ids=absent))
    if cmd_state == "absent_v0":
        caveats.append(_caveat("cmdline_v0"))
    elif cmd_state in ("audit_off", "partial") and not has_sysmon:
        caveats.append(_caveat("cmdline_off"))
    old = sorted(v for v in versions if v < 2)
    if old and not has_sysmon:
        caveats.append(_caveat("no_parent_names", versions=old))
    if not ends:
        caveats.append(_caveat("no_process_ends"))
    caveats += _exposure_caveats(analysis, host, reports)
    spans = [(lg["first_time"], lg["last_time"]) for lg in logs if lg["first_time"]]
    return {
        "host": host,
        "logs": logs,
        "first_time": min((a for a, _ in spans), default=None),
        "last_time": max((b for _, b in spans), default=None),
        "sysmon": {"present": has_sysmon, "event_ids": sorted(sysmon_ids)},
        "security_4688": {"present": n4688 > 0, "records": n4688,
                          "versions": sorted(versions), "command_lines": cmd_state,
                          "with_command_line": with_cmd},
        "process_ends": {"present": bool(ends), "sources": sorted(ends)},
        "caveats": caveats,
    }


def _exposure_caveats(analysis, host: str, reports) -> list[dict]:
    """What the CVE-2020-1350 exposure answer (``facets.exposure``) lacks on this host:
    the registry hives (release, updates, the workaround) and the System and Setup logs
    (boots, DNS Server restarts, update installs)."""
    from ..exposure.collect import coverage, hive_kinds_of
    cov = coverage(hive_kinds_of(getattr(analysis, "hives", None) or [], host), reports)
    out = []
    if not cov.system_hive and not cov.software_hive:
        out.append(_caveat("no_registry_hives"))
    elif not cov.system_hive:
        out.append(_caveat("no_system_hive"))
    elif not cov.software_hive:
        out.append(_caveat("no_software_hive"))
    if not cov.system_log:
        out.append(_caveat("no_system_log"))
    if not cov.setup_log:
        out.append(_caveat("no_setup_log"))
    return out


def alert_telemetry(base: dict, alert) -> dict:
    """The host's telemetry plus caveats that depend on the alert's time."""
    out = dict(base)
    caveats = list(base["caveats"])
    start_us = ts_us(alert.timestamp) - WINDOW_US
    for lg in base["logs"]:
        if lg["first_time"] and ts_us(lg["first_time"]) > start_us:
            caveats.append(_caveat("window_not_covered", file=lg["file"],
                                   first=lg["first_time"], start=iso(start_us)))
    out["caveats"] = caveats
    return out


class _PerHost:
    """Each host's telemetry, computed the first time one of its alerts asks."""

    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self.hosts: dict[str, dict] = {}

    def of(self, host: str) -> dict:
        t = self.hosts.get(host)
        if t is None:
            t = self.hosts[host] = host_telemetry(self.analysis, host)
        return t


def compute(s: Subject, per_host: _PerHost) -> dict:
    return alert_telemetry(per_host.of(s.alert.host), s.alert)


def answer(tri: dict, lang: str, tz) -> str:
    caveats = tri["telemetry"]["caveats"]
    if not caveats:
        return tr("facet.telemetry.none", lang)
    return tr("facet.telemetry.some", lang,
              items=sentences([ev(caveat_text(c, lang)) for c in caveats], lang))


def summary(value: dict) -> str | None:
    codes = [c["code"] for c in value["caveats"]]
    return "caveats: " + ", ".join(dict.fromkeys(codes)) if codes else None


FACET = Facet("telemetry", compute, answer, words="facet.telemetry.words", summary=summary,
              prepare=_PerHost)
