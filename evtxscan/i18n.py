"""Every word evtxscan shows a person, in every language: one table, one ``tr``.

``TEXTS`` maps a key to its text in each language (``{lang: text}``), the one shape for
the reports, the checklist's answers, the telemetry caveats and the TUI.  Keys are
dotted by who uses them:

``report.*``            labels of the Markdown, HTML and CSV reports
``decode.*``            what is wrong with an encoded command (``evtxscan.decode``)
``severity.*``          a rule's severity; ``status.*`` an alert's status (the case file)
``mark.*``              marks on process lines (report trees and the TUI)
``answer.*``            the checklist answers' shared phrases (separators, "caveat: ...")
``facet.<name>``        a triage facet's heading under Findings (``evtxscan.facets``)
``facet.<name>.words``  words in a guide item that ask for that facet (a tuple per
                        language: matched in any language, the guide may mix them)
``facet.<name>.*``      the phrases of that facet's answers
``caveat.<code>``       what a telemetry caveat says (``evtxscan.facets.telemetry``)
``guide.*``             heading words that start each section of an investigation guide
``tui.*``, ``help.*``   the TUI's labels and its key help
``footer.<English>``    the TUI footer's binding descriptions (the code says them in English)

``tr(key, lang, **params)`` gives the text in ``lang`` (English when that language lacks
it) with ``params`` formatted in (``{{`` for a literal brace); ``words(key)`` gives every
language's words of a word-list entry.  Evidence is never formatted into a text's
*pattern*, only passed as a parameter, so braces in a command line are harmless.

Adding a language is one edit, here: its code in ``LANGUAGES`` and its text in every
entry.  ``tests/test_i18n.py`` names every entry that lacks it, every text whose
``{placeholders}`` differ from English, every key the code uses that is missing here and
every key here that nothing uses.  Adding a facet: see ``evtxscan.facets``.
"""

from __future__ import annotations

#: Languages of ``--lang``; the first is the default and the fallback of every text.
LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT = LANGUAGES[0]

