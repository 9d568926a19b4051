"""Triage facets and the checklist, told as the responder's story on the bundled evidence.

The evidence (``fixtures/generate.py``) holds ten dns.exe-child alerts on five hosts; each
test names the step of the investigation guide it answers.
"""

from __future__ import annotations

import json

import pytest

from evtxscan.checklist import answer, checklist, facets_for, parse_guide
from evtxscan.toolsets import DISCOVERY, LOLBINS, mentioned_tools, tool_key, toolsets_of
from evtxscan.facets.telemetry import caveat_text
from evtxscan.triage import attach_triage


def find(analysis, host: str, name: str):
    hits = [a for a in analysis.alerts
            if a.host.split(".")[0] == host and a.process.name.lower() == name.lower()]
    assert len(hits) == 1, [(a.host, a.process.name) for a in analysis.alerts]
    return hits[0]


def item(analysis, item_id: str):
    return next(i for i in checklist(analysis.ruleset.rules[0]) if i.id == item_id)


def codes(alert) -> list[str]:
    return [c["code"] for c in alert.triage["telemetry"]["caveats"]]


def test_the_bundled_evidence_raises_the_ten_alerts_the_generator_describes(analysis):
    got = sorted((a.host.split(".")[0], a.process.name) for a in analysis.alerts)
    assert got == sorted([
        ("DC01", "tasklist.exe"), ("DC01", "nltest.exe"), ("DC01", "cmd.exe"),
        ("DC01", "powershell.exe"), ("DC01", "WerFault.exe"), ("DC01", "rundll32.exe"),
        ("DNS02", "cmd.exe"), ("DNS03", "mshta.exe"), ("WS01", "cmd.exe"),
        ("DNS04", "certutil.exe")])


def test_every_alert_carries_all_facets_json_ready_and_deterministic(analysis):
    facets = {"ancestry", "discovery", "lolbins", "crash", "related_alerts_48h", "prevalence",
              "activity", "subtree", "exposure", "telemetry"}
    before = [json.dumps(a.triage, sort_keys=True) for a in analysis.alerts]
    for a in analysis.alerts:
        assert set(a.triage) == facets
        assert a.to_ecs()["evtxscan"]["triage"] == a.triage   # alerts.jsonl carries it
    attach_triage(analysis)   # running it again gives the same bytes
    assert [json.dumps(a.triage, sort_keys=True) for a in analysis.alerts] == before


def test_cmd_on_dc01_whoami_found_in_its_subtree_and_chain_resolved_by_guid(analysis):
    a = find(analysis, "DC01", "cmd.exe")
    d = a.triage["discovery"]
    assert d["tools"] == ["whoami.exe"]
    assert [(h["tool"], h["where"], h["depth"]) for h in d["hits"]] == [("whoami.exe", "subtree", 1)]
    chain = a.triage["ancestry"]["chain"]
    assert [e["name"] for e in chain[-3:]] == ["services.exe", "dns.exe", "cmd.exe"]
    assert chain[-1]["alerted"] and chain[-1]["how"] == "guid"
    assert a.triage["ancestry"]["flags"] == []
    assert a.triage["lolbins"]["hits"] == []
    assert [s["name"] for s in a.triage["subtree"]] == ["whoami.exe"]
    assert answer(item(analysis, "investigation-2"), a) == "whoami.exe found in subtree"
    assert answer(item(analysis, "investigation-2"), a, "zh") == "在子树中发现 whoami.exe"


def test_powershell_is_a_lolbin_spawning_netstat_and_mshta_with_sysmon_activity(analysis):
    a = find(analysis, "DC01", "powershell.exe")
    assert a.triage["discovery"]["tools"] == ["netstat.exe"]
    assert a.triage["discovery"]["hits"][0]["name"] == "NETSTAT.EXE"   # as logged
    lol = [(h["tool"], h["where"]) for h in a.triage["lolbins"]["hits"]]
    assert lol == [("powershell.exe", "process"), ("mshta.exe", "subtree")]
    act = a.triage["activity"]
    assert act["counts"] == {"network": 1, "dns": 1, "file": 1, "registry": 1, "image_load": 1}
    assert [e["event_id"] for e in act["events"]] == [7, 22, 3, 11, 13]   # by time
    net = next(e for e in act["events"] if e["event_id"] == 3)
    assert "203.0.113.7:443" in net["summary"]
    assert net["file"].endswith("Microsoft-Windows-Sysmon%4Operational.evtx") and net["record_id"] > 0
    text = answer(item(analysis, "investigation-5"), a)
    assert text.startswith("network: 1 connection(s), DNS: 1 quer(ies), files: 1 created")
    assert "2 process(es) in the subtree: NETSTAT.EXE, mshta.exe" in text
    assert answer(item(analysis, "investigation-3"), a) == (
        "powershell.exe is the alerted process; mshta.exe found in subtree")


