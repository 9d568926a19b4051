"""Sigma rules, run with Sigma's own semantics, told as the analyst's story.

Unit tests build Sigma YAML and ECS documents by hand; the corpus tests use SigmaHQ's
rules and the public samples in ``../shared`` (skipped cleanly when absent) and compare
every rule's alerts with an independent evaluator (``sigma_reference.py``).
"""

from __future__ import annotations

import copy
import json
import pickle
import textwrap
from pathlib import Path

import pytest
import yaml

from evtxscan.rules import RuleEngine, format_listing, load_rule_file, load_rules
from evtxscan.rules.loader import rule_costs

from conftest import need_shared
from sigma_reference import Unsupported, compile_rule as reference_rule, record_fields

PROCESS_CREATION = Path("sigma-rules/rules/windows/process_creation")
SEED_SIGMA = PROCESS_CREATION / "proc_creation_win_dns_susp_child_process.yml"
SVCHOST = "Uncommon Svchost Command Line Parameter"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"


def sigma(detection: str, *, title: str = "test rule", rule_id: str | None = None,
          logsource: str = "category: process_creation\n    product: windows",
          extra: str = "") -> str:
    ident = rule_id or "6f3a1c2e-0000-4000-8000-000000000001"
    return (f"title: {title}\nid: {ident}\nstatus: test\nlevel: high\n"
            f"author: Someone, Someone Else\nreferences:\n    - https://example.org/a\n"
            f"logsource:\n    {logsource}\n"
            f"detection:\n{textwrap.indent(textwrap.dedent(detection).strip(), '    ')}\n"
            f"{extra}")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_one(tmp_path: Path, text: str, name: str = "rule.yml"):
    return load_rule_file(write(tmp_path, name, text))


def sysmon_doc(image: str = "C:\\Windows\\System32\\cmd.exe", command_line: str = "cmd.exe /c whoami",
               **process) -> dict:
    """A Sysmon 1 document as ``ProcessGraph.ecs`` writes it."""
    doc = {
        "event": {"category": ["process"], "type": ["start"], "code": "1",
                  "provider": "Microsoft-Windows-Sysmon"},
        "host": {"name": "WS01", "os": {"type": "windows"}},
        "process": {"executable": image, "name": image.rpartition("\\")[2],
                    "command_line": command_line, "pid": 4242,
                    "parent": {"executable": "C:\\Windows\\System32\\dns.exe", "name": "dns.exe",
                               "command_line": "C:\\Windows\\system32\\dns.exe", "pid": 1234},
                    "hash": {"sha1": "aa11", "md5": "bb22", "sha256": "cc33"},
                    "pe": {"original_file_name": "Cmd.Exe", "imphash": "dd44"},
                    "Ext": {"token": {"integrity_level_name": "high"}},
                    "working_directory": "C:\\Windows\\system32\\"},
        "user": {"name": "SYSTEM", "domain": "NT AUTHORITY", "id": "S-1-5-18"},
        "winlog": {"channel": SYSMON_CHANNEL, "event_id": 1, "record_id": 7,
                   "provider_name": "Microsoft-Windows-Sysmon", "logon": {"id": "0x3e7"}},
    }
    doc["process"].update(process)
    return doc


def security_doc(**process) -> dict:
    """The same process seen by a Security 4688 v0 record: the graph found its parent."""
    doc = sysmon_doc(**process)
    doc["event"].update(code="4688", provider="Microsoft-Windows-Security-Auditing")
    doc["winlog"].update(channel="Security", event_id=4688,
                         provider_name="Microsoft-Windows-Security-Auditing")
    for key in ("hash", "pe", "working_directory"):
        doc["process"].pop(key, None)
    doc["user"] = {"name": "DC01$", "domain": "CORP", "id": "S-1-5-18"}
    return doc


def fired(rule, doc: dict) -> bool:
    return bool(RuleEngine([rule]).match(doc))


# --------------------------------------------------------------------------- loading


