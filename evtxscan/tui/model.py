"""Look-ups the screens need over an ``Analysis``: indexes only, no analysis.

Which process alerted and which processes the triage stage flagged (each facet with a
``mark``: discovery tools, LOLBins, WerFault; the ancestry facet's flags: a masquerading
dns.exe, one with an unexpected parent) are read from the engine's ``Alert`` objects and
their triage facets; this module only indexes them by graph node so a tree line can be
marked in O(1).  The alert list's stacking, filtering and sorting are here too: plain
functions over alerts, so they are tested without a screen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from evtxscan.alerts import SEVERITY_ORDER
from evtxscan import facets
from evtxscan.facets import WINDOW_HOURS
from evtxscan.facets.ancestry import FLAGS
from evtxscan.records import SYSMON_PROVIDER

#: The timeline shows this much before and after an alert.
WINDOW = timedelta(hours=WINDOW_HOURS)


@dataclass
class View:
    """The analysis plus indexes by graph node and host, built once after loading."""

    analysis: object
    alerts_by_node: dict[int, list] = field(default_factory=dict)
    alerts_by_host: dict[str, list] = field(default_factory=dict)
    marks: dict[int, set[str]] = field(default_factory=dict)
    #: alert id -> its triage flags (ancestry flags anywhere on its chain, then the marks
    #: of the alerted process itself), in ``mark_order()``
    flags: dict[str, list[str]] = field(default_factory=dict)
    #: ids of alerts whose chain has an ancestry flag (a masquerading or oddly started
    #: parent): listed before the others of their severity
    suspect: set[str] = field(default_factory=set)
    _children: dict[int, list] = field(default_factory=dict)
    _roots: dict[str, list] = field(default_factory=dict)
    _sysmon: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def build(cls, analysis) -> View:
        v = cls(analysis)
        by_node: dict[int, list] = defaultdict(list)
        by_host: dict[str, list] = defaultdict(list)
        marks: dict[int, set[str]] = defaultdict(set)
        chain_flags: dict[str, set[str]] = defaultdict(set)
        for a in analysis.alerts:
            by_node[a.process.node].append(a)
            by_host[a.host].append(a)
            marks[a.process.node].add("alert")
            for facet in facets.FACETS:
                if facet.mark:
                    for node in v._facet_nodes(a, facet.name):
                        marks[node].add(facet.mark)
            for finding in ((a.triage or {}).get("ancestry") or {}).get("findings", []):
                node = v._node_of(a.host, finding.get("entity_id"))
                if node is not None:
                    marks[node].add(finding["flag"])
                chain_flags[a.id].add(finding["flag"])
        for a in analysis.alerts:
            own = marks.get(a.process.node, set()) - {"alert"}
            v.flags[a.id] = ordered_marks(chain_flags[a.id] | own)
        v.suspect = {aid for aid, found in chain_flags.items() if found}
        v.alerts_by_node, v.alerts_by_host, v.marks = dict(by_node), dict(by_host), dict(marks)
        return v

    def has_sysmon(self, host: str) -> bool:
        """Whether any log of ``host`` has Sysmon records (so "no activity" means none
        was logged, not that nothing could have been)."""
        seen = self._sysmon.get(host)
        if seen is None:
            seen = self._sysmon[host] = any(
                SYSMON_PROVIDER in r.stats.providers
                for r in self.analysis.host_reports(host))
        return seen

    def activity(self, node: int) -> list:
        """The process' Sysmon activity records, as the engine gives them."""
        p = self.graph[node]
        if p.placeholder or not p.entity_id:
            return []
        return list(self.analysis.activity.of(p.host, p.entity_id))

    # ------------------------------------------------------------------ engine data
    @property
    def graph(self):
        return self.analysis.graph

    def sorted_alerts(self, host: str | None = None) -> list:
        """Most severe first, then those with a suspect chain (a masquerading parent...),
        then by time (the engine's own sort key)."""
        alerts = self.analysis.alerts if host is None else self.alerts_by_host.get(host, [])
        return sort_alerts(alerts, "severity", self.suspect, lambda aid: "open")

    def host_alerts_in_time(self, host: str) -> list:
        return sorted(self.alerts_by_host.get(host, []), key=lambda a: a.sort_key)

    def children(self, node: int) -> list:
        """Children by start time; cached because a parent may have 100k of them."""
        kids = self._children.get(node)
        if kids is None:
            kids = self._children[node] = self.graph.children(node)
        return kids

    def has_children(self, node: int) -> bool:
        kids = self._children.get(node)
        if kids is not None:
            return bool(kids)
        return self.graph.has_children(node)

    def roots(self, host: str) -> list:
        r = self._roots.get(host)
        if r is None:
            r = self._roots[host] = sorted(self.graph.roots(host),
                                           key=lambda p: (p.start_time or "", p.node))
        return r

    def path_to(self, node: int) -> list:
        """Root first, ``node`` last."""
        return list(reversed(self.graph.ancestors(node))) + [self.graph[node]]

    def ecs(self, node: int) -> dict | None:
        if self.graph[node].placeholder:
            return None
        return self.graph.ecs(node)

    def hosts(self) -> list[str]:
        return self.graph.hosts()

    def host_process_count(self, host: str) -> int:
        return sum(1 for _ in self.graph.processes(host))

    def window(self, host: str, alert=None) -> tuple[list, str | None, str | None]:
        """The host's processes by time: ±48 h around ``alert``, or all of them."""
        if alert is None or not alert.timestamp:
            return list(self.graph.processes(host)), None, None
        t = _parse(alert.timestamp)
        if t is None:
            return list(self.graph.processes(host)), None, None
        start, end = _fmt(t - WINDOW), _fmt(t + WINDOW)
        return list(self.graph.processes(host, start, end)), start, end

    def search(self, host: str, needle: str) -> list:
        """Processes of ``host`` whose name or command line contains ``needle``
        (case-insensitive), by start time."""
        n = needle.lower()
        if not n:
            return []
        return [p for p in self.graph.processes(host)
                if n in p.name.lower() or n in (p.cmdline() or "").lower()]

    # ------------------------------------------------------------------ triage facets
    def _facet_nodes(self, alert, facet: str) -> list[int]:
        """Graph nodes a triage facet lists (entity ids, nodes, or process dicts)."""
        value = (alert.triage or {}).get(facet)
        out: list[int] = []
        for item in _items(value):
            n = self._node_of(alert.host, item)
            if n is not None:
                out.append(n)
        return out

    def _node_of(self, host: str, item) -> int | None:
        g = self.graph
        if isinstance(item, int) and 0 <= item < len(g):
            return item
        if isinstance(item, str):
            p = g.find(host, item)
            return p.node if p else None
        if isinstance(item, dict):
            if isinstance(item.get("node"), int):
                return item["node"]
            eid = item.get("entity_id") or (item.get("process") or {}).get("entity_id")
            if eid:
                p = g.find(item.get("host") or host, eid)
                return p.node if p else None
        node = getattr(item, "node", None)
        return node if isinstance(node, int) else None


