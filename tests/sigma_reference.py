"""An independent Sigma evaluator for the agreement tests.

It reads a rule's YAML with PyYAML and evaluates the detection maps directly over
``processes.jsonl`` documents, written from Sigma's specification: none of evtxscan's
rule code (no pySigma, no compiler, no field-mapping module) is used, so the two only
agree when both read the rules the same way.  Python's ``re`` is fine here: the rules
are SigmaHQ's and the documents a handful of samples.

Field readings follow Sigma's Windows pipelines as the README of ``evtxscan/rules``
states them: Sysmon 1 names as written; a Security 4688 record calls ``Image``
``NewProcessName`` etc., has no ``OriginalFileName``/``Hashes``/``CurrentDirectory``, and
its parent comes from the process graph.
"""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any

SYSMON = "Microsoft-Windows-Sysmon"


class Unsupported(Exception):
    """The reference does not evaluate this construct."""


# --------------------------------------------------------------------------- fields

KNOWN_FIELDS = frozenset({
    "Image", "ParentImage", "CommandLine", "ParentCommandLine", "User", "LogonId", "EventID",
    "Provider_Name", "Channel", "OriginalFileName", "Description", "Product", "Company",
    "FileVersion", "CurrentDirectory", "Hashes", "IntegrityLevel", "ProcessId",
    "ParentProcessId"})


