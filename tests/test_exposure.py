"""CVE-2020-1350 exposure: facts from real logs and hives, and the verdict per case.

The cases are the hosts of ``fixtures/exposure`` (logs written by the fixture EVTX writer,
hives made with hivex and committed); real bytes come from ``../shared`` (System logs of
the EVTX samples, regipy's SYSTEM hives) and from hivex-edited copies of those hives.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from datetime import timezone
import shutil
from pathlib import Path

import evtx
import pytest

from evtxscan.exposure.facts import Fact, Origin
from evtxscan.exposure.hives import HiveFile, find_hives, read_hive
from evtxscan.exposure.knowledge import load_knowledge, parse_title
from evtxscan.exposure.logfacts import fact_of, service_of_binary
from evtxscan.exposure.verdict import Coverage, assess
from evtxscan.readers.common import from_json
from fixtures.exposure import ALERT, EXPECTED, write_logs

from conftest import ROOT, need_shared

CASES = ROOT / "fixtures" / "exposure"
REAL = ROOT / "fixtures" / "exposure-hives"
T = ALERT.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _records(path: Path):
    """Every record of a log as the reader maps it (pyevtx-rs JSON -> RawRecord)."""
    for r in evtx.PyEvtxParser(str(path)).records_json():
        yield from_json(json.loads(r["data"]), r["event_record_id"])


def _host_facts(root: Path):
    facts, channels, notes, problems = [], set(), [], []
    for log in sorted(root.rglob("*.evtx")):
        for raw in _records(log):
            channels.add(raw.channel)
            f = fact_of(raw, log.relative_to(root).as_posix())
            if f:
                facts.append(f)
    results = [read_hive(h) for h in find_hives([str(root)])]
    for r in results:
        facts += r.facts
        notes += r.notes
        problems += r.problems
    cov = Coverage(system_hive=any(r.hive.kind == "SYSTEM" for r in results),
                   software_hive=any(r.hive.kind == "SOFTWARE" for r in results),
                   system_log="System" in channels, setup_log="Setup" in channels,
                   update_log="System" in channels,
                   sysmon="Microsoft-Windows-Sysmon/Operational" in channels)
    return facts, cov, notes, problems


def _codes(a) -> list[str]:
    return [r.code for r in a.reasons]


# ------------------------------------------------------------------------- knowledge
def test_every_fix_entry_names_its_source_and_how_far_it_was_checked():
    kn = load_knowledge()
    assert kn.released == "2020-07-14"
    names = {r.name for r in kn.releases}
    for want in ("2008 SP2", "2008 R2", "Server 2012", "2012 R2", "2016", "2019", "1803",
                 "1903", "1909", "2004"):
        assert any(want in n for n in names), want
    for r in kn.releases:
        assert r.url.startswith("https://") and r.checked in ("microsoft", "microsoft-mirror",
                                                              "third-party")
        assert (r.fixed_ubr is not None and r.kb) or (r.monthly_rollup and r.security_only)
    assert kn.workaround.recommended == 0xFF00 and kn.workaround.default == 0xFFFF


def test_a_later_rollup_carries_the_fix_a_later_security_only_update_does_not():
    kn = load_knowledge()
    r2012r2 = kn.release_for(9600)
    t = "{} for Windows Server 2012 R2 for x64-based Systems ({})"
    assert kn.fixes(r2012r2, title=t.format("2020-08 Security Monthly Quality Rollup", "KB4571703"))
    assert kn.fixes(r2012r2, title=t.format("2020-07 Security Only Quality Update", "KB4565540"))
    assert not kn.fixes(r2012r2, title=t.format("2020-08 Security Only Quality Update", "KB4571723"))
    assert not kn.fixes(r2012r2, title=t.format("2020-06 Security Monthly Quality Rollup", "KB4561666"))
    assert not kn.fixes(kn.release_for(9200), title=t.format("2020-08 Security Monthly Quality Rollup", "KB4571703"))
    r2016 = kn.release_for(14393)
    assert kn.fixes(r2016, build=14393, ubr=3808) and not kn.fixes(r2016, build=14393, ubr=3750)
    assert parse_title("2020-07 Cumulative Update for Windows Server 2016 for x64-based "
                       "Systems (KB4565511)").kb == "KB4565511"


# ------------------------------------------------------------------------- log facts
def test_boots_and_builds_from_a_real_system_log():
    log = need_shared("evtx-samples/python-evtx-samples/system.evtx")
    raws = list(_records(log))
    facts = [f for f in (fact_of(r, "system.evtx") for r in raws) if f]
    boots = [r for r in raws if r.provider == "EventLog" and r.event_id in (6005, 6009)]
    assert boots and len([f for f in facts if f.kind == "boot"]) == len(boots)
    builds = {f.data["build"] for f in facts if f.data.get("event") == "build_at_boot"}
    assert builds == {7601}
    # that log's 7036s are of other services: none is taken for the DNS Server
    assert any(r.event_id == 7036 for r in raws)
    assert not [f for f in facts if f.kind == "dns_service"]
    f = facts[0]
    assert f.origin.record_id and f.origin.file == "system.evtx"


def test_windows_update_results_from_a_real_system_log():
    log = need_shared("evtx-samples/evtx-rs-samples/2-vss_7-System.evtx")
    raws = list(_records(log))
    wu = [r for r in raws if r.provider == "Microsoft-Windows-WindowsUpdateClient"
          and r.event_id in (19, 20, 43)]
    facts = [f for f in (fact_of(r, "System.evtx") for r in wu) if f]
    assert wu and len(facts) == len(wu)
    kinds = {f.data["event"] for f in facts}
    assert kinds == {"installed", "failed", "started"}
    failed = next(f for f in facts if f.data["event"] == "failed")
    assert failed.data["error"].startswith("0x") and failed.data["title"]
    assert any(f.data["title"] == "Feature update to Windows 10, version 1803" for f in facts)


def test_the_dns_client_service_is_not_the_dns_server():
    """A real 7036 of "DNS Client" (service Dnscache): its display name starts like the
    DNS Server's, its service name in the binary data tells them apart."""
    log = need_shared("evtx-samples/python-evtx-samples/system.evtx")
    client = [r for r in _records(log) if r.event_id == 7036
              and r.data.get("param1") == "DNS Client"]
    assert client and service_of_binary(client[0].data["Binary"])[0] == "Dnscache"
    assert all(fact_of(r, "system.evtx") is None for r in client)


