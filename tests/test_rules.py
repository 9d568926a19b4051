"""Rule loading and matching, told as the analyst's story.

The shipped rule is Elastic's "Unusual Child Process of dns.exe" (version 313).  Upstream
rules are written for Elasticsearch, so each gap between eql's Python engine and
Elasticsearch gets a test on real rule text.  Corpus tests use the detection-rules
snapshot in ``../shared`` and skip cleanly when it is not there.
"""

from __future__ import annotations

import copy
import pickle
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from evtxscan.ecs import SKELETON_FIELDS, skeleton
from evtxscan.rules import (
    Rule,
    RuleEngine,
    default_rules_path,
    format_listing,
    load_rule_file,
    load_rules,
)
from evtxscan.rules.compiler import matches
from evtxscan.rules.elastic_toml import rule_from_toml

SHARED = Path(__file__).resolve().parents[2] / "shared"
UPSTREAM_WINDOWS = SHARED / "elastic-rules" / "windows"
SEED = SHARED / "seed" / "000_d2ddad987a39c20c.txt"
DNS_RULE_ID = "8c37dc0e-e3ac-4c97-8aa0-cf6a9122de45"
SEED_QUERY = ('process where host.os.type == "windows" and event.type == "start" and '
              'process.parent.name : "dns.exe" and not process.name : "conhost.exe"')


def dns_child(name: str = "cmd.exe", **process_fields) -> dict:
    """A Sysmon 1 event: ``name`` started by the DNS server service."""
    event = {
        "@timestamp": "2020-07-15T10:00:00.123456Z",
        "host": {"name": "DC01", "os": {"type": "windows"}},
        "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon",
                  "category": ["process"], "type": ["start"], "kind": "event"},
        "process": {
            "pid": 4242, "name": name,
            "executable": f"C:\\Windows\\System32\\{name}",
            "command_line": f"{name} /c whoami", "args": [name, "/c", "whoami"],
            "args_count": 3,
            "entity_id": "{11111111-2222-3333-4444-555555555555}",
            "parent": {"pid": 1234, "name": "dns.exe",
                       "executable": "C:\\Windows\\System32\\dns.exe",
                       "command_line": "C:\\Windows\\system32\\dns.exe",
                       "args": ["C:\\Windows\\system32\\dns.exe"],
                       "entity_id": "{11111111-2222-3333-4444-000000000000}"},
            "hash": {"sha256": "0" * 64},
            "working_directory": "C:\\Windows\\system32\\",
        },
        "user": {"name": "SYSTEM", "domain": "NT AUTHORITY", "id": "S-1-5-18"},
        "evtxscan": {"file": "Microsoft-Windows-Sysmon%4Operational.evtx", "record_id": 7},
    }
    event["process"].update(process_fields)
    return event


def rule_for(query: str, name: str = "test rule", rule_id: str = "test-id") -> Rule:
    return rule_from_toml({"rule": {
        "rule_id": rule_id, "name": name, "description": "test", "language": "eql",
        "type": "eql", "query": query, "risk_score": 21, "severity": "low"}}, "<test>")


def fires(query: str, event: dict) -> bool:
    return bool(RuleEngine([rule_for(query)]).match(event))


@pytest.fixture(scope="module")
def default_engine() -> RuleEngine:
    return RuleEngine(load_rules([]).rules)


def needs_upstream() -> None:
    if not UPSTREAM_WINDOWS.is_dir():
        pytest.skip(f"shared detection-rules snapshot not found at {UPSTREAM_WINDOWS}")


# --------------------------------------------------------------------------- default rule


