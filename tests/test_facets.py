"""Each triage facet is one record; a new one is that record and its words, nothing more.

The guide's step 7 ("check whether the server is vulnerable to CVE-2020-1350") is
answered by the ``exposure`` facet.  A test registers one more facet that bears on it,
with its words, and watches it reach every face: alert.triage (so alerts.jsonl), the
checklist answer in both languages, the report's Findings, alerts.csv's summary, and the
TUI's marks.
"""

from __future__ import annotations

import pytest

from evtxscan import facets, i18n
from evtxscan.facets import FACETS, Facet, Subject
from evtxscan.facets.base import ev
from evtxscan.i18n import LANGUAGES, TEXTS, tr
from evtxscan.toolsets import DNS_SERVICE, tool_key


def test_the_registry_names_each_facet_once_with_its_words_in_every_language():
    names = [f.name for f in FACETS]
    assert len(set(names)) == len(names) and facets.BY_NAME.keys() == set(names)
    for f in FACETS:
        keys = [f.words] + ([f.label] if f.label else []) + \
            ([f"mark.{f.mark}"] if f.mark else [])
        for key in keys:
            assert key in TEXTS and set(TEXTS[key]) == set(LANGUAGES), (f.name, key)
        assert i18n.words(f.words), f.name     # a guide item can ask for every facet
    # telemetry is the one facet with its own report section instead of a Findings line
    assert [f.name for f in FACETS if not f.label] == ["telemetry"]


def test_the_seed_guide_asks_for_every_facet(analysis):
    """Each facet answers at least one step of the bundled rule's guide."""
    from evtxscan.checklist import checklist, facets_for
    asked = {name for item in checklist(analysis.ruleset.rules[0]) for name in facets_for(item)}
    assert asked == {f.name for f in FACETS}


# ------------------------------------------------------------------ adding one
def _dns_service(s: Subject) -> dict:
    """The nearest dns.exe above the alerted process: the server CVE-2020-1350 is about."""
    dns = next((a for a in s.graph.ancestors(s.process.node)
                if tool_key(a.name) == DNS_SERVICE), None)
    procs = [] if dns is None else [{"name": dns.name, "pid": dns.pid,
                                     "executable": dns.executable,
                                     "entity_id": dns.entity_id, "start": dns.start_time}]
    return {"processes": procs}


def _answer(tri: dict, lang: str, tz) -> str:
    procs = tri["dns_service"]["processes"]
    if not procs:
        return tr("facet.dns_service.none", lang)
    p = procs[0]
    return tr("facet.dns_service.found", lang, name=ev(p["name"]), pid=p["pid"],
              executable=ev(p["executable"]))


NEW = Facet("dns_service", _dns_service, _answer, words="facet.dns_service.words",
            label="facet.dns_service", caveats=("no_parent_names",), mark="dns_service",
            summary=lambda v: f"dns service: {len(v['processes'])}")
NEW_TEXTS = {
    "facet.dns_service": {"en": "DNS service", "zh": "DNS 服务"},
    "facet.dns_service.words": {"en": ("cve-2020-1350",), "zh": ("cve-2020-1350",)},
    "facet.dns_service.found": {"en": "{name} (pid {pid}) runs {executable}",
                                "zh": "{name}(pid {pid})运行 {executable}"},
    "facet.dns_service.none": {"en": "no dns.exe above the alert",
                               "zh": "告警之上没有 dns.exe"},
    "mark.dns_service": {"en": "DNS", "zh": "DNS"},
}


@pytest.fixture
def with_new_facet(monkeypatch):
    """The two edits of adding a facet: its record in the registry, its words."""
    monkeypatch.setattr(facets, "FACETS", (*facets.FACETS[:-2], NEW, *facets.FACETS[-2:]))
    for key, texts in NEW_TEXTS.items():
        monkeypatch.setitem(TEXTS, key, texts)


def test_a_new_facet_reaches_triage_checklist_reports_csv_and_tui(evidence, with_new_facet):
    from evtxscan.analysis import analyze
    from evtxscan.checklist import answer, checklist
    from evtxscan.outputs import reportdata as rd
    from evtxscan.outputs.markdown import render_alert_markdown

    analysis = analyze([str(evidence / "DNS02")])
    [alert] = analysis.alerts                     # dns.exe -> cmd.exe on DNS02
    dns = analysis.graph.parent(alert.process.node)
    assert alert.triage["dns_service"] == {"processes": [{
        "name": dns.name, "pid": dns.pid, "executable": dns.executable,
        "entity_id": dns.entity_id, "start": dns.start_time}]}
    assert alert.to_ecs()["evtxscan"]["triage"]["dns_service"]["processes"][0]["pid"] == dns.pid

    step7 = next(i for i in checklist(alert.rule) if i.id == "investigation-7")
    en = answer(step7, alert, "en")
    assert en.startswith(f"{dns.name} (pid {dns.pid}) runs {dns.executable}")
    assert answer(step7, alert, "zh").startswith(f"{dns.name}(pid {dns.pid})运行 ")
    # DNS02 logs 4688 without parent names: the caveat this facet names follows it
    assert "; caveat: Security 4688 version 1 records do not name the parent process: " \
           "parents were matched by PID and time" in en

    md = render_alert_markdown(analysis, alert, lang="zh")
    assert f"DNS 服务: {dns.name}(pid {dns.pid})运行" in md.replace("**", "")
    assert "dns service: 1" in rd.triage_summary(alert)

    from evtxscan.tui.model import View
    from evtxscan.tui.render import proc_label
    view = View.build(analysis)
    assert "dns_service" in view.marks[dns.node]
    assert "[DNS]" in proc_label(dns, view.marks[dns.node], "en").plain


def test_step_7_is_answered_by_the_exposure_facet(analysis):
    """The bundled evidence has no hives and no System or Setup log: the answer cannot
    tell, and its caveats say what was missing."""
    from evtxscan.checklist import answer, checklist, facets_for
    step7 = next(i for i in checklist(analysis.ruleset.rules[0]) if i.id == "investigation-7")
    assert facets_for(step7) == ["exposure"]
    for a in analysis.alerts:
        en, zh = answer(step7, a), answer(step7, a, "zh")
        assert en.startswith("cannot tell whether it was exposed to CVE-2020-1350 at ")
        assert "caveat: no SYSTEM or SOFTWARE hive for this host" in en
        assert "caveat: no Setup log for this host" in en
        assert zh.startswith("无法判断") and "注意:此主机没有 SYSTEM 或 SOFTWARE 配置单元" in zh
