"""The exposure answer in words, English and Chinese.

The verdict is codes and parameters (``verdict.Reason``); this module words them, one
table keyed by code with one text per language, the way the triage caveats are worded.
Evidence text inside an answer (image paths, update titles) is escaped by the caller's
``printable``; times are shown with ``timefmt.display`` in the chosen time zone.
"""

from __future__ import annotations

from datetime import timezone, tzinfo

from ..textsafe import printable
from ..timefmt import display

#: Parameters that hold UTC ISO times (shown in the display time zone).
TIME_PARAMS = frozenset({"time", "written", "start", "until"})

TEXTS: dict[str, dict[str, str]] = {
    # headlines
    "patched": {"en": "not exposed to {cve} at {as_of}: patched",
                "zh": "{as_of} 时不受 {cve} 影响:已安装补丁"},
    "workaround": {"en": "not exposed to {cve} at {as_of}: the registry workaround was in effect",
                   "zh": "{as_of} 时不受 {cve} 影响:注册表缓解措施已生效"},
    "exposed": {"en": "EXPOSED to {cve} at {as_of}: not patched and no workaround in effect",
                "zh": "{as_of} 时容易受到 {cve} 的攻击:未安装补丁,缓解措施也未生效"},
    "cannot_tell": {"en": "cannot tell whether it was exposed to {cve} at {as_of}",
                    "zh": "无法判断 {as_of} 时是否容易受到 {cve} 的攻击"},
    "not_dns_server": {"en": "not a DNS server: {cve} does not apply",
                       "zh": "不是 DNS 服务器:{cve} 不适用"},
    # DNS role
    "role_process": {"en": "dns.exe ran ({time})", "zh": "dns.exe 曾运行({time})"},
    "role_service": {"en": "the DNS Server service is logged ({time})",
                     "zh": "日志中有 DNS Server 服务({time})"},
    "role_hive_present": {"en": "the SYSTEM hive has the DNS service ({control_set})",
                          "zh": "SYSTEM 配置单元中有 DNS 服务({control_set})"},
    "role_hive_absent": {"en": "the SYSTEM hive has no DNS service ({control_set})",
                         "zh": "SYSTEM 配置单元中没有 DNS 服务({control_set})"},
    # release and build
    "os_hive": {"en": "{product}, build {build} (SOFTWARE hive, written {written})",
                "zh": "{product},版本 {build}(SOFTWARE 配置单元,写入于 {written})"},
    "os_boot": {"en": "build {build} at boot {time} (System 6009)",
                "zh": "{time} 启动时的版本为 {build}(System 6009)"},
    "os_upgraded": {"en": "the build at boot ({boot_build}) differs from the hive's ({hive_build}): "
                          "the release at the alert is the one it booted",
                    "zh": "启动时的版本({boot_build})与配置单元中的({hive_build})不同:以告警时启动的版本为准"},
    "os_unknown": {"en": "release and build unknown (no SOFTWARE hive, no System 6009)",
                   "zh": "发行版和版本未知(没有 SOFTWARE 配置单元,也没有 System 6009)"},
    "release_ubr": {"en": "{name}: fixed from build {fixed} ({kb}; source checked: {checked})",
                    "zh": "{name}:自版本 {fixed} 起修复({kb};来源核对:{checked})"},
    "release_kb": {"en": "{name}: fixed by the monthly rollup {rollup} or the security-only update "
                         "{security_only} of July 2020, or a later monthly rollup (source checked: {checked})",
                   "zh": "{name}:由 2020 年 7 月的每月汇总 {rollup} 或仅安全更新 {security_only} "
                         "修复,或之后的每月汇总(来源核对:{checked})"},
    "release_after_fix": {"en": "build {build} was released after the fix and contains it",
                          "zh": "版本 {build} 发布于修复之后,已包含修复"},
    "release_unsupported": {"en": "build {build} is older than every fixed release: no fix exists",
                            "zh": "版本 {build} 早于所有已修复的发行版:没有可用的修复"},
    "release_unknown": {"en": "build {build} is not a Windows Server release with this fix",
                        "zh": "版本 {build} 不是包含此修复的 Windows Server 发行版"},
    # patch
    "ubr_below_fix": {"en": "build {build}.{ubr} is below the fix ({build}.{fixed})",
                      "zh": "版本 {build}.{ubr} 低于修复版本({build}.{fixed})"},
    "ubr_fixed_before_alert": {"en": "build {build}.{ubr} includes the fix ({build}.{fixed}) and was "
                                     "in place before the alert (written {written})",
                               "zh": "版本 {build}.{ubr} 已包含修复({build}.{fixed}),且在告警前已就位(写入于 {written})"},
    "ubr_fixed_after_write": {"en": "build {build}.{ubr} includes the fix, but was written {written}, "
                                    "after the alert",
                              "zh": "版本 {build}.{ubr} 已包含修复,但写入于 {written},晚于告警"},
    "fix_installed": {"en": "{update} installed {time} ({via})",
                      "zh": "{update} 于 {time} 安装({via})"},
    "fix_pending_reboot": {"en": "{update} was waiting for a restart ({time}); no boot after it",
                           "zh": "{update} 等待重启({time});之后没有重启"},
    "fix_time_unknown": {"en": "{update} is installed, but the hive does not say when",
                         "zh": "{update} 已安装,但配置单元未记录安装时间"},
    "fix_after_alert": {"en": "{update} installed {time}, after the alert: it does not count for it ({via})",
                        "zh": "{update} 于 {time} 安装,晚于告警:对此告警不计({via})"},
    "fix_not_in_packages": {"en": "none of {kbs} among the {packages} servicing package(s) of the "
                                  "SOFTWARE hive",
                            "zh": "SOFTWARE 配置单元的 {packages} 个服务包中没有 {kbs}"},
    "fix_not_seen": {"en": "no record of {kbs} (or a later cumulative update) being installed",
                     "zh": "没有安装 {kbs}(或之后的累积更新)的记录"},
    "update_failed": {"en": "{update} failed to install {time} (error {error})",
                      "zh": "{update} 于 {time} 安装失败(错误 {error})"},
    # workaround
    "workaround_other_control_set": {"en": "{control_set} (not current) holds TcpReceivePacketSize = {value}",
                                     "zh": "{control_set}(非当前)中 TcpReceivePacketSize = {value}"},
    "workaround_set": {"en": "TcpReceivePacketSize set to {value} {time} by {image} (pid {pid})",
                       "zh": "{time} {image}(pid {pid})将 TcpReceivePacketSize 设置为 {value}"},
    "workaround_deleted": {"en": "TcpReceivePacketSize deleted {time} by {image} (pid {pid})",
                           "zh": "{time} {image}(pid {pid})删除了 TcpReceivePacketSize"},
    "workaround_hive": {"en": "SYSTEM hive {control_set}: TcpReceivePacketSize = {value} (key written {written})",
                        "zh": "SYSTEM 配置单元 {control_set}:TcpReceivePacketSize = {value}(键写入于 {written})"},
    "workaround_unchecked": {"en": "the workaround could not be checked (no SYSTEM hive, no Sysmon "
                                   "registry events)",
                             "zh": "无法检查缓解措施(没有 SYSTEM 配置单元,也没有 Sysmon 注册表事件)"},
    "workaround_not_set_at_alert": {"en": "TcpReceivePacketSize was not restricted at the alert",
                                    "zh": "告警时 TcpReceivePacketSize 未受限制"},
    "workaround_no_restart": {"en": "TcpReceivePacketSize = {value} was never read: no DNS Server "
                                    "restart after it was set before the alert",
                              "zh": "TcpReceivePacketSize = {value} 从未生效:设置后至告警前 DNS Server 服务没有重启"},
    "workaround_restart_unknown": {"en": "whether the DNS Server service restarted is unknown (no System log)",
                                   "zh": "不知道 DNS Server 服务是否重启过(没有 System 日志)"},
    "workaround_value_at_start_unknown": {"en": "the value the DNS Server read when it started {start} is unknown",
                                          "zh": "DNS Server 于 {start} 启动时读取的值未知"},
    "workaround_changed_after_start": {"en": "the value changed to {value} after the last start ({start}): "
                                             "it takes effect only at the next start",
                                       "zh": "最后一次启动({start})后该值改为 {value}:只有下次启动才生效"},
    "workaround_at_start": {"en": "the DNS Server started {start} with TcpReceivePacketSize = {value} "
                                  "(<= {limit}): in effect",
                            "zh": "DNS Server 于 {start} 启动时 TcpReceivePacketSize = {value}(<= {limit}):已生效"},
    "workaround_not_at_start": {"en": "the DNS Server started {start} with TcpReceivePacketSize = "
                                      "{value}: not in effect",
                                "zh": "DNS Server 于 {start} 启动时 TcpReceivePacketSize = {value}:未生效"},
    "workaround_was_in_effect": {"en": "the workaround ({value}) was in effect from {start} until the "
                                       "restart {until}",
                                 "zh": "缓解措施({value})自 {start} 起生效,直到 {until} 重启"},
    # what was missing
    "no_system_hive": {"en": "no SYSTEM hive collected", "zh": "未收集 SYSTEM 配置单元"},
    "no_software_hive": {"en": "no SOFTWARE hive collected", "zh": "未收集 SOFTWARE 配置单元"},
    "no_system_log": {"en": "no System log", "zh": "没有 System 日志"},
    "no_setup_log": {"en": "no Setup log", "zh": "没有 Setup 日志"},
    "no_update_log": {"en": "no Windows Update client records", "zh": "没有 Windows 更新客户端记录"},
    "no_sysmon_registry": {"en": "no Sysmon log (registry changes unseen)",
                           "zh": "没有 Sysmon 日志(看不到注册表更改)"},
    # glue
    "absent": {"en": "absent", "zh": "不存在"},
    "missing": {"en": "missing: {items}", "zh": "缺少:{items}"},
    "sources": {"en": "sources", "zh": "来源"},
    "sep": {"en": "; ", "zh": ";"},
    "list": {"en": ", ", "zh": "、"},
    "via_setup": {"en": "Setup log", "zh": "Setup 日志"},
    "via_windows_update": {"en": "Windows Update", "zh": "Windows 更新"},
    "via_cbs": {"en": "servicing package", "zh": "服务包"},
}