def test_7036_service_name_comes_from_its_binary_data_not_the_localized_words():
    assert service_of_binary("5700650072005300760063002F0034000000") == ("WerSvc", "4")
    assert service_of_binary("44004E0053002F0031000000") == ("DNS", "1")
    assert service_of_binary("zz") is None


# ------------------------------------------------------------------------- hives
def _unxz(name: str, tmp_path: Path) -> Path:
    out = tmp_path / "config" / "SYSTEM"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.decompress((REAL / f"{name}.xz").read_bytes()))
    return out


def test_real_system_hive_copy_gives_the_current_control_set_value(tmp_path):
    path = _unxz("SYSTEM-dns-workaround", tmp_path)
    before = path.stat()
    (hf,) = find_hives([str(tmp_path)])
    assert hf.kind == "SYSTEM" and hf.display == "config/SYSTEM"
    r = read_hive(hf)
    assert not r.problems
    assert r.host == "WKS-WIN732BITA.shieldbase.local"
    work = {f.data["control_set"]: f for f in r.facts if f.kind == "workaround"}
    assert work["ControlSet001"].data["current"] and work["ControlSet001"].data["value"] == 0xFF00
    assert not work["ControlSet002"].data["current"] and not work["ControlSet002"].data["present"]
    o = work["ControlSet001"].origin
    assert o.key == "\\ControlSet001\\Services\\DNS\\Parameters"
    assert o.value == "TcpReceivePacketSize" and o.last_write.endswith("Z")
    assert o.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    after = path.stat()
    assert (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)
    assert sorted(p.name for p in path.parent.iterdir()) == ["SYSTEM"]


