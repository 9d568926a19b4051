"""Helpers shared by both reader backends."""

from __future__ import annotations

from datetime import datetime, timezone


def iso_micro(ts: str) -> str:
    """Normalize an EVTX timestamp string to ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

    pyevtx-rs renders record timestamps with 7 fractional digits and a `` UTC`` suffix,
    and SystemTime with 6; FILETIME has 100 ns resolution.  We keep microseconds
    (truncating, never rounding, so both backends agree).
    """
    if not ts:
        return ""
    s = ts.split(" ")[0].rstrip("Z")
    if "." in s:
        base, frac = s.split(".", 1)
        frac = (frac + "000000")[:6]
    else:
        base, frac = s, "000000"
    return f"{base.replace(' ', 'T')}.{frac}Z"


def iso_from_datetime(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