def test_a_sigma_rule_loads_with_its_metadata(tmp_path):
    rule = load_one(tmp_path, sigma("""
        selection:
            ParentImage|endswith: '\\dns.exe'
        condition: selection
        """, extra="tags:\n    - attack.stealth\n    - attack.t1059.001\n    - attack.g0016\n"
                   "falsepositives:\n    - Admin tools\n"))
    assert (rule.format, rule.name, rule.rule_id) == (
        "sigma", "test rule", "6f3a1c2e-0000-4000-8000-000000000001")
    assert (rule.level, rule.severity, rule.risk_score, rule.status) == ("high", "high", 73, "test")
    assert rule.author == ("Someone", "Someone Else")
    assert rule.references == ("https://example.org/a",)
    assert rule.falsepositives == ("Admin tools",)
    assert rule.threat == (("TA0005", "Stealth", "", ""), ("", "", "T1059.001", ""))
    assert "attack.g0016" in rule.tags
    assert rule.logsource == (("category", "process_creation"), ("product", "windows"))
    assert rule.query.startswith("detection:\n    selection:")
    assert pickle.loads(pickle.dumps(rule)) == rule  # shipped to workers as data
    assert fired(pickle.loads(pickle.dumps(rule)), sysmon_doc())


@pytest.mark.parametrize("level,severity,risk", [
    ("informational", "low", 1), ("low", "low", 21), ("medium", "medium", 47),
    ("critical", "critical", 99)])
def test_sigma_levels_map_to_severity_and_risk_score(tmp_path, level, severity, risk):
    rule = load_one(tmp_path, sigma("sel:\n    Image: x\ncondition: sel").replace(
        "level: high", f"level: {level}"))
    assert (rule.level, rule.severity, rule.risk_score) == (level, severity, risk)


def test_sigma_and_toml_rules_load_from_one_folder_and_run_in_one_engine(tmp_path):
    write(tmp_path, "a/dns_child.yml", sigma("sel:\n    ParentImage|endswith: '\\dns.exe'\n"
                                             "condition: sel"))
    write(tmp_path, "b/elastic.toml", (
        '[rule]\nrule_id = "e1"\nname = "Elastic twin"\ndescription = "d"\nlanguage = "eql"\n'
        'type = "eql"\nrisk_score = 47\nseverity = "medium"\n'
        "query = '''process where process.parent.name : \"dns.exe\"'''\n"))
    write(tmp_path, "c/readme.txt", "not a rule")
    ruleset = load_rules([tmp_path], include_default=False)
    assert sorted((r.format, r.name) for r in ruleset.rules) == [
        ("elastic", "Elastic twin"), ("sigma", "test rule")]
    assert ruleset.skipped == []
    got = RuleEngine(ruleset.rules).match(sysmon_doc())
    assert sorted(r.format for r in got) == ["elastic", "sigma"]
    assert rule_costs(ruleset)["by_format"] == {"elastic": 1, "sigma": 1}