def test_real_workstation_hives_have_no_dns_role():
    hives = need_shared("hives")
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        p = Path(t) / "SYSTEM"
        p.write_bytes(lzma.decompress((hives / "SYSTEM.xz").read_bytes()))
        r = read_hive(HiveFile(str(p), "SYSTEM", "SYSTEM"))
    roles = [f for f in r.facts if f.kind == "dns_role"]
    assert {f.data["control_set"] for f in roles} == {"ControlSet001", "ControlSet002"}
    assert not any(f.data["present"] for f in roles)
    a = assess(r.facts, T, coverage=Coverage(system_hive=True))
    assert a.verdict == "not_dns_server" and a.dns_role is False


def test_a_damaged_hive_gets_one_line_and_what_can_be_read_is_read(tmp_path):
    hives = need_shared("hives")
    p = tmp_path / "SYSTEM"
    p.write_bytes(lzma.decompress((hives / "corrupted_system_hive.xz").read_bytes()))
    r = read_hive(HiveFile(str(p), "DC9/SYSTEM", "SYSTEM"))
    assert len(r.problems) == 1
    line = r.problems[0].line()
    assert line.startswith("DC9/SYSTEM: damaged registry hive") and "106496" in line
    assert r.host == "ginevra"
    assert {f.data["control_set"] for f in r.facts if f.kind == "dns_role"} == \
        {"ControlSet001", "ControlSet003"}


def test_a_cut_hive_is_one_line_not_an_exception(tmp_path):
    src = CASES / "EXP05" / "C/Windows/System32/config/SOFTWARE"
    p = tmp_path / "SOFTWARE"
    p.write_bytes(src.read_bytes()[:4096 + 1000])
    (hf,) = find_hives([str(tmp_path)])
    r = read_hive(hf)
    assert len(r.problems) == 1 and "cut short" in r.problems[0].reason


def test_a_dirty_hive_without_logs_says_its_latest_changes_may_be_missing(tmp_path):
    hives = need_shared("hives")
    p = tmp_path / "SYSTEM"
    p.write_bytes(lzma.decompress((hives / "SYSTEM_WIN_10_1709.xz").read_bytes()))
    r = read_hive(HiveFile(str(p), "SYSTEM", "SYSTEM"))
    assert any("not flushed cleanly" in n and "4317/4316" in n for n in r.notes)


def test_transaction_log_is_applied_to_a_dirty_hive_and_evidence_is_untouched(tmp_path):
    config = CASES / "EXP03" / "C/Windows/System32/config"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in config.iterdir()}
    hf = next(h for h in find_hives([str(CASES / "EXP03")]) if h.kind == "SYSTEM")
    assert [Path(x).name for x in hf.logs] == ["SYSTEM.LOG1"]
    r = read_hive(hf)
    (w,) = [f for f in r.facts if f.kind == "workaround"]
    assert w.data["value"] == 0xFF00 and w.time == "2020-07-16T09:00:00.000000Z"
    assert any("transaction logs applied" in n for n in r.notes)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in config.iterdir()}
    assert before == after
    # the same hive without its log: the value is not there, and the note says why
    shutil.copyfile(config / "SYSTEM", tmp_path / "SYSTEM")
    r2 = read_hive(HiveFile(str(tmp_path / "SYSTEM"), "SYSTEM", "SYSTEM"))
    (w2,) = [f for f in r2.facts if f.kind == "workaround"]
    assert w2.data["present"] is False
    assert any("not flushed cleanly" in n for n in r2.notes)


