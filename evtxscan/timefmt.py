"""Times stay UTC everywhere; only reports *display* them in another zone.

``--timezone`` accepts ``UTC``, ``+05:30``/``-0800`` style offsets (hayabusa users asked
for those) and IANA names (``Europe/Berlin``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2}):?(\d{2})?$", re.IGNORECASE)


def parse_timezone(text: str | None) -> tzinfo:
    if not text or text.upper() in ("UTC", "Z"):
        return timezone.utc
    m = _OFFSET.match(text.strip())
    if m:
        sign = 1 if m.group(1) == "+" else -1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise ValueError(f"invalid time zone offset: {text!r}")
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(text)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError
        raise ValueError(f"unknown time zone: {text!r} (use UTC, +05:30 or an IANA name)") from exc


def display(ts: str | None, tz: tzinfo = timezone.utc) -> str:
    """An ISO ``...Z`` timestamp shown in ``tz`` (ISO-8601 with offset; ``Z`` for UTC)."""
    if not ts:
        return ""
    try:
        dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return ts
    if tz is timezone.utc:
        return ts
    return dt.astimezone(tz).isoformat(timespec="microseconds")