def test_the_packaged_rule_is_elastics_version_313_dns_rule():
    ruleset = load_rules([])
    assert ruleset.skipped == []
    (rule,) = ruleset.rules
    assert (rule.rule_id, rule.name, rule.version) == (
        DNS_RULE_ID, "Unusual Child Process of dns.exe", 313)
    assert (rule.severity, rule.risk_score, rule.event_category) == ("high", 73, "process")
    assert rule.query == SEED_QUERY
    assert rule.threat == (("TA0008", "Lateral Movement", "T1210", "Exploitation of Remote Services"),)
    assert any("cve-2020-1350" in ref.lower() for ref in rule.references)
    assert Path(rule.source).parent == default_rules_path()
    assert default_rules_path().joinpath("unusual_dns_service_children.toml").is_file()


def test_a_child_of_dns_exe_alerts(default_engine):
    assert [r.rule_id for r in default_engine.match(dns_child("cmd.exe"))] == [DNS_RULE_ID]


@pytest.mark.parametrize("name", ["conhost.exe", "CONHOST.EXE", "ConHost.exe"])
def test_conhost_under_dns_exe_is_not_an_alert_in_any_letter_case(default_engine, name):
    assert default_engine.match(dns_child(name)) == []


def test_parent_name_matches_case_insensitively_and_event_type_may_be_a_string(default_engine):
    event = dns_child("whoami.exe")
    event["process"]["parent"]["name"] = "DNS.EXE"
    event["event"]["type"] = "start"  # a scalar works as well as ECS' list
    assert default_engine.match(event)


def test_only_process_starts_of_windows_hosts_alert(default_engine):
    ended = dns_child()
    ended["event"]["type"] = ["end"]
    linux = dns_child()
    linux["host"]["os"]["type"] = "linux"
    other_parent = dns_child()
    other_parent["process"]["parent"]["name"] = "services.exe"
    for event in (ended, linux, other_parent):
        assert default_engine.match(event) == []


def test_a_4688_child_without_parent_name_does_not_crash(default_engine):
    event = dns_child()
    del event["process"]["parent"]["name"]
    assert default_engine.match(event) == []
    assert not default_engine.errors


# --------------------------------------------------------------------------- guides

SECTIONS = {
    "en": ["## Triage and analysis", "### Investigating Unusual Child Process of dns.exe",
           "#### Possible investigation steps", "### False positive analysis",
           "### Response and remediation"],
    "zh": ["## 分类和分析", "### 调查 dns.exe 的异常子进程", "#### 可能的调查步骤",
           "### 误报分析", "### 响应和补救"],
}
TOOLS = ["whoami.exe", "netstat.exe", "systeminfo.exe", "tasklist.exe", "mshta.exe",
         "powershell.exe", "regsvr32.exe", "rundll32.exe", "wscript.exe", "wmic.exe",
         "werfault.exe"]


def sections(markdown: str) -> list[tuple[str, list[str]]]:
    """(heading, bullet items) in document order."""
    out: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        if line.startswith("#"):
            out.append((line.strip(), []))
        elif line.startswith("- "):
            out[-1][1].append(line[2:])
    return out


def test_both_guides_have_the_same_checklist_shape():
    (rule,) = load_rules([]).rules
    assert set(rule.notes) == {"en", "zh"}
    assert rule.notes["en"] == rule.note
    en, zh = sections(rule.notes["en"]), sections(rule.notes["zh"])
    assert [h for h, _ in en] == SECTIONS["en"]
    assert [h for h, _ in zh] == SECTIONS["zh"]
    assert [len(items) for _, items in en] == [len(items) for _, items in zh] == [0, 0, 8, 1, 10]
    # items pair by position: the same tools are named in the same bullet
    for (_, en_items), (_, zh_items) in zip(en, zh):
        for en_item, zh_item in zip(en_items, zh_items):
            assert [t for t in TOOLS if t in en_item] == [t for t in TOOLS if t in zh_item]
    for text in rule.notes.values():
        assert all(tool in text for tool in TOOLS)
        assert not re.search(r"\.exe[A-Za-z]", text), "tool names glued together"