# ------------------------------------------------------------------------- verdicts
@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_each_case_gives_its_verdict_with_the_facts_behind_it(host):
    facts, cov, notes, problems = _host_facts(CASES / host)
    a = assess(facts, T, coverage=cov, notes=notes, problems=problems)
    assert a.verdict == EXPECTED[host], [r.to_json() for r in a.reasons]
    for r in a.reasons:
        for i in r.facts:
            assert a.facts[i].origin is not None
    doc = json.loads(json.dumps(a.to_json()))
    assert doc["verdict"] == EXPECTED[host] and doc["as_of"] == T
    codes = _codes(a)
    if host == "EXP01":
        assert "ubr_fixed_before_alert" in codes
        vias = {r.params["via"] for r in a.reasons if r.code == "fix_installed"}
        assert vias == {"cbs", "setup", "windows_update"}
    if host == "EXP02":
        assert "fix_after_alert" in codes and "ubr_fixed_after_write" in codes
    if host == "EXP03":
        assert "workaround_no_restart" in codes and "fix_not_in_packages" in codes
        setter = next(r for r in a.reasons if r.code == "workaround_set")
        assert setter.params["image"].endswith("reg.exe")
        assert a.facts[setter.facts[0]].origin.kind == "log"
    if host == "EXP04":
        assert codes.index("workaround_was_in_effect") < codes.index("workaround_not_at_start")
    if host == "EXP06":
        assert a.missing == ["no_system_hive", "no_software_hive", "no_system_log",
                             "no_setup_log", "no_update_log", "no_sysmon_registry"]
    if host == "EXP07":
        r = next(r for r in a.reasons if r.code == "workaround_at_start")
        kinds = {a.facts[i].origin.kind for i in r.facts}
        assert kinds == {"hive", "log"}


def test_an_update_installed_after_the_alert_counts_for_a_later_alert_only():
    facts, cov, _, _ = _host_facts(CASES / "EXP02")
    assert assess(facts, T, coverage=cov).verdict == "exposed"
    assert assess(facts, "2020-07-23T00:00:00.000000Z", coverage=cov).verdict == "patched"


def test_the_workaround_counts_only_after_a_dns_server_start():
    facts, cov, _, _ = _host_facts(CASES / "EXP03")
    assert assess(facts, T, coverage=cov).verdict == "exposed"
    restart = Fact("dns_service", "EXP03.corp.example", "2020-07-16T09:30:00.000000Z",
                   {"event": "state", "state": "running", "service": "DNS"},
                   Origin("log", "System.evtx", record_id=99, event_id=7036))
    assert assess(facts + [restart], T, coverage=cov).verdict == "workaround"
    # ... and a start after the alert changes nothing for it
    late = Fact("dns_service", "EXP03.corp.example", "2020-07-21T09:30:00.000000Z",
                {"event": "state", "state": "running", "service": "DNS"},
                Origin("log", "System.evtx", record_id=100, event_id=7036))
    assert assess(facts + [late], T, coverage=cov).verdict == "exposed"