SKIPS = {
    "keyword.yml": (sigma("keywords:\n    - 'mimikatz'\ncondition: keywords"),
                    "keyword searches (a value without a field) are not supported"),
    "placeholder.yml": (sigma("sel:\n    Image|expand: '%Admins%'\ncondition: sel"),
                        "placeholder %Admins% in Image has no value"),
    "registry.yml": (sigma("sel:\n    TargetObject|contains: 'Run'\ncondition: sel",
                           logsource="category: registry_set\n    product: windows"),
                     "no such events read yet: logsource category registry_set, product "
                     "windows means Sysmon 13 events"),
    "linux.yml": (sigma("sel:\n    Image: x\ncondition: sel",
                        logsource="category: process_creation\n    product: linux"),
                  "logsource product linux: evtxscan reads Windows event logs"),
    "parent_user.yml": (sigma("sel:\n    ParentUser|contains: 'AUTHORI'\ncondition: sel"),
                        "field ParentUser of Sysmon 1 records is not in evtxscan's documents"),
    "lookbehind.yml": (sigma("sel:\n    CommandLine|re: '(?<=a)b'\ncondition: sel"),
                       "Regular expression '(?<=a)b' is invalid"),
    "bad_yaml.yml": ("title: [unclosed\n", "yaml parse error"),
    "not_sigma.yml": ("just: a config file\n", "not a Sigma rule: no detection section"),
    "correlation.yml": ("title: c\nid: 6f3a1c2e-0000-4000-8000-0000000000c1\ncorrelation:\n"
                        "    type: event_count\n    rules: [x]\n    group-by: [User]\n"
                        "    timespan: 1h\n    condition:\n        gte: 10\n",
                        "Sigma correlation rules are not supported"),
    "timestamp.yml": (sigma("sel:\n    UtcTime|hour: 3\ncondition: sel"),
                      "timestamp-part modifiers (UtcTime) are not supported"),
    "tags_true.yml": (sigma("sel:\n    Image: x\ncondition: sel", extra="tags: true\n"),
                      "tags fields must be a list"),
    "references_five.yml": (sigma("sel:\n    Image: x\ncondition: sel").replace(
        "references:\n    - https://example.org/a", "references: 5"), "references must be a list"),
    "references_items.yml": (sigma("sel:\n    Image: x\ncondition: sel").replace(
        "- https://example.org/a", "- 5"), "references must be a list of text"),
    "level_inf.yml": (sigma("sel:\n    Image: x\ncondition: sel").replace(
        "level: high", "level: .inf"), "level"),
}


def test_what_cannot_run_exactly_is_skipped_with_one_line_among_good_rules(tmp_path):
    for name, (text, _) in SKIPS.items():
        write(tmp_path, f"bad/{name}", text)
    for i in range(40):
        write(tmp_path, f"good/r{i:02}.yml", sigma(
            f"sel:\n    CommandLine|contains: 'tool{i}'\ncondition: sel",
            title=f"good {i:02}", rule_id=f"6f3a1c2e-0000-4000-8000-{i:012}"))
    ruleset = load_rules([tmp_path], include_default=False)
    assert len(ruleset.rules) == 40
    reasons = {Path(s.source).name: s.reason for s in ruleset.skipped}
    assert set(reasons) == set(SKIPS)
    for name, (_, expected) in SKIPS.items():
        assert expected in reasons[name], (name, reasons[name])
    assert all("\n" not in r for r in reasons.values())
    assert format_listing(ruleset)[-1] == f"40 loaded, {len(SKIPS)} skipped"


# --------------------------------------------------------------------------- semantics


def rule_of(tmp_path, detection: str):
    return load_one(tmp_path, sigma(detection))


def test_escaped_star_is_a_literal_star_not_a_wildcard(tmp_path):
    rule = rule_of(tmp_path, "sel:\n    CommandLine|contains: 'a\\*b'\ncondition: sel")
    assert fired(rule, sysmon_doc(command_line="x A*B y"))
    assert not fired(rule, sysmon_doc(command_line="x aXXb y"))
    question = rule_of(tmp_path, "sel:\n    CommandLine: 'a\\?c'\ncondition: sel")
    assert fired(question, sysmon_doc(command_line="a?c"))
    assert not fired(question, sysmon_doc(command_line="abc"))
    wild = rule_of(tmp_path, "sel:\n    CommandLine: 'a?c*'\ncondition: sel")
    assert fired(wild, sysmon_doc(command_line="ABC and more\nlines"))
    assert not fired(wild, sysmon_doc(command_line="ac"))