def test_the_chinese_guide_keeps_the_users_text():
    if not SEED.is_file():
        pytest.skip("seed text not available")
    seed_lines = {line.strip().lstrip("•").strip() for line in SEED.read_text("utf-8").splitlines()}
    (rule,) = load_rules([]).rules
    for line in rule.notes["zh"].splitlines():
        text = line.lstrip("#- ").strip()
        if text:  # only markup (code spans, list separators) was restored
            assert re.sub(r"`([^`]*)`(、)?", r"\1", text) in seed_lines


def test_elastics_loader_would_see_only_standard_tables():
    data = tomllib.loads(default_rules_path().joinpath(
        "unusual_dns_service_children.toml").read_text("utf-8"))
    assert set(data) == {"metadata", "rule", "evtxscan"}
    assert "note_zh" not in data["rule"]


# --------------------------------------------------------------------------- eql gaps

UPSTREAM_ADS = '''process where host.os.type == "windows" and event.type == "start" and
  process.args : "?:\\\\*:*" and
  (
    process.args_count == 1 and
    not process.command_line regex~ """\\".*\\.exe[^\\"].*"""
  )'''


def test_gap1_current_upstream_rule_excludes_conhost_by_question_mark_path():
    """eql reads ``?`` literally, so ``?:\\Windows\\System32\\conhost.exe`` never matched."""
    needs_upstream()
    rule = load_rule_file(UPSTREAM_WINDOWS / "lateral_movement_unusual_dns_service_children.toml")
    engine = RuleEngine([rule])
    assert engine.match(dns_child("conhost.exe")) == []
    assert engine.match(dns_child("ConHost.exe")) == []
    assert engine.match(dns_child("cmd.exe")) == [rule]


def test_gap1_question_mark_is_exactly_one_character():
    query = 'process where process.executable : "?:\\\\Windows\\\\*.exe"'
    assert fires(query, dns_child(executable="D:\\WINDOWS\\x.exe"))
    assert not fires(query, dns_child(executable="DD:\\Windows\\x.exe"))
    assert not fires(query, dns_child(executable=":\\Windows\\x.exe"))
    # like is case-sensitive, like~ and : are not (Elasticsearch)
    assert not fires('process where process.name like "CMD.*"', dns_child("cmd.exe"))
    assert fires('process where process.name like~ "CMD.*"', dns_child("cmd.exe"))
    assert fires('process where process.name like "c?d.exe"', dns_child("cmd.exe"))


def test_gap1_upstream_alternate_data_stream_rule():
    """Real rule text: ``process.args : "?:\\*:*"`` over a list, ``regex~`` over the line."""
    ads = dns_child("evil.exe", args=["C:\\Users\\Public\\a.txt:evil.exe"], args_count=1,
                    command_line="C:\\Users\\Public\\a.txt:evil.exe")
    assert fires(UPSTREAM_ADS, ads)
    quoted = copy.deepcopy(ads)
    quoted["process"]["command_line"] = '"C:\\x.exe C:\\a:b'  # unclosed quote: excluded
    assert not fires(UPSTREAM_ADS, quoted)


def test_gap2_multi_valued_fields_match_if_any_value_matches():
    event = dns_child()
    event["event"]["type"] = ["change", "start"]
    assert fires('process where event.type == "start"', event)
    assert fires('process where event.type : "ST*"', event)
    assert fires('process where event.type like "sta?t"', event)
    assert fires('process where event.type regex "st.*"', event)
    assert fires('process where process.args : ("/x", "WHO*")', event)
    # != is must_not: true only when no value equals (and when the field is missing)
    assert fires('process where event.type != "end"', event)
    assert not fires('process where event.type != "start"', event)
    assert fires('process where event.outcome != "failure"', event)
    assert not fires('process where not event.type : "start"', event)


def test_gap2_equality_is_case_sensitive_and_colon_is_not():
    assert not fires('process where process.name == "CMD.EXE"', dns_child("cmd.exe"))
    assert fires('process where process.name : "CMD.EXE"', dns_child("cmd.exe"))
    assert fires('process where process.pid == 4242 and event.code == "1"', dns_child())
    assert fires('process where process.args_count >= 3', dns_child())
    assert not fires('process where process.args_count > 3', dns_child())


