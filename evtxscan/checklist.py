"""The rule's investigation guide as a checklist, with the answers the evidence gives.

``checklist(rule)`` parses the guide's Markdown (every language of ``rule.notes``,
paired by position within each section) into items; ``answer(item, alert, lang)``
words what the triage facets (``evtxscan.triage``) say about that item, or None when no
facet bears on it (e.g. "check whether the server is vulnerable to CVE-2020-1350").

Items are tied to facets by what their text says (``FACET_KEYWORDS``, and the tool names
of ``evtxscan.toolsets`` it mentions), never by their position, so another rule's guide
(or a reworded one) gets answers wherever it asks the same questions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timezone, tzinfo

from .textsafe import printable
from .timefmt import display
from .toolsets import TOOLSETS, tool_key
from .triage import caveat_text

SECTIONS = ("investigation", "false_positive", "response")
#: Heading words (lower case, any language) that start each section.  A heading that
#: matches none (e.g. "Triage and analysis") ends the current section.
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "investigation": ("investigation steps", "investigation", "调查步骤"),
    "false_positive": ("false positive", "误报"),
    "response": ("response and remediation", "remediation", "响应和补救", "响应"),
}
#: Heading words that look like a section but are not one ("Investigating X").
_NOT_SECTION = ("investigating", "调查 ")

#: Facet -> words (lower case, any language) that show an item asks for it.
FACET_KEYWORDS: dict[str, tuple[str, ...]] = {
    "ancestry": ("execution chain", "parent process tree", "process tree",
                 "进程执行链", "父进程树"),
    "discovery": ("discovery", "enumeration", "发现/枚举"),
    "lolbins": ("download and execute", "下载和执行"),
    "crash": ("denial-of-service", "denial of service", "crashes", "拒绝服务", "崩溃"),
    "activity": ("network connections", "registry or file", "file modifications",
                 "网络连接", "注册表"),
    "subtree": ("spawned child processes", "产生的子进程"),
    "related_alerts_48h": ("past 48 hours", "48 hours", "48 小时"),
    "prevalence": ("prevalent", "across hosts", "普遍", "主机之间"),
    "telemetry": ("logging and audit", "audit policies", "日志记录和审计"),
}
FACET_ORDER = tuple(FACET_KEYWORDS)

#: Caveat codes (``triage.CAVEATS``) that weaken the answer of each facet.
FACET_CAVEATS: dict[str, tuple[str, ...]] = {
    "ancestry": ("no_parent_names", "no_process_ends"),
    "discovery": ("cmdline_v0", "cmdline_off"),
    "lolbins": ("cmdline_v0", "cmdline_off"),
    "crash": ("no_process_ends",),
    "activity": ("sysmon_ids_missing",),
    "subtree": ("no_parent_names", "no_process_ends"),
    "related_alerts_48h": ("window_not_covered", "record_gaps", "damaged", "log_cleared"),
    "prevalence": (),
    "telemetry": (),
}

T: dict[str, dict[str, str]] = {
    "sep": {"en": "; ", "zh": ";"},
    "list": {"en": ", ", "zh": "、"},
    "caveat": {"en": "caveat: {text}", "zh": "注意:{text}"},
    "chain": {"en": "parent chain: {chain} (links: {how})",
              "zh": "父进程链:{chain}(关联方式:{how})"},
    "unexpected_dns_parent": {
        "en": "{name} (pid {pid}) was started by {parent}, not services.exe",
        "zh": "{name}(pid {pid})由 {parent} 启动,而非 services.exe"},
    "masquerading": {
        "en": "{name} (pid {pid}) runs from {executable}, not C:\\Windows\\System32\\dns.exe "
              "(masquerading)",
        "zh": "{name}(pid {pid})运行自 {executable},而非 C:\\Windows\\System32\\dns.exe(伪装)"},
    "tools_process": {"en": "{tools} is the alerted process", "zh": "告警进程本身即 {tools}"},
    "tools_subtree": {"en": "{tools} found in subtree", "zh": "在子树中发现 {tools}"},
    "tools_cmdline": {"en": "{tools} named in a command line",
                      "zh": "命令行中出现 {tools}"},
    "tools_none": {"en": "none of {kind} in the alerted process or its subtree",
                   "zh": "告警进程及其子树中未发现{kind}"},
    "kind_discovery": {"en": "the discovery utilities", "zh": "发现/枚举实用程序"},
    "kind_lolbins": {"en": "the download/execute built-ins", "zh": "可下载和执行的内置程序"},
    "no_dns": {"en": "no dns.exe above the alerted process",
               "zh": "告警进程之上没有 dns.exe"},
    "werfault": {"en": "{name} under dns.exe at {time}: the service may have crashed",
                 "zh": "{time} dns.exe 下出现 {name}:服务可能已崩溃"},
    "werfault_pid": {"en": " (its -p {pid} is dns.exe)", "zh": "(其 -p {pid} 即 dns.exe)"},
    "werfault_none": {"en": "no WerFault.exe under dns.exe (pid {pid})",
                      "zh": "dns.exe(pid {pid})下没有 WerFault.exe"},
    "dns_ended": {"en": "dns.exe ended at {time}", "zh": "dns.exe 于 {time} 结束"},
    "related": {"en": "{n} other alert(s) on this host in the 48 h before: {items}",
                "zh": "此主机在之前 48 小时内有 {n} 条其他告警:{items}"},
    "related_none": {"en": "no other alerts on this host in the 48 h before ({start} to {end})",
                     "zh": "此主机在之前 48 小时内({start} 至 {end})没有其他告警"},
    "more": {"en": "and {n} more", "zh": "另有 {n} 条"},
    "prev_dns": {"en": "same child ({child}) under dns.exe on {n} of {total} hosts: {hosts}",
                 "zh": "相同子进程({child})在 {total} 台主机中的 {n} 台上作为 dns.exe 的子进程出现:{hosts}"},
    "prev_parent": {"en": "under {parent} on {n} host(s): {hosts}",
                    "zh": "在 {n} 台主机上作为 {parent} 的子进程出现:{hosts}"},
    "prev_cmd": {"en": "same command line on {n} host(s): {hosts}",
                 "zh": "相同命令行出现在 {n} 台主机上:{hosts}"},
    "prev_cmd_unknown": {"en": "command lines not logged on: {hosts}",
                         "zh": "以下主机未记录命令行:{hosts}"},
    "prev_no_cmd": {"en": "the alerted process has no command line to compare",
                    "zh": "告警进程没有可比较的命令行"},
    "no_sysmon": {"en": "no Sysmon on this host: cannot be answered from these logs",
                  "zh": "此主机没有 Sysmon:无法从这些日志中回答"},
    "activity_none": {"en": "no network, DNS, file, registry or image-load events of the "
                            "process or its subtree",
                      "zh": "该进程及其子树没有网络、DNS、文件、注册表或映像加载事件"},
    "network": {"en": "network: {n} connection(s)", "zh": "网络:{n} 个连接"},
    "dns": {"en": "DNS: {n} quer(ies)", "zh": "DNS:{n} 次查询"},
    "file": {"en": "files: {n} created", "zh": "文件:创建 {n} 个"},
    "registry": {"en": "registry: {n} event(s)", "zh": "注册表:{n} 个事件"},
    "image_load": {"en": "image loads: {n}", "zh": "映像加载:{n} 个"},
    "subtree": {"en": "{n} process(es) in the subtree: {names}",
                "zh": "子树中有 {n} 个进程:{names}"},
    "subtree_none": {"en": "no child processes logged", "zh": "未记录到子进程"},
    "telemetry": {"en": "what these logs cannot show: {items}",
                  "zh": "这些日志无法显示的内容:{items}"},
    "telemetry_none": {"en": "no telemetry gaps found for this host",
                       "zh": "未发现此主机的遥测缺口"},
}


def tr(key: str, lang: str = "en", **params) -> str:
    texts = T[key]
    return (texts.get(lang) or texts["en"]).format(**params)


@dataclass(frozen=True)
class ChecklistItem:
    """One bullet of the guide: ``id`` like ``investigation-1``; ``texts`` per language."""

    id: str
    section: str
    texts: dict[str, str] = field(default_factory=dict, hash=False, compare=True)

    def text(self, lang: str = "en") -> str:
        return self.texts.get(lang) or self.texts.get("en") or next(iter(self.texts.values()), "")


_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")


def _section_of(heading: str) -> str | None:
    h = heading.strip("# ").strip().lower()
    if any(h.startswith(w) for w in _NOT_SECTION):
        return None
    for section, words in SECTION_HEADINGS.items():
        if any(w in h for w in words):
            return section
    return None


def parse_guide(markdown: str) -> dict[str, list[str]]:
    """Section -> bullet texts, in order.  Nested bullets and continuation lines join
    their parent bullet, so one item is one thing to do."""
    out: dict[str, list[str]] = {s: [] for s in SECTIONS}
    section: str | None = None
    open_item = False          # the last bullet may still take continuation lines
    after_blank = False
    in_fence = False
    for line in (markdown or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            open_item = False
            continue
        if in_fence:
            continue
        if stripped.startswith("#"):
            section = _section_of(stripped)
            open_item = False
            continue
        if section is None:
            continue
        if not stripped:
            after_blank = True
            continue
        items = out[section]
        m = _BULLET.match(line)
        indented = len(line) - len(line.lstrip()) >= 2
        if m and (not indented or not items or not open_item):
            items.append(m.group(2).strip())
            open_item = True
        elif open_item and (indented or not after_blank):
            # a nested bullet or a continuation line of the last bullet
            items[-1] += ("; " if m else " ") + (m.group(2).strip() if m else stripped)
        else:
            open_item = False   # a paragraph after the list
        after_blank = False
    return out


def checklist(rule) -> list[ChecklistItem]:
    """The checklist of ``rule``'s guide, every language paired by position."""
    notes = dict(getattr(rule, "notes", None) or {})
    if not notes and getattr(rule, "note", ""):
        notes = {"en": rule.note}
    parsed = {lang: parse_guide(md) for lang, md in sorted(notes.items())}
    items: list[ChecklistItem] = []
    for section in SECTIONS:
        n = max((len(p[section]) for p in parsed.values()), default=0)
        for i in range(n):
            texts = {lang: p[section][i] for lang, p in parsed.items() if i < len(p[section])}
            items.append(ChecklistItem(f"{section}-{i + 1}", section, texts))
    return items


