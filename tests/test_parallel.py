"""However the per-file stage runs, the responder gets the same bytes.

``--jobs 1``, ``--jobs 2``, big files split into chunk ranges, and a Dask cluster
(``--scheduler``) must write byte-identical processes.jsonl and alerts.jsonl, and
summary.json must describe a split file exactly as the whole-file read does: records,
damage, time span, record-id range and the record-id gaps (possible log clearing), also
where one chunk range ends and the next begins in a log that has wrapped around.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from evtxscan.cli import main
from evtxscan.discover import discover
from evtxscan.outputs import WriteOptions, write
from evtxscan.pipeline import ReadOptions, plan

OUTPUTS = ("processes.jsonl", "alerts.jsonl")
SMALL_SPLIT = 4096  # every file of two chunks or more is split


def _wrapped_log(path: Path) -> tuple[int, int]:
    """A circular Security log that wrapped: ids 5001.. then 1.., 50 ids missing exactly
    where the second chunk range of a two-way split begins.  Returns that gap."""
    from conftest import on_file
    from evtxscan.evtx.layout import inspect
    from fixtures.evtxwriter import write_evtx
    from fixtures.scenario import Host, utc

    def write_log(shift_from: int | None) -> list[int]:
        h = Host("WRAP01.corp.example", seed=9, sysmon=None, security=2)
        t, parent = utc(2026, 1, 1), None
        for i in range(600):
            p = h.spawn(parent, "C:\\Windows\\System32\\cmd.exe", f"cmd.exe /c echo {i}",
                        t + timedelta(seconds=i), pid=4 * (100 + i))
            parent = parent or p
            h.noise(t + timedelta(seconds=i, milliseconds=5))
        n = len(h.security_records)
        ids = list(range(5001, 5001 + 2 * n // 3)) + list(range(1, n - 2 * n // 3 + 1))
        if shift_from is not None:
            ids = [i + 50 if k >= shift_from else i for k, i in enumerate(ids)]
        for rec, rid in zip(h.security_records, ids):
            rec.record_id = rid
        write_evtx(path, h.security_records)
        return ids

    ids = write_log(None)
    chunks = on_file(inspect, path).chunks
    seam = on_file(inspect, path).chunks[round(len(chunks) / 2)].first_record_id
    k = ids.index(seam)
    ids = write_log(k)
    return ids[k - 1], ids[k]


@pytest.fixture(scope="module")
def case(evidence, tmp_path_factory) -> tuple[Path, tuple[int, int]]:
    """The bundled evidence plus a wrapped log."""
    root = tmp_path_factory.mktemp("parallel") / "case"
    shutil.copytree(evidence, root)
    (root / "WRAP01").mkdir()
    return root, _wrapped_log(root / "WRAP01" / "Security.evtx")


@pytest.fixture(scope="module")
def one_job(case, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("j1")
    assert main(["scan", str(case[0]), "-o", str(out), "-q", "--jobs", "1"]) == 1
    return out


def _same_outputs(a: Path, b: Path) -> None:
    for name in OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "processes.jsonl").stat().st_size > 100_000


def _files(out: Path) -> list[dict]:
    return json.loads((out / "summary.json").read_text())["files"]


def test_two_jobs_write_the_same_bytes_as_one(case, one_job, tmp_path):
    assert main(["scan", str(case[0]), "-o", str(tmp_path), "-q", "--jobs", "2"]) == 1
    _same_outputs(one_job, tmp_path)
    assert _files(tmp_path) == _files(one_job)


def test_outputs_written_by_forked_children_are_the_same_bytes(case, tmp_path, monkeypatch):
    """With --jobs > 1 the formats, and slices of processes.jsonl, are written by forked
    copies of the process and joined: every file must be what one process writes."""
    from evtxscan import forking
    from evtxscan.outputs import jsonl
    monkeypatch.setattr(jsonl, "SLICE_ROWS", 50)  # the bundled evidence is a few hundred
    forks = []

    def counting_fork(job):
        forks.append(job)
        return fork(job)

    fork = forking._fork
    monkeypatch.setattr(forking, "_fork", counting_fork)
    formats = ["-f", "jsonl", "-f", "graphml", "-f", "csv", "-f", "md", "-f", "html"]
    args = ["scan", str(case[0]), "-q", "--case", str(tmp_path / "case.json")] + formats
    assert main(args + ["-o", str(tmp_path / "one"), "--jobs", "1"]) == 1
    assert not forks
    assert main(args + ["-o", str(tmp_path / "three"), "--jobs", "3"]) == 1
    assert len(forks) == 4 + 2  # four formats beside jsonl; two slices beside the first
    one = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert one == sorted(p.name for p in (tmp_path / "three").iterdir())
    assert {"processes.jsonl", "graph.graphml", "report.html"} <= set(one)
    for name in one:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "three" / name).read_bytes(), name


def test_files_split_into_chunk_ranges_read_as_whole_files(case, one_job, tmp_path):
    opts = ReadOptions(jobs=2, split_bytes=SMALL_SPLIT)
    tasks = plan(discover([str(case[0])]), opts)
    split = {t.path for t in tasks if t.chunk_start is not None}
    assert len(split) >= 5  # DC01 x2, DNS02, DNS04 (cut), WS01 (bad chunk), WRAP01

    from evtxscan.analysis import analyze
    analysis = analyze([str(case[0])], read=opts)
    write(analysis, tmp_path, ["jsonl"],
          WriteOptions(lang="en", timezone="UTC", case=str(tmp_path / "case.json")))
    _same_outputs(one_job, tmp_path)
    # records, skipped/recovered, damage, time span, id range and gaps: all as one file
    assert _files(tmp_path) == _files(one_job)


def test_a_gap_where_a_chunk_range_begins_is_found_in_a_wrapped_log(case, one_job):
    before, after = case[1]
    wrap = next(f for f in _files(one_job) if f["path"].startswith("WRAP01"))
    assert [before, after] in wrap["stats"]["gaps"]
    assert wrap["stats"]["first_record_id"] < before < after <= wrap["stats"]["last_record_id"]


def test_a_dask_cluster_writes_the_same_bytes_as_the_local_run(case, one_job, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, host="127.0.0.1",
                                  dashboard_address=None, threads_per_worker=1) as cluster:
        rc = main(["scan", str(case[0]), "-o", str(tmp_path / "cli"), "-q",
                   "--scheduler", cluster.scheduler_address])
        assert rc == 1
        _same_outputs(one_job, tmp_path / "cli")
        assert _files(tmp_path / "cli") == _files(one_job)

        # and with the files split into chunk ranges on the cluster's workers
        from evtxscan.analysis import analyze
        analysis = analyze([str(case[0])], read=ReadOptions(
            scheduler=cluster.scheduler_address, split_bytes=SMALL_SPLIT))
        write(analysis, tmp_path / "split", ["jsonl"],
              WriteOptions(lang="en", timezone="UTC", case=str(tmp_path / "split" / "case.json")))
        _same_outputs(one_job, tmp_path / "split")
        assert _files(tmp_path / "split") == _files(one_job)