def test_fixture_logs_are_reproducible_byte_for_byte(tmp_path):
    write_logs(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.evtx"))
    committed = sorted(p.relative_to(CASES) for p in CASES.rglob("*.evtx"))
    assert made == committed
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (CASES / rel).read_bytes(), rel


def test_every_reason_is_worded_in_english_and_chinese_and_evidence_is_escaped():
    from evtxscan.exposure.verdict import REASONS, Reason
    from evtxscan.facets.exposure import answer, sources
    from evtxscan.i18n import has
    seen = set()
    for host in sorted(EXPECTED):
        facts, cov, notes, problems = _host_facts(CASES / host)
        a = assess(facts, T, coverage=cov).to_json()
        seen |= {r["code"] for r in a["reasons"]}
        en, zh = answer({"exposure": a}, "en", timezone.utc), answer({"exposure": a}, "zh", timezone.utc)
        assert en != zh and "{" not in en + zh
        if host != "EXP06":
            assert sources(a)
    assert seen <= set(REASONS) and all(has("facet.exposure." + c) for c in REASONS)
    hostile = assess([], T).to_json()
    hostile["reasons"].append(Reason("workaround_set", {
        "value": "0xFF00", "time": T, "image": "C:\\x\\[bold]evil\x1b[2J.exe", "pid": 1}).to_json())
    text = answer({"exposure": hostile}, "en", timezone.utc)
    assert "\x1b" not in text and "[bold]evil" in text


def test_every_reason_the_rules_give_is_listed():
    """``verdict.REASONS`` is what the i18n table must word: every ``say`` is in it."""
    import ast
    from evtxscan.exposure import verdict
    tree = ast.parse(Path(verdict.__file__).read_text(encoding="utf-8"))
    said = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "say":
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                said.add(arg.value)
            elif isinstance(arg, ast.BinOp):          # "workaround_" + action
                said |= {arg.left.value + a for a in ("set", "deleted")}
            elif isinstance(arg, ast.IfExp):
                said |= {arg.body.value, arg.orelse.value}
    assert said == set(verdict.REASONS)


def test_hives_and_logs_meet_per_host_and_dns_exe_comes_from_the_process_graph():
    """Attribution as the scan will do it: log facts by their Computer, SYSTEM by its own
    name, SOFTWARE by its SYSTEM; dns.exe from the graph of the same evidence."""
    from types import SimpleNamespace

    from evtxscan.analysis import analyze
    from evtxscan.exposure.collect import ExposureIndex, dns_process_fact, read_hives

    facts, reports = [], []
    for log in sorted(CASES.rglob("*.evtx")):
        stats = SimpleNamespace(channels=set(), providers=set(), computers=set())
        for raw in _records(log):
            stats.channels.add(raw.channel)
            stats.providers.add(raw.provider)
            stats.computers.add(raw.computer)
            f = fact_of(raw, log.relative_to(CASES).as_posix())
            if f:
                facts.append(f)
        reports.append(SimpleNamespace(path=log.relative_to(CASES).as_posix(), stats=stats))
    hives = read_hives([str(CASES)])
    assert {h.hive.display.split("/")[0] for h in hives} == {
        "EXP01", "EXP02", "EXP03", "EXP04", "EXP05", "EXP07"}
    index = ExposureIndex.build(facts, hives, reports)
    analysis = analyze([str(CASES)])
    assert len(analysis.alerts) == len(EXPECTED)
    for alert in analysis.alerts:
        short = alert.host.split(".")[0]
        mine = [r for r in reports if alert.host in r.stats.computers]
        dns = dns_process_fact(analysis.graph.processes(alert.host), alert.timestamp)
        assert dns is not None and dns.origin.record_id and dns.data["name"] == "dns.exe"
        a = index.assess(alert.host, alert.timestamp, reports=mine, dns_process=dns)
        assert a.verdict == EXPECTED[short], (short, [r.to_json() for r in a.reasons])
        assert a.reasons[0].code == "role_process"
        if short == "EXP03":
            assert any("transaction logs applied" in n for n in a.notes)
            assert a.facts[next(r for r in a.reasons if r.code == "os_hive").facts[0]].host \
                == "EXP03.corp.example"


def test_a_hive_streamed_out_of_a_container_reads_like_the_file(tmp_path, monkeypatch):
    """The hook for evidence containers: hive and log bytes in, the same facts out, with
    the container path as provenance and nothing left behind."""
    import tempfile as tf

    from evtxscan.exposure.hives import read_hive_data
    monkeypatch.setattr(tf, "tempdir", str(tmp_path))   # this test's own temp folder
    config = CASES / "EXP03" / "C/Windows/System32/config"
    r = read_hive_data("EXP03.zip::C/Windows/System32/config/SYSTEM", "SYSTEM",
                       (config / "SYSTEM").read_bytes(),
                       (("SYSTEM.LOG1", (config / "SYSTEM.LOG1").read_bytes()),))
    (w,) = [f for f in r.facts if f.kind == "workaround"]
    assert w.data["value"] == 0xFF00
    assert w.origin.file == "EXP03.zip::C/Windows/System32/config/SYSTEM"
    assert w.origin.sha256 == hashlib.sha256((config / "SYSTEM").read_bytes()).hexdigest()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["zip", "tar", "fat"])