_EXE = re.compile(r"[\w.-]+\.exe\b", re.IGNORECASE)


def facets_for(item: ChecklistItem) -> list[str]:
    """The triage facets an item asks about, in ``FACET_ORDER``."""
    text = " ".join(item.texts.values()).lower()
    found: set[str] = set()
    for facet, words in FACET_KEYWORDS.items():
        if any(w in text for w in words):
            found.add(facet)
    for name in _EXE.findall(text):
        key = tool_key(name)
        for set_name, names in TOOLSETS.items():
            if key in names:
                found.add(set_name)
    return [f for f in FACET_ORDER if f in found]


# ---------------------------------------------------------------------- answers
def _s(text) -> str:
    """Evidence text inside an answer: one line, control characters escaped."""
    return printable(str(text)) if text is not None else "?"


def _join(items: list[str], lang: str) -> str:
    return tr("list", lang).join(items)


def _ancestry(tri: dict, lang: str, tz: tzinfo) -> str:
    a = tri["ancestry"]
    chain = " → ".join(_s(e["name"] or f"pid {e['pid']}") for e in a["chain"])
    hows = [e["how"] for e in a["chain"] if e["how"]]
    how = _join([f"{h}×{hows.count(h)}" if hows.count(h) > 1 else h
                 for h in dict.fromkeys(hows)], lang) or "-"
    parts = [tr("chain", lang, chain=chain, how=how)]
    for f in a["findings"]:
        parts.append(tr(f["flag"], lang, name=_s(f["name"]), pid=f["pid"],
                        parent=_s(f.get("parent")), executable=_s(f.get("executable"))))
    return tr("sep", lang).join(parts)


