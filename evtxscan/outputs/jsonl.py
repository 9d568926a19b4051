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

from ..normalize import to_ecs

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


def timesketch_fields(doc: dict) -> dict:
    proc = doc.get("process", {})
    par = proc.get("parent", {})
    msg = (f"{proc.get('name', '?')} (pid {proc.get('pid', '?')}) started by "
           f"{par.get('name', '?')} (pid {par.get('pid', '?')}) on {doc['host']['name']}")
    if proc.get("command_line"):
        msg += f": {proc['command_line']}"
    return {"message": msg, "datetime": doc["@timestamp"], "timestamp_desc": "Process Start"}


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
    """Every process-start record (or those of ``rows``) as an ECS document, in order."""
    for ev, node in (process_rows(graph) if rows is None else rows):
        p = graph[node]
        if ev is p.primary:
            doc = graph.ecs(node)
            doc["evtxscan"]["source"] = ev.source.to_json()
        else:
            doc = to_ecs(ev, graph.parent_doc(node), sources=p.sources)
            doc["evtxscan"]["source"] = ev.source.to_json()
            doc["process"]["entity_id"] = p.entity_id
            doc["evtxscan"]["parent_resolution"] = p.parent_how or "none"
        doc.update(timesketch_fields(doc))
        yield doc


#: processes.jsonl is written in up to ``jobs`` slices of at least this many records
SLICE_ROWS = 20_000


def write(analysis, outdir: Path, options: dict) -> list[Path]:
    from .. import forking
    procs = outdir / "processes.jsonl"
    alerts = outdir / "alerts.jsonl"
    graph = analysis.graph
    rows = process_rows(graph)
    n = max(1, min(options.get("jobs", 1), len(rows) // SLICE_ROWS))
    if n == 1:
        _write_lines(procs, (dumps_ecs(d) for d in process_docs(graph, rows)))
    else:
        # slices written side by side (forked), then joined in order: the same bytes
        bounds = [round(i * len(rows) / n) for i in range(n + 1)]
        parts = [procs.with_name(f"{procs.name}.part{i}") for i in range(n)]

        def job(i: int):
            def run():
                _write_lines(parts[i], (dumps_ecs(d) for d in
                                        process_docs(graph, rows[bounds[i]:bounds[i + 1]])))
                return str(parts[i])
            return run

        try:
            forking.run([job(i) for i in range(n)], n)
            _join(parts, procs)
        finally:
            for part in parts:
                part.unlink(missing_ok=True)
    _write_lines(alerts, (dumps(a.to_ecs()).encode("ascii") for a in analysis.alerts))
    return [procs, alerts]


def _join(parts: list[Path], path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        for part in parts:
            with open(part, "rb") as f:
                _append(f, out)
    tmp.replace(path)


def _append(src, dst) -> None:
    """Copy a whole file to the end of another, in the kernel where it can."""
    import shutil
    dst.flush()  # what Python buffered must land before the kernel appends
    try:
        n = os.fstat(src.fileno()).st_size
        while n > 0:
            done = os.copy_file_range(src.fileno(), dst.fileno(), n)
            if done == 0:
                break
            n -= done
        if n == 0:
            return
    except (AttributeError, OSError):  # not Linux, or a file system that cannot
        pass
    dst.seek(0, os.SEEK_END)
    shutil.copyfileobj(src, dst, 1 << 20)


def _write_lines(path: Path, lines) -> None:
    """Write ASCII lines (bytes, each without its newline) to ``path`` via a temp file."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
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
    tmp.replace(path)
