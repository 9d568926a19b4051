"""``processes.jsonl`` and ``alerts.jsonl``: nested ECS, one document per line.

processes.jsonl has one line per process-start *record* (a process logged by Sysmon and
Security appears twice, each line with its own provenance and the same
``process.entity_id``), sorted by time then provenance, so output is deterministic.
Each line also carries Timesketch's ``message``/``datetime``/``timestamp_desc``, so the
same file imports into Elastic and into Timesketch as is.

JSON keeps the exact text of the evidence.  Strings that held invalid UTF-16 (lone
surrogates) are written as ``\\udXXX`` escapes, which is valid JSON; a consumer decoding
with ``surrogatepass`` gets the original code units back.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

from ..atomicfile import atomic_write, fresh_file
from ..ecs import record_doc, timesketch_fields

#: the files this format writes (``outputs.outset`` owns the set they belong to)
FILES = ("processes.jsonl", "alerts.jsonl")

try:  # optional: the same bytes several times faster (see ``dumps_ecs``)
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None


def dumps(doc: dict) -> str:
    # ensure_ascii keeps lone surrogates representable; sort_keys makes lines stable
    return json.dumps(doc, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def _json_escapes(exc: UnicodeEncodeError) -> tuple[str, int]:
    """Codec error handler: what ``json.dumps(ensure_ascii=True)`` writes for characters
    beyond ASCII (surrogate pairs above the BMP)."""
    out = []
    for c in exc.object[exc.start:exc.end]:
        n = ord(c)
        if n > 0xFFFF:
            n -= 0x10000
            out.append(f"\\u{0xD800 | (n >> 10):04x}\\u{0xDC00 | (n & 0x3FF):04x}")
        else:
            out.append(f"\\u{n:04x}")
    return "".join(out), exc.end


_ASCII_ESCAPES = "evtxscan.json-ascii"
codecs.register_error(_ASCII_ESCAPES, _json_escapes)


def dumps_ecs(doc: dict) -> bytes:
    """``dumps(doc)`` as ASCII bytes, for ECS process documents (str keys; str, int,
    bool, None, list and dict values, never floats), through orjson when it is installed.

    orjson sorts keys in the same order and escapes like ``json`` except that it writes
    non-ASCII characters and DEL as they are; those are escaped afterwards as ``json``
    does.  What orjson refuses (lone surrogates, integers beyond 64 bits) goes to ``json``.
    Bytes, not str: processes.jsonl can be larger than the evidence, and a str would be
    decoded here only to be encoded again on its way to the file.
    """
    if orjson is None:
        return dumps(doc).encode("ascii")
    try:
        raw = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return dumps(doc).encode("ascii")
    if not raw.isascii():
        raw = raw.decode("utf-8").encode("ascii", _ASCII_ESCAPES)
    # DEL is ASCII, so only json escapes it; it can only be inside a string here
    return raw.replace(b"\x7f", b"\\u007f") if b"\x7f" in raw else raw


def process_rows(graph) -> list[tuple]:
    """(start event, node) of every process-start record, in output order: time, host,
    file, record id."""
    # one stable sort per key, so no key tuple per record is built (this list is as long
    # as the evidence)
    rows = [(ev, p.node) for p in graph.procs if not p.placeholder for ev in p.starts]
    rows.sort(key=lambda r: r[0].source.record_id)
    rows.sort(key=lambda r: r[0].source.file)
    rows.sort(key=lambda r: graph.procs[r[1]].host)
    rows.sort(key=lambda r: r[0].timestamp)
    return rows


def process_docs(graph, rows: list[tuple] | None = None):
    """Every process-start record (or those of ``rows``) as an ECS document, in order,
    with Timesketch's fields beside the ECS ones."""
    for ev, node in (process_rows(graph) if rows is None else rows):
        doc = record_doc(graph, ev, node)
        doc.update(timesketch_fields(doc))
        yield doc


#: processes.jsonl is written in up to ``jobs`` slices of at least this many records
SLICE_ROWS = 20_000


def write(analysis, outdir: Path, options) -> list[Path]:
    procs = outdir / FILES[0]
    alerts = outdir / FILES[1]
    graph = analysis.graph
    rows = process_rows(graph)
    n = max(1, min(options.jobs, len(rows) // SLICE_ROWS))
    if n == 1:
        with atomic_write(procs) as f:
            _write_lines(f, (dumps_ecs(d) for d in process_docs(graph, rows)))
    else:
        _write_slices(procs, graph, rows, n)
    with atomic_write(alerts) as f:
        _write_lines(f, (dumps(a.to_ecs()).encode("ascii") for a in analysis.alerts))
    return [procs, alerts]


def _write_slices(path: Path, graph, rows: list[tuple], n: int) -> None:
    """Slices written side by side (forked children, each into a fresh temporary file
    it inherits open), then joined in order: the same bytes as one writer."""
    from .. import forking
    bounds = [round(i * len(rows) / n) for i in range(n + 1)]
    parts = [fresh_file(path.parent, f"{path.name}.part{i}") for i in range(n)]

    def job(i: int):
        def run():
            fd = parts[i][0]
            os.ftruncate(fd, 0)  # a job redone here after its child failed starts over
            os.lseek(fd, 0, os.SEEK_SET)
            with os.fdopen(os.dup(fd), "wb") as f:
                _write_lines(f, (dumps_ecs(d) for d in
                                 process_docs(graph, rows[bounds[i]:bounds[i + 1]])))
            return i
        return run

    try:
        forking.run([job(i) for i in range(n)], n)
        with atomic_write(path) as out:
            for fd, _ in parts:
                _append(fd, out)
    finally:
        for fd, part in parts:
            os.close(fd)
            part.unlink(missing_ok=True)


def _append(fd: int, dst) -> None:
    """Copy the whole of open file ``fd`` to the end of ``dst``, in the kernel where it
    can."""
    import shutil
    dst.flush()  # what Python buffered must land before the kernel appends
    n = os.fstat(fd).st_size
    offset = 0
    try:
        while offset < n:
            done = os.copy_file_range(fd, dst.fileno(), n - offset, offset)
            if done == 0:
                break
            offset += done
        if offset == n:
            return
    except (AttributeError, OSError):  # not Linux, or a file system that cannot
        pass
    dst.seek(0, os.SEEK_END)  # past what the kernel appended
    os.lseek(fd, offset, os.SEEK_SET)
    with os.fdopen(os.dup(fd), "rb") as src:
        shutil.copyfileobj(src, dst, 1 << 20)


def _write_lines(f, lines) -> None:
    """Write ASCII lines (bytes, each without its newline) to binary file ``f``."""
    batch: list[bytes] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= 512:
            batch.append(b"")
            f.write(b"\n".join(batch))
            batch = []
    if batch:
        batch.append(b"")
        f.write(b"\n".join(batch))