def _tools(facet: str):
    def fn(tri: dict, lang: str, tz: tzinfo) -> str:
        hits = tri[facet]["hits"]
        if not hits:
            return tr("tools_none", lang, kind=tr(f"kind_{facet}", lang))
        parts = []
        for where, key in (("process", "tools_process"), ("subtree", "tools_subtree"),
                           ("command line", "tools_cmdline")):
            tools = sorted({h["tool"] for h in hits if h["where"] == where})
            if tools:
                parts.append(tr(key, lang, tools=_join(tools, lang)))
        return tr("sep", lang).join(parts)
    return fn


def _crash(tri: dict, lang: str, tz: tzinfo) -> str:
    c = tri["crash"]
    if c["dns"] is None:
        return tr("no_dns", lang)
    parts = []
    for w in c["werfault"]:
        text = tr("werfault", lang, name=_s(w["name"]), time=display(w["start"], tz))
        if w["targets_dns"]:
            text += tr("werfault_pid", lang, pid=c["dns"]["pid"])
        parts.append(text)
    if not parts:
        parts.append(tr("werfault_none", lang, pid=c["dns"]["pid"]))
    if c["dns"].get("end"):
        parts.append(tr("dns_ended", lang, time=display(c["dns"]["end"], tz)))
    return tr("sep", lang).join(parts)


