"""Every way out of ``evtxscan tui`` leaves nothing behind (issue 18).

Closing the terminal once left ``evtxscan-activity-*`` folders of Sysmon records copied
out of the evidence in the system temp folder.  Here the real command runs on a real
pseudo-terminal (80x24), as a responder's terminal runs it, and is ended each way a
person ends it: ``q``, Ctrl-C, SIGTERM (a killed session), closing the terminal
(SIGHUP, by closing the pty's master side), and ``q`` while a large evidence set is still
being read.  Afterwards no scratch folder is left beside OUTDIR nor in TMPDIR, the
process is gone, and its exit status says how it ended.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from conftest import need_shared

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ".evtxscan-scratch-"


class Terminal:
    """``evtxscan tui ARGS`` on a pty of ``size``; what it draws is collected."""

    def __init__(self, args: list[str], tmp: Path, size=(80, 24)) -> None:
        env = {**os.environ, "TMPDIR": str(tmp / "tmp"), "TERM": "xterm-256color",
               "COLUMNS": str(size[0]), "LINES": str(size[1])}
        (tmp / "tmp").mkdir(exist_ok=True)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the real command
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "evtxscan", "tui", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.out = bytearray()
        self.closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.out += data

    def wait_for(self, text: bytes, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while text not in self.out:
            assert time.monotonic() < end, f"{text!r} never drawn"
            time.sleep(0.05)

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def hang_up(self) -> None:
        """Close the terminal: the kernel sends SIGHUP to the session."""
        self.closed = True
        os.close(self.fd)

    def wait(self, timeout: float = 15) -> tuple[int | None, int | None]:
        """(exit status, terminating signal) of the command."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                if not self.closed:
                    os.close(self.fd)
                if os.WIFEXITED(status):
                    return os.WEXITSTATUS(status), None
                return None, os.WTERMSIG(status)
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("the TUI did not end")


def leftovers(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob(f"{SCRATCH}*"))


@pytest.mark.parametrize("how", ["q", "ctrl-c", "sigterm", "close the terminal"])
def test_every_way_out_removes_the_scratch_folder(evidence, tmp_path, how):
    out = tmp_path / "case1"
    term = Terminal([str(evidence), "-o", str(out)], tmp_path)
    term.wait_for(b"alert(s)")            # loaded: the alert list is on screen
    during = leftovers(tmp_path)
    assert len(during) == 1 and during[0].startswith(SCRATCH), during  # beside OUTDIR
    assert any((tmp_path / during[0] / "activity").iterdir())  # Sysmon records spilled
    if how == "q":
        term.send(b"q")
    elif how == "ctrl-c":
        term.send(b"\x03")
    elif how == "sigterm":
        os.kill(term.pid, signal.SIGTERM)
    else:
        term.hang_up()
    code, sig = term.wait()
    assert leftovers(tmp_path) == []
    assert not any((tmp_path / "tmp").iterdir())
    assert sig is None, f"killed by signal {sig}"
    assert code == {"q": 0, "ctrl-c": 0, "sigterm": 143, "close the terminal": 129}[how]
    assert (out / "case.json").is_file()   # the case was written when the evidence loaded
    if how == "sigterm":
        assert b"evtxscan: interrupted" in term.out


def test_quitting_while_the_evidence_is_read_ends_at_once_and_leaves_nothing(tmp_path):
    samples = need_shared("evtx-samples")
    rules = need_shared("elastic-rules/windows")
    out = tmp_path / "case1"
    term = Terminal([str(samples), "--rules", str(rules), "-o", str(out)], tmp_path)
    term.wait_for(b"file ", timeout=30)   # reading: "file 3 of 306"
    assert b"alert(s)" not in term.out
    t0 = time.monotonic()
    term.send(b"q")
    code, sig = term.wait()
    assert (code, sig) == (0, None)
    assert time.monotonic() - t0 < 5      # the reader is not waited for
    assert leftovers(tmp_path) == [] and not any((tmp_path / "tmp").iterdir())
    assert not (out / "case.json").exists()   # nothing was loaded, nothing written