def test_re_is_a_search_not_a_whole_value_match(tmp_path):
    rule = rule_of(tmp_path, "sel:\n    CommandLine|re: 'svchost\\.exe -k \\w+$'\ncondition: sel")
    assert fired(rule, sysmon_doc(command_line="C:\\Windows\\svchost.exe -k netsvcs"))
    assert not fired(rule, sysmon_doc(command_line="C:\\Windows\\SVCHOST.EXE -k netsvcs"))
    insensitive = rule_of(tmp_path, "sel:\n    CommandLine|re|i: 'svchost\\.exe'\ncondition: sel")
    assert fired(insensitive, sysmon_doc(command_line="C:\\Windows\\SVCHOST.EXE -k netsvcs"))
    inline = rule_of(tmp_path, "sel:\n    CommandLine|re: 'a(?i)BC\\/d'\ncondition: sel")
    assert fired(inline, sysmon_doc(command_line="xxabc/d"))  # (?i) mid-pattern and \/


def test_text_is_case_insensitive_unless_cased(tmp_path):
    rule = rule_of(tmp_path, "sel:\n    Image|endswith: '\\CMD.exe'\ncondition: sel")
    assert fired(rule, sysmon_doc())
    cased = rule_of(tmp_path, "sel:\n    Image|endswith|cased: '\\CMD.exe'\ncondition: sel")
    assert not fired(cased, sysmon_doc())
    assert fired(cased, sysmon_doc(image="C:\\x\\CMD.exe"))


def test_all_windash_and_base64offset(tmp_path):
    rule = rule_of(tmp_path, "sel:\n    CommandLine|contains|all|windash:\n"
                             "        - ' -enc '\n        - ' -nop'\ncondition: sel")
    assert fired(rule, sysmon_doc(command_line="powershell /nop \u2013enc AAA"))
    assert not fired(rule, sysmon_doc(command_line="powershell -enc AAA"))
    b64 = rule_of(tmp_path, "sel:\n    CommandLine|base64offset|contains: 'IEX'\ncondition: sel")
    assert fired(b64, sysmon_doc(command_line="powershell -enc " + "eCBJRVgg"))  # " IEX " at 1
    assert not fired(b64, sysmon_doc(command_line="powershell -enc AAAA"))


def test_missing_fields_null_exists_numbers_cidr_and_fieldref(tmp_path):
    sel = rule_of(tmp_path, "sel:\n    OriginalFileName: 'Cmd.Exe'\n"
                            "filter:\n    Description: 'x'\ncondition: sel and not filter")
    assert fired(sel, sysmon_doc())  # Description missing: the filter does not exclude
    assert not fired(sel, security_doc())  # 4688 has no OriginalFileName
    null = rule_of(tmp_path, "sel:\n    Description: null\ncondition: sel")
    assert fired(null, sysmon_doc())
    exists = rule_of(tmp_path, "sel:\n    OriginalFileName|exists: true\ncondition: sel")
    assert fired(exists, sysmon_doc()) and not fired(exists, security_doc())
    numbers = rule_of(tmp_path, "sel:\n    ProcessId|gte: 4000\n    ParentProcessId: 1234\n"
                                "condition: sel")
    assert fired(numbers, sysmon_doc()) and fired(numbers, security_doc())  # 0x10a2, 0x4d2
    assert not fired(numbers, sysmon_doc(pid=12))
    cidr = rule_of(tmp_path, "sel:\n    CommandLine|cidr: '10.0.0.0/8'\ncondition: sel")
    assert fired(cidr, sysmon_doc(command_line="10.1.2.3"))
    assert not fired(cidr, sysmon_doc(command_line="11.1.2.3"))
    ref = rule_of(tmp_path, "sel:\n    Image|fieldref: ParentImage\ncondition: sel")
    assert fired(ref, sysmon_doc(image="C:\\WINDOWS\\System32\\DNS.exe"))
    assert not fired(ref, sysmon_doc())


