"""Default backend: pyevtx-rs (``evtx``), the fast Rust parser.

Why not ``for r in parser.records_json()``: the first RuntimeError (one bad chunk) ends a
plain ``for`` loop and silently loses the rest of the file.  We call ``next()`` ourselves
and keep going after each error, counting it.  pyevtx-rs yields every record as a JSON
string; most records of a Security log are not 4688, so a regex on the string decides
whether a record is worth ``json.loads`` at all (the cheap prefilter).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from sys import intern as _intern
from typing import BinaryIO

import evtx

from ..records import FileReport, RawRecord, is_wanted
from .common import from_json, iso_micro

try:  # optional: parses the wanted records' JSON 2-3x faster than json
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - depends on the environment
    _fast_loads = json.loads

#: EventID is a bare number, text ("4688", WEC-forwarded logs), or wrapped with a
#: Qualifiers attribute (classic providers): {"#attributes":{"Qualifiers":16384},"#text":7036}
_EVENT_ID = re.compile(
    r'"EventID":(?:"?(\d+)"?|\{(?:"#attributes":\{[^{}]*\},)?"#text":"?(\d+)"?)')
_PROVIDER = re.compile(r'"Provider":\{"#attributes":\{(?:[^{}]*?)"Name":"((?:[^"\\]|\\.)*)"')
_PROVIDER_AT = '"Provider":{"#attributes":{'
_NAME_FIRST = '"Name":"'
_CHUNK_NO = re.compile(r"chunk number (\d+)")
_RECORD_NO = re.compile(r"record number (\d+)")


def read_records(stream: BinaryIO, report: FileReport, *, threads: int = 1,
                 recovered: bool = False) -> Iterator[RawRecord]:
    """Yield the wanted records of one EVTX stream; count every record into ``report``.

    ``stream`` is a seekable binary file object (the evidence itself, a chunk-range view
    or a re-framed recovered chunk); pyevtx-rs reads it from its start through its
    ``read``/``seek``.  ``threads`` is pyevtx-rs' ``number_of_threads``.  Errors are
    counted in ``report.errors``/``skipped``.
    """
    stream.seek(0)  # pyevtx-rs reads from the current position
    parser = evtx.PyEvtxParser(stream, number_of_threads=threads)
    it = parser.records_json()
    stats = report.stats
    # Every record is counted, so the loop keeps its counts in locals and hands them to
    # ``stats`` once (``LogStats.absorb``); per record it costs a regex, two ``str.find``
    # and a dict lookup, cached per (EventID text, provider).
    decide: dict[tuple[str | None, str | None], tuple[int | None, bool]] = {}
    counts: dict[tuple[int | None, str | None], int] = {}
    search = _EVENT_ID.search
    n = 0
    prev = stats._prev_id
    first_read = lo = hi = None
    gaps: list[tuple[int, int]] = []
    tmin = tmax = None
    try:
        while True:
            try:
                rec = next(it)
            except StopIteration:
                break
            except RuntimeError as exc:  # a bad record or chunk: note it and go on
                msg = str(exc).splitlines()[0] if str(exc) else repr(exc)
                m = _CHUNK_NO.search(msg)
                r = _RECORD_NO.search(msg)
                report.skipped += 1
                # the chunk number is the parser's (relative to what it was given) and no
                # offset is known here: the caller, which knows the file, places the error
                report.error(msg[:300], chunk=int(m.group(1)) if m else None,
                             record_id=int(r.group(1)) if r else None)
                continue
            n += 1
            data = rec["data"]
            rid = rec["event_record_id"]
            if first_read is None:
                first_read = lo = hi = rid
            elif rid < lo:
                lo = rid
            elif rid > hi:
                hi = rid
            if prev is not None and rid > prev + 1:
                gaps.append((prev, rid))
            prev = rid
            ts = rec.get("timestamp")
            if ts:
                key = ts[:26] if len(ts) == 32 and ts[19] == "." else _stamp_key(ts)
                if tmin is None:
                    tmin = tmax = key
                elif key < tmin:
                    tmin = key
                elif key > tmax:
                    tmax = key
            m = search(data)
            k = (m.group(1) or m.group(2) if m else None, _provider(data))
            seen = decide.get(k)
            if seen is None:
                eid = int(k[0]) if k[0] is not None else None
                seen = decide[k] = (eid, eid is not None and k[1] is not None
                                    and is_wanted(k[1], eid))
            ck = (seen[0], k[1])
            counts[ck] = counts.get(ck, 0) + 1
            if not seen[1]:
                continue
            try:
                raw = from_json(_loads(data), rid, recovered)
            except (ValueError, KeyError, TypeError) as exc:
                report.skipped += 1
                report.error(f"record {rid}: unreadable JSON ({exc})", record_id=rid)
                continue
            # one copy of each channel and computer name, not one per event kept
            raw.channel, raw.computer = _intern(raw.channel), _intern(raw.computer)
            stats.add_identity(raw.channel, raw.computer)
            yield raw
    finally:
        report.records += n
        if first_read is not None:
            stats.absorb(first_read, prev, lo, hi, gaps,
                         tmin + "Z" if tmin else None, tmax + "Z" if tmax else None, counts)


def _stamp_key(ts: str) -> str:
    """``iso_micro(ts)`` without its ``Z``, for comparing.  pyevtx-rs writes
    ``2019-04-27T15:57:27.0876132Z UTC`` but drops trailing zeros of the fraction
    (``27.08Z UTC``), so raw strings do not sort; the caller slices the usual 32-character
    form, this pads the shorter ones."""
    if ts[19:20] == "." and ts[10:11] == "T" and ts.endswith("Z UTC"):
        return ts[:20] + (ts[20:-5] + "000000")[:6]
    return iso_micro(ts)[:-1]


def _provider(data: str) -> str | None:
    """``_PROVIDER.search(data).group(1)``, found with two ``str.find`` in the usual case
    (pyevtx-rs writes the Name attribute first): this runs for every record."""
    i = data.find(_PROVIDER_AT)
    if i >= 0:
        i += len(_PROVIDER_AT)
        if data.startswith(_NAME_FIRST, i):
            i += len(_NAME_FIRST)
            j = data.find('"', i)
            if j > i and data[j - 1] != "\\":
                return data[i:j]
    pm = _PROVIDER.search(data)
    return pm.group(1) if pm else None


def _loads(data: str):
    """``json.loads``, through orjson when installed; json decides what orjson refuses
    (lone surrogates, integers beyond 64 bits), so the result is always json's."""
    try:
        return _fast_loads(data)
    except ValueError:
        return json.loads(data)
