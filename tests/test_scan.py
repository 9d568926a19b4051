"""End to end: `evtxscan scan` on the bundled evidence and on the public corpora."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path

import pytest

from conftest import need_shared
from evtxscan.cli import main
from fixtures.generate import HOSTILE_CMDLINE


def _alerts(analysis) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for a in analysis.alerts:
        out.setdefault((a.host.split(".")[0], a.process.name), []).append(a)
    return out


EXPECTED = {
    ("DC01", "tasklist.exe"), ("DC01", "nltest.exe"), ("DC01", "cmd.exe"),
    ("DC01", "powershell.exe"), ("DC01", "WerFault.exe"), ("DC01", "rundll32.exe"),
    ("DNS02", "cmd.exe"), ("DNS03", "mshta.exe"), ("WS01", "cmd.exe"),
    ("DNS04", "certutil.exe"),
}


@pytest.mark.parametrize("which", ["analysis", "analysis_pyevtx"])
def test_every_dns_child_alerts_once_and_nothing_else(which, request):
    analysis = request.getfixturevalue(which)
    got = _alerts(analysis)
    assert set(got) == EXPECTED
    assert all(len(v) == 1 for v in got.values()), "one alert per (rule, process)"
    names = [a.process.name.lower() for a in analysis.alerts]
    assert "conhost.exe" not in names                       # any letter case
    assert "calc.exe" not in names and "ipconfig.exe" not in names  # PID-reuse neighbours


def test_conhost_children_exist_in_every_case_but_never_alert(analysis):
    g = analysis.graph
    kids = [p.name for p in g.procs
            if g.parent(p.node) is not None and g.parent(p.node).name == "dns.exe"]
    assert {"conhost.exe", "CONHOST.EXE", "ConHost.exe"} <= set(kids)


def test_4688_v1_child_alerts_although_the_record_names_no_parent(analysis):
    (a,) = _alerts(analysis)[("DNS02", "cmd.exe")]
    assert a.process.primary.parent_executable is None        # the record has no parent name
    doc = a.to_ecs()
    assert doc["process"]["parent"]["name"] == "dns.exe"      # the graph supplied it
    assert doc["evtxscan"]["parent_resolution"].startswith("pid+time")
    assert doc["process"]["parent"]["pid"] == 0x6F0


def test_sysmon_and_4688_of_one_process_give_one_alert_with_two_sources(analysis):
    (a,) = _alerts(analysis)[("DC01", "cmd.exe")]
    sources = a.to_ecs()["evtxscan"]["sources"]
    assert sorted(s["event_id"] for s in sources) == [1, 4688]
    assert all(s["sha256"] and s["record_id"] > 0 and s["file"].startswith("DC01/")
               for s in sources)


def test_fake_dns_exe_outside_system32_also_alerts(analysis):
    (a,) = _alerts(analysis)[("WS01", "cmd.exe")]
    assert a.to_ecs()["process"]["parent"]["executable"] == "C:\\Users\\Public\\dns.exe"


def test_recovered_record_from_a_cut_chunk_alerts_and_says_so(analysis):
    (a,) = _alerts(analysis)[("DNS04", "certutil.exe")]
    (src,) = a.to_ecs()["evtxscan"]["sources"]
    assert src.get("recovered") is True
    rep = [r for r in analysis.reports if r.path.startswith("DNS04/")][0]
    assert rep.status == "partial" and rep.recovered > 0


def test_scan_cli_writes_outputs_and_hostile_command_line_survives_byte_exact(evidence, tmp_path,
                                                                               capsys):
    out = tmp_path / "out"
    rc = main(["scan", str(evidence), "-o", str(out)])
    assert rc == 1  # alerts found
    alerts = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    hostile = [a for a in alerts if a["process"]["name"] == "rundll32.exe"]
    assert hostile and hostile[0]["process"]["command_line"] == HOSTILE_CMDLINE
    for a in alerts:
        assert a["event"]["kind"] == "alert" and a["rule"]["name"] and a["event"]["risk_score"] == 73
        assert a["evtxscan"]["severity"] == "high" and a["evtxscan"]["sources"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", a["@timestamp"])
    assert [a["@timestamp"] for a in alerts] == sorted(a["@timestamp"] for a in alerts)
    procs = (out / "processes.jsonl").read_text().splitlines()
    docs = [json.loads(line) for line in procs]
    assert all(d["timestamp_desc"] == "Process Start" and d["message"] for d in docs)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["alerts"] == len(alerts) == 10
    assert summary["alerts_by_host"]["DC01.corp.example"] == 6
    st = {f["path"]: f["status"] for f in summary["files"]}
    assert st["MISC/notes.evtx"] == "error" and st["MISC/empty.evtx"] == "error"
    assert st["DC01/C/Windows/System32/winevt/Logs/Security.evtx"] == "ok"
    text = capsys.readouterr()
    assert "\x1b" not in text.out  # stdout never carries raw escapes from evidence
    assert "MISC/notes.evtx" in text.err and "no ElfFile header" in text.err
    assert (out / "graph.graphml").stat().st_size > 0


def test_summary_counts_say_what_they_count(evidence, tmp_path):
    """Issue 18: DC01's Security.evtx said ``"records": 913`` beside ``"channels":
    {"Security": 513}``.  Channel and computer are known only for the records read in
    full, and the keys now say so; every record is in ``records`` and ``event_ids``."""
    from evtxscan.records import SECURITY_PROVIDER, is_wanted
    out = tmp_path / "out"
    main(["scan", str(evidence / "DC01"), "-o", str(out), "-q"])
    (f,) = [f for f in json.loads((out / "summary.json").read_text())["files"]
            if f["path"].endswith("Security.evtx")]
    st = f["stats"]
    assert "channels" not in st and "computers" not in st
    assert sum(st["event_ids"].values()) == f["records"]
    assert list(st["providers"]) == [SECURITY_PROVIDER]
    in_full = sum(n for eid, n in st["event_ids"].items()
                  if is_wanted(SECURITY_PROVIDER, int(eid)))
    assert 0 < in_full < f["records"]
    assert st["records_read_in_full_by_channel"] == {"Security": in_full}
    assert st["records_read_in_full_by_computer"] == {"DC01.corp.example": in_full}


def test_exit_codes(tmp_path, capsys):
    assert main(["scan", str(tmp_path / "missing"), "-o", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["scan"])
    assert e.value.code == 2


def test_default_scan_outputs_are_deterministic(evidence, tmp_path):
    main(["scan", str(evidence), "-o", str(tmp_path / "a"), "-q"])
    main(["scan", str(evidence), "-o", str(tmp_path / "b"), "-q"])
    for name in ("alerts.jsonl", "processes.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _independent_counts(root: Path) -> Counter:
    """Sysmon 1 / 4688 records counted from pyevtx-rs' *XML* rendering (not our JSON path)."""
    import evtx
    c: Counter = Counter()
    pat = re.compile(r'<Provider Name="([^"]+)".*?<EventID[^>]*>(\d+)</EventID>', re.S)
    for f in sorted(root.rglob("*")):
        if not f.is_file() or f.suffix.lower() != ".evtx":
            continue
        it = evtx.PyEvtxParser(str(f)).records()
        while True:
            try:
                r = next(it)
            except StopIteration:
                break
            except RuntimeError:
                continue
            m = pat.search(r["data"])
            if m and (m.group(1), m.group(2)) in (("Microsoft-Windows-Sysmon", "1"),
                                                  ("Microsoft-Windows-Security-Auditing", "4688")):
                c[m.group(2)] += 1
    return c