def test_sysmon_and_4688_fields_read_the_same_values(tmp_path):
    """Sigma's Windows pipelines: Image is NewProcessName on 4688, User is
    DOMAIN\\user, IntegrityLevel is the MandatoryLabel SID, PIDs are 0x text."""
    checks = {
        "Image: 'C:\\Windows\\System32\\cmd.exe'": (True, True),
        "ParentImage|endswith: '\\dns.exe'": (True, True),
        "ParentCommandLine|contains: 'dns.exe'": (True, True),
        "CommandLine|contains: 'whoami'": (True, True),
        "User: 'NT AUTHORITY\\SYSTEM'": (True, False),
        "User: 'CORP\\DC01$'": (False, True),
        "IntegrityLevel|cased: 'High'": (True, False),
        "IntegrityLevel: 'S-1-16-12288'": (False, True),
        "Hashes|cased: 'SHA1=AA11,MD5=BB22,SHA256=CC33,IMPHASH=DD44'": (True, False),
        "LogonId: '0x3e7'": (True, True),
        "CurrentDirectory: 'C:\\Windows\\system32\\'": (True, False),
        "ProcessId: '4242'": (True, False),
        "ProcessId: '0x1092'": (False, True),
        "EventID: 4688": (False, True),
        "Provider_Name: 'Microsoft-Windows-Sysmon'": (True, False),
    }
    for i, (item, (on_sysmon, on_security)) in enumerate(checks.items()):
        rule = load_one(tmp_path, sigma(f"sel:\n    {item}\ncondition: sel"), f"r{i}.yml")
        assert (fired(rule, sysmon_doc()), fired(rule, security_doc())) == \
            (on_sysmon, on_security), item


def test_raw_event_data_is_read_first_when_a_document_carries_it(tmp_path):
    rule = rule_of(tmp_path, "sel:\n    IntegrityLevel|cased: 'MediumPlus'\ncondition: sel")
    doc = sysmon_doc()
    assert not fired(rule, doc)
    doc["winlog"]["event_data"] = {"IntegrityLevel": "MediumPlus"}
    assert fired(rule, doc)
    parent = rule_of(tmp_path, "sel:\n    ParentImage|endswith: '\\dns.exe'\ncondition: sel")
    v0 = security_doc()
    v0["winlog"]["event_data"] = {"NewProcessName": "C:\\x.exe"}  # no ParentProcessName
    assert fired(parent, v0)  # the graph's parent, when the record names none


def test_a_process_creation_rule_runs_only_on_process_starts(tmp_path):
    rule = rule_of(tmp_path, "sel:\n    Image|endswith: '\\cmd.exe'\ncondition: sel")
    other = sysmon_doc()
    other["winlog"]["event_id"] = 10  # process access, same fields
    no_kind = copy.deepcopy(sysmon_doc())
    del no_kind["winlog"]
    engine = RuleEngine([rule])
    assert engine.match(sysmon_doc()) == [rule]
    assert engine.match(other) == [] and engine.match(no_kind) == []


def test_a_process_creation_rule_sees_the_graphs_parent_of_a_4688_v0_record(evidence):
    """The fixture's 4688 v0/v1 hosts name no parent; the graph finds dns.exe."""
    need_shared()
    from evtxscan.analysis import analyze
    analysis = analyze([str(evidence)], rule_paths=[str(need_shared() / SEED_SIGMA)],
                       include_default_rules=False)
    old_security = [a for a in analysis.alerts
                    if a.process.primary.source.event_id == 4688
                    and a.process.primary.version < 2]
    assert old_security, "the fixture has dns.exe children logged by 4688 v0/v1"
    assert all(a.process.primary.parent_executable is None for a in old_security)


# --------------------------------------------------------------------------- corpus


def test_process_creation_folder_loads_with_the_reasons_for_the_rest():
    folder = need_shared(str(PROCESS_CREATION))
    ruleset = load_rules([folder], include_default=False)
    total = len(list(folder.glob("*.yml")))
    assert total == 1183
    assert len(ruleset.rules) >= 1160
    assert len(ruleset.rules) + len(ruleset.skipped) == total
    assert all(s.reason and "\n" not in s.reason for s in ruleset.skipped)
    assert {r.format for r in ruleset.rules} == {"sigma"}
    assert format_listing(ruleset)[-1] == f"{len(ruleset.rules)} loaded, {len(ruleset.skipped)} skipped"


