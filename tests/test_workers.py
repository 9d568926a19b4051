"""Worker processes die under a run (OOM killer, a parser crash, a responder's kill):
the run goes on, the file is retried once, and a file that kills its reader twice is
named, not lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from evtxscan.workers import run_in_order

ROOT = Path(__file__).resolve().parents[1]


def _die_on(task: str) -> str:
    """A worker function that is killed by the kernel on the task "die"."""
    if task == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if task.startswith("slow"):
        time.sleep(0.3)
    return task.upper()


def test_a_task_that_kills_its_worker_is_named_and_the_others_come_back_in_order():
    tasks = ["a", "slow1", "die", "b", "slow2", "c"]
    got = list(run_in_order(_die_on, tasks, 2, died=lambda t, why: f"DIED {t}: {why}"))
    assert got[:2] == ["A", "SLOW1"] and got[3:] == ["B", "SLOW2", "C"]
    assert got[2].startswith("DIED die: the worker process reading it died")


def test_a_worker_killed_mid_scan_is_retried_and_the_outputs_are_unchanged(tmp_path):
    """kill -9 one worker of `scan --jobs 2`: same outputs as an undisturbed run."""
    from fixtures.generate import build_evidence
    evidence = tmp_path / "evidence"
    build_evidence(evidence)
    base = [sys.executable, "-m", "evtxscan", "scan", str(evidence), "-q", "--jobs", "2"]
    calm = subprocess.run(base + ["-o", str(tmp_path / "calm")], cwd=ROOT, capture_output=True)
    assert calm.returncode == 1
    proc = subprocess.Popen(base + ["-o", str(tmp_path / "hit")], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        kids = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "multiprocessing.spawn"],
                              capture_output=True, text=True).stdout.split()
        for kid in kids:
            try:
                cmd = Path(f"/proc/{kid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmd:
                os.kill(int(kid), signal.SIGKILL)
                killed = kid
                break
        time.sleep(0.01)
    _, err = proc.communicate(timeout=300)
    assert killed is not None, "no worker was seen to kill"
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    for name in ("processes.jsonl", "alerts.jsonl"):
        assert (tmp_path / "hit" / name).read_bytes() == (tmp_path / "calm" / name).read_bytes()
    calm_files = json.loads((tmp_path / "calm" / "summary.json").read_text())["files"]
    hit_files = json.loads((tmp_path / "hit" / "summary.json").read_text())["files"]
    assert [f["status"] for f in hit_files] == [f["status"] for f in calm_files]