def test_werfault_under_dns_exe_is_the_crash_signal_for_it_and_its_siblings(analysis):
    wer = find(analysis, "DC01", "WerFault.exe")
    c = wer.triage["crash"]
    assert c["dns"]["name"] == "dns.exe" and c["dns"]["pid"] == 2144
    assert [(w["where"], w["targets_dns"]) for w in c["werfault"]] == [("process", True)]
    sibling = find(analysis, "DC01", "cmd.exe").triage["crash"]["werfault"]
    assert [(w["name"], w["where"]) for w in sibling] == [("WerFault.exe", "sibling")]
    text = answer(item(analysis, "investigation-4"), wer)
    assert text.startswith("WerFault.exe under dns.exe at 2026-03-10T02:19:07.250000Z: "
                           "the service may have crashed")
    # DNS02's dns.exe did not crash, but it did end: say so
    d2 = find(analysis, "DNS02", "cmd.exe")
    assert d2.triage["crash"]["werfault"] == []
    assert "dns.exe ended at" in answer(item(analysis, "investigation-4"), d2)


def test_rundll32_and_certutil_and_mshta_are_flagged_as_lolbins(analysis):
    for host, name in (("DC01", "rundll32.exe"), ("DNS04", "certutil.exe"),
                       ("DNS03", "mshta.exe")):
        hits = find(analysis, host, name).triage["lolbins"]["hits"]
        assert [(h["tool"], h["where"]) for h in hits] == [(name, "process")]


def test_48h_window_includes_exactly_48h_before_and_excludes_one_second_more(analysis):
    cmd = find(analysis, "DC01", "cmd.exe")
    rel = cmd.triage["related_alerts_48h"]
    assert [(r["name"], r["seconds_before"]) for r in rel["alerts"]] == [("nltest.exe", 172800.0)]
    assert rel["from"] == "2026-03-08T02:14:07.250000Z" and rel["to"] == cmd.timestamp
    # tasklist.exe ran at T-48h-1s: outside cmd's window, inside nltest's
    nl = find(analysis, "DC01", "nltest.exe").triage["related_alerts_48h"]
    assert [(r["name"], r["seconds_before"]) for r in nl["alerts"]] == [("tasklist.exe", 1.0)]
    later = find(analysis, "DC01", "rundll32.exe").triage["related_alerts_48h"]
    assert [r["name"] for r in later["alerts"]] == ["cmd.exe", "powershell.exe", "WerFault.exe"]
    assert answer(item(analysis, "investigation-6"), cmd).startswith(
        "1 other alert(s) on this host in the 48 h before: nltest.exe (2026-03-08T02:14:07.250000Z)")


def test_prevalence_counts_cmd_whoami_on_dc01_and_dns02(analysis):
    p = find(analysis, "DC01", "cmd.exe").triage["prevalence"]
    assert p["child"] == "cmd.exe" and p["parent"] == "dns.exe" and p["hosts_in_case"] == 5
    assert [h.split(".")[0] for h in p["same_command_line"]["hosts"]] == ["DC01", "DNS02"]
    # WS01's fake dns.exe has a cmd.exe child too, with another command line
    assert [h.split(".")[0] for h in p["under_dns"]["hosts"]] == ["DC01", "DNS02", "WS01"]
    assert find(analysis, "DNS02", "cmd.exe").triage["prevalence"]["same_command_line"]["hosts"] \
        == p["same_command_line"]["hosts"]
    text = answer(item(analysis, "investigation-8"), find(analysis, "DNS02", "cmd.exe"))
    assert "same command line on 2 host(s): DC01.corp.example, DNS02.corp.example" in text
    # DNS03 logs no command lines: prevalence by command line cannot be judged there
    m = find(analysis, "DNS03", "mshta.exe").triage["prevalence"]["same_command_line"]
    assert m["command_line"] is None and m["hosts_without_command_line"] == ["DNS03"]


def test_dns03_telemetry_says_4688_v0_without_command_lines_no_sysmon_no_ends(analysis):
    a = find(analysis, "DNS03", "mshta.exe")
    t = a.triage["telemetry"]
    assert t["sysmon"] == {"present": False, "event_ids": []}
    assert t["security_4688"]["versions"] == [0]
    assert t["security_4688"]["command_lines"] == "absent_v0"
    assert t["process_ends"] == {"present": False, "sources": []}
    assert [lg["file"] for lg in t["logs"]] == ["DNS03/Windows/System32/winevt/Logs/SECURITY.EVTX"]
    assert {"no_sysmon", "cmdline_v0", "no_process_ends", "no_parent_names"} <= set(codes(a))
    # "nothing found" is not "nothing happened"
    assert answer(item(analysis, "investigation-5"), a).startswith(
        "no Sysmon on this host: cannot be answered from these logs")
    assert answer(item(analysis, "investigation-5"), a, "zh").startswith(
        "此主机没有 Sysmon:无法从这些日志中回答")
    assert "cmdline_v0" not in codes(find(analysis, "DC01", "cmd.exe"))