def _items(value) -> list:
    if value is None:
        return []
    if isinstance(value, dict):
        for key in ("hits", "werfault", "processes"):
            if isinstance(value.get(key), list):
                return value[key]
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return []


def _parse(ts: str) -> datetime | None:
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None


def _fmt(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- marks
#: Marks in the order they are shown: the alert, the ancestry flags, the facets' marks.
def mark_order() -> list[str]:
    return ["alert", *FLAGS, *(f.mark for f in facets.FACETS if f.mark)]


def ordered_marks(marks) -> list[str]:
    order = mark_order()
    return sorted(set(marks), key=lambda m: (order.index(m) if m in order else len(order), m))


# --------------------------------------------------------------------------- stacking
#: How the alert list stacks alerts, in the order ``z`` cycles through them:
#: ``similar``: same rule, image and parent image (the 36 appcmd.exe alerts of the IIS
#: sample, whose command lines differ in one quoted word, are one row);
#: ``identical``: same rule, image and command line (Takajo's stacking);
#: ``off``: one row per alert.
STACK_MODES = ("similar", "identical", "off")


def stack_key(alert, mode: str) -> tuple:
    p = alert.process
    parent = (alert.doc.get("process", {}).get("parent", {}) or {}).get("executable") or ""
    if mode == "similar":
        return (alert.rule.rule_id, p.executable.lower(), parent.lower())
    if mode == "identical":
        return (alert.rule.rule_id, p.executable.lower(), p.cmdline() or "")
    return (alert.id,)


@dataclass
class Row:
    """One line of the alert list: an alert, or a stack of alerts (``expanded`` shows
    its members as rows below it)."""

    alerts: list
    key: tuple
    stacked: bool = False         # a stack's own line (its members follow if expanded)
    member: bool = False          # an alert shown under its expanded stack
    expanded: bool = False

    @property
    def alert(self):
        return self.alerts[0]

    @property
    def count(self) -> int:
        return len(self.alerts)


def alert_rows(alerts: list, mode: str, expanded: set = frozenset()) -> list[Row]:
    """Rows in the order of ``alerts`` (a stack where its first alert is); a stack of one
    is a plain alert row."""
    groups: dict[tuple, list] = {}
    for a in alerts:
        groups.setdefault(stack_key(a, mode), []).append(a)
    rows: list[Row] = []
    for key, members in groups.items():
        if len(members) == 1:
            rows.append(Row(members, key))
            continue
        open_ = key in expanded
        rows.append(Row(members, key, stacked=True, expanded=open_))
        if open_:
            rows += [Row([m], key, member=True) for m in members]
    return rows


def distinct_command_lines(alerts: list) -> int:
    return len({a.process.cmdline() or "" for a in alerts})


def status_counts(alerts: list, status_of) -> Counter:
    return Counter(status_of(a.id) for a in alerts)


# --------------------------------------------------------------------------- sorting
#: The alert list's orders, in the order ``o`` cycles through them.
SORTS = ("severity", "time", "host", "rule", "status")


def sort_alerts(alerts: list, order: str, suspect: set, status_of) -> list:
    """``alerts`` in ``order``; ties by severity, then the ``suspect`` ones (see
    ``View.suspect``), then time, as the default order."""
    from evtxscan.case import ALERT_STATUSES

    def base(a):
        return (SEVERITY_ORDER.get(a.rule.severity, 9), a.id not in suspect, a.sort_key)

    key = {"severity": base,
           "time": lambda a: a.sort_key,
           "host": lambda a: (a.host.lower(), a.sort_key),
           "rule": lambda a: (a.rule.name.lower(), base(a)),
           "status": lambda a: (ALERT_STATUSES.index(status_of(a.id))
                                if status_of(a.id) in ALERT_STATUSES else 9, base(a))}[order]
    return sorted(alerts, key=key)


# --------------------------------------------------------------------------- filtering
#: Filter fields (``field:value``); a word without a field matches any text of the alert.
FILTER_FIELDS = ("rule", "sev", "host", "status", "process", "cmd", "flag", "after", "before")
_ALIASES = {"severity": "sev", "image": "process", "cmdline": "cmd", "since": "after",
            "until": "before", "flags": "flag"}


class FilterError(ValueError):
    """A filter the list cannot apply: ``key`` (i18n) and ``params`` say which word and
    why, in the app's language."""

    def __init__(self, key: str, **params) -> None:
        super().__init__(key, params)
        self.key, self.params = key, params


@dataclass(frozen=True)
class AlertFilter:
    """What the ``/`` prompt of the alert list asked for: every term must match.

    ``rule:appcmd`` (substring, any case), ``sev:high`` or ``sev:high,critical``,
    ``host:DC01``, ``status:open`` (or ``status:tp,fp``: the statuses' initials work),
    ``process:cmd.exe``, ``cmd:whoami``, ``flag:masquerading``, ``after:2026-03-10``,
    ``before:2026-03-10T03:00`` (in the display time zone unless the value names one);
    a ``-`` before a term negates it; other words match the rule, host, process,
    parent or command line.
    """

    text: str = ""
    terms: tuple[tuple[str, str, bool], ...] = ()     # (field or "", value, negated)
    times: tuple[tuple[str, str], ...] = ()           # ("after"/"before", UTC ISO)

    @classmethod
    def parse(cls, text: str, tz: tzinfo = timezone.utc) -> AlertFilter:
        from evtxscan.winargs import split_command_line
        terms: list[tuple[str, str, bool]] = []
        times: list[tuple[str, str]] = []
        for word in split_command_line("x " + (text or ""))[1:]:
            neg = word.startswith("-") and len(word) > 1
            if neg:
                word = word[1:]
            fieldname, sep, value = word.partition(":")
            fieldname = _ALIASES.get(fieldname.lower(), fieldname.lower())
            if not sep or fieldname not in FILTER_FIELDS:
                terms.append(("", word.lower(), neg))
                continue
            if not value:
                raise FilterError("tui.filter_no_value", word=word)
            if fieldname in ("after", "before"):
                times.append((fieldname, _utc(value, tz)))
            else:
                terms.append((fieldname, value.lower(), neg))
        return cls(text.strip(), tuple(terms), tuple(times))

    def __bool__(self) -> bool:
        return bool(self.terms or self.times)

    def matches(self, alert, status: str, flags: list[str]) -> bool:
        for which, when in self.times:
            ts = alert.timestamp or ""
            if (which == "after" and ts < when) or (which == "before" and ts >= when):
                return False
        for fieldname, value, neg in self.terms:
            if _term(alert, status, flags, fieldname, value) == neg:
                return False
        return True


def _term(alert, status: str, flags: list[str], fieldname: str, value: str) -> bool:
    p = alert.process
    parent = (alert.doc.get("process", {}).get("parent", {}) or {}).get("name") or ""
    cmd = (p.cmdline() or "").lower()
    values = value.split(",")
    if fieldname == "sev":
        return alert.rule.severity.lower() in values
    if fieldname == "status":
        initials = {"".join(w[0] for w in status.split("_")), status[:3]}
        return any(v in (status, *initials) or status.startswith(v) for v in values)
    if fieldname == "flag":
        return any(v in f.lower() for f in flags for v in values)
    fields = {"rule": [alert.rule.name], "host": [alert.host], "process": [p.name,
                                                                          p.executable],
              "cmd": [cmd], "": [alert.rule.name, alert.host, p.executable, parent, cmd]}
    return any(v in t.lower() for t in fields[fieldname] for v in values)


def _utc(value: str, tz: tzinfo) -> str:
    """A filter's time as the UTC ISO text alerts carry (naive: in ``tz``)."""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError("tui.filter_bad_time", word=value) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return _fmt(dt)