def _related(tri: dict, lang: str, tz: tzinfo) -> str:
    r = tri["related_alerts_48h"]
    if not r["alerts"]:
        return tr("related_none", lang, start=display(r["from"], tz), end=display(r["to"], tz))
    shown = [f"{_s(a['name'])} ({display(a['time'], tz)})" for a in r["alerts"][:5]]
    if len(r["alerts"]) > 5:
        shown.append(tr("more", lang, n=len(r["alerts"]) - 5))
    return tr("related", lang, n=r["count"], items=_join(shown, lang))


def _short(host: str) -> str:
    return _s(host)


def _prevalence(tri: dict, lang: str, tz: tzinfo) -> str:
    p = tri["prevalence"]
    hosts = lambda d: _join([_short(h) for h in d["hosts"]], lang) or "-"
    parts = [tr("prev_dns", lang, child=_s(p["child"]), n=len(p["under_dns"]["hosts"]),
                total=p["hosts_in_case"], hosts=hosts(p["under_dns"]))]
    if p["parent"] and p["parent"] != "dns.exe":
        parts.append(tr("prev_parent", lang, parent=_s(p["parent"]),
                        n=len(p["under_parent"]["hosts"]), hosts=hosts(p["under_parent"])))
    same = p["same_command_line"]
    if same["command_line"]:
        parts.append(tr("prev_cmd", lang, n=len(same["hosts"]), hosts=hosts(same)))
    else:
        parts.append(tr("prev_no_cmd", lang))
    if same["hosts_without_command_line"]:
        parts.append(tr("prev_cmd_unknown", lang, hosts=_join(
            [_short(h) for h in same["hosts_without_command_line"]], lang)))
    return tr("sep", lang).join(parts)


def _activity(tri: dict, lang: str, tz: tzinfo) -> str:
    if not tri["telemetry"]["sysmon"]["present"]:
        return tr("no_sysmon", lang)
    counts = tri["activity"]["counts"]
    if not counts:
        return tr("activity_none", lang)
    return _join([tr(kind, lang, n=n) for kind, n in counts.items()], lang)


def _subtree(tri: dict, lang: str, tz: tzinfo) -> str:
    sub = tri["subtree"]
    if not sub:
        return tr("subtree_none", lang)
    names = [_s(s["name"]) for s in sub[:8]]
    if len(sub) > 8:
        names.append(tr("more", lang, n=len(sub) - 8))
    return tr("subtree", lang, n=len(sub), names=_join(names, lang))


def _telemetry(tri: dict, lang: str, tz: tzinfo) -> str:
    caveats = tri["telemetry"]["caveats"]
    if not caveats:
        return tr("telemetry_none", lang)
    return tr("telemetry", lang, items=tr("sep", lang).join(
        _s(caveat_text(c, lang)) for c in caveats))


ANSWERERS = {
    "ancestry": _ancestry,
    "discovery": _tools("discovery"),
    "lolbins": _tools("lolbins"),
    "crash": _crash,
    "activity": _activity,
    "subtree": _subtree,
    "related_alerts_48h": _related,
    "prevalence": _prevalence,
    "telemetry": _telemetry,
}


def answer(item: ChecklistItem, alert, lang: str = "en",
           tz: tzinfo = timezone.utc) -> str | None:
    """What the evidence says about ``item`` for ``alert``, in ``lang``; None when no
    triage facet bears on it.  Caveats that weaken the answer follow it."""
    tri = getattr(alert, "triage", None) or {}
    facets = [f for f in facets_for(item) if f in ANSWERERS]
    if not tri or not facets:
        return None
    parts = [ANSWERERS[f](tri, lang, tz) for f in facets]
    codes = dict.fromkeys(c for f in facets for c in FACET_CAVEATS.get(f, ()))
    caveats = [c for c in tri.get("telemetry", {}).get("caveats", []) if c["code"] in codes]
    text = tr("sep", lang).join(parts)
    for c in caveats:
        text += tr("sep", lang) + tr("caveat", lang, text=_s(caveat_text(c, lang)))
    return text
