"""Helpers shared by both reader backends."""

from __future__ import annotations

from ..records import RawRecord


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


# --- pyevtx-rs JSON -> RawRecord: one mapping for both backends ---------------------------
# The python-evtx backend renders wanted records into the same JSON shape pyevtx-rs
# produces, so both go through ``from_json`` and yield equal RawRecords.

def json_text(v: object) -> str:
    """Render a JSON value as Windows' XML renders it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):  # {"#attributes": ..., "#text": value}
        return json_text(v.get("#text"))
    if isinstance(v, list):
        return "".join(json_text(x) for x in v)
    return str(v)


def event_data(ev: dict) -> dict[str, str]:
    """EventData (or UserData) as ``Name -> text``.

    * Named ``<Data Name=..>`` items arrive flattened to keys.
    * Unnamed ``<Data>`` items (classic providers, e.g. MSSQL 18456) arrive as
      ``{"Data": {"#text": [..]}}``: each value becomes ``Data0``, ``Data1``, ...
    * UserData wraps its fields in one provider-specific element (1102's
      ``LogFileCleared``): its children are the fields.
    """
    ed = ev.get("EventData")
    if not isinstance(ed, dict) or not [k for k in ed if k != "#attributes"]:
        ud = ev.get("UserData")
        ed = ud if isinstance(ud, dict) else {}
        inner = [v for k, v in ed.items() if k != "#attributes"]
        if len(inner) == 1 and isinstance(inner[0], dict):
            ed = inner[0]
    out: dict[str, str] = {}
    for k, v in ed.items():
        if k == "#attributes":
            continue
        if k == "Data" and isinstance(v, (list, dict)):
            items = v if isinstance(v, list) else [v]
            if len(items) == 1 and isinstance(items[0], dict) and "#attributes" not in items[0] \
                    and isinstance(items[0].get("#text"), list):
                items = items[0]["#text"]
            for i, item in enumerate(items):
                if isinstance(item, dict) and "#attributes" in item:
                    name = item["#attributes"].get("Name") or f"Data{i}"
                    out[name] = json_text(item.get("#text"))
                else:
                    out[f"Data{i}"] = json_text(item)
            continue
        out[k] = v if type(v) is str else json_text(v)  # most values are text already
    return out


def _attr(elem: object, name: str) -> str:
    """An attribute's text.  In a damaged record a value may change type (a number where a
    SID or a time should be) or an element may have no attribute map at all."""
    attrs = elem.get("#attributes") if type(elem) is dict else None
    if type(attrs) is not dict:
        return ""
    v = attrs.get(name)
    return v if type(v) is str else json_text(v)


def from_json(doc: dict, record_id: int, recovered: bool = False) -> RawRecord:
    ev = doc["Event"]
    sysn = ev["System"]
    eid, ver, rid = sysn.get("EventID"), sysn.get("Version"), sysn.get("EventRecordID")
    chan, comp = sysn.get("Channel"), sysn.get("Computer")
    created = _attr(sysn.get("TimeCreated"), "SystemTime")
    return RawRecord(
        # the usual types first (an int, a string); json_text for whatever else a
        # damaged or unusual record holds
        record_id=int(rid or record_id),
        event_id=eid if type(eid) is int else int(json_text(eid)),
        version=ver if type(ver) is int else int(json_text(ver) or 0),
        provider=_attr(sysn.get("Provider"), "Name"),
        channel=chan if type(chan) is str else json_text(chan),
        computer=comp if type(comp) is str else json_text(comp),
        time_created=created if len(created) == 27 and created[19] == "." and created[26] == "Z"
        and created[10] == "T" else iso_micro(created),
        user_sid=_attr(sysn.get("Security"), "UserID"),
        data=event_data(ev),
        recovered=recovered,
    )
