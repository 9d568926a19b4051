"""The JSON model of a record, as pyevtx-rs' ``records_json`` gives it after ``json.loads``.

Wanted records are rendered into this shape so that both readers go through one mapping
(``readers.common.from_json``) and yield equal ``RawRecord`` values: attributes under
``#attributes``, text under ``#text``, numbers as JSON numbers only when the content is
exactly one numeric value, ``Data`` items flattened by their ``Name``, repeated element
names suffixed ``_1``, ``_2`` (up to 64 distinct names, as pyevtx-rs does).
"""

from __future__ import annotations

from ..common import json_text as _text
from .nodes import Element, EntityRef, Value

_DATA_CONTAINERS = ("EventData", "UserData")
_MAX_UNIQUE_NAMES = 64  # pyevtx-rs stops suffixing (Header_1, ...) after 64 distinct names


def has_content(nodes: list) -> bool:
    for n in nodes:
        t = type(n)
        if t is str:
            if n:
                return True
        elif t is Value:
            if not n.empty:
                return True
        elif t is EntityRef:
            return True
    return False


def text_of(nodes: list) -> str:
    return "".join(n if type(n) is str else n.text for n in nodes if type(n) is not Element)


def content(nodes: list):
    """A JSON number when the content is exactly one numeric value, else its text."""
    if len(nodes) == 1 and type(nodes[0]) is Value and nodes[0].num is not None:
        return nodes[0].num
    return text_of(nodes)


def _content_skip_elements(nodes: list):
    single = None
    for n in nodes:
        t = type(n)
        if t is Element:
            continue
        if t is str:
            if n:
                return text_of(nodes)
        elif t is Value:
            if n.empty:
                continue
            if single is not None:
                return text_of(nodes)
            single = n
        else:
            return text_of(nodes)
    if single is not None and single.num is not None:
        return single.num
    return text_of(nodes)


def _json_attrs(attrs: list) -> dict:
    return {name: content(nodes) for name, nodes in attrs if has_content(nodes)}


def json_element(elem: Element, container: bool = False):
    has_text = has_content(elem.children)
    attrs_text = any(has_content(nodes) for _, nodes in elem.attrs)
    if not elem.has_elem and not has_text and not attrs_text:
        return None
    if not elem.has_elem and not attrs_text:
        return content(elem.children)
    return _json_body(elem, container)


def _data_value(elem: Element):
    if elem.has_elem:
        return _json_body(elem, False)
    if not has_content(elem.children):
        return ""
    return content(elem.children)


def _name_attr(elem: Element) -> list | None:
    for name, nodes in elem.attrs:
        if name == "Name":
            return nodes
    return None


def _json_body(elem: Element, container: bool) -> dict:
    out: dict = {}
    if elem.attrs:
        attrs = _json_attrs(elem.attrs)
        if attrs:
            out["#attributes"] = attrs
    if has_content(elem.children):
        out["#text"] = _content_skip_elements(elem.children)
    kids = [c for c in elem.children if type(c) is Element]
    data = [c for c in kids if c.name == "Data"] if container else []
    flatten = any((n := _name_attr(c)) is not None and has_content(n) for c in data)
    positional_done = False
    seen: dict[str, int] = {}
    for child in kids:
        if container and child.name == "Data":
            if flatten:
                name_nodes = _name_attr(child)
                if name_nodes is not None and has_content(name_nodes):
                    out[text_of(name_nodes)] = _data_value(child)
            elif not positional_done:
                positional_done = True
                if len(data) == 1:
                    out["Data"] = {"#text": _data_value(child)}
                else:
                    out["Data"] = {"#text": [_data_value(c) for c in data]}
            continue
        n = seen.get(child.name)
        if n is None:
            if len(seen) < _MAX_UNIQUE_NAMES:
                seen[child.name] = 1
            key = child.name
        else:
            seen[child.name] = n + 1
            key = f"{child.name}_{n}"
        out[key] = json_element(child, child.name in _DATA_CONTAINERS)
    return out


def record_json(root: Element) -> dict:
    return {root.name: json_element(root)}


def event_id_of(text: str) -> int | None:
    """System/EventID's text as a number, or None when it is not a plain decimal.

    The rust backend's regex reads only a bare JSON number: it misses an EventID that
    carries a Qualifiers attribute (``{"#attributes": {...}, "#text": 7036}``, classic
    providers) or that is text (``"4688"``, events forwarded by WEC).  We read both.
    """
    return int(text) if text.isascii() and text.isdigit() else None


def json_event_id(doc: dict) -> int | None:
    try:
        return event_id_of(_text(doc["Event"]["System"]["EventID"]))
    except (KeyError, TypeError):
        return None


def json_provider(doc: dict) -> str | None:
    try:
        prov = doc["Event"]["System"]["Provider"]
    except (KeyError, TypeError):
        return None
    if not isinstance(prov, dict) or next(iter(prov), None) != "#attributes":
        return None
    for key, value in prov["#attributes"].items():
        if key == "Name":
            return value if isinstance(value, str) else None
        if isinstance(value, str) and ("{" in value or "}" in value):
            return None  # the rust backend's regex cannot read past a brace
    return None