def test_gap2_regex_matches_the_whole_value_like_lucene():
    """Real rule text (Renamed Utility Executed with Short Program Name)."""
    query = ('process where host.os.type == "windows" and event.type == "start" and \n'
             ' process.name regex~ """[a-z0-9]\\.exe""" and process.pe.original_file_name != null')
    renamed = dns_child("a.EXE", pe={"original_file_name": "procdump.exe"})
    assert fires(query, renamed)  # regex~ folds the letters of "exe"...
    # ...but not a range: Lucene's ASCII_CASE_INSENSITIVE leaves [a-z] as written, as
    # Elasticsearch documents (elastic/elasticsearch#125412, apache/lucene#14378)
    assert not fires(query, dns_child("A.exe", pe={"original_file_name": "procdump.exe"}))
    assert not fires(query, dns_child("a.exe.bak", pe={"original_file_name": "procdump.exe"}))
    assert not fires(query, dns_child("a.exe"))  # no original file name


def test_gap3_in_over_a_list_valued_field():
    query = 'process where event.type in ("start", "process_started") and process.args in ("/c")'
    assert fires(query, dns_child())
    assert not fires('process where event.type in ("end")', dns_child())
    assert fires('process where process.name in~ ("CMD.EXE", "x")', dns_child("cmd.exe"))
    assert not fires('process where process.name in ("CMD.EXE", "x")', dns_child("cmd.exe"))
    assert fires('process where not process.name in ("a.exe", "b.exe")', dns_child())


def test_gap4_fields_resolve_through_nesting_dotted_keys_and_backquotes():
    flat = {"event.category": ["process"], "process.parent.name": "dns.exe",
            "process": {"name": "cmd.exe"}}
    flat["event"] = {"category": ["process"]}
    assert fires('process where process.parent.name : "dns.exe"', dns_child())
    assert fires('process where process.parent.name : "dns.exe" and process.name == "cmd.exe"', flat)
    assert fires('process where `process.parent.name` : "dns.exe"', dns_child())
    odd = dns_child(Ext={"Some-Field": "x", "dotted.key": "y"})
    assert fires('process where process.Ext.`Some-Field` == "x"', odd)
    assert fires('process where process.Ext.dotted.key == "y"', odd)
    assert not fires('process where process.name.sub == "x" or process.args.deeper : "x"', odd)
    odd["process"]["Ext"]["list"] = [{"a": "1"}, {"a": "2"}]  # arrays of objects flatten
    assert fires('process where process.Ext.list.a == "2"', odd)


def test_gap5_event_type_comes_from_event_category():
    rule = rule_for('process where process.name : "cmd.exe"')
    engine = RuleEngine([rule])
    both = dns_child()
    both["event"]["category"] = ["network", "process"]
    wrong = dns_child()
    wrong["event"]["category"] = ["file"]
    missing = dns_child()
    del missing["event"]["category"]
    assert engine.match(both) == [rule]
    assert engine.match(wrong) == engine.match(missing) == []
    assert fires('any where process.name : "cmd.exe"', wrong)


def test_rules_of_other_categories_are_not_evaluated_for_process_events():
    rules = [rule_for('registry where registry.path : "*"', "a registry rule", "r1"),
             rule_for('process where true', "b process rule", "r2"),
             rule_for('any where true', "c any rule", "r3")]
    engine = RuleEngine(rules)
    assert [r.rule_id for r in engine.rules_for(("process",))] == ["r2", "r3"]
    assert [r.rule_id for r in engine.match(dns_child())] == ["r2", "r3"]


