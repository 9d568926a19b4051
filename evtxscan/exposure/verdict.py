"""Facts + the alert's time -> was the DNS server exposed to CVE-2020-1350 at that time?

Pure functions.  The answer is one of

``patched``         a fix was in place before the alert;
``workaround``      not patched, but ``TcpReceivePacketSize`` <= 0xFF00 was what the DNS
                    Server service read when it last started before the alert;
``exposed``         known not patched at the alert and known without the workaround;
``cannot_tell``     the evidence does not settle one of the two;
``not_dns_server``  the SYSTEM hive has no DNS service and no dns.exe or DNS Server service
                    record was seen.

Rules (each reason in the answer names the facts it rests on):

* Release and build: the SOFTWARE hive's ``CurrentBuild``/``UBR``; else the build the
  System log's 6009 gave at the last boot before the alert.  A UBR below the fix at
  collection was below it at the alert too (UBRs only grow); a UBR at or above the fix
  counts for the alert only when ``CurrentVersion`` was last written before the alert.
* Updates: a fix (the release's KB, a later cumulative update or monthly rollup by its
  title, a ``RollupFix`` package of a fixed build) counts from when it reached the
  Installed state: Setup 2 / Windows Update 19 / the servicing package's install time.  A
  "reboot needed" (Setup 4) counts from the next boot.  An update installed after the
  alert does not count for that alert, and says the fix was not there before it.
* Workaround: the service reads the value when it starts, so what counts is the value at
  the last DNS Server start (7036 running, or a boot: 6005) before the alert.  The value at
  a time is the latest of: a Sysmon 13/12 record setting or deleting it, or the SYSTEM
  hive's state of the current control set if its ``Parameters`` key was last written by
  then.  Set but not followed by a start: not in effect.  Removed and restarted: not in
  effect.
* DNS role: the SYSTEM hive's ``Services\\DNS`` (current control set), a DNS Server service
  record, or dns.exe in the process graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .facts import Fact, Problem
from .knowledge import Knowledge, Release, load_knowledge

VERDICTS = ("patched", "workaround", "exposed", "cannot_tell", "not_dns_server")
#: Every reason code the rules below give (a test checks each ``say`` is listed).
REASONS = (
    "role_process", "role_service", "role_hive_present", "role_hive_absent",
    "os_hive", "os_boot", "os_upgraded", "os_unknown", "release_ubr", "release_kb",
    "release_after_fix", "release_unsupported", "release_unknown",
    "ubr_below_fix", "ubr_fixed_before_alert", "ubr_fixed_after_write",
    "fix_installed", "fix_pending_reboot", "fix_time_unknown", "fix_after_alert",
    "fix_not_in_packages", "fix_not_seen", "update_failed",
    "workaround_other_control_set", "workaround_set", "workaround_deleted",
    "workaround_hive", "workaround_unchecked", "workaround_not_set_at_alert",
    "workaround_no_restart", "workaround_restart_unknown",
    "workaround_value_at_start_unknown", "workaround_changed_after_start",
    "workaround_at_start", "workaround_not_at_start", "workaround_was_in_effect",
)
MISSING = ("no_system_hive", "no_software_hive", "no_system_log", "no_setup_log",
           "no_update_log", "no_sysmon_registry")
#: How an update reached the host (``update`` facts' ``via``).
VIAS = ("setup", "windows_update", "cbs")


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which sources the evidence of this host holds, so that a missing one is said."""

    system_hive: bool = False
    software_hive: bool = False
    system_log: bool = False
    setup_log: bool = False
    update_log: bool = False
    sysmon: bool = False

    def missing(self) -> list[str]:
        attrs = ("system_hive", "software_hive", "system_log", "setup_log", "update_log",
                 "sysmon")
        return [code for attr, code in zip(attrs, MISSING) if not getattr(self, attr)]


@dataclass(slots=True)
class Reason:
    """One step of the reasoning: a code (worded by the i18n table), its parameters, and
    the facts (indexes into ``Assessment.facts``) it rests on."""

    code: str
    params: dict = field(default_factory=dict)
    facts: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"code": self.code, "params": dict(self.params), "facts": list(self.facts)}


