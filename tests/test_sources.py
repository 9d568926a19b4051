"""Evidence as it arrives: logs inside images and archives, read as the folder's are.

The containers are the committed ones in ``fixtures/containers`` (made by its make.py);
the logs inside them must be the exact bytes of ``fixtures/evidence``.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, need_shared
from evtxscan.cli import main
from evtxscan.sources import Container, SourceOptions, find, images, open_log

CONTAINERS = ROOT / "fixtures" / "containers"
HOSTS = CONTAINERS / "hosts"
KINDS = CONTAINERS / "kinds"
EVIDENCE = ROOT / "fixtures" / "evidence"
DNS03 = EVIDENCE / "DNS03/Windows/System32/winevt/Logs/SECURITY.EVTX"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read(ref) -> bytes:
    with open_log(pickle.loads(pickle.dumps(ref.locator))) as opened:  # as a worker would
        assert opened.stream.seekable()
        return opened.stream.read()


def logs_of(path: Path, **opts) -> dict[str, object]:
    return {r.display: r for r in find([str(path)], SourceOptions(**opts)).logs}


def test_each_host_container_holds_the_exact_bytes_of_its_logs():
    want = {sha(p.read_bytes()) for p in EVIDENCE.rglob("*") if p.is_file()}
    refs = find([str(HOSTS)]).logs
    assert all(r.problem is None for r in refs), [(r.display, r.problem) for r in refs]
    got = {r.display: sha(read(r)) for r in refs}
    assert set(got.values()) == want
    assert {d.split("::")[0] for d in got} == {"DC01.E01", "DNS02.vhdx", "DNS03.dd",
                                                "DNS04.vmdk", "WS01.zip", "MISC.7z"}
    assert "DC01.E01::p1/Windows/System32/winevt/Logs/Security.evtx" in got
    assert "DNS02.vhdx::p1/C/Windows/System32/winevt/Logs/Security.evtx" in got  # KAPE, GPT


@pytest.mark.parametrize("name", ["DNS03-split.E01", "DNS03.qcow2", "DNS03-gpt.img",
                                  "DNS03-volume.raw", "DNS03-split.001", "DNS03-fat.img",
                                  "DNS03-exfat.img"])
def test_every_image_kind_gives_the_log_back(name):
    refs = logs_of(KINDS / name)
    (ref,) = refs.values()
    assert ref.problem is None
    inner = "Windows/System32/winevt/Logs/SECURITY.EVTX"
    assert ref.display == (f"{name}::{inner}" if name.endswith("volume.raw")
                           else f"{name}::p1/{inner}")
    assert read(ref) == DNS03.read_bytes()


def test_a_folder_lists_split_segments_once():
    names = [r.display for r in find([str(KINDS)]).logs]
    assert not any(n.startswith(("DNS03-split.E02", "DNS03-split.002")) for n in names)
    assert sum(n.startswith("DNS03-split.E01::") for n in names) == 1


def test_velociraptor_names_are_decoded_for_the_original_path():
    (ref,) = logs_of(HOSTS / "WS01.zip").values()
    assert ref.display == ("WS01.zip::uploads/auto/C%3A/Windows/System32/winevt/Logs/"
                           "Microsoft-Windows-Sysmon%254Operational.evtx")
    assert ref.original == ("C:\\Windows\\System32\\winevt\\Logs\\"
                            "Microsoft-Windows-Sysmon%4Operational.evtx")


def test_content_decides_not_the_name(tmp_path):
    shutil.copyfile(HOSTS / "DNS03.dd", tmp_path / "disk.bin")
    shutil.copyfile(DNS03, tmp_path / "security-log.copy")
    shutil.copyfile(HOSTS / "DC01.E01", tmp_path / "evidence.bin")
    (tmp_path / "notes.txt").write_text("not evidence\n")  # neither: quietly left alone
    refs = sorted(find([str(tmp_path)]).logs, key=lambda r: r.display)
    assert [(r.display, r.problem) for r in refs] == [
        ("disk.bin::p1/Windows/System32/winevt/Logs/SECURITY.EVTX", None),
        ("evidence.bin", "EWF image whose name does not end in .E01: libewf finds the "
                         "segments by their names; link or copy it as NAME.E01"),
        ("security-log.copy", None)]


@pytest.mark.parametrize("name, where, says", [
    ("bitlocker.img", "bitlocker.img::p1", "encrypted volume (BitLocker), its logs were not read"),
    ("refs.img", "refs.img::p1", "ReFS file system: not supported"),
    ("truncated.E01", "truncated.E01", "cannot read EWF image (truncated or corrupt?)"),
    ("corrupt.vhdx", "corrupt.vhdx", "cannot read VHDX image (truncated or corrupt?)"),
    ("password-zipcrypto.zip", "password-zipcrypto.zip::SECURITY.EVTX",
     "password-protected archive: give --archive-password"),
    ("password-aes.zip", "password-aes.zip::SECURITY.EVTX",
     "password-protected archive: give --archive-password"),
    ("password.7z", "password.7z", "password-protected archive: give --archive-password"),
])
def test_a_bad_container_is_one_clear_line(name, where, says):
    refs = find([str(KINDS / name)]).logs
    bad = [r for r in refs if r.problem]
    assert [r.display for r in bad] == [where]
    assert says in bad[0].problem


@pytest.mark.parametrize("name", ["password-zipcrypto.zip", "password-aes.zip", "password.7z"])
def test_archive_passwords_are_tried_in_turn(name):
    refs = logs_of(KINDS / name, archive_passwords=("wrong", "infected"))
    (ref,) = refs.values()
    assert ref.problem is None and read(ref) == DNS03.read_bytes()
    (ref,) = logs_of(KINDS / name, archive_passwords=("wrong",)).values()
    assert "none of the --archive-password values opened it" in ref.problem


def test_a_wrong_bitlocker_key_is_said_so():
    (ref,) = logs_of(KINDS / "bitlocker.img", bitlocker_keys=("not-the-key",)).values()
    assert "none of the --bitlocker-key values unlocked it" in ref.problem


def test_a_corrupt_zip_entry_is_read_as_far_as_it_goes_and_the_other_entry_fully():
    refs = logs_of(KINDS / "corrupt-entry.zip")
    good = refs["corrupt-entry.zip::DNS03/SECURITY.EVTX"]
    assert read(good) == DNS03.read_bytes()
    bad = refs["corrupt-entry.zip::DNS02/Security.evtx"]
    with open_log(bad.locator) as opened:
        data = opened.stream.read()
        assert opened.problems and "corrupt zip entry" in opened.problems[0]
    assert data[:4096] == (EVIDENCE / "DNS02/Security.evtx").read_bytes()[:4096]


def test_anonymous_scratch_leaves_nothing_behind(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    from evtxscan.sources import streams
    monkeypatch.setattr(streams, "SPOOL_IN_MEMORY", 0)  # force the on-disk copy
    (ref,) = logs_of(HOSTS / "WS01.zip").values()
    with open_log(ref.locator) as opened:
        assert opened.stream.read(8) == b"ElfFile\x00"
        assert list(tmp_path.iterdir()) == []  # never a name on disk
    assert list(tmp_path.iterdir()) == []


def test_vss_stores_of_a_real_image_are_found_walked_and_named():
    img = need_shared("images") / "vsstest.qcow2"
    c = Container(str(img), "vsstest.qcow2", "qcow")
    refs = list(images.list_image(c, SourceOptions(), match=lambda n: n == "another_file"))
    assert [(v["where"], v["snapshot"], v["created"]) for v in c.volumes] == [
        ("vss1", "vss1", "2013-12-03T06:35:09.736378Z"),
        ("vss2", "vss2", "2013-12-03T06:37:48.919058Z"),
        ("", None, None)]
    # another_file was created between the two snapshots: in store 2 and live, not in 1
    assert sorted(r.display for r in refs) == ["vsstest.qcow2::another_file",
                                               "vsstest.qcow2::vss2/another_file"]
    assert len({r.copy_key for r in refs}) == 1  # copies of one file
    assert {read(r) for r in refs} == {b"This is another file.\n"}


# ------------------------------------------------------------------ the whole scan

def _scan(tmp_path, name, *paths, extra=()):
    out = tmp_path / name
    rc = main(["scan", *map(str, paths), "-o", str(out), "-q", *extra])
    summary = json.loads((out / "summary.json").read_text())
    alerts = [json.loads(x) for x in (out / "alerts.jsonl").read_text().splitlines()]
    procs = [json.loads(x) for x in (out / "processes.jsonl").read_text().splitlines()]
    return rc, summary, alerts, procs


def _without_paths(doc):
    """A document with every log path (and text quoting one) left out."""
    if isinstance(doc, dict):
        return {k: _without_paths(v) for k, v in doc.items() if k not in ("file", "text")}
    if isinstance(doc, list):
        return [_without_paths(v) for v in doc]
    return doc


def test_hosts_in_containers_scan_as_the_extracted_folder(tmp_path):
    rc1, s1, a1, p1 = _scan(tmp_path, "folder", EVIDENCE)
    rc2, s2, a2, p2 = _scan(tmp_path, "containers", HOSTS)
    assert rc1 == rc2 == 1 and len(a1) == 10
    assert _without_paths(a1) == _without_paths(a2)
    assert _without_paths(p1) == _without_paths(p2)
    per_log = lambda s: sorted((f["sha256"], f["status"], f["records"], f["recovered"],
                                f["skipped"]) for f in s["files"])
    assert per_log(s1) == per_log(s2)
    # the damaged log keeps its status and recovered records inside the VMDK
    dns04 = next(f for f in s2["files"] if f["path"].startswith("DNS04.vmdk::"))
    assert dns04["status"] == "partial" and dns04["recovered"] == 79
    assert dns04["container"] == "DNS04.vmdk"
    # provenance names each container; containers carry their own hash and size
    hosts_of = {a["host"]["name"].split(".")[0]: a["evtxscan"]["sources"][0]["file"]
                for a in a2}
    assert hosts_of["DC01"].startswith("DC01.E01::p1/Windows/")
    assert hosts_of["WS01"].startswith("WS01.zip::uploads/auto/C%3A/")
    assert hosts_of["DNS04"].startswith("DNS04.vmdk::p1/")
    containers = {c["path"]: c for c in s2["containers"]}
    for name, c in containers.items():
        data = (HOSTS / name).read_bytes()
        assert (c["sha256"], c["size"]) == (sha(data), len(data))
    assert "containers" not in s1  # a folder's summary keeps its old shape


def test_a_record_only_in_a_shadow_copy_is_kept_once_and_marked(tmp_path):
    from fixtures.containers import shadow
    rc, s, alerts, procs = _scan(tmp_path, "vss", CONTAINERS / "vss")
    assert rc == 1
    (alert,) = alerts
    (src,) = alert["evtxscan"]["sources"]
    assert src["record_id"] == shadow.attack_record_id() < shadow.LIVE_FIRST
    assert src["vss_store"] == {"name": "vss1", "created": None}
    assert "HarddiskVolumeShadowCopy1" in src["file"]
    # each start once: the records in both copies count once
    keys = [(p["evtxscan"]["source"]["record_id"]) for p in procs]
    assert len(keys) == len(set(keys))
    marked = [p for p in procs if "vss_store" in p["evtxscan"]["source"]]
    assert marked and all(p["evtxscan"]["source"]["record_id"] < shadow.LIVE_FIRST
                          for p in marked)
    (group,) = s["copies"]
    live, store = group["copies"]
    total = len(shadow.records())
    assert (live["snapshot"], live["records"]) == (None, total - shadow.LIVE_FIRST + 1)
    assert (store["snapshot"], store["records"]) == ("vss1", shadow.STORE_LAST)
    assert store["only_in_this_copy"] == shadow.LIVE_FIRST - 1
    assert s["totals"]["records"] == total


def test_bad_containers_never_stop_the_run(tmp_path, capsys):
    rc, s, alerts, _ = _scan(tmp_path, "kinds", KINDS)
    err = capsys.readouterr().err
    for line in ("bitlocker.img::p1: encrypted volume (BitLocker), its logs were not read",
                 "refs.img::p1: ReFS file system: not supported",
                 "truncated.E01: cannot read EWF image",
                 "corrupt.vhdx: cannot read VHDX image",
                 "password.7z: password-protected archive",
                 "corrupt-entry.zip::DNS02/Security.evtx: partial"):
        assert sum(line in x for x in err.splitlines()) == 1, (line, err)
    read_ok = [f for f in s["files"] if f["status"] == "ok"]
    assert len(read_ok) >= 8  # every good image and the good zip entry
    assert rc == 1  # DNS03's alert, from the images that could be read