def test_hives_inside_evidence_containers_are_found_and_read(tmp_path, kind):
    """EXP03's configuration folder inside a zip (Velociraptor-style member names), a tar
    and a FAT image: the dirty SYSTEM hive with its LOG1 and the SOFTWARE hive read from
    inside, provenance naming the container."""
    import subprocess
    import tarfile
    import zipfile

    from evtxscan import sources
    from evtxscan.exposure.hives import container_hives
    config = CASES / "EXP03" / "C/Windows/System32/config"
    files = sorted(config.iterdir())
    if kind == "zip":
        box = tmp_path / "EXP03.zip"
        with zipfile.ZipFile(box, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f"uploads/auto/C%3A/Windows/System32/config/{f.name}")
            z.writestr("collection_context.json", "{}")
    elif kind == "tar":
        box = tmp_path / "EXP03.tar.gz"
        with tarfile.open(box, "w:gz") as t:
            for f in files:
                t.add(f, f"C/Windows/System32/config/{f.name}")
    else:
        if shutil.which("mcopy") is None or shutil.which("mkfs.vfat") is None:
            pytest.skip("mtools/dosfstools not installed")
        box = tmp_path / "EXP03.img"
        subprocess.run(["mkfs.vfat", "-C", "-n", "HOST", str(box), "2048"], check=True,
                       capture_output=True)
        for d in ("Windows", "Windows/System32", "Windows/System32/config"):
            subprocess.run(["mmd", "-i", str(box), "::" + d], check=True)
        for f in files:
            subprocess.run(["mcopy", "-i", str(box), str(f),
                            "::Windows/System32/config/" + f.name], check=True)
    listing = sources.find([str(tmp_path)])
    results = container_hives(listing.containers)
    assert sorted(r.hive.kind for r in results) == ["SOFTWARE", "SYSTEM"]
    system = next(r for r in results if r.hive.kind == "SYSTEM")
    (w,) = [f for f in system.facts if f.kind == "workaround"]
    assert w.data["value"] == 0xFF00, system.notes
    assert w.origin.file.startswith(box.name + "::") and w.origin.file.endswith("config/SYSTEM")
    assert system.host == "EXP03.corp.example"
    assert not [c for c in listing.containers if c.problems]


def test_the_scan_keeps_the_same_exposure_facts_on_both_backends_and_any_jobs():
    """The per-file stage turns the wanted System/Setup/update/Sysmon records into facts;
    both readers and a parallel read give the same facts, and the hives come along."""
    from evtxscan.analysis import analyze
    from evtxscan.pipeline import ReadOptions

    def facts(**kw):
        a = analyze([str(CASES)], read=ReadOptions(**kw))
        return sorted(json.dumps(f.to_json(), sort_keys=True) for f in a.exposure_facts), a

    rust, a = facts(backend="evtx")
    py, _ = facts(backend="python-evtx")
    par, _ = facts(backend="evtx", jobs=2)
    assert rust == py == par
    kinds = {json.loads(f)["kind"] for f in rust}
    assert kinds == {"boot", "dns_service", "update", "workaround"}
    assert len(a.hives) == 12 and all(h.status == "ok" for h in a.hives)
    assert {h.host for h in a.hives} == {f"EXP0{i}.corp.example" for i in (1, 2, 3, 4, 5, 7)}
    system_log = next(r for r in a.reports if r.path == "EXP04/C/Windows/System32/winevt/Logs/System.evtx")
    assert "EXP04.corp.example" in system_log.stats.computers


# ------------------------------------------------------------------------- faces
@pytest.fixture(scope="module", params=["evtx", "python-evtx"])
def exposure_analysis(request):
    from evtxscan.analysis import analyze
    from evtxscan.pipeline import ReadOptions
    return analyze([str(CASES)], read=ReadOptions(backend=request.param))


def _step7(alert):
    from evtxscan.checklist import checklist
    return next(i for i in checklist(alert.rule) if i.id == "investigation-7")