@dataclass(slots=True)
class Assessment:
    verdict: str
    as_of: str
    patched: bool | None
    workaround: bool | None
    dns_role: bool | None
    release: Release | None
    reasons: list[Reason]
    facts: list[Fact]
    missing: list[str]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cve: str = "CVE-2020-1350"

    def to_json(self) -> dict:
        return {"cve": self.cve, "verdict": self.verdict, "as_of": self.as_of,
                "patched": self.patched, "workaround": self.workaround,
                "dns_role": self.dns_role,
                "release": self.release.to_json() if self.release else None,
                "reasons": [r.to_json() for r in self.reasons],
                "facts": [f.to_json() for f in self.facts],
                "missing": list(self.missing),
                "problems": [p.to_json() for p in self.problems],
                "notes": list(self.notes)}


class _Ctx:
    def __init__(self, facts: list[Fact], t: str, kn: Knowledge) -> None:
        self.facts = sorted(facts, key=Fact.sort_key)
        self.index = {id(f): i for i, f in enumerate(self.facts)}
        self.t = t
        self.kn = kn
        self.reasons: list[Reason] = []

    def say(self, code: str, facts: list[Fact] = (), **params) -> None:
        self.reasons.append(Reason(code, params, sorted(self.index[id(f)] for f in facts)))

    def of(self, kind: str, **match) -> list[Fact]:
        return [f for f in self.facts if f.kind == kind
                and all(f.data.get(k) == v for k, v in match.items())]


def _before(time: str | None, t: str) -> bool:
    return time is not None and time <= t


# ------------------------------------------------------------------------- release
def _release(c: _Ctx) -> tuple[Release | None, dict]:
    """The release at the alert and what is known of its build: {"build", "ubr",
    "ubr_at_alert" (bool), "fact"}."""
    hive_os = c.of("os", via="hive")
    boots = [f for f in c.of("boot", event="build_at_boot") if _before(f.time, c.t)]
    info: dict = {"build": None, "ubr": None, "ubr_at_alert": False, "fact": None}
    if hive_os:
        f = hive_os[0]
        info.update(build=f.data.get("build"), ubr=f.data.get("ubr"), fact=f,
                    ubr_at_alert=_before(f.time, c.t))
        c.say("os_hive", [f], product=f.data.get("product") or "?",
              build=f"{info['build']}.{info['ubr']}" if info["ubr"] is not None
              else info["build"], written=f.time or "?")
    if boots:
        b = boots[-1]
        if info["build"] is None or (b.data.get("build") and b.data["build"] != info["build"]):
            if info["build"] is not None:
                c.say("os_upgraded", [b], boot_build=b.data.get("build"),
                      hive_build=info["build"])
            info.update(build=b.data.get("build"), ubr=None, ubr_at_alert=False, fact=b)
        c.say("os_boot", [b], version=b.data.get("version") or "?",
              build=b.data.get("build"), time=b.time)
    build = info["build"]
    if build is None:
        c.say("os_unknown")
        return None, info
    rel = c.kn.release_for(build)
    if rel is not None and rel.fixed_ubr is not None:
        c.say("release_ubr", [], name=rel.name, kb=rel.kb,
              fixed=f"{rel.builds[0]}.{rel.fixed_ubr}", checked=rel.checked, url=rel.url)
    elif rel is not None:
        c.say("release_kb", [], name=rel.name, rollup=rel.monthly_rollup,
              security_only=rel.security_only, checked=rel.checked, url=rel.url)
    return rel, info


# ------------------------------------------------------------------------- patched
def _fix_updates(c: _Ctx, rel: Release) -> list[tuple[Fact, str | None, str]]:
    """Updates that carry the fix: (fact, effective time or None, how)."""
    boots = sorted(f.time for f in c.of("boot", event="eventlog_started") if f.time)
    out = []
    for f in c.of("update"):
        d = f.data
        fixes = c.kn.fixes(rel, kb=d.get("kb"), title=d.get("title")) or (
            d.get("rollup_build") is not None and c.kn.fixes(
                rel, build=d.get("rollup_build"), ubr=d.get("rollup_ubr")))
        if not fixes:
            continue
        via, event = d.get("via"), d.get("event")
        if via == "setup" and event == "changed" and (d.get("state") or "").lower() \
                in ("installed", "permanent"):
            out.append((f, f.time, "installed"))
        elif via == "windows_update" and event == "installed":
            out.append((f, f.time, "installed"))
        elif via == "setup" and event == "reboot_required":
            nxt = next((b for b in boots if f.time and b > f.time), None)
            out.append((f, nxt, "after_reboot" if nxt else "pending_reboot"))
        elif via == "cbs":
            state = d.get("state_code")
            if state in c.kn.installed_states:
                out.append((f, f.time, "installed" if f.time else "installed_time_unknown"))
            elif state in c.kn.pending_states:
                out.append((f, None, "pending_reboot"))
        elif event == "failed":
            c.say("update_failed", [f], update=d.get("kb") or d.get("title") or "?",
                  error=d.get("error") or "?", time=f.time)
    return out


