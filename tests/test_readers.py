"""Readers are registered by name and read streams, so evidence can come from anywhere.

A responder's logs are not always plain files: the sources layer reads them straight out
of E01/VHDX images and zip archives, as file objects that have ``read``/``seek``/``tell``
and nothing else (no file descriptor, no path; tests/test_sources.py scans real ones).
These tests hold the per-file stage to that: everything it does goes through the one
opener, ``scanfile.open_evidence``, and gives the same report and the same events from
such a stream as from the file itself, damaged files included.  And the backend choice is a registry, not an if-chain: a reader
registered under a new name is offered by the CLI and used by the scan without any other
edit.
"""

from __future__ import annotations

import io
from contextlib import nullcontext
from pathlib import Path

import pytest

from evtxscan import readers, scanfile
from evtxscan.cli import build_parser
from evtxscan.evtx.layout import inspect
from evtxscan.evtx.stream import RawView
from evtxscan.readers import Reader, get_reader, reader_names
from evtxscan.records import FileReport
from evtxscan.scanfile import FileTask, scan_file
from evtxscan.sources import Opened

EVIDENCE = Path(__file__).resolve().parents[1] / "fixtures" / "evidence"
LOGS = {
    "clean Sysmon": "DC01/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx",
    "bad chunk magic": "WS01/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx",
    "cut mid-chunk": "DNS04/C/Windows/System32/winevt/Logs/Security.evtx",
}


class ReadSeekOnly(RawView):
    """A file object as an image or archive library hands it out: ``read``, ``seek`` and
    ``tell`` over bytes it holds, and no file descriptor (``fileno`` raises)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data, self._size = data, len(data)

    def _read_at(self, pos: int, n: int) -> bytes:
        return self._data[pos:pos + n]


def _digest(result) -> tuple:
    """What a scan of one file gives: its report (as summary.json has it) and its events."""
    report = result.report.to_json()
    report.pop("path"), report.pop("backend")
    events = [(e.kind, e.source.record_id, e.source.recovered) for e in result.events]
    return report, events


@pytest.mark.parametrize("backend", reader_names())
@pytest.mark.parametrize("log", sorted(LOGS))
def test_a_log_read_from_an_image_like_stream_scans_exactly_like_the_file(log, backend, monkeypatch):
    path = EVIDENCE / LOGS[log]
    from_file = scan_file(FileTask(str(path), log, backend))
    assert from_file.report.records > 0

    data = path.read_bytes()
    monkeypatch.setattr(scanfile, "open_evidence",
                        lambda task: nullcontext(Opened(ReadSeekOnly(data), [])))
    inside = f"case.E01/p1/{LOGS[log]}"  # no such path: only the opener may be used
    from_stream = scan_file(FileTask(inside, log, backend))
    assert _digest(from_stream) == _digest(from_file)
    assert from_stream.report.sha256 == from_file.report.sha256  # hashed from the stream


def test_the_damaged_logs_really_take_the_repair_and_recovery_paths():
    """So the test above covers the view over a stream and the recovery of a cut chunk."""
    with open(EVIDENCE / LOGS["bad chunk magic"], "rb") as f:
        assert any(not c.magic_ok and not c.empty for c in inspect(f).chunks)
    with open(EVIDENCE / LOGS["cut mid-chunk"], "rb") as f:
        assert inspect(f).truncated_tail is not None
    cut = scan_file(FileTask(str(EVIDENCE / LOGS["cut mid-chunk"]), "cut"))
    assert cut.report.recovered > 0


@pytest.mark.parametrize("backend", reader_names())
def test_each_reader_reads_a_plain_file_a_memory_buffer_and_a_bare_stream_alike(backend):
    path = EVIDENCE / LOGS["clean Sysmon"]
    read = get_reader(backend).read_records

    def records(stream):
        report = FileReport("x", "x")
        return [r for r in read(stream, report)], report.records

    with open(path, "rb") as f:
        f.seek(1234)  # a reader reads the whole stream, wherever it was left
        plain = records(f)
    assert plain[0] and plain == records(io.BytesIO(path.read_bytes()))
    assert plain == records(ReadSeekOnly(path.read_bytes()))


def test_the_cli_offers_exactly_the_registered_readers():
    parser = build_parser()
    for name in reader_names():
        assert parser.parse_args(["scan", "x", "-o", "o", "--backend", name]).backend == name
    assert parser.parse_args(["scan", "x", "-o", "o"]).backend == readers.DEFAULT_READER
    with pytest.raises(SystemExit):
        parser.parse_args(["scan", "x", "-o", "o", "--backend", "nope"])


def test_a_reader_registered_under_a_new_name_is_offered_and_used_without_other_edits(monkeypatch):
    monkeypatch.setitem(readers._READERS, "pure",
                        Reader("pure", "the python reader again", "evtxscan.readers.pyevtx"))
    parser = build_parser()
    assert parser.parse_args(["scan", "x", "-o", "o", "--backend", "pure"]).backend == "pure"
    path = str(EVIDENCE / LOGS["clean Sysmon"])
    ours = scan_file(FileTask(path, "s", "pure"))
    theirs = scan_file(FileTask(path, "s", "python-evtx"))
    assert ours.report.backend == "pure" and {e.source.backend for e in ours.events} == {"pure"}
    assert _digest(ours) == _digest(theirs)
    with pytest.raises(ValueError, match="unknown reader 'nope'"):
        get_reader("nope")
