"""The batch CLI stays lean: ``evtxscan scan`` never imports Textual (or Rich, or our TUI).

A responder running a scan on a collection server, or in CI, should not pay for the
terminal UI's import time nor depend on it.  Checked in a fresh interpreter, because the
test session itself imports Textual for the TUI tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UI_PACKAGES = ("textual", "rich", "evtxscan.tui")

_PROBE = """
import json, sys
from evtxscan.cli import main
try:
    rc = main(sys.argv[1:])
except SystemExit as exc:
    rc = exc.code
loaded = sorted(p for p in %r if any(m == p or m.startswith(p + '.') for m in sys.modules))
print(json.dumps({"rc": rc, "ui": loaded}))
""" % (UI_PACKAGES,)


def _cli(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_scan_help_does_not_import_textual():
    got = _cli("scan", "--help")
    assert got == {"rc": 0, "ui": []}


def test_scanning_a_tiny_folder_does_not_import_textual(tmp_path):
    got = _cli("scan", str(ROOT / "fixtures" / "evidence" / "DNS02"), "-o", str(tmp_path), "-q")
    assert got["rc"] == 1 and got["ui"] == []  # dns.exe -> cmd.exe alerts on DNS02
    assert (tmp_path / "processes.jsonl").stat().st_size > 0