def _patched(c: _Ctx, rel: Release | None, info: dict) -> bool | None:
    if rel is None:
        build = info["build"]
        newest = max(b for r in c.kn.releases for b in r.builds)
        oldest = min(b for r in c.kn.releases for b in r.builds)
        if build is not None and build > newest:
            c.say("release_after_fix", [info["fact"]], build=build)
            return True
        if build is not None and build < oldest:
            c.say("release_unsupported", [info["fact"]], build=build)
            return False
        if build is not None:
            c.say("release_unknown", [info["fact"]], build=build)
        return None
    yes = no = False
    ubr = info["ubr"]
    if rel.fixed_ubr is not None and ubr is not None:
        f = info["fact"]
        if ubr < rel.fixed_ubr:
            c.say("ubr_below_fix", [f], build=info["build"], ubr=ubr, fixed=rel.fixed_ubr)
            no = True
        elif info["ubr_at_alert"]:
            c.say("ubr_fixed_before_alert", [f], build=info["build"], ubr=ubr,
                  fixed=rel.fixed_ubr, written=f.time)
            yes = True
        else:
            c.say("ubr_fixed_after_write", [f], build=info["build"], ubr=ubr,
                  fixed=rel.fixed_ubr, written=f.time or "?")
    fixes = _fix_updates(c, rel)
    unknown_time = False
    for f, t, how in fixes:
        if _before(t, c.t):
            c.say("fix_installed", [f], update=_name(f), time=t, how=how, via=f.data["via"])
            yes = True
        elif how == "pending_reboot":
            c.say("fix_pending_reboot", [f], update=_name(f), time=f.time or "?")
        elif how == "installed_time_unknown":
            c.say("fix_time_unknown", [f], update=_name(f))
            unknown_time = True
        elif t is not None:
            c.say("fix_after_alert", [f], update=_name(f), time=t, via=f.data["via"])
            no = True
    if yes:
        return True
    cbs = c.of("update", via="cbs")
    if not no and rel.fixed_ubr is None and cbs and not fixes:
        c.say("fix_not_in_packages", cbs[:1], kbs=", ".join(rel.fix_kbs), packages=len(cbs))
        no = True
    if no:
        return False
    if not unknown_time:
        c.say("fix_not_seen", [], kbs=", ".join(rel.fix_kbs))
    return None


def _name(f: Fact) -> str:
    d = f.data
    return d.get("title") or d.get("kb") or d.get("package") or "?"


# ------------------------------------------------------------------------- workaround
def _value_at(c: _Ctx, t: str) -> tuple[bool, int | None, Fact | None]:
    """(known, value or None when absent, the fact) of TcpReceivePacketSize at ``t``."""
    cands: list[tuple[str, int | None, Fact]] = []
    for f in c.of("workaround", via="sysmon"):
        if _before(f.time, t):
            cands.append((f.time, f.data.get("value") if f.data["action"] == "set" else None,
                          f))
    for f in c.of("workaround", via="hive", current=True):
        if _before(f.time, t):
            cands.append((f.time, f.data.get("value"), f))
    if not cands:
        return False, None, None
    time, value, fact = max(cands, key=lambda x: x[0])
    return True, value, fact