def test_dc01_dns02_ws01_telemetry(analysis):
    dc = find(analysis, "DC01", "cmd.exe").triage["telemetry"]
    assert dc["sysmon"]["present"] and {1, 3, 5, 7, 11, 13, 22} <= set(dc["sysmon"]["event_ids"])
    assert dc["security_4688"] == {"present": True, "records": dc["security_4688"]["records"],
                                   "versions": [2], "command_lines": "logged",
                                   "with_command_line": dc["security_4688"]["records"]}
    assert dc["process_ends"]["sources"] == ["security 4689", "sysmon 5"]
    d2 = find(analysis, "DNS02", "cmd.exe")
    assert d2.triage["telemetry"]["security_4688"]["versions"] == [1]
    assert "no_parent_names" in codes(d2) and "no_sysmon" in codes(d2)
    ws = find(analysis, "WS01", "cmd.exe")
    gaps = [c for c in ws.triage["telemetry"]["caveats"] if c["code"] == "record_gaps"]
    assert len(gaps) == 1 and gaps[0]["params"]["missing"] > 0     # the chunk with a bad magic
    assert "damaged" in codes(ws)
    assert caveat_text(gaps[0], "zh").startswith("WS01/")


def test_ws01_fake_dns_exe_is_masquerading_and_started_by_explorer(analysis):
    a = find(analysis, "WS01", "cmd.exe")
    anc = a.triage["ancestry"]
    assert anc["flags"] == ["masquerading", "unexpected_dns_parent"]
    f = {x["flag"]: x for x in anc["findings"]}
    assert f["masquerading"]["executable"] == "C:\\Users\\Public\\dns.exe"
    assert f["unexpected_dns_parent"]["parent"] == "explorer.exe"
    # the tool it runs is only in its command line (no tasklist.exe process was logged)
    assert [(h["tool"], h["where"]) for h in a.triage["discovery"]["hits"]] == [
        ("tasklist.exe", "command line")]
    text = answer(item(analysis, "investigation-1"), a)
    assert "runs from C:\\Users\\Public\\dns.exe, not C:\\Windows\\System32\\dns.exe" in text
    assert "was started by explorer.exe, not services.exe" in text
    for host, name in (("DC01", "cmd.exe"), ("DNS02", "cmd.exe"), ("DNS04", "certutil.exe")):
        assert find(analysis, host, name).triage["ancestry"]["flags"] == []


def test_the_guide_becomes_a_checklist_in_both_languages(analysis):
    items = checklist(analysis.ruleset.rules[0])
    assert [i.id for i in items][:3] == ["investigation-1", "investigation-2", "investigation-3"]
    assert sum(i.section == "investigation" for i in items) == 8
    assert sum(i.section == "false_positive" for i in items) == 1
    assert sum(i.section == "response" for i in items) == 10
    assert all(set(i.texts) == {"en", "zh"} for i in items)
    assert items[5].texts["zh"].startswith("调查过去 48 小时内")
    assert {i.id: facets_for(i) for i in items if facets_for(i)} == {
        "investigation-1": ["ancestry"], "investigation-2": ["discovery"],
        "investigation-3": ["lolbins"], "investigation-4": ["crash"],
        "investigation-5": ["activity", "subtree"],
        "investigation-6": ["related_alerts_48h"], "investigation-7": ["exposure"],
        "investigation-8": ["prevalence"], "response-10": ["telemetry"]}
    a = find(analysis, "DC01", "cmd.exe")
    # CVE-2020-1350: DC01's evidence holds no hives and no System/Setup log
    assert answer(items[6], a).startswith("cannot tell whether it was exposed to CVE-2020-1350")


def test_a_guide_with_nested_bullets_numbers_and_one_language_parses():
    md = ("## Triage\n\n### Investigating Foo\n\n- not an item\n\n#### Possible investigation steps\n\n"
          "- Look at `whoami.exe`\n  - and its children\n- Check the\n  parent\n\nA paragraph.\n\n"
          "### False positive analysis\n\n1. Admin scripts.\n\n### Response and remediation\n\n"
          "* Isolate.\n```\n- code, not an item\n```\n")
    assert parse_guide(md) == {"investigation": ["Look at `whoami.exe`; and its children",
                                                 "Check the parent"],
                               "false_positive": ["Admin scripts."],
                               "response": ["Isolate."]}


def test_tool_names_are_data_and_matched_as_commands_not_substrings():
    assert tool_key("C:\\Windows\\System32\\NETSTAT.EXE") == "netstat.exe"
    assert toolsets_of("WerFault.exe") == ["crash"] and toolsets_of("wermgr.exe") == []
    assert mentioned_tools("cmd /c whoami&netstat -ano | findstr 53", DISCOVERY, "cmd.exe") == [
        "netstat.exe", "whoami.exe"]
    assert mentioned_tools("reg query HKLM\\x", DISCOVERY) == []          # not query.exe
    assert mentioned_tools('rundll32 javascript:"\\..\\mshtml,RunHTMLApplication "', LOLBINS,
                           "rundll32.exe") == []                       # mshtml is not mshta
    assert not (DISCOVERY & LOLBINS)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_answer_is_one_line_without_control_characters(analysis, lang):
    for a in analysis.alerts:
        for it in checklist(a.rule):
            text = answer(it, a, lang)
            if text is not None:
                assert text and not any(ord(ch) < 32 for ch in text)