@pytest.mark.parametrize("backend", ["evtx", "python-evtx"])
def test_the_sigma_seed_rule_finds_exactly_what_the_elastic_seed_rule_finds(evidence, backend):
    from evtxscan.analysis import analyze
    from evtxscan.pipeline import ReadOptions
    seed = need_shared(str(SEED_SIGMA))
    read = ReadOptions(backend=backend)
    elastic = analyze([str(evidence)], read=read)
    sigma_only = analyze([str(evidence)], read=read, rule_paths=[str(seed)],
                         include_default_rules=False)
    found = sorted((a.host, a.process.entity_id) for a in sigma_only.alerts)
    assert found == sorted((a.host, a.process.entity_id) for a in elastic.alerts)
    assert len(found) == 10
    assert {a.rule.format for a in sigma_only.alerts} == {"sigma"}
    ecs = sigma_only.alerts[0].to_ecs()
    assert ecs["rule"]["ruleset"] == "sigma" and ecs["rule"]["author"] == [
        "Tim Rauch", "Elastic (idea)"]
    assert ecs["rule"]["reference"] and ecs["evtxscan"]["rule"]["falsepositives"] == ["Unknown"]


@pytest.fixture(scope="module")
def samples_scan(tmp_path_factory):
    """The samples scanned with every process_creation rule: the analysis and the
    documents of processes.jsonl."""
    samples = need_shared("evtx-samples")
    folder = need_shared(str(PROCESS_CREATION))
    from evtxscan.analysis import analyze
    from evtxscan.outputs import WriteOptions, write as write_outputs
    analysis = analyze([str(samples)], rule_paths=[str(folder)], include_default_rules=False)
    out = tmp_path_factory.mktemp("samples-out")
    write_outputs(analysis, out, ["jsonl"], WriteOptions(case=str(out / "case.json")))
    docs = [json.loads(line) for line in (out / "processes.jsonl").open(encoding="utf-8")]
    return analysis, docs


def test_every_sigma_rule_agrees_with_an_independent_evaluation_on_the_samples(samples_scan):
    analysis, docs = samples_scan
    assert len(docs) > 2000
    by_rule: dict[str, set] = {}
    for alert in analysis.alerts:
        by_rule.setdefault(alert.rule.rule_id, set()).add((alert.host, alert.process.entity_id))
    compared = fired = 0
    unsupported = []
    records = [((d["host"]["name"], d["process"]["entity_id"]), record_fields(d)) for d in docs]
    for rule in analysis.ruleset.rules:
        data = yaml.safe_load(Path(rule.source).read_text(encoding="utf-8"))
        try:
            test = reference_rule(data)
            want = {key for key, fields in records if test(fields)}
        except Unsupported as exc:
            unsupported.append((rule.name, str(exc)))
            continue
        assert by_rule.get(rule.rule_id, set()) == want, rule.name
        compared += 1
        fired += bool(want)
    assert compared == len(analysis.ruleset.rules) >= 1160, unsupported
    assert fired >= 150  # the samples are attack recordings: many rules fire


def test_uncommon_svchost_parameters_is_not_a_whole_value_regex(samples_scan):
    analysis, _ = samples_scan
    names = {r.name for r in analysis.ruleset.rules}
    assert SVCHOST in names
    assert sum(a.rule.name == SVCHOST for a in analysis.alerts) <= 1


def test_alerts_say_which_format_and_rule_they_came_from(samples_scan):
    analysis, _ = samples_scan
    doc = analysis.alerts[0].to_ecs()
    rule = analysis.alerts[0].rule
    assert doc["rule"]["id"] == rule.rule_id and doc["rule"]["ruleset"] == "sigma"
    assert doc["evtxscan"]["rule"]["source"].endswith(".yml")
    assert doc["evtxscan"]["rule"]["level"] == rule.level