def _workaround(c: _Ctx, cov: Coverage) -> bool | None:
    kn = c.kn
    limit = kn.workaround.recommended
    hive_current = c.of("workaround", via="hive", current=True)
    sysmon = [f for f in c.of("workaround", via="sysmon")]
    for f in c.of("workaround", via="hive", current=False):
        if f.data.get("present"):
            c.say("workaround_other_control_set", [f], control_set=f.data["control_set"],
                  value=_hex(f.data.get("value")))
    for f in sysmon:
        c.say("workaround_" + f.data["action"], [f], value=_hex(f.data.get("value")),
              time=f.time, image=f.data.get("image") or "?", pid=f.data.get("pid") or "?",
              after=f.time is not None and f.time > c.t)
    for f in hive_current:
        c.say("workaround_hive", [f], control_set=f.data["control_set"],
              value=_hex(f.data.get("value")) if f.data.get("present") else None,
              written=f.time or "?")
    if not hive_current and not sysmon:
        c.say("workaround_unchecked")
        return None
    starts = [f for f in c.facts if _before(f.time, c.t) and (
        (f.kind == "dns_service" and f.data.get("event") == "state"
         and f.data.get("state") == "running")
        or (f.kind == "boot" and f.data.get("event") == "eventlog_started"))]
    known_t, value_t, fact_t = _value_at(c, c.t)
    if not starts:
        if known_t and (value_t is None or value_t > limit):
            c.say("workaround_not_set_at_alert", [fact_t])
            return False
        if known_t and cov.system_log:
            c.say("workaround_no_restart", [fact_t], value=_hex(value_t))
            return False
        c.say("workaround_restart_unknown")
        return None
    for prev, nxt in zip(starts, starts[1:] + [None]):
        k, v, fv = _value_at(c, prev.time)
        if k and v is not None and v <= limit and nxt is not None:
            c.say("workaround_was_in_effect", [x for x in (fv, prev, nxt) if x is not None],
                  start=prev.time, until=nxt.time, value=_hex(v))
    start = starts[-1]
    known, value, fact = _value_at(c, start.time)
    if not known:
        if known_t and (value_t is None or value_t > limit) and not sysmon:
            # never recorded as set, absent at the alert: nothing to have been in effect
            c.say("workaround_not_set_at_alert", [fact_t])
            return False
        if known_t and value_t is not None and value_t <= limit:
            c.say("workaround_no_restart", [fact_t, start], value=_hex(value_t),
                  start=start.time)
            return False
        c.say("workaround_value_at_start_unknown", [start], start=start.time)
        return None
    in_effect = value is not None and value <= limit
    if known_t and fact_t is not fact:
        c.say("workaround_changed_after_start", [fact_t, start], start=start.time,
              value=_hex(value_t))
    c.say("workaround_at_start" if in_effect else "workaround_not_at_start",
          [x for x in (fact, start) if x is not None], start=start.time, value=_hex(value),
          limit=_hex(limit))
    return in_effect


def _hex(v: int | None) -> str | None:
    return None if v is None else f"0x{v:04X}"


# ------------------------------------------------------------------------- role
def _dns_role(c: _Ctx, dns_process: Fact | None) -> bool | None:
    """Present when dns.exe ran, the DNS Server service logged a state, or the current
    control set has ``Services\\DNS``; absent only when a SYSTEM hive says so and nothing
    else shows it."""
    seen = False
    if dns_process is not None:
        c.say("role_process", [dns_process], name=dns_process.data.get("name") or "dns.exe",
              time=dns_process.time)
        seen = True
    svc = c.of("dns_service")
    if svc:
        c.say("role_service", svc[:1], time=svc[0].time)
        seen = True
    in_hive = [f for f in c.of("dns_role") if "control_set" in f.data]
    hive = [f for f in in_hive if f.data.get("current")] or in_hive
    if hive:
        present = any(f.data.get("present") for f in hive)
        c.say("role_hive_present" if present else "role_hive_absent", hive[:1],
              control_set=hive[0].data.get("control_set"))
        return present or seen
    return True if seen else None


# ------------------------------------------------------------------------- driver
def assess(facts: list[Fact], alert_time: str, *, coverage: Coverage = Coverage(),
           dns_process: Fact | None = None, problems: list[Problem] = (),
           notes: list[str] = (), knowledge: Knowledge | None = None) -> Assessment:
    """The verdict for an alert at ``alert_time`` (UTC ISO) from the host's ``facts``.

    ``dns_process`` is a fact standing for dns.exe seen in the process graph (its start
    record as origin).  ``coverage`` says which sources exist, so that an answer built
    on little evidence says what was missing."""
    kn = knowledge or load_knowledge()
    extra = [dns_process] if dns_process is not None else []
    c = _Ctx(list(facts) + extra, alert_time, kn)
    role = _dns_role(c, dns_process)
    rel, info = _release(c)
    patched = _patched(c, rel, info)
    work = _workaround(c, coverage)
    if role is False:
        verdict = "not_dns_server"
    elif patched:
        verdict = "patched"
    elif work:
        verdict = "workaround"
    elif patched is False and work is False:
        verdict = "exposed"
    else:
        verdict = "cannot_tell"
    return Assessment(verdict, alert_time, patched, work, role, rel, c.reasons, c.facts,
                      coverage.missing(), list(problems), list(notes), kn.cve)