def test_functions_used_by_upstream_process_rules():
    # execution_initial_access_via_msc_file: endswith~ over the parent's argument list
    msc = dns_child("cmd.exe")
    msc["process"]["parent"].update(executable="C:\\Windows\\System32\\mmc.exe",
                                    args=["mmc.exe", "C:\\Users\\x\\Downloads\\EVIL.MSC"])
    assert fires('process where process.parent.executable : "?:\\\\Windows\\\\System32\\\\mmc.exe"'
                 ' and endswith~(process.parent.args, ".msc")', msc)
    assert not fires('process where endswith(process.parent.args, ".msc")', msc)  # case-sensitive
    assert fires('process where startsWith~(process.name, "CMD") and stringContains(process.command_line, "who")'
                 ' and length(process.name) == 7 and not length(process.name) > 30', dns_child())
    assert fires('process where ?process.pe.original_file_name == null and ?process.parent.name != null',
                 dns_child())
    network = dns_child()
    network["destination"] = {"ip": "fe80::1"}
    assert fires('process where not cidrMatch(destination.ip, "10.0.0.0/8", "::1")', network)
    assert fires('process where cidrmatch(destination.ip, "FE80::/10")', network)


# --------------------------------------------------------------------------- loader


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def toml_rule(rule_id: str, name: str, query: str, language: str = "eql") -> str:
    return (f'[rule]\nrule_id = "{rule_id}"\nname = "{name}"\ndescription = "d"\n'
            f'language = "{language}"\ntype = "eql"\nrisk_score = 47\nseverity = "medium"\n'
            f"query = '''\n{query}\n'''\n")


def test_unusable_rules_are_skipped_with_a_reason_and_the_rest_load(tmp_path):
    write(tmp_path, "good.toml", toml_rule("g1", "Good rule", 'process where process.name : "x.exe"'))
    write(tmp_path, "sub/dir/also_good.toml", toml_rule("g2", "Another good rule", "file where true"))
    write(tmp_path, "broken.toml", "[rule\nname = ")
    write(tmp_path, "kuery.toml", toml_rule("k1", "Kuery rule", "process.name:x", language="kuery"))
    write(tmp_path, "sequence.toml", toml_rule(
        "s1", "Sequence rule", "sequence [process where true] [file where true]"))
    write(tmp_path, "descendant.toml", toml_rule(
        "d1", "Descendant rule", 'process where descendant of [process where process.name : "a"]'))
    write(tmp_path, "piped.toml", toml_rule("p1", "Piped rule", "process where true | head 1"))
    write(tmp_path, "badsyntax.toml", toml_rule("b1", "Bad syntax", "process where process.name : "))
    write(tmp_path, "unknown_fn.toml", toml_rule("u1", "Unknown fn", "process where frobnicate(process.name)"))
    write(tmp_path, "ml.toml", '[rule]\nrule_id = "m1"\nname = "ML"\ntype = "machine_learning"\n')
    write(tmp_path, "zz_dupe.toml", toml_rule("g1", "Zz duplicate", "process where true"))
    write(tmp_path, "notes.txt", "not a rule")

    ruleset = load_rules([tmp_path], include_default=False)

    assert [r.name for r in ruleset.rules] == ["Another good rule", "Good rule"]
    reasons = {Path(s.source).name: s.reason for s in ruleset.skipped}
    assert reasons["broken.toml"].startswith("toml parse error: ")
    assert reasons["kuery.toml"] == "language kuery not supported"
    assert reasons["sequence.toml"] == "sequence queries not supported"
    assert reasons["descendant.toml"] == "'descendant of' subqueries not supported"
    assert reasons["piped.toml"] == "pipes not supported"
    assert reasons["badsyntax.toml"].startswith("eql parse error: ")
    assert reasons["unknown_fn.toml"] == "function frobnicate not supported"
    assert reasons["ml.toml"] == "rule type machine_learning not supported"
    assert reasons["zz_dupe.toml"].startswith("duplicate rule_id g1")
    assert all("\n" not in s.reason for s in ruleset.skipped)
    assert len(ruleset.skipped) == 9

    listing = format_listing(ruleset)
    assert listing[-1] == "2 loaded, 9 skipped"
    assert listing[0].split() == ["medium", "47", "elastic", "Another", "good", "rule", "[g2]"]
    assert any(line.startswith("SKIP ") and "kuery.toml: language kuery" in line for line in listing)