def text(code: str, lang: str = "en", **params) -> str:
    t = TEXTS.get(code, {})
    fmt = t.get(lang) or t.get("en") or code
    try:
        return fmt.format(**params)
    except (KeyError, IndexError, ValueError):
        return fmt


def _params(params: dict, lang: str, tz: tzinfo) -> dict:
    out = {}
    for k, v in params.items():
        if v is None:
            out[k] = text("absent", lang) if k == "value" else "?"
        elif k in TIME_PARAMS and isinstance(v, str) and v.endswith("Z"):
            out[k] = display(v, tz)
        elif k == "via":
            out[k] = text(f"via_{v}", lang)
        else:
            out[k] = printable(str(v))
    return out


def headline(a: dict, lang: str = "en", tz: tzinfo = timezone.utc) -> str:
    """The verdict line of an assessment (its JSON form, as triage stores it)."""
    return text(a["verdict"], lang, cve=a.get("cve", "CVE-2020-1350"),
                as_of=display(a["as_of"], tz))


def reasons(a: dict, lang: str = "en", tz: tzinfo = timezone.utc) -> list[str]:
    return [text(r["code"], lang, **_params(r["params"], lang, tz)) for r in a["reasons"]]


def missing(a: dict, lang: str = "en") -> str | None:
    if not a["missing"]:
        return None
    return text("missing", lang, items=text("list", lang).join(text(m, lang) for m in a["missing"]))


def sources(a: dict) -> list[str]:
    """Each fact a reason rests on, once, as a line a responder can find it by."""
    used = sorted({i for r in a["reasons"] for i in r["facts"]})
    out = []
    for i in used:
        o = a["facts"][i].get("origin")
        if not o:
            continue
        if o["kind"] == "log":
            out.append(printable(f"{o['file']} record {o['record_id']} (event {o['event_id']})"))
        else:
            where = o["key"] + (f"\\{o['value']}" if o.get("value") else "")
            out.append(printable(f"{o['file']}: {where} (key written {o['last_write']}, "
                                 f"sha256 {o['sha256'][:16]}…)"))
    return out


def answer(a: dict, lang: str = "en", tz: tzinfo = timezone.utc) -> str:
    """The checklist answer: verdict, then the reasoning, then what was missing."""
    sep = text("sep", lang)
    parts = [headline(a, lang, tz)] + reasons(a, lang, tz)
    m = missing(a, lang)
    if m:
        parts.append(m)
    return sep.join(parts)