TEXTS: dict[str, dict[str, str | tuple[str, ...]]] = {
    # -- report
    "report.title": {"en": "evtxscan report", "zh": "evtxscan 报告"},
    "report.summary": {"en": "Case summary", "zh": "案例摘要"},
    "report.files": {"en": "Files", "zh": "文件"},
    "report.file": {"en": "file", "zh": "文件"},
    "report.status": {"en": "status", "zh": "状态"},
    "report.records": {"en": "records", "zh": "记录"},
    "report.recovered": {"en": "recovered", "zh": "恢复"},
    "report.skipped": {"en": "skipped", "zh": "跳过"},
    "report.hosts_col": {"en": "hosts", "zh": "主机"},
    "report.host": {"en": "host", "zh": "主机"},
    "report.alerts": {"en": "alerts", "zh": "告警"},
    "report.alerts_by_rule": {"en": "Alerts per rule", "zh": "各规则告警数"},
    "report.alerts_by_host": {"en": "Alerts per host", "zh": "各主机告警数"},
    "report.rule": {"en": "rule", "zh": "规则"},
    "report.count": {"en": "count", "zh": "数量"},
    "report.totals": {
        "en": "{files} files: {ok} ok, {partial} partial, {error} unreadable; {records} records "
              "read, {recovered} recovered, {skipped} skipped; {processes} processes on {hosts} "
              "hosts; {alerts} alerts",
        "zh": "{files} 个文件:{ok} 个正常,{partial} 个部分读取,{error} 个无法读取;读取 "
              "{records} 条记录,恢复 {recovered} 条,跳过 {skipped} 条;{hosts} 台主机上 "
              "{processes} 个进程;{alerts} 条告警",
    },
    "report.per_host": {"en": "Alerts by host", "zh": "按主机列出的告警"},
    "report.details": {"en": "Alert details", "zh": "告警详情"},
    "report.time": {"en": "time", "zh": "时间"},
    "report.severity": {"en": "severity", "zh": "严重性"},
    "report.risk": {"en": "risk", "zh": "风险"},
    "report.parent": {"en": "parent", "zh": "父进程"},
    "report.process": {"en": "process", "zh": "进程"},
    "report.pid": {"en": "pid", "zh": "pid"},
    "report.command_line": {"en": "command line", "zh": "命令行"},
    "report.user": {"en": "user", "zh": "用户"},
    "report.progress": {"en": "checklist", "zh": "检查清单"},
    "report.tree": {"en": "Process tree", "zh": "进程树"},
    "report.findings": {"en": "Findings", "zh": "发现"},
    "report.checklist": {"en": "Checklist", "zh": "检查清单"},
    "report.item": {"en": "item", "zh": "条目"},
    "report.answer": {"en": "from the evidence", "zh": "证据显示"},
    "report.state": {"en": "state", "zh": "状态"},
    "report.note": {"en": "note", "zh": "备注"},
    "report.alert_note": {"en": "Responder's note", "zh": "响应人员备注"},
    "report.sources": {"en": "What the {facet} answer rests on:",
                       "zh": "{facet} 的回答依据:"},
    "report.caveats": {"en": "What these logs cannot show", "zh": "这些日志无法显示的内容"},
    "report.provenance": {"en": "Provenance", "zh": "来源"},
    "report.record_id": {"en": "record id", "zh": "记录编号"},
    "report.summary_col": {"en": "what", "zh": "内容"},
    "report.source": {"en": "source", "zh": "来源"},
    "report.event_id": {"en": "event id", "zh": "事件 ID"},
    "report.sha256": {"en": "sha256", "zh": "sha256"},
    "report.case": {"en": "Case file", "zh": "案例文件"},
    "report.case_none": {
        "en": "no case file (states and notes are kept in the TUI's case file)",
        "zh": "没有案例文件(状态和备注保存在 TUI 的案例文件中)",
    },
    "report.case_progress": {
        "en": "{done} of {total} checklist items done or not applicable",
        "zh": "{total} 个检查项中已完成或不适用 {done} 个",
    },
    "report.changes": {
        "en": "Evidence changed since the case was saved",
        "zh": "自案例保存以来证据的变化",
    },
    "report.orphaned": {
        "en": "Alerts in the case that no longer fire (kept with their notes)",
        "zh": "案例中不再触发的告警(保留其备注)",
    },
    "report.times_in": {"en": "Times are shown in {tz}.", "zh": "时间以 {tz} 显示。"},
    "report.alert": {"en": "alert", "zh": "告警"},
    "report.section_investigation": {"en": "Investigation", "zh": "调查"},
    "report.section_false_positive": {"en": "False positive analysis", "zh": "误报分析"},
    "report.section_response": {"en": "Response and remediation", "zh": "响应和补救"},
    "report.not_logged": {"en": "not logged", "zh": "未记录"},
    "report.more_lines": {"en": "... {n} more processes", "zh": "... 另有 {n} 个进程"},
    "report.state_open": {"en": "open", "zh": "待处理"},
    "report.state_done": {"en": "done", "zh": "已完成"},
    "report.state_n/a": {"en": "n/a", "zh": "不适用"},
    "report.html_lang": {"en": "en", "zh": "zh-CN"},
    "report.alert_status": {"en": "alert status", "zh": "告警状态"},
    "report.status_since": {"en": "set {time}", "zh": "设置于 {time}"},
    "report.decoded": {
        "en": "decoded {switch} (base64 of UTF-16LE)",
        "zh": "解码的 {switch}(UTF-16LE 的 base64)",
    },
    "report.decoded_nested": {
        "en": "decoded {switch}, found in the decoded script",
        "zh": "解码的 {switch}(位于已解码的脚本中)",
    },
    # -- decode: why an encoded command could not be decoded as it stands
    "decode.not_base64": {"en": "not base64: cannot be decoded", "zh": "不是 base64:无法解码"},
    "decode.odd_length": {
        "en": "an odd number of bytes: the last byte was dropped",
        "zh": "字节数为奇数:已丢弃最后一个字节",
    },
    "decode.not_text": {
        "en": "not UTF-16LE text: PowerShell would not run this as a script",
        "zh": "不是 UTF-16LE 文本:PowerShell 不会将其作为脚本运行",
    },
    # -- severity: a rule's severity, as the reports and the TUI show it
    "severity.critical": {"en": "critical", "zh": "严重"},
    "severity.high": {"en": "high", "zh": "高"},
    "severity.medium": {"en": "medium", "zh": "中"},
    "severity.low": {"en": "low", "zh": "低"},
    # -- status: what the responder decided about an alert (evtxscan.case.ALERT_STATUSES)
    "status.open": {"en": "open", "zh": "待处理"},
    "status.acknowledged": {"en": "acknowledged", "zh": "已确认"},
    "status.true_positive": {"en": "true positive", "zh": "真阳性"},
    "status.false_positive": {"en": "false positive", "zh": "误报"},
    "status.benign": {"en": "benign", "zh": "良性"},
    # -- mark
    "mark.discovery": {"en": "discovery", "zh": "发现"},
    "mark.lolbins": {"en": "LOLBin", "zh": "LOLBin"},
    "mark.crash": {"en": "crash", "zh": "崩溃"},
    "mark.masquerading": {"en": "masquerading", "zh": "伪装"},
    "mark.unexpected_dns_parent": {"en": "unexpected parent", "zh": "异常父进程"},
    "mark.alert": {"en": "ALERT", "zh": "告警"},
    "mark.werfault": {"en": "WerFault", "zh": "WerFault"},
    # -- answer
    "answer.sep": {"en": "; ", "zh": ";"},
    "answer.list": {"en": ", ", "zh": "、"},
    "answer.caveat": {"en": "caveat: {text}", "zh": "注意:{text}"},
    "answer.more": {"en": "and {n} more", "zh": "另有 {n} 条"},
    "answer.tools_process": {
        "en": "{tools} is the alerted process",
        "zh": "告警进程本身即 {tools}",
    },
    "answer.tools_subtree": {"en": "{tools} found in subtree", "zh": "在子树中发现 {tools}"},
    "answer.tools_cmdline": {
        "en": "{tools} named in a command line",
        "zh": "命令行中出现 {tools}",
    },
    "answer.tools_none": {
        "en": "none of {kind} in the alerted process or its subtree",
        "zh": "告警进程及其子树中未发现{kind}",
    },
    # -- facet ancestry
    "facet.ancestry": {"en": "ancestry", "zh": "祖先链"},
    "facet.ancestry.words": {
        "en": ("execution chain", "parent process tree", "process tree"),
        "zh": ("进程执行链", "父进程树"),
    },
    "facet.ancestry.chain": {
        "en": "parent chain: {chain} (links: {how})",
        "zh": "父进程链:{chain}(关联方式:{how})",
    },
    "facet.ancestry.masquerading": {
        "en": "{name} (pid {pid}) runs from {executable}, not C:\\Windows\\System32\\dns.exe "
              "(masquerading)",
        "zh": "{name}(pid {pid})运行自 {executable},而非 C:\\Windows\\System32\\dns.exe(伪装)",
    },
    "facet.ancestry.unexpected_dns_parent": {
        "en": "{name} (pid {pid}) was started by {parent}, not services.exe",
        "zh": "{name}(pid {pid})由 {parent} 启动,而非 services.exe",
    },
    # -- facet discovery
    "facet.discovery": {"en": "discovery", "zh": "发现"},
    "facet.discovery.words": {"en": ("discovery", "enumeration"), "zh": ("发现/枚举",)},
    "facet.discovery.kind": {"en": "the discovery utilities", "zh": "发现/枚举实用程序"},
    # -- facet lolbins
    "facet.lolbins": {"en": "LOLBins", "zh": "LOLBin"},
    "facet.lolbins.words": {"en": ("download and execute",), "zh": ("下载和执行",)},
    "facet.lolbins.kind": {
        "en": "the download/execute built-ins",
        "zh": "可下载和执行的内置程序",
    },
    # -- facet crash
    "facet.crash": {"en": "crash", "zh": "崩溃"},
    "facet.crash.words": {
        "en": ("denial-of-service", "denial of service", "crashes"),
        "zh": ("拒绝服务", "崩溃"),
    },
    "facet.crash.dns_ended": {"en": "dns.exe ended at {time}", "zh": "dns.exe 于 {time} 结束"},
    "facet.crash.no_dns": {
        "en": "no dns.exe above the alerted process",
        "zh": "告警进程之上没有 dns.exe",
    },
    "facet.crash.none": {
        "en": "no WerFault.exe under dns.exe (pid {pid})",
        "zh": "dns.exe(pid {pid})下没有 WerFault.exe",
    },
    "facet.crash.werfault": {
        "en": "{name} under dns.exe at {time}: the service may have crashed",
        "zh": "{time} dns.exe 下出现 {name}:服务可能已崩溃",
    },
    "facet.crash.werfault_pid": {
        "en": " (its -p {pid} is dns.exe)",
        "zh": "(其 -p {pid} 即 dns.exe)",
    },
    # -- facet exposure (CVE-2020-1350: evtxscan.facets.exposure, evtxscan.exposure)
    "facet.exposure": {"en": "CVE-2020-1350 exposure", "zh": "CVE-2020-1350 暴露情况"},
    "facet.exposure.words": {"en": ("cve-2020-1350", "vulnerable to"),
                             "zh": ("cve-2020-1350", "容易受到")},
    "facet.exposure.patched": {
        "en": 'not exposed to {cve} at {as_of}: patched',
        "zh": '{as_of} 时不受 {cve} 影响:已安装补丁',
    },
    "facet.exposure.workaround": {
        "en": 'not exposed to {cve} at {as_of}: the registry workaround was in effect',
        "zh": '{as_of} 时不受 {cve} 影响:注册表缓解措施已生效',
    },
    "facet.exposure.exposed": {
        "en": 'EXPOSED to {cve} at {as_of}: not patched and no workaround in effect',
        "zh": '{as_of} 时容易受到 {cve} 的攻击:未安装补丁,缓解措施也未生效',
    },
    "facet.exposure.cannot_tell": {
        "en": 'cannot tell whether it was exposed to {cve} at {as_of}',
        "zh": '无法判断 {as_of} 时是否容易受到 {cve} 的攻击',
    },
    "facet.exposure.not_dns_server": {
        "en": 'not a DNS server: {cve} does not apply',
        "zh": '不是 DNS 服务器:{cve} 不适用',
    },
    "facet.exposure.role_process": {
        "en": 'dns.exe ran ({time})',
        "zh": 'dns.exe 曾运行({time})',
    },
    "facet.exposure.role_service": {
        "en": 'the DNS Server service is logged ({time})',
        "zh": '日志中有 DNS Server 服务({time})',
    },
    "facet.exposure.role_hive_present": {
        "en": 'the SYSTEM hive has the DNS service ({control_set})',
        "zh": 'SYSTEM 配置单元中有 DNS 服务({control_set})',
    },
    "facet.exposure.role_hive_absent": {
        "en": 'the SYSTEM hive has no DNS service ({control_set})',
        "zh": 'SYSTEM 配置单元中没有 DNS 服务({control_set})',
    },
    "facet.exposure.os_hive": {
        "en": '{product}, build {build} (SOFTWARE hive, written {written})',
        "zh": '{product},版本 {build}(SOFTWARE 配置单元,写入于 {written})',
    },
    "facet.exposure.os_boot": {
        "en": 'build {build} at boot {time} (System 6009)',
        "zh": '{time} 启动时的版本为 {build}(System 6009)',
    },
    "facet.exposure.os_upgraded": {
        "en": "the build at boot ({boot_build}) differs from the hive's ({hive_build}): the release at the alert is the one it booted",
        "zh": '启动时的版本({boot_build})与配置单元中的({hive_build})不同:以告警时启动的版本为准',
    },
    "facet.exposure.os_unknown": {
        "en": 'release and build unknown (no SOFTWARE hive, no System 6009)',
        "zh": '发行版和版本未知(没有 SOFTWARE 配置单元,也没有 System 6009)',
    },
    "facet.exposure.release_ubr": {
        "en": '{name}: fixed from build {fixed} ({kb}; source checked: {checked})',
        "zh": '{name}:自版本 {fixed} 起修复({kb};来源核对:{checked})',
    },
    "facet.exposure.release_kb": {
        "en": '{name}: fixed by the monthly rollup {rollup} or the security-only update {security_only} of July 2020, or a later monthly rollup (source checked: {checked})',
        "zh": '{name}:由 2020 年 7 月的每月汇总 {rollup} 或仅安全更新 {security_only} 修复,或之后的每月汇总(来源核对:{checked})',
    },
    "facet.exposure.release_after_fix": {
        "en": 'build {build} was released after the fix and contains it',
        "zh": '版本 {build} 发布于修复之后,已包含修复',
    },
    "facet.exposure.release_unsupported": {
        "en": 'build {build} is older than every fixed release: no fix exists',
        "zh": '版本 {build} 早于所有已修复的发行版:没有可用的修复',
    },
    "facet.exposure.release_unknown": {
        "en": 'build {build} is not a Windows Server release with this fix',
        "zh": '版本 {build} 不是包含此修复的 Windows Server 发行版',
    },
    "facet.exposure.ubr_below_fix": {
        "en": 'build {build}.{ubr} is below the fix ({build}.{fixed})',
        "zh": '版本 {build}.{ubr} 低于修复版本({build}.{fixed})',
    },
    "facet.exposure.ubr_fixed_before_alert": {
        "en": 'build {build}.{ubr} includes the fix ({build}.{fixed}) and was in place before the alert (written {written})',
        "zh": '版本 {build}.{ubr} 已包含修复({build}.{fixed}),且在告警前已就位(写入于 {written})',
    },
    "facet.exposure.ubr_fixed_after_write": {
        "en": 'build {build}.{ubr} includes the fix, but was written {written}, after the alert',
        "zh": '版本 {build}.{ubr} 已包含修复,但写入于 {written},晚于告警',
    },
    "facet.exposure.fix_installed": {
        "en": '{update} installed {time} ({via})',
        "zh": '{update} 于 {time} 安装({via})',
    },
    "facet.exposure.fix_pending_reboot": {
        "en": '{update} was waiting for a restart ({time}); no boot after it',
        "zh": '{update} 等待重启({time});之后没有重启',
    },
    "facet.exposure.fix_time_unknown": {
        "en": '{update} is installed, but the hive does not say when',
        "zh": '{update} 已安装,但配置单元未记录安装时间',
    },
    "facet.exposure.fix_after_alert": {
        "en": '{update} installed {time}, after the alert: it does not count for it ({via})',
        "zh": '{update} 于 {time} 安装,晚于告警:对此告警不计({via})',
    },
    "facet.exposure.fix_not_in_packages": {
        "en": 'none of {kbs} among the {packages} servicing package(s) of the SOFTWARE hive',
        "zh": 'SOFTWARE 配置单元的 {packages} 个服务包中没有 {kbs}',
    },
    "facet.exposure.fix_not_seen": {
        "en": 'no record of {kbs} (or a later cumulative update) being installed',
        "zh": '没有安装 {kbs}(或之后的累积更新)的记录',
    },
    "facet.exposure.update_failed": {
        "en": '{update} failed to install {time} (error {error})',
        "zh": '{update} 于 {time} 安装失败(错误 {error})',
    },
    "facet.exposure.workaround_other_control_set": {
        "en": '{control_set} (not current) holds TcpReceivePacketSize = {value}',
        "zh": '{control_set}(非当前)中 TcpReceivePacketSize = {value}',
    },
    "facet.exposure.workaround_set": {
        "en": 'TcpReceivePacketSize set to {value} {time} by {image} (pid {pid})',
        "zh": '{time} {image}(pid {pid})将 TcpReceivePacketSize 设置为 {value}',
    },
    "facet.exposure.workaround_deleted": {
        "en": 'TcpReceivePacketSize deleted {time} by {image} (pid {pid})',
        "zh": '{time} {image}(pid {pid})删除了 TcpReceivePacketSize',
    },
    "facet.exposure.workaround_hive": {
        "en": 'SYSTEM hive {control_set}: TcpReceivePacketSize = {value} (key written {written})',
        "zh": 'SYSTEM 配置单元 {control_set}:TcpReceivePacketSize = {value}(键写入于 {written})',
    },
    "facet.exposure.workaround_unchecked": {
        "en": 'the workaround could not be checked (no SYSTEM hive, no Sysmon registry events)',
        "zh": '无法检查缓解措施(没有 SYSTEM 配置单元,也没有 Sysmon 注册表事件)',
    },
    "facet.exposure.workaround_not_set_at_alert": {
        "en": 'TcpReceivePacketSize was not restricted at the alert',
        "zh": '告警时 TcpReceivePacketSize 未受限制',
    },
    "facet.exposure.workaround_no_restart": {
        "en": 'TcpReceivePacketSize = {value} was never read: no DNS Server restart after it was set before the alert',
        "zh": 'TcpReceivePacketSize = {value} 从未生效:设置后至告警前 DNS Server 服务没有重启',
    },
    "facet.exposure.workaround_restart_unknown": {
        "en": 'whether the DNS Server service restarted is unknown (no System log)',
        "zh": '不知道 DNS Server 服务是否重启过(没有 System 日志)',
    },
    "facet.exposure.workaround_value_at_start_unknown": {
        "en": 'the value the DNS Server read when it started {start} is unknown',
        "zh": 'DNS Server 于 {start} 启动时读取的值未知',
    },
    "facet.exposure.workaround_changed_after_start": {
        "en": 'the value changed to {value} after the last start ({start}): it takes effect only at the next start',
        "zh": '最后一次启动({start})后该值改为 {value}:只有下次启动才生效',
    },
    "facet.exposure.workaround_at_start": {
        "en": 'the DNS Server started {start} with TcpReceivePacketSize = {value} (<= {limit}): in effect',
        "zh": 'DNS Server 于 {start} 启动时 TcpReceivePacketSize = {value}(<= {limit}):已生效',
    },
    "facet.exposure.workaround_not_at_start": {
        "en": 'the DNS Server started {start} with TcpReceivePacketSize = {value}: not in effect',
        "zh": 'DNS Server 于 {start} 启动时 TcpReceivePacketSize = {value}:未生效',
    },
    "facet.exposure.workaround_was_in_effect": {
        "en": 'the workaround ({value}) was in effect from {start} until the restart {until}',
        "zh": '缓解措施({value})自 {start} 起生效,直到 {until} 重启',
    },
    "facet.exposure.absent": {
        "en": 'absent',
        "zh": '不存在',
    },
    "facet.exposure.via_setup": {
        "en": 'Setup log',
        "zh": 'Setup 日志',
    },
    "facet.exposure.via_windows_update": {
        "en": 'Windows Update',
        "zh": 'Windows 更新',
    },
    "facet.exposure.via_cbs": {
        "en": 'servicing package',
        "zh": '服务包',
    },
    "caveat.no_registry_hives": {
        "en": 'no SYSTEM or SOFTWARE hive for this host: its release, installed updates and the CVE-2020-1350 workaround cannot be read from the registry',
        "zh": '此主机没有 SYSTEM 或 SOFTWARE 配置单元:无法从注册表读取其发行版、已安装的更新和 CVE-2020-1350 缓解措施',
    },
    "caveat.no_system_hive": {
        "en": 'no SYSTEM hive for this host: the CVE-2020-1350 workaround value cannot be read from the registry',
        "zh": '此主机没有 SYSTEM 配置单元:无法从注册表读取 CVE-2020-1350 缓解措施的值',
    },
    "caveat.no_software_hive": {
        "en": 'no SOFTWARE hive for this host: its build and installed updates cannot be read from the registry',
        "zh": '此主机没有 SOFTWARE 配置单元:无法从注册表读取其版本和已安装的更新',
    },
    "caveat.no_system_log": {
        "en": 'no System log for this host: boots, builds at boot and DNS Server restarts cannot be seen',
        "zh": '此主机没有 System 日志:无法看到启动、启动时的版本和 DNS Server 服务的重启',
    },
    "caveat.no_setup_log": {
        "en": 'no Setup log for this host: when updates were installed cannot be seen there',
        "zh": '此主机没有 Setup 日志:无法从中看到更新的安装时间',
    },
    # -- facet related_alerts_48h
    "facet.related_alerts_48h": {"en": "related alerts (48 h)", "zh": "相关告警(48 小时)"},
    "facet.related_alerts_48h.words": {"en": ("past 48 hours", "48 hours"), "zh": ("48 小时",)},
    "facet.related_alerts_48h.none": {
        "en": "no other alerts on this host in the 48 h before ({start} to {end})",
        "zh": "此主机在之前 48 小时内({start} 至 {end})没有其他告警",
    },
    "facet.related_alerts_48h.some": {
        "en": "{n} other alert(s) on this host in the 48 h before: {items}",
        "zh": "此主机在之前 48 小时内有 {n} 条其他告警:{items}",
    },
    # -- facet prevalence
    "facet.prevalence": {"en": "prevalence", "zh": "普遍性"},
    "facet.prevalence.words": {"en": ("prevalent", "across hosts"), "zh": ("普遍", "主机之间")},
    "facet.prevalence.command_lines_unknown": {
        "en": "command lines not logged on: {hosts}",
        "zh": "以下主机未记录命令行:{hosts}",
    },
    "facet.prevalence.no_command_line": {
        "en": "the alerted process has no command line to compare",
        "zh": "告警进程没有可比较的命令行",
    },
    "facet.prevalence.same_command_line": {
        "en": "same command line on {n} host(s): {hosts}",
        "zh": "相同命令行出现在 {n} 台主机上:{hosts}",
    },
    "facet.prevalence.under_dns": {
        "en": "same child ({child}) under dns.exe on {n} of {total} hosts: {hosts}",
        "zh": "相同子进程({child})在 {total} 台主机中的 {n} 台上作为 dns.exe 的子进程出现:"
              "{hosts}",
    },
    "facet.prevalence.under_parent": {
        "en": "under {parent} on {n} host(s): {hosts}",
        "zh": "在 {n} 台主机上作为 {parent} 的子进程出现:{hosts}",
    },
    # -- facet activity
    "facet.activity": {"en": "activity", "zh": "活动"},
    "facet.activity.words": {
        "en": ("network connections", "registry or file", "file modifications"),
        "zh": ("网络连接", "注册表"),
    },
    "facet.activity.dns": {"en": "DNS: {n} quer(ies)", "zh": "DNS:{n} 次查询"},
    "facet.activity.file": {"en": "files: {n} created", "zh": "文件:创建 {n} 个"},
    "facet.activity.image_load": {"en": "image loads: {n}", "zh": "映像加载:{n} 个"},
    "facet.activity.network": {"en": "network: {n} connection(s)", "zh": "网络:{n} 个连接"},
    "facet.activity.no_sysmon": {
        "en": "no Sysmon on this host: cannot be answered from these logs",
        "zh": "此主机没有 Sysmon:无法从这些日志中回答",
    },
    "facet.activity.none": {
        "en": "no network, DNS, file, registry or image-load events of the process or its "
              "subtree",
        "zh": "该进程及其子树没有网络、DNS、文件、注册表或映像加载事件",
    },
    "facet.activity.registry": {"en": "registry: {n} event(s)", "zh": "注册表:{n} 个事件"},
    # -- facet subtree
    "facet.subtree": {"en": "subtree", "zh": "子树"},
    "facet.subtree.words": {"en": ("spawned child processes",), "zh": ("产生的子进程",)},
    "facet.subtree.none": {"en": "no child processes logged", "zh": "未记录到子进程"},
    "facet.subtree.some": {
        "en": "{n} process(es) in the subtree: {names}",
        "zh": "子树中有 {n} 个进程:{names}",
    },
    # -- facet telemetry
    "facet.telemetry.words": {
        "en": ("logging and audit", "audit policies"),
        "zh": ("日志记录和审计",),
    },
    "facet.telemetry.none": {
        "en": "no telemetry gaps found for this host",
        "zh": "未发现此主机的遥测缺口",
    },
    "facet.telemetry.some": {
        "en": "what these logs cannot show: {items}",
        "zh": "这些日志无法显示的内容:{items}",
    },
    # -- caveat
    "caveat.no_logs": {
        "en": "no log file could be attributed to this host",
        "zh": "没有任何日志文件可归属到此主机",
    },
    "caveat.no_sysmon": {
        "en": "no Sysmon log for this host: network, DNS, file, registry and image-load "
              "activity cannot be seen",
        "zh": "此主机没有 Sysmon 日志:无法看到网络、DNS、文件、注册表和映像加载活动",
    },
    "caveat.sysmon_ids_missing": {
        "en": "the Sysmon log has no event {ids} at all: its configuration may filter them, so "
              "their absence proves nothing",
        "zh": "Sysmon 日志中完全没有事件 {ids}:可能被其配置过滤,因此没有记录不能说明没有发生",
    },
    "caveat.no_4688": {
        "en": "no Security 4688 process-creation records for this host",
        "zh": "此主机没有 Security 4688 进程创建记录",
    },
    "caveat.cmdline_v0": {
        "en": "Security 4688 version 0 records carry no command lines: what the processes ran "
              "cannot be seen",
        "zh": "Security 4688 版本 0 记录不含命令行:无法看到进程执行的内容",
    },
    "caveat.cmdline_off": {
        "en": "Security 4688 records have empty command lines: command-line auditing is off",
        "zh": "Security 4688 记录的命令行为空:未启用命令行审核",
    },
    "caveat.no_parent_names": {
        "en": "Security 4688 version {versions} records do not name the parent process: parents "
              "were matched by PID and time",
        "zh": "Security 4688 版本 {versions} 记录不含父进程名称:父进程按 PID 和时间匹配",
    },
    "caveat.no_process_ends": {
        "en": "no process-end events (4689 / Sysmon 5): process lifetimes are unknown, so PID "
              "reuse cannot be ruled out when parents are matched by PID",
        "zh": "没有进程结束事件(4689 / Sysmon 5):进程生命周期未知,按 PID 匹配父进程时无法排除 "
              "PID 重用",
    },
    "caveat.record_gaps": {
        "en": "{file}: {missing} record ids missing in {count} gap(s), first after record "
              "{after}: records were lost, the log was cleared or damaged",
        "zh": "{file}:{count} 处记录编号缺口共缺少 {missing} 条记录(第一处在记录 {after} 之后):"
              "记录丢失、日志被清除或损坏",
    },
    "caveat.damaged": {
        "en": "{file} was not read in full ({status}): {skipped} records or chunks skipped, "
              "{recovered} recovered",
        "zh": "{file} 未能完整读取({status}):跳过 {skipped} 条记录或块,恢复 {recovered} 条",
    },
    "caveat.log_cleared": {
        "en": "{file} holds a 1102 record: the audit log was cleared",
        "zh": "{file} 含有 1102 记录:审核日志曾被清除",
    },
    "caveat.window_not_covered": {
        "en": "{file} starts at {first}, after the start of the 48 h window ({start}): earlier "
              "activity is not in this log",
        "zh": "{file} 从 {first} 开始,晚于 48 小时窗口的开始 ({start}):更早的活动不在此日志中",
    },
    # -- guide
    "guide.investigation": {
        "en": ("investigation steps", "investigation"),
        "zh": ("调查步骤",),
    },
    "guide.false_positive": {"en": ("false positive",), "zh": ("误报",)},
    "guide.response": {
        "en": ("response and remediation", "remediation"),
        "zh": ("响应和补救", "响应"),
    },
    "guide.not_a_section": {"en": ("investigating",), "zh": ("调查 ",)},
    # -- tui
    "tui.title": {"en": "evtxscan", "zh": "evtxscan"},
    "tui.loading": {"en": "Reading evidence", "zh": "正在读取证据"},
    "tui.loading_file": {"en": "file {i} of {total}", "zh": "第 {i} / {total} 个文件"},
    "tui.analysing": {
        "en": "Building the process graph, running rules and triage…",
        "zh": "正在构建进程图、运行规则和分诊…",
    },
    "tui.load_failed": {"en": "The evidence could not be loaded", "zh": "无法加载证据"},
    "tui.press_q": {"en": "Press q to quit.", "zh": "按 q 退出。"},
    "tui.alerts_count": {"en": "{n} alert(s)", "zh": "{n} 条告警"},
    "tui.alerts_host": {"en": "{n} alert(s) on {host}", "zh": "{host} 上 {n} 条告警"},
    "tui.no_alerts": {
        "en": "No alerts. Press H to pick a host, t for its timeline.",
        "zh": "没有告警。按 H 选择主机，按 t 查看其时间线。",
    },
    "tui.files_status": {
        "en": "files: {ok} ok, {partial} partial, {error} unreadable (f)",
        "zh": "文件：{ok} 个正常，{partial} 个部分读取，{error} 个无法读取 (f)",
    },
    "tui.rules_skipped": {"en": "{n} rule file(s) skipped", "zh": "跳过了 {n} 个规则文件"},
    "tui.col_severity": {"en": "Severity", "zh": "严重性"},
    "tui.col_time": {"en": "Time ({tz})", "zh": "时间 ({tz})"},
    "tui.col_status": {"en": "Status", "zh": "状态"},
    "tui.col_count": {"en": "×", "zh": "×"},
    "tui.col_rule": {"en": "Rule", "zh": "规则"},
    "tui.col_process": {"en": "Process", "zh": "进程"},
    "tui.col_parent_cmdline": {"en": "← parent  command line", "zh": "← 父进程  命令行"},
    "tui.col_records": {"en": "records", "zh": "记录"},
    "tui.col_recovered": {"en": "recovered", "zh": "恢复"},
    "tui.col_skipped": {"en": "skipped", "zh": "跳过"},
    "tui.col_process_events": {"en": "processes", "zh": "进程事件"},
    "tui.col_file": {"en": "File", "zh": "文件"},
    "tui.col_problem": {"en": "First problem", "zh": "首个问题"},
    "tui.status_mixed": {"en": "mixed", "zh": "混合"},
    "tui.status_short_open": {"en": "open", "zh": "待处理"},
    "tui.status_short_ack": {"en": "ack", "zh": "已确认"},
    "tui.status_short_tp": {"en": "TP", "zh": "真阳"},
    "tui.status_short_fp": {"en": "FP", "zh": "误报"},
    "tui.status_short_benign": {"en": "benign", "zh": "良性"},
    "tui.status_short_mixed": {"en": "mix", "zh": "混合"},
    "tui.status_prompt": {
        "en": "Status of {n} alert(s): 1-5 or Enter (Escape cancels)",
        "zh": "{n} 条告警的状态:按 1-5 或回车(Esc 取消)",
    },
    "tui.status_set": {"en": "{n} alert(s) now: {status}", "zh": "{n} 条告警现为:{status}"},
    "tui.n_hosts": {"en": "{n} hosts", "zh": "{n} 台主机"},
    "tui.n_cmdlines": {"en": "{n} different command lines", "zh": "{n} 种不同的命令行"},
    "tui.in_rows": {"en": "in {rows} rows", "zh": "共 {rows} 行"},
    "tui.sorted_by": {"en": "sorted by {order} (o)", "zh": "按{order}排序 (o)"},
    "tui.sort_severity": {"en": "severity", "zh": "严重性"},
    "tui.sort_time": {"en": "time", "zh": "时间"},
    "tui.sort_host": {"en": "host", "zh": "主机"},
    "tui.sort_rule": {"en": "rule", "zh": "规则"},
    "tui.sort_status": {"en": "status", "zh": "状态"},
    "tui.stacking": {"en": "stacked: {mode} (z)", "zh": "堆叠:{mode} (z)"},
    "tui.stack_similar": {
        "en": "same rule, image and parent image",
        "zh": "相同规则、映像和父映像",
    },
    "tui.stack_identical": {
        "en": "same rule, image and command line",
        "zh": "相同规则、映像和命令行",
    },
    "tui.stack_off": {"en": "off", "zh": "关闭"},
    "tui.stack_line": {
        "en": "×{n} on {hosts} host(s), {cmdlines} command line(s), {first} … {last}:",
        "zh": "×{n},{hosts} 台主机,{cmdlines} 种命令行,{first} … {last}:",
    },
    "tui.filter_shown": {"en": "filter (Esc clears):", "zh": "筛选(Esc 清除):"},
    "tui.no_alerts_filtered": {
        "en": "No alert matches the filter (/ to change it, Esc to clear it).",
        "zh": "没有告警符合筛选条件(按 / 修改,Esc 清除)。",
    },
    "tui.filter_prompt": {
        "en": "Filter the alerts (Enter applies, empty shows all)",
        "zh": "筛选告警(回车应用,留空显示全部)",
    },
    "tui.filter_hint": {
        "en": "rule:appcmd  sev:high,critical  host:DC01  status:open  process:cmd.exe  "
              "cmd:whoami  flag:masq  after:2026-03-10  before:2026-03-11T06:00  -word "
              "excludes; other words match rule, host, process or command line",
        "zh": "rule:appcmd  sev:high,critical  host:DC01  status:open  process:cmd.exe  "
              "cmd:whoami  flag:masq  after:2026-03-10  before:2026-03-11T06:00  -词 表示排除;"
              "其他词匹配规则、主机、进程或命令行",
    },
    "tui.filter_no_value": {"en": "{word}: no value after the colon", "zh": "{word}:冒号后没有值"},
    "tui.filter_bad_time": {
        "en": "{word}: not a time (2026-03-10 or 2026-03-10T02:14)",
        "zh": "{word}:不是时间(2026-03-10 或 2026-03-10T02:14)",
    },
    "tui.risk": {"en": "risk", "zh": "风险"},
    "tui.exported_many": {"en": "Exported {n} alerts to {path}", "zh": "已导出 {n} 条告警到 {path}"},
    "tui.nothing_to_export": {"en": "No alert here to export.", "zh": "这里没有可导出的告警。"},
    "tui.files_title": {"en": "Files read", "zh": "读取的文件"},
    "tui.no_files": {
        "en": "No log file was found in the evidence given.",
        "zh": "在给定的证据中没有找到日志文件。",
    },
    "tui.file_no_problems": {"en": "read in full, no problems", "zh": "已完整读取,没有问题"},
    "tui.decoded": {
        "en": "Decoded {switch} (base64 of UTF-16LE)",
        "zh": "解码的 {switch}(UTF-16LE 的 base64)",
    },
    "tui.decoded_nested": {
        "en": "Decoded {switch}, found in the decoded script",
        "zh": "解码的 {switch}(位于已解码的脚本中)",
    },
    "tui.user_sysmon": {"en": "User (Sysmon User field)", "zh": "用户(Sysmon User 字段)"},
    "tui.record_sid": {
        "en": "Record written by (System UserID: Sysmon's own account)",
        "zh": "记录写入者(System UserID:Sysmon 自身的账户)",
    },
    "tui.user_subject": {"en": "Created by (4688 Subject)", "zh": "创建者(4688 Subject)"},
    "tui.user_target": {"en": "Runs as (4688 Target)", "zh": "运行身份(4688 Target)"},
    "tui.activity": {"en": "Sysmon activity ({n})", "zh": "Sysmon 活动({n})"},
    "tui.activity_none": {
        "en": "none: no network, DNS, file, registry or image-load record of this process",
        "zh": "无:此进程没有网络、DNS、文件、注册表或映像加载记录",
    },
    "tui.activity_no_sysmon": {
        "en": "no Sysmon log for this host: its activity cannot be seen",
        "zh": "此主机没有 Sysmon 日志:无法看到其活动",
    },
    "tui.activity_more": {
        "en": "… {n} more (every one is in report.md / report.html)",
        "zh": "… 另有 {n} 条(全部见 report.md / report.html)",
    },
    "tui.activity_network": {"en": "network", "zh": "网络"},
    "tui.activity_dns": {"en": "DNS", "zh": "DNS"},
    "tui.activity_file": {"en": "file", "zh": "文件"},
    "tui.activity_registry": {"en": "registry", "zh": "注册表"},
    "tui.activity_image_load": {"en": "image load", "zh": "映像加载"},
    "tui.activity_event": {"en": "Sysmon {id}", "zh": "Sysmon {id}"},
    "tui.col_host": {"en": "Host", "zh": "主机"},
    "tui.col_chain": {"en": "Parent → child", "zh": "父进程 → 子进程"},
    "tui.col_cmdline": {"en": "Command line", "zh": "命令行"},
    "tui.col_progress": {"en": "Guide", "zh": "指南"},
    "tui.tree": {"en": "Process tree", "zh": "进程树"},
    "tui.detail": {"en": "Process", "zh": "进程"},
    "tui.checklist": {"en": "Investigation guide", "zh": "调查指南"},
    "tui.timeline": {"en": "Timeline", "zh": "时间线"},
    "tui.timeline_title": {
        "en": "{host}: {n} processes, {start} … {end}",
        "zh": "{host}：{n} 个进程，{start} … {end}",
    },
    "tui.timeline_all": {"en": "{host}: {n} processes", "zh": "{host}：{n} 个进程"},
    "tui.hosts": {"en": "Hosts", "zh": "主机"},
    "tui.all_hosts": {"en": "All hosts", "zh": "所有主机"},
    "tui.host_line": {
        "en": "{alerts} alert(s), {procs} processes",
        "zh": "{alerts} 条告警，{procs} 个进程",
    },
    "tui.more_before": {
        "en": "… {n} earlier (Enter to show)",
        "zh": "… 之前还有 {n} 个（回车显示）",
    },
    "tui.more_after": {
        "en": "… {n} more (Enter to show)",
        "zh": "… 之后还有 {n} 个（回车显示）",
    },
    "tui.placeholder": {"en": "never logged", "zh": "未记录"},
    "tui.command_line": {"en": "Command line", "zh": "命令行"},
    "tui.integrity": {"en": "Integrity", "zh": "完整性级别"},
    "tui.start": {"en": "Start", "zh": "开始"},
    "tui.end": {"en": "End", "zh": "结束"},
    "tui.still_running": {"en": "(no end record)", "zh": "（无结束记录）"},
    "tui.parent": {"en": "Parent", "zh": "父进程"},
    "tui.parent_how": {"en": "resolved by", "zh": "关联方式"},
    "tui.no_parent": {"en": "none found", "zh": "未找到"},
    "tui.hashes": {"en": "Hashes", "zh": "哈希"},
    "tui.sources": {"en": "Source records", "zh": "来源记录"},
    "tui.ecs": {"en": "ECS fields", "zh": "ECS 字段"},
    "tui.record": {"en": "record", "zh": "记录"},
    "tui.recovered": {"en": "recovered", "zh": "已恢复"},
    "tui.shadow_copy": {"en": "shadow copy", "zh": "卷影副本"},
    "tui.time_unknown": {"en": "time unknown", "zh": "时间未知"},
    "tui.evidence_changed": {"en": "Evidence changed since last save",
                             "zh": "自上次保存以来证据已变化"},
    "tui.event": {"en": "event", "zh": "事件"},
    "tui.placeholder_note": {
        "en": "This process started before logging or was never logged; it is known only from "
              "its children's records.",
        "zh": "此进程在日志开始之前启动或从未被记录；只能从其子进程的记录得知。",
    },
    "tui.children": {"en": "Children", "zh": "子进程"},
    "tui.no_checklist": {
        "en": "No alert selected: pick one with a or from the alert list.",
        "zh": "未选择告警：按 a 或在告警列表中选择。",
    },
    "tui.no_guide": {
        "en": "This rule has no investigation guide.",
        "zh": "此规则没有调查指南。",
    },
    "tui.rule_looks_for": {"en": "What the rule looks for", "zh": "规则检测的内容"},
    "tui.rule_false_positives": {"en": "Known false positives", "zh": "已知误报"},
    "tui.rule_author": {"en": "Author", "zh": "作者"},
    "tui.rule_references": {"en": "References", "zh": "参考资料"},
    "tui.guide_progress": {
        "en": "{done} done, {na} n/a, {open} open",
        "zh": "已完成 {done}，不适用 {na}，待办 {open}",
    },
    "tui.alert_note": {"en": "Alert note", "zh": "告警备注"},
    "tui.note_prompt": {
        "en": "Note for this step (Enter saves, Escape cancels)",
        "zh": "此步骤的备注（回车保存，Esc 取消）",
    },
    "tui.alert_note_prompt": {
        "en": "Note for this alert (Enter saves, Escape cancels)",
        "zh": "此告警的备注（回车保存，Esc 取消）",
    },
    "tui.search_prompt": {
        "en": "Search names and command lines on {host} (Enter)",
        "zh": "在 {host} 上搜索进程名和命令行（回车）",
    },
    "tui.search_none": {
        "en": "No process matches that search on this host.",
        "zh": "此主机上没有匹配的进程。",
    },
    "tui.no_more_alerts": {
        "en": "No other alert on this host.",
        "zh": "此主机上没有其他告警。",
    },
    "tui.exported": {"en": "Exported the alert to {path}", "zh": "告警已导出到 {path}"},
    "tui.export_failed": {"en": "Export failed: {error}", "zh": "导出失败：{error}"},
    "tui.no_parent_node": {
        "en": "This process has no known parent.",
        "zh": "此进程没有已知的父进程。",
    },
    "tui.no_children": {"en": "This process has no children.", "zh": "此进程没有子进程。"},
    "tui.help_title": {"en": "Keys", "zh": "按键"},
    "tui.section_investigation": {"en": "Possible investigation steps", "zh": "可能的调查步骤"},
    "tui.section_false_positive": {"en": "False positive analysis", "zh": "误报分析"},
    "tui.section_response": {"en": "Response and remediation", "zh": "响应和补救"},
    # -- help
    "help.literal": {
        "en": "Every string from the evidence is shown as literal text: markup and terminal "
              "escape sequences are never interpreted.",
        "zh": "证据中的每个字符串都按原样显示：标记和终端转义序列不会被解释。",
    },
    "help.section.everywhere": {"en": "Everywhere", "zh": "全局"},
    "help.help": {"en": "this help", "zh": "显示本帮助"},
    "help.quit": {
        "en": "quit (ticks, notes and statuses are already saved)",
        "zh": "退出（勾选、备注和状态已保存）",
    },
    "help.files": {
        "en": "the files read: status, records, skipped, problems",
        "zh": "读取的文件：状态、记录、跳过、问题",
    },
    "help.status": {
        "en": "set the alert's status (a stack: all its alerts): open, acknowledged, "
              "true positive, false positive, benign",
        "zh": "设置告警状态（堆叠：其全部告警）：待处理、已确认、真阳性、误报、良性",
    },
    "help.back": {"en": "back", "zh": "返回"},
    "help.hosts": {"en": "host switcher", "zh": "切换主机"},
    "help.timeline": {
        "en": "timeline of the host, ±48 h around the alert",
        "zh": "主机时间线（告警前后 48 小时）",
    },
    "help.export": {
        "en": "export the current alert (a stack: each of its alerts) as Markdown into the "
              "case folder (alert list, tree, timeline)",
        "zh": "将当前告警（堆叠：其每条告警）导出为 Markdown 到案例文件夹（告警列表、进程树、时间线）",
    },
    "help.section.alerts": {"en": "Alert list", "zh": "告警列表"},
    "help.alerts.move": {"en": "next / previous alert", "zh": "下一条 / 上一条告警"},
    "help.alerts.ends": {"en": "first / last alert", "zh": "第一条 / 最后一条告警"},
    "help.page": {"en": "page up / down", "zh": "上一页 / 下一页"},
    "help.alerts.open": {
        "en": "open the process tree of the alert; on a stack (▸36): show / hide its alerts",
        "zh": "打开告警的进程树；在堆叠（▸36）上：显示 / 隐藏其告警",
    },
    "help.alerts.filter": {
        "en": "filter: rule:, sev:, host:, status:, process:, cmd:, flag:, after:, before:, "
              "-word excludes, other words match anything",
        "zh": "筛选：rule:、sev:、host:、status:、process:、cmd:、flag:、after:、before:，"
              "-词 表示排除，其他词匹配任何内容",
    },
    "help.alerts.clear": {"en": "clear the filter", "zh": "清除筛选"},
    "help.alerts.sort": {
        "en": "sort by severity, time, host, rule, status (in turn)",
        "zh": "依次按严重性、时间、主机、规则、状态排序",
    },
    "help.alerts.stack": {
        "en": "stack alike alerts: same rule, image and parent image / same rule, image "
              "and command line / off (in turn)",
        "zh": "堆叠相似告警：相同规则、映像和父映像 / 相同规则、映像和命令行 / 关闭（依次切换）",
    },
    "help.section.tree": {"en": "Process tree", "zh": "进程树"},
    "help.tree.move": {"en": "next / previous line", "zh": "下一行 / 上一行"},
    "help.tree.expand": {
        "en": "expand, or go to the first child",
        "zh": "展开，或移到第一个子进程",
    },
    "help.tree.collapse": {"en": "collapse, or go to the parent", "zh": "折叠，或移到父进程"},
    "help.tree.toggle": {
        "en": "expand / collapse (on “… more”: show them)",
        "zh": "展开 / 折叠（在“… 还有”上：显示）",
    },
    "help.tree.parent": {"en": "jump to the parent", "zh": "跳到父进程"},
    "help.tree.child": {"en": "jump to the first child", "zh": "跳到第一个子进程"},
    "help.tree.alerts": {
        "en": "next / previous alert on this host",
        "zh": "本主机下一条 / 上一条告警",
    },
    "help.tree.search": {
        "en": "search names and command lines on this host",
        "zh": "在本主机上搜索进程名和命令行",
    },
    "help.tree.matches": {
        "en": "next / previous search match",
        "zh": "下一个 / 上一个搜索结果",
    },
    "help.tree.ends": {"en": "top / bottom", "zh": "顶部 / 底部"},
    "help.section.panes": {
        "en": "Panes (tree, process, guide)",
        "zh": "窗格（进程树、进程、指南）",
    },
    "help.panes.cycle": {"en": "next / previous pane", "zh": "下一个 / 上一个窗格"},
    "help.panes.focus": {
        "en": "focus tree / process detail / checklist",
        "zh": "聚焦进程树 / 进程详情 / 检查清单",
    },
    "help.panes.scroll": {
        "en": "scroll the process detail (when focused)",
        "zh": "滚动进程详情（聚焦时）",
    },
    "help.section.checklist": {
        "en": "Checklist (the guide pane)",
        "zh": "检查清单（指南窗格）",
    },
    "help.checklist.move": {"en": "next / previous step", "zh": "下一步 / 上一步"},
    "help.checklist.tick": {
        "en": "tick or untick the step: [x] done, [ ] open",
        "zh": "勾选或取消：[x] 完成，[ ] 待办",
    },
    "help.checklist.na": {"en": "mark the step not applicable: [-]", "zh": "标记为不适用：[-]"},
    "help.checklist.note": {"en": "note on the step", "zh": "为此步骤添加备注"},
    "help.checklist.alert_note": {"en": "note on the alert", "zh": "为此告警添加备注"},
    "help.section.timeline": {"en": "Timeline", "zh": "时间线"},
    "help.timeline.move": {"en": "next / previous process", "zh": "下一个 / 上一个进程"},
    "help.timeline.ends": {"en": "first / last process", "zh": "第一个 / 最后一个进程"},
    "help.timeline.alerts": {
        "en": "next / previous alerted process",
        "zh": "下一个 / 上一个告警进程",
    },
    "help.timeline.open": {"en": "open the process in the tree", "zh": "在进程树中打开该进程"},
    "help.timeline.search": {
        "en": "search names and command lines in the timeline",
        "zh": "在时间线中搜索进程名和命令行",
    },
    "help.section.files": {"en": "Files", "zh": "文件"},
    "help.files.move": {"en": "next / previous file, first / last", "zh": "下一个 / 上一个文件，第一个 / 最后一个"},
    "help.dialogs.status": {"en": "status: pick by number", "zh": "状态：按数字选择"},
    "help.section.dialogs": {
        "en": "Dialogs (note, search, filter, hosts, status)",
        "zh": "对话框（备注、搜索、筛选、主机、状态）",
    },
    "help.dialogs.save": {"en": "save / choose", "zh": "保存 / 选择"},
    "help.dialogs.cancel": {"en": "cancel", "zh": "取消"},
    # -- footer
    "footer.Alert note": {"en": "Alert note", "zh": "告警备注"},
    "footer.Back": {"en": "Back", "zh": "返回"},
    "footer.Cancel": {"en": "Cancel", "zh": "取消"},
    "footer.Close": {"en": "Close", "zh": "关闭"},
    "footer.Export .md": {"en": "Export .md", "zh": "导出 .md"},
    "footer.Files": {"en": "Files", "zh": "文件"},
    "footer.Filter": {"en": "Filter", "zh": "筛选"},
    "footer.Sort": {"en": "Sort", "zh": "排序"},
    "footer.Stack": {"en": "Stack", "zh": "堆叠"},
    "footer.Status": {"en": "Status", "zh": "状态"},
    "footer.First child": {"en": "First child", "zh": "第一个子进程"},
    "footer.Help": {"en": "Help", "zh": "帮助"},
    "footer.Hosts": {"en": "Hosts", "zh": "主机"},
    "footer.Next alert": {"en": "Next alert", "zh": "下一条告警"},
    "footer.Next match": {"en": "Next match", "zh": "下一个结果"},
    "footer.Note": {"en": "Note", "zh": "备注"},
    "footer.Open in tree": {"en": "Open in tree", "zh": "在进程树中打开"},
    "footer.Open tree": {"en": "Open tree", "zh": "打开进程树"},
    "footer.Parent": {"en": "Parent", "zh": "父进程"},
    "footer.Prev alert": {"en": "Prev alert", "zh": "上一条告警"},
    "footer.Prev match": {"en": "Prev match", "zh": "上一个结果"},
    "footer.Quit": {"en": "Quit", "zh": "退出"},
    "footer.Search": {"en": "Search", "zh": "搜索"},
    "footer.Tick [x]": {"en": "Tick [x]", "zh": "勾选 [x]"},
    "footer.Timeline": {"en": "Timeline", "zh": "时间线"},
    "footer.n/a [-]": {"en": "n/a [-]", "zh": "不适用 [-]"},
}


def tr(key: str, lang: str = DEFAULT, **params) -> str:
    """The text of ``key`` in ``lang`` (else English), with ``params`` formatted in."""
    texts = TEXTS[key]
    text = texts.get(lang) or texts[DEFAULT]
    return text.format(**params)


def has(key: str) -> bool:
    return key in TEXTS


def words(key: str) -> tuple[str, ...]:
    """Every language's words of a word-list entry, lower case, in ``LANGUAGES`` order."""
    texts = TEXTS[key]
    return tuple(w.lower() for lang in LANGUAGES for w in texts.get(lang, ()))


def language_of_locale(value: str) -> str:
    """The language of a locale setting (``zh_CN.UTF-8`` -> ``zh``); else the default."""
    v = value.lower()
    return next((lang for lang in LANGUAGES if v.startswith(lang)), DEFAULT)