@pytest.mark.parametrize("backend", ["evtx", "python-evtx"])
def test_attack_samples_counts_match_an_independent_parse(backend, tmp_path):
    root = need_shared("evtx-samples/EVTX-ATTACK-SAMPLES")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _independent_counts(root)
    out = tmp_path / "out"
    rc = main(["scan", str(root), "-o", str(out), "-q", "--backend", backend])
    assert rc in (0, 1)
    got: Counter = Counter()
    for line in (out / "processes.jsonl").read_text().splitlines():
        got[json.loads(line)["event"]["code"]] += 1
    assert got["1"] == expected["1"] and got["4688"] == expected["4688"]
    assert expected["1"] > 1000 and expected["4688"] > 20  # ~1,500 records in all
    summary = json.loads((out / "summary.json").read_text())
    assert summary["totals"]["files_error"] == 0  # no file aborts the run


@pytest.mark.parametrize("stamp", [
    "2019-04-27T15:57:27.0876132Z UTC", "2026-02-01T00:00:00.003Z UTC",
    "2026-02-01T00:00:00Z UTC", "2019-04-27T15:57:27.08761325Z UTC", "", "x",
    "2019-04-27 15:57:27.1 UTC"])
def test_the_readers_time_span_key_is_iso_micro(stamp):
    """The Rust reader compares record times by a cheap key; it must order as the
    summary's ISO form does (pyevtx-rs trims trailing zeros of the fraction)."""
    from evtxscan.readers.common import iso_micro
    from evtxscan.readers.rust import _stamp_key
    if stamp:
        assert _stamp_key(stamp) == iso_micro(stamp)[:-1]
    if len(stamp) == 32:  # the reader's own fast path for the full form
        assert stamp[:26] == iso_micro(stamp)[:-1]
