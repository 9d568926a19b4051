"""Hostile rule files cannot stop a run, hang it, or repaint the terminal (issue 15).

Each test reproduces what an attacker's rule did before the fix: metadata of the wrong
type ended ``rules`` and ``scan`` with a traceback and exit 1; ``regex~ "(a+)+$"`` ran past
90 s; a 10,000-term ``or`` took the rules stage from 0.17 s to 86.6 s; ESC in a rule
name reached the terminal raw.  The tests assert outcomes, not times.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evtxscan.cli import main
from evtxscan.rules import RuleEngine, format_listing, load_rules
from evtxscan.rules.elastic_toml import MAX_QUERY_CHARS, rule_from_toml
from evtxscan.rules.loader import MAX_RULE_COST

ESC = "\x1b"


def toml_rule(rule_id: str, name: str, query: str, **fields: str) -> str:
    meta = {"risk_score": "47", "severity": '"medium"', "tags": '["OS: Windows"]',
            "references": '["https://example.org"]'}
    meta.update(fields)
    lines = "".join(f"{k} = {v}\n" for k, v in meta.items())
    return (f'[rule]\nrule_id = "{rule_id}"\nname = "{name}"\ndescription = "d"\n'
            f'language = "eql"\ntype = "eql"\n{lines}query = \'\'\'\n{query}\n\'\'\'\n')


def eql_rule(query: str):
    return rule_from_toml({"rule": {"rule_id": "t", "name": "t", "language": "eql",
                                    "query": query, "risk_score": 21, "severity": "low"}},
                          "<test>")


def process(name: str, command_line: str = "x") -> dict:
    return {"event": {"category": ["process"], "type": ["start"]},
            "host": {"os": {"type": "windows"}},
            "process": {"name": name, "command_line": command_line,
                        "executable": "C:\\Windows\\" + name}}


BAD_METADATA = {
    "risk_inf.toml": ({"risk_score": "inf"}, "risk_score must be an integer from 0 to 100"),
    "risk_big.toml": ({"risk_score": "1e400"}, "risk_score must be an integer from 0 to 100"),
    "tags_true.toml": ({"tags": "true"}, "tags must be a list of text, not a boolean"),
    "references_5.toml": ({"references": "5"}, "references must be a list of text"),
    "references_mixed.toml": ({"references": '["a", 5]'}, "a list holding a number"),
    "severity_table.toml": ({"severity": "{ a = 1 }"}, "severity must be text"),
    "version_text.toml": ({"version": '"v2"'}, "version must be an integer"),
    "threat_text.toml": ({"threat": '"T1059"'}, "threat must be a list of tables"),
    "threat_tactic.toml": ({"threat": '[{ framework = "x", tactic = "TA0001" }]'},
                           "threat must be a list of tables"),
}


@pytest.fixture
def rule_folder(tmp_path) -> Path:
    """300 good rules with the badly typed ones among them."""
    folder = tmp_path / "rules"
    folder.mkdir()
    for i in range(300):
        (folder / f"good_{i:03}.toml").write_text(toml_rule(
            f"g{i}", f"Good {i:03}", f'process where process.name : "tool{i}.exe"'), "utf-8")
    for name, (fields, _) in BAD_METADATA.items():
        (folder / name).write_text(toml_rule(name, name, "process where true", **fields), "utf-8")
    return folder


def test_wrong_metadata_types_skip_that_rule_with_a_reason(rule_folder):
    ruleset = load_rules([rule_folder], include_default=False)
    assert len(ruleset.rules) == 300
    reasons = {Path(s.source).name: s.reason for s in ruleset.skipped}
    assert set(reasons) == set(BAD_METADATA)
    for name, (_, expected) in BAD_METADATA.items():
        assert expected in reasons[name], (name, reasons[name])


def test_rules_and_scan_survive_them(rule_folder, evidence, tmp_path, capsys):
    assert main(["rules", "--no-default-rules", str(rule_folder)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"300 loaded, {len(BAD_METADATA)} skipped"
    outdir = tmp_path / "out"
    code = main(["scan", str(evidence), "-o", str(outdir), "-q", "--rules", str(rule_folder)])
    assert code == 1  # the default dns.exe rule still alerts
    summary = json.loads((outdir / "summary.json").read_text("utf-8"))
    assert summary["rules"]["loaded"] == 301
    assert len(summary["rules"]["skipped"]) == len(BAD_METADATA)
    assert "risk_score must be" in capsys.readouterr().err


def test_catastrophic_regex_is_matched_in_linear_time_with_lucene_meaning():
    """``$`` is an ordinary character in Lucene: this pattern wants values ending in '$'."""
    engine = RuleEngine([eql_rule('process where process.name regex~ "(a+)+$"')])
    assert engine.match(process("a" * 40 + "!")) == []
    assert engine.match(process("a" * 100_000 + "!")) == []
    assert engine.match(process("AAAA$")) != []
    assert engine.match(process("aaaa")) == []


def test_catastrophic_sigma_regex_and_wildcards_are_linear(tmp_path):
    (tmp_path / "re.yml").write_text(
        "title: nested\nid: 6f3a1c2e-0000-4000-8000-00000000abcd\nlogsource:\n"
        "    category: process_creation\n    product: windows\ndetection:\n"
        "    sel:\n        CommandLine|re: '(a+)+$'\n    condition: sel\n", "utf-8")
    (rule,) = load_rules([tmp_path], include_default=False).rules
    doc = process("x.exe")
    doc["winlog"] = {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 1}
    doc["process"]["command_line"] = "a" * 100_000 + "!"
    assert RuleEngine([rule]).match(doc) == []
    doc["process"]["command_line"] = "b aaaa"
    assert RuleEngine([rule]).match(doc) == [rule]
    stars = eql_rule('process where process.command_line : "' + "*a" * 30 + '*b"')
    assert RuleEngine([stars]).match(process("x", "a" * 50_000)) == []
    assert RuleEngine([stars]).match(process("x", "a" * 30 + "b")) != []


@pytest.mark.parametrize("pattern,reason", [
    ("a&b", "intersection (&) has no RE2 equivalent"),
    ("~(a)", "complement (~) has no RE2 equivalent"),
    ("<1-100>", "numeric intervals"),
    ("a\\nb", "invalid character class \\n"),
    ("(a", "')' expected"),
])
def test_lucene_operators_re2_cannot_run_skip_the_rule(tmp_path, pattern, reason):
    (tmp_path / "r.toml").write_text(toml_rule(
        "r", "r", f'process where process.name regex """{pattern}"""'), "utf-8")
    ruleset = load_rules([tmp_path], include_default=False)
    assert ruleset.rules == []
    assert reason in ruleset.skipped[0].reason


def test_a_huge_condition_is_skipped_and_the_rest_still_runs(tmp_path, evidence):
    terms = " or ".join(f'process.name == "x{i}.exe"' for i in range(10_000))
    (tmp_path / "huge.toml").write_text(toml_rule("huge", "Huge", f"process where {terms}"), "utf-8")
    terms = " or ".join(f'process.name == "y{i}.exe"' for i in range(2_000))
    (tmp_path / "large.toml").write_text(toml_rule("large", "Large", f"process where {terms}"),
                                         "utf-8")
    ruleset = load_rules([tmp_path])
    reasons = {Path(s.source).name: s.reason for s in ruleset.skipped}
    assert reasons["huge.toml"].startswith(f"query too large: ")
    assert f"(at most {MAX_QUERY_CHARS})" in reasons["huge.toml"]
    assert reasons["large.toml"] == \
        f"condition too large: 6001 tests and patterns (at most {MAX_RULE_COST})"
    assert [r.rule_id for r in ruleset.rules] == ["8c37dc0e-e3ac-4c97-8aa0-cf6a9122de45"]


def test_a_long_or_under_the_bound_runs_without_recursion(tmp_path):
    terms = " or ".join(f'process.name == "z{i}.exe"' for i in range(1_500))
    rule = eql_rule(f"process where {terms}")
    engine = RuleEngine([rule])
    assert engine.match(process("z1499.exe")) == [rule]
    assert engine.match(process("q.exe")) == [] and not engine.errors


def test_control_characters_in_rule_names_and_files_are_escaped(tmp_path, evidence, capsys):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / f"evil{ESC}[2J.toml").write_text(toml_rule(
        "e1", "Evil \\u001b[31mred\\u001b[0m", "process where true"), "utf-8")  # TOML escape
    (folder / f"bad{ESC}]0;title\x07.toml").write_text("[rule\n", "utf-8")
    (folder / "sigma.yml").write_text(
        "title: \"Sigma \\x1b[5mblink\"\nid: 6f3a1c2e-0000-4000-8000-0000000000e5\n"
        "logsource:\n    category: process_creation\n    product: windows\n"
        "detection:\n    sel:\n        Image: x\n    condition: sel\n", "utf-8")
    ruleset = load_rules([folder], include_default=False)
    listing = "\n".join(format_listing(ruleset))
    assert ESC not in listing and "\x07" not in listing
    assert "Evil \\x1b[31mred" in listing and "Sigma \\x1b[5mblink" in listing
    assert "bad\\x1b]0;title\\x07.toml" in listing
    assert main(["rules", str(folder)]) == 0
    assert ESC not in capsys.readouterr().out
    main(["scan", str(evidence), "-o", str(tmp_path / "out"), "-q", "--rules", str(folder)])
    err = capsys.readouterr().err
    assert "rule skipped" in err and ESC not in err and "\\x1b]0;title" in err