def test_default_rule_comes_first_and_a_second_copy_is_skipped(tmp_path):
    write(tmp_path, "copy.toml", default_rules_path().joinpath(
        "unusual_dns_service_children.toml").read_text("utf-8"))
    ruleset = load_rules([tmp_path])
    assert [r.rule_id for r in ruleset.rules] == [DNS_RULE_ID]
    assert Path(ruleset.rules[0].source).parent == default_rules_path()
    assert format_listing(ruleset)[-1] == "1 loaded, 1 skipped"
    assert load_rules([tmp_path / "missing"], include_default=False).skipped[0].reason == \
        "no such file or directory"


def test_rules_pickle_for_worker_processes():
    rules = load_rules([]).rules
    copies = pickle.loads(pickle.dumps(rules))
    assert copies == rules
    assert RuleEngine(copies).match(dns_child())


def test_importing_rules_does_not_import_textual():
    code = "import sys, evtxscan.rules; print('textual' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


# --------------------------------------------------------------------------- upstream corpus


def upstream_process_rule_files() -> list[Path]:
    files = []
    for path in sorted(UPSTREAM_WINDOWS.glob("*.toml")):
        rule = tomllib.loads(path.read_text("utf-8")).get("rule", {})
        if rule.get("language") == "eql" and rule.get("query", "").strip().startswith("process where"):
            files.append(path)
    return files


def synthetic_events() -> list[dict]:
    """A handful of events with the shapes rules meet: lists, numbers, booleans, gaps."""
    encoded = dns_child("powershell.exe", command_line="powershell.exe -nop -w hidden -enc SQBFAFgA",
                        args=["powershell.exe", "-nop", "-w", "hidden", "-enc", "SQBFAFgA"],
                        args_count=6, pe={"original_file_name": "PowerShell.EXE"},
                        code_signature={"trusted": True, "subject_name": "Microsoft Windows"})
    rundll = dns_child("rundll32.exe", command_line="rundll32.exe", args=["rundll32.exe"], args_count=1)
    rundll["process"]["parent"].update(name="winword.exe", args=None)
    bare = {"event": {"category": ["process"], "type": ["start"]},
            "host": {"os": {"type": "windows"}}, "process": {"name": "x.exe"}}
    odd = dns_child("a.exe", args="not-a-list", args_count="3", pid="0x10")
    odd["process"]["parent"] = None
    odd["user"] = {"id": ["S-1-5-18", 18], "name": ""}
    return [dns_child(), dns_child("conhost.exe"), encoded, rundll, bare, odd]


@pytest.fixture(scope="module")
def upstream_ruleset():
    needs_upstream()
    return load_rules([UPSTREAM_WINDOWS], include_default=False)


def test_upstream_windows_process_rules_load_and_run(upstream_ruleset):
    files = {str(p) for p in upstream_process_rule_files()}
    assert len(files) == 174
    loaded = [r for r in upstream_ruleset.rules if r.source in files]
    skipped = {s.source: s.reason for s in upstream_ruleset.skipped if s.source in files}
    assert len(loaded) + len(skipped) == 174
    assert len(loaded) >= 170, skipped
    engine = RuleEngine(loaded)
    fired = set()
    for event in synthetic_events():
        got = engine.match(event)
        # the hash-table prefilter only skips rules that cannot match
        assert got == [r for r in loaded if matches(engine_condition(engine, r), event)]
        fired.update(r.rule_id for r in got)
    assert not engine.errors, engine.errors
    assert DNS_RULE_ID in fired  # the upstream copy of the dns rule, on cmd.exe


def engine_condition(engine: RuleEngine, rule: Rule):
    return engine._conditions[engine.rules.index(rule)]