HEADLINE = {"patched": ("not exposed to CVE-2020-1350", "时不受 CVE-2020-1350 影响:已安装补丁"),
            "workaround": ("the registry workaround was in effect", "注册表缓解措施已生效"),
            "exposed": ("EXPOSED to CVE-2020-1350", "时容易受到 CVE-2020-1350 的攻击"),
            "cannot_tell": ("cannot tell whether it was exposed", "无法判断")}


def test_step_7_answers_each_case_in_both_languages_on_both_backends(exposure_analysis):
    from evtxscan.checklist import answer, sources
    assert len(exposure_analysis.alerts) == len(EXPECTED)
    for alert in exposure_analysis.alerts:
        want = EXPECTED[alert.host.split(".")[0]]
        x = alert.triage["exposure"]
        assert x["verdict"] == want
        en, zh = answer(_step7(alert), alert, "en"), answer(_step7(alert), alert, "zh")
        assert HEADLINE[want][0] in en and HEADLINE[want][1] in zh
        assert alert.to_ecs()["evtxscan"]["triage"]["exposure"]["verdict"] == want
        lines = sources(_step7(alert), alert)
        if want != "cannot_tell":
            assert any(".evtx record" in s for s in lines)
            assert any("config/SYSTEM:" in s and "key written" in s for s in lines)
        else:
            assert "caveat: no SYSTEM or SOFTWARE hive for this host" in en
            assert "caveat: no Setup log for this host" in en


def test_report_html_and_md_show_the_answer_and_its_sources(tmp_path):
    from evtxscan.cli import main
    out = tmp_path / "out"
    assert main(["scan", str(CASES), "-o", str(out), "-q", "-f", "html", "-f", "md",
                 "--lang", "zh"]) == 1
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    for doc in (html, md):
        assert doc.count("CVE-2020-1350 暴露情况") >= len(EXPECTED)
        assert doc.count("CVE-2020-1350 暴露情况 的回答依据") == len(EXPECTED)
        assert "TcpReceivePacketSize = 0xFF00 从未生效" in doc          # EXP03
        assert "EXP03/C/Windows/System32/config/SYSTEM: \\ControlSet001\\Services\\DNS" \
               "\\Parameters\\TcpReceivePacketSize" in doc.replace("&#x27;", "'")
    for verdict, (_, zh) in HEADLINE.items():
        assert zh in html, verdict
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["hives"]) == 12
    alerts = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    verdicts = {a["host"]["name"].split(".")[0]: a["evtxscan"]["triage"]["exposure"]["verdict"]
                for a in alerts}
    assert verdicts == EXPECTED


async def test_tui_checklist_item_7_shows_the_answer_and_its_sources(tmp_path):
    from evtxscan.analysis import analyze
    from evtxscan.tui.app import EvtxScanApp
    from evtxscan.tui.screens import AlertsScreen, InvestigateScreen
    from evtxscan.tui.widgets import ChecklistPane
    analysis = analyze([str(CASES)])
    for lang in ("en", "zh"):
        app = EvtxScanApp([str(CASES)], tmp_path / f"case-{lang}.json", analysis=analysis,
                          lang=lang)
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(600):
                if app.ready and isinstance(app.screen, AlertsScreen):
                    break
                await pilot.pause(0.05)
            await pilot.pause()
            await pilot.press("z", "z")         # no stacking (issue 18): one row per alert
            await pilot.pause()
            alerts = app.screen.alerts
            for n, alert in enumerate(alerts):
                if not isinstance(app.screen, AlertsScreen):
                    await pilot.press("escape")
                    await pilot.pause()
                await pilot.press("g", *["j"] * n, "enter")
                await pilot.pause()
                assert isinstance(app.screen, InvestigateScreen)
                text = app.screen.query_one(ChecklistPane).text
                want = EXPECTED[alert.host.split(".")[0]]
                assert HEADLINE[want][0 if lang == "en" else 1] in text, (alert.host, lang)
                if want != "cannot_tell":
                    assert "key written" in text and ".evtx record" in text
                await pilot.press("escape")
                await pilot.pause()