def _get(doc: dict, dotted: str) -> Any:
    value: Any = doc
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _s(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


_INTEGRITY_TEXT = {"low": "Low", "medium": "Medium", "high": "High", "system": "System",
                   "untrusted": "Untrusted", "appcontainer": "AppContainer"}
_INTEGRITY_SID = {"untrusted": "S-1-16-0", "low": "S-1-16-4096", "medium": "S-1-16-8192",
                  "high": "S-1-16-12288", "system": "S-1-16-16384", "protected": "S-1-16-20480"}


def record_fields(doc: dict) -> dict[str, str | None]:
    """Every field a rule may read, for one processes.jsonl document (computed once per
    document; the compiled tests read this dict)."""
    return {field: _field_value(doc, field) for field in KNOWN_FIELDS}


def _field_value(doc: dict, field: str) -> str | None:
    sysmon = _get(doc, "event.provider") == SYSMON
    user_name, user_domain = _get(doc, "user.name"), _get(doc, "user.domain")
    integrity = _get(doc, "process.Ext.token.integrity_level_name")
    pid, ppid = _get(doc, "process.pid"), _get(doc, "process.parent.pid")
    common = {
        "Image": _get(doc, "process.executable"),
        "ParentImage": _get(doc, "process.parent.executable"),
        "CommandLine": _get(doc, "process.command_line"),
        "ParentCommandLine": _get(doc, "process.parent.command_line"),
        "User": f"{user_domain}\\{user_name}" if user_domain and user_name else user_name,
        "LogonId": _get(doc, "winlog.logon.id"),
        "EventID": _get(doc, "winlog.event_id"),
        "Provider_Name": _get(doc, "winlog.provider_name"),
        "Channel": _get(doc, "winlog.channel"),
    }
    if sysmon:
        hashes = [f"{k.upper()}={v.upper()}" for k in ("sha1", "md5", "sha256")
                  if (v := _get(doc, f"process.hash.{k}"))]
        if _get(doc, "process.pe.imphash"):
            hashes.append("IMPHASH=" + _get(doc, "process.pe.imphash").upper())
        own = {
            "OriginalFileName": _get(doc, "process.pe.original_file_name"),
            "Description": _get(doc, "process.pe.description"),
            "Product": _get(doc, "process.pe.product"),
            "Company": _get(doc, "process.pe.company"),
            "FileVersion": _get(doc, "process.pe.file_version"),
            "CurrentDirectory": _get(doc, "process.working_directory"),
            "Hashes": ",".join(hashes) or None,
            "IntegrityLevel": _INTEGRITY_TEXT.get(integrity, integrity),
            "ProcessId": pid, "ParentProcessId": ppid,
        }
    else:
        own = {
            "IntegrityLevel": _INTEGRITY_SID.get(integrity),
            "ProcessId": hex(pid) if isinstance(pid, int) else pid,
            "ParentProcessId": hex(ppid) if isinstance(ppid, int) else ppid,
        }
    if field in own:
        return _s(own[field])
    if field in common:
        return _s(common[field])
    return None  # a field the record kind does not have (4688: OriginalFileName...)


# --------------------------------------------------------------------------- values


def _glob_regex(value: str) -> str:
    """Sigma wildcards: ``*`` ``?``; a backslash escapes ``*``, ``?`` and itself only."""
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def _windash(value: str) -> list[str]:
    positions = [m.start() for m in re.finditer(r"\B[-/]\b", value)]
    variants = ("-", "/", "\u2013", "\u2014", "\u2015")
    out = []
    for choice in itertools.product(variants, repeat=len(positions)):
        chars = list(value)
        for pos, dash in zip(positions, choice):
            chars[pos] = dash
        out.append("".join(chars))
    return out


def _base64offset(value: str) -> list[str]:
    data = value.encode()
    out = []
    for shift in range(3):
        encoded = base64.b64encode(b" " * shift + data).decode()
        start = (0, 2, 3)[shift]
        end = (None, -3, -2)[(len(data) + shift) % 3]
        out.append(encoded[start:end])
    return out


def _item(field: str, mods: list[str], raw: Any):
    """One value of a detection item, compiled: ``test(doc)``."""
    for name in (field, raw) if "fieldref" in mods else (field,):
        if name not in KNOWN_FIELDS:
            raise Unsupported(f"field {name}")
    if "fieldref" in mods:
        def fieldref(doc: dict) -> bool:
            mine, other = doc[field], doc[raw]
            if mine is None or other is None:
                return False
            mine, other = mine.lower(), other.lower()
            if "contains" in mods:
                return other in mine
            if "startswith" in mods:
                return mine.startswith(other)
            if "endswith" in mods:
                return mine.endswith(other)
            return mine == other
        return fieldref
    if raw is None:
        return lambda doc: not doc[field]
    if "re" in mods:
        flags = (re.I if "i" in mods else 0) | (re.M if "m" in mods else 0) | \
            (re.S if "s" in mods else 0)
        regex = re.compile(raw, flags)
        return lambda doc: (v := doc[field]) is not None and \
            regex.search(v) is not None
    if isinstance(raw, bool):
        return lambda doc: (v := doc[field]) is not None and \
            v.lower() == str(raw).lower()
    if isinstance(raw, (int, float)):
        return lambda doc: doc[field] == str(raw)
    if not isinstance(raw, str):
        raise Unsupported(f"value {raw!r}")
    return _strings(field, mods, [raw])


def _strings(field: str, mods: list[str], raws: list[str]):
    """String values of one item, OR-ed, compiled into one regex."""
    unknown = set(mods) - {"contains", "startswith", "endswith", "all", "windash",
                           "base64offset", "cased"}
    if unknown:
        raise Unsupported(f"modifiers {sorted(unknown)}")
    candidates = list(raws)
    if "windash" in mods:
        candidates = [v for c in candidates for v in _windash(c)]
    if "base64offset" in mods:
        candidates = [v for c in candidates for v in _base64offset(c)]
    patterns = [_glob_regex(c) if "base64offset" not in mods else re.escape(c)
                for c in candidates]
    joined = "|".join(f"(?:{p})" for p in patterns)
    flags = re.S | (0 if "cased" in mods else re.I)
    if "contains" in mods:
        find = re.compile(joined, flags).search
    elif "startswith" in mods:
        find = re.compile(joined, flags).match
    elif "endswith" in mods:
        find = re.compile(f"(?:{joined})\\Z", flags).search
    else:
        find = re.compile(joined, flags).fullmatch
    return lambda doc: (v := doc[field]) is not None and find(v) is not None


def _map(selection: dict):
    items = []
    for key, values in selection.items():
        field, *mods = key.split("|")
        values = values if isinstance(values, list) else [values]
        plain = [v for v in values if isinstance(v, str) and isinstance(v, str)
                 and not {"re", "fieldref"} & set(mods)]
        if "all" not in mods and plain:
            for name in (field,):
                _item(field, mods, plain[0])  # the same field and modifier checks
            tests = [_strings(field, mods, plain)]
            tests += [_item(field, mods, v) for v in values if v not in plain]
        else:
            tests = [_item(field, mods, v) for v in values]
        items.append(("all" in mods, tests))

    def test(doc: dict) -> bool:
        for every, tests in items:
            if every:
                for t in tests:
                    if not t(doc):
                        return False
            else:
                for t in tests:
                    if t(doc):
                        break
                else:
                    return False
        return True

    return test


def _selection(selection: Any):
    if isinstance(selection, dict):
        return _map(selection)
    if isinstance(selection, list) and all(isinstance(s, dict) for s in selection):
        return _any([_map(s) for s in selection])
    raise Unsupported("keyword selection")


# --------------------------------------------------------------------------- condition

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9_*\-]+)")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"condition {text!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def _any(tests: list):
    if len(tests) == 1:
        return tests[0]

    def some(doc: dict) -> bool:
        for t in tests:
            if t(doc):
                return True
        return False

    return some


def _all(tests: list):
    if len(tests) == 1:
        return tests[0]

    def every(doc: dict) -> bool:
        for t in tests:
            if not t(doc):
                return False
        return True

    return every


class _Condition:
    """Recursive descent: or < and < not < atom (``x``, ``1 of x*``, ``all of them``);
    builds ``test(doc)``."""

    def __init__(self, text: str, selections: dict) -> None:
        self.tokens, self.pos, self.selections = _tokens(text), 0, selections

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self):
        test = self.or_()
        if self.peek() is not None:
            raise Unsupported("trailing condition text")
        return test

    def or_(self):
        terms = [self.and_()]
        while self.peek() == "or":
            self.take()
            terms.append(self.and_())
        return _any(terms)

    def and_(self):
        terms = [self.not_()]
        while self.peek() == "and":
            self.take()
            terms.append(self.not_())
        return _all(terms)

    def not_(self):
        if self.peek() == "not":
            self.take()
            inner = self.not_()
            return lambda doc: not inner(doc)
        return self.atom()

    def atom(self):
        token = self.take()
        if token == "(":
            inner = self.or_()
            if self.take() != ")":
                raise Unsupported("unbalanced parentheses")
            return inner
        if token in ("1", "any", "all") and self.peek() == "of":
            self.take()
            pattern = self.take()
            chosen = [self.selections[n] for n in self.selections
                      if pattern == "them" or re.fullmatch(pattern.replace("*", ".*"), n)]
            return _all(chosen) if token == "all" else _any(chosen)
        return self.selections[token]


def compile_rule(rule: dict):
    """``test(fields)``: does the Sigma rule (parsed YAML) match the processes.jsonl
    document whose ``record_fields`` are given?  Raises ``Unsupported`` for what this
    reference does not evaluate."""
    detection = rule["detection"]
    selections = {name: _selection(body) for name, body in detection.items()
                  if name != "condition" and not name.startswith("_")}
    conditions = detection["condition"]
    conditions = conditions if isinstance(conditions, list) else [conditions]
    return _any([_Condition(c, selections).parse() for c in conditions])