def test_the_whole_upstream_windows_folder_loads_without_errors(upstream_ruleset):
    reasons = {s.reason.split(":")[0] for s in upstream_ruleset.skipped}
    assert reasons <= {"language kuery not supported", "language esql not supported",
                       "sequence queries not supported"}, reasons
    assert format_listing(upstream_ruleset)[-1] == \
        f"{len(upstream_ruleset.rules)} loaded, {len(upstream_ruleset.skipped)} skipped"


def test_path_patterns_prefilter_on_the_file_name_without_losing_matches():
    rule = rule_for('process where process.executable : ("?:\\\\Windows\\\\System32\\\\bash.exe", '
                    '"\\\\Device\\\\HarddiskVolume*\\\\Windows\\\\System32\\\\bash.exe")')
    engine = RuleEngine([rule])
    assert engine.match(dns_child("bash.exe", executable="C:\\WINDOWS\\SYSTEM32\\BASH.EXE")) == [rule]
    assert engine.match(dns_child("bash.exe", executable="\\Device\\HarddiskVolume3\\Windows\\System32\\bash.exe"))
    assert engine.match(dns_child("bash.exe", executable="C:\\Temp\\bash.exe")) == []
    assert engine.match(dns_child("x.exe", executable="C:\\Windows\\System32\\bash.exe.x")) == []


def test_matching_is_fast_enough_for_a_scan(default_engine):
    events = [dns_child("cmd.exe" if i % 2 else "conhost.exe") for i in range(20000)]
    start = time.perf_counter()
    hits = sum(len(default_engine.match(e)) for e in events)
    elapsed = time.perf_counter() - start
    assert hits == 10000
    assert elapsed < 2.0, f"{len(events) / elapsed:.0f} events/s"


def _alerts_by_full_documents(graph, engine):
    """What ``evaluate`` must return: every process' full ECS document through ``match``."""
    return sorted(((r.rule_id, p.node) for p in graph.processes()
                   for r in engine.match(graph.ecs(p.node))))


def test_the_skeleton_holds_what_the_full_document_holds(analysis):
    graph = analysis.graph
    from evtxscan.rules.fields import resolve
    checked = 0
    for p in graph.processes():
        doc, skel = graph.ecs(p.node), skeleton(graph, p.node)
        for path in SKELETON_FIELDS:
            assert resolve(skel, path) == resolve(doc, path), (p.node, path)
            checked += resolve(doc, path) is not None
    assert checked > 4 * 100  # every field present on most of the ~130 processes


def test_skipping_processes_by_their_skeleton_loses_no_alert(analysis):
    from evtxscan.alerts import PROCESS_CATEGORIES, evaluate
    graph = analysis.graph
    default = RuleEngine(analysis.ruleset.rules)
    assert default.deciding_fields(PROCESS_CATEGORIES) <= SKELETON_FIELDS
    got = sorted((a.rule.rule_id, a.process.node) for a in evaluate(graph, default))
    assert got == _alerts_by_full_documents(graph, default) and len(got) == 10


def test_skipping_by_skeleton_agrees_with_full_documents_for_upstream_rules(
        analysis, upstream_ruleset):
    """Each upstream process rule alone: the skeleton path where its deciding fields are
    cheap, the full documents where they are not; both must agree with brute force."""
    from evtxscan.alerts import PROCESS_CATEGORIES, evaluate
    graph = analysis.graph
    cheap = fired = 0
    for rule in upstream_ruleset.rules:
        engine = RuleEngine([rule])
        deciding = engine.deciding_fields(PROCESS_CATEGORIES)
        cheap += deciding is not None and deciding <= SKELETON_FIELDS
        want = _alerts_by_full_documents(graph, engine)
        assert sorted((a.rule.rule_id, a.process.node) for a in evaluate(graph, engine)) \
            == want, rule.source
        fired += bool(want)
    assert cheap >= 20 and fired >= 3, (cheap, fired)
