"""An output folder holds one whole set of outputs from one run, or the previous one.

Each test here is one of the ways a hostile tester got a mixed, partial or misplaced
output set (or an overwritten evidence file) before ``evtxscan.outputs.outset``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evtxscan.cli import main

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "fixtures" / "evidence"


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def leftovers(parent: Path) -> list[str]:
    """What a run may leave beside OUTDIR or in it: staging, scratch and lock files."""
    return sorted(p.name for p in parent.rglob("*") if ".evtxscan" in p.name)


def scan(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evtxscan", "scan", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """Two different complete output sets: one host (A) and all the evidence (B)."""
    base = tmp_path_factory.mktemp("sets")
    a, b = base / "a", base / "b"
    assert scan([str(EVIDENCE / "DNS02"), "-o", str(a), "-q"]).returncode == 1
    assert scan([str(EVIDENCE), "-o", str(b), "-q"]).returncode == 1
    return digest(a), digest(b), a


def test_a_run_killed_at_any_moment_leaves_the_previous_set_or_the_new_one(sets, tmp_path):
    set_a, set_b, folder_a = sets
    parent = tmp_path / "cases"
    out = parent / "out"
    shutil.copytree(folder_a, out)
    t0 = time.monotonic()
    assert scan([str(EVIDENCE), "-o", str(out), "-q", "--jobs", "1"]).returncode == 1
    run_time = time.monotonic() - t0
    shutil.rmtree(out)
    shutil.copytree(folder_a, out)
    seen = set()
    for i in range(8):  # kill points spread over the whole run, writing included
        proc = subprocess.Popen([sys.executable, "-m", "evtxscan", "scan", str(EVIDENCE),
                                 "-o", str(out), "-q", "--jobs", "1"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(run_time * (0.35 + 0.09 * i))
        proc.kill()
        proc.wait()
        now = digest(out)
        assert now in (set_a, set_b), sorted(now)
        seen.add("b" if now == set_b else "a")
        if now == set_b:  # start again from the previous set
            shutil.rmtree(out)
            shutil.copytree(folder_a, out)
    assert "a" in seen  # at least one kill landed before the swap
    # the next run removes what the killed ones left
    assert scan([str(EVIDENCE), "-o", str(out), "-q"]).returncode == 1
    assert digest(out) == set_b
    assert leftovers(parent) == []


def test_ctrl_c_while_workers_read_gives_one_line_exit_130_and_keeps_the_old_set(sets, tmp_path):
    set_a, set_b, folder_a = sets
    out = tmp_path / "out"
    t0 = time.monotonic()
    assert scan([str(EVIDENCE), "-o", str(tmp_path / "timed"), "-q", "--jobs", "2"]).returncode == 1
    run_time = time.monotonic() - t0
    shutil.rmtree(tmp_path / "timed")
    interrupted = 0
    for share in (0.3, 0.5, 0.7):
        delay = run_time * share
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(folder_a, out)
        proc = subprocess.Popen(
            [sys.executable, "-m", "evtxscan", "scan", str(EVIDENCE), "-o", str(out), "-q",
             "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)   # what a terminal's Ctrl-C does
        _, err = proc.communicate(timeout=120)
        if proc.returncode == 1:             # it had finished: the new set is whole
            assert digest(out) == set_b
            continue
        interrupted += 1
        assert proc.returncode == 130, err
        assert "Traceback" not in err
        lines = err.strip().splitlines()   # file warnings may come first, then one line
        assert lines[-1].startswith("evtxscan: interrupted")
        assert not any("interrupted" in ln for ln in lines[:-1])
        assert digest(out) == set_a
        assert leftovers(tmp_path) == []
        time.sleep(0.5)
        group = subprocess.run(["ps", "-o", "stat=,pid=,cmd=", "-g", str(proc.pid)],
                               capture_output=True, text=True).stdout.splitlines()
        alive = [p for p in group if not p.lstrip().startswith("Z")]  # zombies are dead
        assert alive == [], f"processes outlived the interrupted run: {alive}"
    assert interrupted, "every run finished before Ctrl-C: the evidence is too small"


def test_sigterm_is_a_clean_stop_too(sets, tmp_path):
    set_a, _, folder_a = sets
    out = tmp_path / "out"
    shutil.copytree(folder_a, out)
    proc = subprocess.Popen([sys.executable, "-m", "evtxscan", "scan", str(EVIDENCE), "-o",
                             str(out), "-q"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60   # until it has started writing its staging folder
    while not any(".evtxscan-staging-" in p.name for p in tmp_path.iterdir()) \
            and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.terminate()
    _, err = proc.communicate(timeout=120)
    if proc.returncode != 1:
        assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err
        assert digest(out) == set_a
    assert leftovers(tmp_path) == []


def test_a_rerun_with_fewer_formats_drops_the_reports_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["scan", str(EVIDENCE), "-o", str(out), "-q", "-f", "html", "-f", "md",
                 "-f", "csv"]) == 1
    assert {"report.html", "report.md", "alerts.csv"} <= set(os.listdir(out))
    (out / "case.json").write_text(json.dumps({"format": "evtxscan-case", "version": 1}))
    assert main(["scan", str(EVIDENCE), "-o", str(out), "-q"]) == 1
    assert sorted(os.listdir(out)) == ["alerts.jsonl", "case.json", "graph.graphml",
                                       "processes.jsonl", "summary.json"]
    assert leftovers(tmp_path) == []


def test_a_second_scan_into_a_busy_folder_names_the_holder_and_exits_2(sets, tmp_path):
    """Another evtxscan holds OUTDIR (here a process holding the real lock the way a
    scan does, so the test does not depend on timing): the scan names it and stops."""
    set_a, _, folder_a = sets
    out = tmp_path / "out"
    shutil.copytree(folder_a, out)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from evtxscan.outputs.outset import OutputSet; "
         "o = OutputSet(Path(sys.argv[1]), []); o.open(); print('held', flush=True); "
         "sys.stdin.readline(); o.abort()", str(out)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    try:
        second = scan([str(EVIDENCE), "-o", str(out), "-q"])
    finally:
        holder.communicate("\n", timeout=60)
    assert second.returncode == 2
    (line,) = second.stderr.splitlines()
    assert f"is in use by another evtxscan (pid {holder.pid} on " in line
    assert digest(out) == set_a
    assert leftovers(tmp_path) == []


def test_two_scans_racing_for_one_folder_leave_one_whole_set(sets, tmp_path):
    set_a, set_b, _ = sets
    out = tmp_path / "out"
    for _ in range(3):
        runs = [subprocess.Popen([sys.executable, "-m", "evtxscan", "scan", str(ev), "-o",
                                  str(out), "-q"], cwd=ROOT, stderr=subprocess.DEVNULL)
                for ev in (EVIDENCE / "DNS02", EVIDENCE)]
        codes = sorted(r.wait(timeout=300) for r in runs)
        assert codes in ([1, 1], [1, 2])   # one may find the other holding the folder
        assert digest(out) in (set_a, set_b)
    assert leftovers(tmp_path) == []


def test_a_folder_with_other_files_is_refused_unless_forced_and_they_are_kept(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "my-notes.txt").write_text("mine")
    assert main(["scan", str(EVIDENCE), "-o", str(out), "-q"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "holds files that are not evtxscan outputs (my-notes.txt)" in line
    assert os.listdir(out) == ["my-notes.txt"]
    assert main(["scan", str(EVIDENCE), "-o", str(out), "-q", "--force"]) == 1
    assert (out / "my-notes.txt").read_text() == "mine"
    assert (out / "summary.json").exists()


def test_planted_temp_names_and_links_never_make_a_scan_write_through_them(tmp_path):
    evidence = tmp_path / "evidence"
    shutil.copytree(EVIDENCE / "DNS02", evidence)
    victim = evidence / "Security.evtx"
    before = victim.read_bytes()
    out = tmp_path / "out"
    assert scan([str(evidence), "-o", str(out), "-q"]).returncode == 1
    for name in ("summary.json.tmp", "processes.jsonl.tmp", "alerts.jsonl.tmp",
                 "graph.graphml.tmp", "report.html.tmp", "processes.jsonl.part0"):
        (out / name).symlink_to(victim)
    (out / "summary.json").unlink()
    (out / "summary.json").symlink_to(victim)
    assert scan([str(evidence), "-o", str(out), "-q", "--force", "-f", "html"]).returncode == 1
    assert victim.read_bytes() == before
    assert not (out / "summary.json").is_symlink()
    assert json.loads((out / "summary.json").read_text())["totals"]["files"] == 1


def test_outputs_never_go_into_the_folder_of_an_input_file(tmp_path, capsys):
    evidence = tmp_path / "evidence"
    shutil.copytree(EVIDENCE / "DNS02", evidence)
    (evidence / "summary.json").write_text("the responder's own file")
    for out in (evidence, evidence / "sub"):
        assert main(["scan", str(evidence / "Security.evtx"), "-o", str(out), "-q"]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert "is inside the evidence" in line
    assert (evidence / "summary.json").read_text() == "the responder's own file"
    assert sorted(os.listdir(evidence)) == ["Security.evtx", "summary.json"]


def test_an_output_path_that_is_a_file_fails_before_reading(tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("x")
    assert main(["scan", str(EVIDENCE), "-o", str(target), "-q"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"evtxscan: error: output {target} exists and is not a folder; choose another -o"
    assert target.read_text() == "x"


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real small file system (tmpfs) to fill up; needs root's mount."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_full_disk_is_refused_before_reading(small_tmpfs, capsys):
    with open(small_tmpfs / "filler", "wb") as f:
        f.truncate(0)
        f.write(b"\0" * (20 << 20))  # leaves 4 MiB of 24
    assert main(["scan", str(EVIDENCE), "-o", str(small_tmpfs / "out"), "-q"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no room for the outputs" in line
    assert sorted(os.listdir(small_tmpfs)) == ["filler"]


def test_a_read_only_output_folder_is_refused_before_reading(small_tmpfs, sets, capsys):
    _, _, folder_a = sets
    out = small_tmpfs / "out"
    shutil.copytree(folder_a, out)
    before = digest(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    try:
        assert main(["scan", str(EVIDENCE), "-o", str(out), "-q"]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert "cannot lock output folder" in line or "cannot write" in line, line
        assert "Read-only file system" in line
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_tmpfs)], check=True)
    assert digest(out) == before


def test_a_write_that_fails_late_is_one_line_exit_2_and_the_old_set_stays(sets, tmp_path):
    """The file system refuses a write halfway through the outputs (a file-size limit
    here: the same failure path as a disk filling up while writing)."""
    set_a, _, folder_a = sets
    out = tmp_path / "out"
    shutil.copytree(folder_a, out)

    def limit():
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))

    done = scan([str(EVIDENCE), "-o", str(out), "-q"], preexec_fn=limit)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("evtxscan: error: cannot write the outputs:") and "File too large" in last
    assert "Traceback" not in done.stderr
    assert digest(out) == set_a
    assert leftovers(tmp_path) == []


def test_a_live_runs_scratch_folder_is_kept_and_a_killed_runs_is_removed(tmp_path):
    from evtxscan.scratch import remove_abandoned
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from evtxscan.scratch import Scratch; "
         "s = Scratch(sys.argv[1]); print(s.path, flush=True); time.sleep(60)", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    live = Path(holder.stdout.readline().strip())
    assert live.is_dir()
    assert remove_abandoned(tmp_path) == [] and live.is_dir()
    holder.kill()
    holder.wait()
    assert remove_abandoned(tmp_path) == [live] and not live.exists()
