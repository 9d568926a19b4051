"""``.ci/run``: Chromium first when missing (so report.html is rendered and checked on
every landing, issue 18), then exactly the README's test command.

The script runs with every program it calls replaced by a stub that records its
arguments: no network, no install, the logic alone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run_ci(tmp_path: Path, with_chromium: bool) -> list[str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "calls"
    names = ["apt-get", "pip", "python", "sudo", "id"] + (["chromium"] if with_chromium else [])
    for name in names:
        body = 'echo 0' if name == "id" else f'echo "{name} $*" >> "{log}"'
        (stubs / name).write_text(f"#!/bin/sh\n{body}\n")
        (stubs / name).chmod(0o755)
    # /usr/bin may hold a real chromium: the script sees only the stubs and the three
    # programs it needs besides them
    env = {"PATH": f"{stubs}:{tmp_path / 'empty'}", "HOME": str(tmp_path)}
    (tmp_path / "empty").mkdir()
    for tool in ("dirname", "bash", "sh"):
        real = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True,
                              text=True).stdout.strip()
        (tmp_path / "empty" / tool).symlink_to(real)
    out = subprocess.run([str(tmp_path / "empty" / "bash"), str(ROOT / ".ci" / "run")],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return log.read_text().splitlines()


def _readme_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"```sh\n(pip install '\.\[test\]' && python -m pytest -q)\n```",
                     readme).group(1)


def test_ci_installs_chromium_when_missing_then_runs_the_readmes_command(tmp_path):
    calls = _run_ci(tmp_path, with_chromium=False)
    assert calls[:2] == ["apt-get update -qq",
                         "apt-get install -y -qq --no-install-recommends chromium"]
    assert calls[2:] == ["pip install .[test]", "python -m pytest -q"]
    assert _readme_command() == "pip install '.[test]' && python -m pytest -q"
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith(_readme_command())


def test_ci_leaves_an_installed_chromium_alone(tmp_path):
    assert _run_ci(tmp_path, with_chromium=True) == ["pip install .[test]",
                                                     "python -m pytest -q"]
