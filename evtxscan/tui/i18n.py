"""Labels and the key help, in English and Chinese (``--lang en|zh``).

Only the TUI's own words live here; the investigation guide's items and their answers
come from the engine (``evtxscan.checklist``) in the same language.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "evtxscan",
        "loading": "Reading evidence",
        "loading_file": "file {i} of {total}",
        "analysing": "Building the process graph, running rules and triage…",
        "load_failed": "The evidence could not be loaded",
        "press_q": "Press q to quit.",
        "alerts": "Alerts",
        "alerts_count": "{n} alert(s)",
        "alerts_host": "{n} alert(s) on {host}",
        "no_alerts": "No alerts. Press H to pick a host, t for its timeline.",
        "files_status": "files: {ok} ok, {partial} partial, {error} unreadable",
        "rules_skipped": "{n} rule file(s) skipped",
        "col_severity": "Severity",
        "col_time": "Time (UTC)",
        "col_host": "Host",
        "col_chain": "Parent → child",
        "col_cmdline": "Command line",
        "col_progress": "Guide",
        "col_pid": "PID",
        "col_name": "Process",
        "col_parent": "Parent",
        "tree": "Process tree",
        "detail": "Process",
        "checklist": "Investigation guide",
        "timeline": "Timeline",
        "timeline_title": "{host}: {n} processes, {start} … {end}",
        "timeline_all": "{host}: {n} processes",
        "hosts": "Hosts",
        "all_hosts": "All hosts",
        "host_line": "{alerts} alert(s), {procs} processes",
        "more_before": "… {n} earlier (Enter to show)",
        "more_after": "… {n} more (Enter to show)",
        "alert_mark": "ALERT",
        "mark_alert": "ALERT",
        "mark_discovery": "discovery",
        "mark_lolbin": "LOLBin",
        "mark_crash": "WerFault",
        "placeholder": "never logged",
        "command_line": "Command line",
        "user": "User",
        "integrity": "Integrity",
        "start": "Start",
        "end": "End",
        "still_running": "(no end record)",
        "parent": "Parent",
        "parent_how": "resolved by",
        "no_parent": "none found",
        "hashes": "Hashes",
        "sources": "Source records",
        "ecs": "ECS fields",
        "record": "record",
        "event": "event",
        "alerts_here": "Alerts on this process",
        "placeholder_note": ("This process started before logging or was never logged; "
                             "it is known only from its children's records."),
        "children": "Children",
        "no_checklist": "No alert selected: pick one with a or from the alert list.",
        "no_guide": "This rule has no investigation guide.",
        "guide_progress": "{done} done, {na} n/a, {open} open",
        "alert_note": "Alert note",
        "note": "Note",
        "note_prompt": "Note for this step (Enter saves, Escape cancels)",
        "alert_note_prompt": "Note for this alert (Enter saves, Escape cancels)",
        "search_prompt": "Search names and command lines on {host} (Enter)",
        "search_none": "No process matches that search on this host.",
        "search_wrapped": "Search wrapped around.",
        "no_more_alerts": "No other alert on this host.",
        "exported": "Exported the alert to {path}",
        "export_failed": "Export failed: {error}",
        "case_failed": "The case file could not be opened: {error}",
        "no_parent_node": "This process has no known parent.",
        "no_children": "This process has no children.",
        "answer": "Answer",
        "state_done": "done",
        "state_na": "n/a",
        "state_open": "open",
        "saved": "Saved to the case file.",
        "help_title": "Keys",
        "section_investigation": "Possible investigation steps",
        "section_false_positive": "False positive analysis",
        "section_response": "Response and remediation",
    },
    "zh": {
        "title": "evtxscan",
        "loading": "正在读取证据",
        "loading_file": "第 {i} / {total} 个文件",
        "analysing": "正在构建进程图、运行规则和分诊…",
        "load_failed": "无法加载证据",
        "press_q": "按 q 退出。",
        "alerts": "告警",
        "alerts_count": "{n} 条告警",
        "alerts_host": "{host} 上 {n} 条告警",
        "no_alerts": "没有告警。按 H 选择主机，按 t 查看其时间线。",
        "files_status": "文件：{ok} 个正常，{partial} 个部分读取，{error} 个无法读取",
        "rules_skipped": "跳过了 {n} 个规则文件",
        "col_severity": "严重性",
        "col_time": "时间 (UTC)",
        "col_host": "主机",
        "col_chain": "父进程 → 子进程",
        "col_cmdline": "命令行",
        "col_progress": "指南",
        "col_pid": "PID",
        "col_name": "进程",
        "col_parent": "父进程",
        "tree": "进程树",
        "detail": "进程",
        "checklist": "调查指南",
        "timeline": "时间线",
        "timeline_title": "{host}：{n} 个进程，{start} … {end}",
        "timeline_all": "{host}：{n} 个进程",
        "hosts": "主机",
        "all_hosts": "所有主机",
        "host_line": "{alerts} 条告警，{procs} 个进程",
        "more_before": "… 之前还有 {n} 个（回车显示）",
        "more_after": "… 之后还有 {n} 个（回车显示）",
        "alert_mark": "告警",
        "mark_alert": "告警",
        "mark_discovery": "发现",
        "mark_lolbin": "LOLBin",
        "mark_crash": "WerFault",
        "placeholder": "未记录",
        "command_line": "命令行",
        "user": "用户",
        "integrity": "完整性级别",
        "start": "开始",
        "end": "结束",
        "still_running": "（无结束记录）",
        "parent": "父进程",
        "parent_how": "关联方式",
        "no_parent": "未找到",
        "hashes": "哈希",
        "sources": "来源记录",
        "ecs": "ECS 字段",
        "record": "记录",
        "event": "事件",
        "alerts_here": "此进程上的告警",
        "placeholder_note": "此进程在日志开始之前启动或从未被记录；只能从其子进程的记录得知。",
        "children": "子进程",
        "no_checklist": "未选择告警：按 a 或在告警列表中选择。",
        "no_guide": "此规则没有调查指南。",
        "guide_progress": "已完成 {done}，不适用 {na}，待办 {open}",
        "alert_note": "告警备注",
        "note": "备注",
        "note_prompt": "此步骤的备注（回车保存，Esc 取消）",
        "alert_note_prompt": "此告警的备注（回车保存，Esc 取消）",
        "search_prompt": "在 {host} 上搜索进程名和命令行（回车）",
        "search_none": "此主机上没有匹配的进程。",
        "search_wrapped": "搜索已从头开始。",
        "no_more_alerts": "此主机上没有其他告警。",
        "exported": "告警已导出到 {path}",
        "export_failed": "导出失败：{error}",
        "case_failed": "无法打开案例文件：{error}",
        "no_parent_node": "此进程没有已知的父进程。",
        "no_children": "此进程没有子进程。",
        "answer": "答案",
        "state_done": "完成",
        "state_na": "不适用",
        "state_open": "待办",
        "saved": "已保存到案例文件。",
        "help_title": "按键",
        "section_investigation": "可能的调查步骤",
        "section_false_positive": "误报分析",
        "section_response": "响应和补救",
    },
}

#: Every key, by screen: (keys, English, Chinese).  The help screen is built from this
#: table and a test checks that every binding in the app appears in it.
KEYS: list[tuple[tuple[str, str], list[tuple[str, str, str]]]] = [
    (("Everywhere", "全局"), [
        ("?", "this help", "显示本帮助"),
        ("q", "quit (ticks and notes are already saved)", "退出（勾选和备注已保存）"),
        ("escape", "back", "返回"),
        ("H", "host switcher", "切换主机"),
        ("t", "timeline of the host, ±48 h around the alert", "主机时间线（告警前后 48 小时）"),
        ("s", "export the current alert as Markdown (next to the case file)",
         "将当前告警导出为 Markdown（保存在案例文件旁）"),
    ]),
    (("Alert list", "告警列表"), [
        ("j / k / ↓ / ↑", "next / previous alert", "下一条 / 上一条告警"),
        ("g / G", "first / last alert", "第一条 / 最后一条告警"),
        ("pageup / pagedown", "page up / down", "上一页 / 下一页"),
        ("enter / l", "open the process tree of the alert", "打开告警的进程树"),
    ]),
    (("Process tree", "进程树"), [
        ("j / k / ↓ / ↑", "next / previous line", "下一行 / 上一行"),
        ("l / →", "expand, or go to the first child", "展开，或移到第一个子进程"),
        ("h / ←", "collapse, or go to the parent", "折叠，或移到父进程"),
        ("enter / space", "expand / collapse (on “… more”: show them)",
         "展开 / 折叠（在“… 还有”上：显示）"),
        ("p", "jump to the parent", "跳到父进程"),
        ("c", "jump to the first child", "跳到第一个子进程"),
        ("a / A", "next / previous alert on this host", "本主机下一条 / 上一条告警"),
        ("/", "search names and command lines on this host", "在本主机上搜索进程名和命令行"),
        ("n / N", "next / previous search match", "下一个 / 上一个搜索结果"),
        ("g / G / home / end", "top / bottom", "顶部 / 底部"),
    ]),
    (("Panes (tree, process, guide)", "窗格（进程树、进程、指南）"), [
        ("tab / shift+tab", "next / previous pane", "下一个 / 上一个窗格"),
        ("1 / 2 / 3", "focus tree / process detail / checklist", "聚焦进程树 / 进程详情 / 检查清单"),
        ("j / k / ↓ / ↑ / g / G / home / end", "scroll the process detail (when focused)",
         "滚动进程详情（聚焦时）"),
    ]),
    (("Checklist (the guide pane)", "检查清单（指南窗格）"), [
        ("j / k / ↓ / ↑", "next / previous step", "下一步 / 上一步"),
        ("x / space", "tick or untick the step: [x] done, [ ] open", "勾选或取消：[x] 完成，[ ] 待办"),
        ("-", "mark the step not applicable: [-]", "标记为不适用：[-]"),
        ("e", "note on the step", "为此步骤添加备注"),
        ("E", "note on the alert", "为此告警添加备注"),
    ]),
    (("Timeline", "时间线"), [
        ("j / k / ↓ / ↑", "next / previous process", "下一个 / 上一个进程"),
        ("pageup / pagedown", "page up / down", "上一页 / 下一页"),
        ("g / G / home / end", "first / last process", "第一个 / 最后一个进程"),
        ("a / A", "next / previous alerted process", "下一个 / 上一个告警进程"),
        ("enter", "open the process in the tree", "在进程树中打开该进程"),
    ]),
    (("Dialogs (note, search, hosts)", "对话框（备注、搜索、主机）"), [
        ("enter", "save / choose", "保存 / 选择"),
        ("escape", "cancel", "取消"),
    ]),
]


#: Footer words (binding descriptions) by language; English is what the code says.
FOOTER: dict[str, dict[str, str]] = {
    "zh": {
        "Alert note": "告警备注", "Back": "返回", "Cancel": "取消", "Close": "关闭",
        "Export .md": "导出 .md", "First child": "第一个子进程", "Help": "帮助",
        "Hosts": "主机", "Next alert": "下一条告警", "Next match": "下一个结果",
        "Note": "备注", "Open in tree": "在进程树中打开", "Open tree": "打开进程树",
        "Parent": "父进程", "Prev alert": "上一条告警", "Prev match": "上一个结果",
        "Quit": "退出", "Search": "搜索", "Tick [x]": "勾选 [x]", "Timeline": "时间线",
        "n/a [-]": "不适用 [-]",
    },
}


def localize_bindings(node, lang: str) -> None:
    """Show ``node``'s footer words in ``lang`` (its own copy of the bindings)."""
    table = FOOTER.get(lang)
    if not table:
        return
    from dataclasses import replace
    try:
        by_key = node._bindings.key_to_bindings   # per-node copy made by Textual
    except AttributeError:  # another Textual: the footer stays in English
        return
    for key, bindings in list(by_key.items()):
        by_key[key] = [replace(b, description=table.get(b.description, b.description))
                       for b in bindings]
    node.refresh_bindings()


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def help_markdown(lang: str, part: int | None = None) -> str:
    """The help screen: every key, grouped by where it works.

    ``part`` 0 / 1 gives the left / right column (the screen shows both side by side);
    None gives all of it.
    """
    col = 2 if lang == "zh" else 1
    out: list[str] = []
    if part in (None, 0):
        if lang == "zh":
            out += ["证据中的每个字符串都按原样显示：标记和终端转义序列不会被解释。", ""]
        else:
            out += ["Every string from the evidence is shown as literal text: markup and "
                    "terminal escape sequences are never interpreted.", ""]
    sections = KEYS if part is None else KEYS[:3] if part == 0 else KEYS[3:]
    for section, rows in sections:
        out += [f"## {section[col - 1]}", ""]
        for row in rows:
            out.append(f"- `{row[0]}` — {row[col]}")
        out.append("")
    return "\n".join(out)
