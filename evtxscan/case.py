"""The case file: a responder's progress through each alert's checklist.

One JSON file (indented, UTF-8, keys in a fixed order so that diffs read well) holding,
per alert (keyed by the stable ``alert.id``): who/what/where for humans, the state of each
checklist item (``open`` / ``done`` / ``n/a``), the responder's notes, and a timestamped
history of every change.  It also holds a fingerprint of the evidence (path, sha256 and
size per file), so reopening it over changed evidence says what changed.

Rules this module keeps:
* Nothing the responder wrote is ever dropped.  Alerts that no longer fire are kept and
  marked ``orphaned``; checklist items a new guide no longer has are kept and marked too.
* Writes are atomic (temp file in the same folder, fsync, ``os.replace``), and a save
  that would not change the bytes does not touch the file: an unchanged rescan leaves the
  case byte-for-byte identical.
* The case never lives inside the evidence (``CaseError`` names both paths).
* Times are UTC ISO-8601 with a ``Z``.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .atomicfile import exclusive_lock, write_bytes
from .checklist import checklist
from .textsafe import printable

STATES = ("open", "done", "n/a")
#: what the responder decided about an alert, as Elastic's alert workflow has it
ALERT_STATUSES = ("open", "acknowledged", "true_positive", "false_positive", "benign")
FORMAT = "evtxscan-case"
VERSION = 1


#: The case file's name in a case folder (OUTDIR).
CASE_NAME = "case.json"


def case_path(outdir, case=None) -> Path:
    """Where ``scan`` and ``tui`` keep the case: one rule for both.  ``--case FILE`` when
    given, else ``OUTDIR/case.json`` (``-o OUTDIR``), so ``scan EVIDENCE -o case1`` and
    ``tui EVIDENCE -o case1`` work in the same ``case1/case.json``; alerts exported from
    the TUI go to OUTDIR beside it (``evtxscan-alert-<id>.md``, which a scan carries over
    when it replaces the folder's outputs)."""
    return Path(case) if case else Path(outdir) / CASE_NAME


class CaseError(ValueError):
    """The case file cannot be used (where it is, or what it holds); says which and why."""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_outside_evidence(path: Path, roots) -> None:
    """Raise ``CaseError`` when ``path`` is an evidence file or lies inside an evidence
    folder: analysis must never write into what it analyses."""
    p = Path(path).resolve()
    for root in roots:
        if not root:
            continue
        r = Path(root).resolve()
        if not r.exists():
            continue
        if p == r or (r.is_dir() and r in p.parents):
            raise CaseError(f"case file {p} is inside the evidence {r}; "
                            "keep it next to the output instead (choose another --case)")


def fingerprint(analysis) -> list[dict]:
    """Path, sha256 and size of every evidence file, sorted by path."""
    return sorted(({"path": r.path, "sha256": r.sha256, "size": r.size}
                   for r in analysis.reports), key=lambda f: f["path"])


def _alert_summary(alert) -> dict:
    p = alert.process
    return {"rule_id": alert.rule.rule_id, "rule_name": alert.rule.name,
            "host": alert.host, "time": alert.timestamp,
            "process": printable(alert.process_line()),
            "command_line": printable(p.cmdline()) if p.cmdline() else None}


def _describe(entry: dict) -> str:
    return printable(f"{entry.get('time', '')} {entry.get('host', '')} "
                     f"{entry.get('rule_name', '')}: {entry.get('process', '')}")


def _new_item() -> dict:
    return {"state": "open", "note": "", "history": []}


def _shape_problem(data: dict) -> str | None:
    """What is wrong with a case file's structure (None: usable).  Optional parts that
    are missing are filled in, so a hand-edited or older file never breaks a reader
    later (an item without ``history`` once crashed the TUI on its next change)."""
    for key, kind, default in (("evidence", dict, {"files": []}), ("alerts", dict, {}),
                               ("history", list, [])):
        value = data.setdefault(key, default)
        if not isinstance(value, kind):
            return f"'{key}' must be {_KIND[kind]}, not {type(value).__name__}"
    if not isinstance(data["evidence"].setdefault("files", []), list):
        return "'evidence.files' must be a list"
    for aid, entry in data["alerts"].items():
        if not isinstance(entry, dict):
            return f"alert {aid!r} must be an object"
        for key, kind, default in (("note", str, ""), ("note_history", list, []),
                                   ("items", dict, {})):
            value = entry.setdefault(key, default)
            if not isinstance(value, kind):
                return f"alert {aid!r}: '{key}' must be {_KIND[kind]}"
        if not isinstance(entry.get("status_history", []), list):
            return f"alert {aid!r}: 'status_history' must be a list"
        if entry.get("alert_status", "open") not in ALERT_STATUSES:
            return f"alert {aid!r}: unknown alert_status {entry['alert_status']!r}"
        for iid, item in entry["items"].items():
            if not isinstance(item, dict):
                return f"alert {aid!r} item {iid!r} must be an object"
            for key, kind, default in (("state", str, "open"), ("note", str, ""),
                                       ("history", list, [])):
                value = item.setdefault(key, default)
                if not isinstance(value, kind):
                    return f"alert {aid!r} item {iid!r}: '{key}' must be {_KIND[kind]}"
            if item["state"] not in STATES:
                return f"alert {aid!r} item {iid!r}: unknown state {item['state']!r}"
    return None


_KIND = {dict: "an object", list: "a list", str: "text"}


class Case:
    """A case file bound to one analysis.  Every setter saves immediately."""

    def __init__(self, path: Path, data: dict, changes: list[str] | None = None) -> None:
        self.path = Path(path)
        self.data = data
        self.changes: list[str] = list(changes or [])

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path, analysis, evidence_roots: list[str] = (), *,
             save: bool = True) -> Case:
        """Load the case at ``path`` (or start one) and reconcile it with ``analysis``.

        ``changes`` then lists what changed in the evidence since the case was last
        saved.  ``save=False`` leaves the file untouched (reports read a case this way).
        """
        path = Path(path)
        check_outside_evidence(path, list(evidence_roots) + list(analysis.paths))
        case = cls(path, {})
        with case._locked(save):
            if path.exists():
                data = cls._load(path)
                fresh = False
            else:
                data = {"format": FORMAT, "version": VERSION, "created": utc_now(),
                        "evidence": {"files": []}, "alerts": {}, "history": []}
                fresh = True
            case.data = data
            case.changes = case._reconcile(analysis, fresh)
            if save:
                case._write()
        return case

    @contextmanager
    def _locked(self, enabled: bool = True):
        """The case file's lock: one writer at a time, whoever they are -- this TUI, a
        second one, the Python API.  Held only while one change is read, applied and
        written; the lock file is removed when it is released."""
        if not enabled:
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.path.with_name(f".{self.path.name}.lock")):
            yield

    def _change(self, apply) -> None:
        """Apply one change to the case as it is on disk *now*, under the lock: what
        another writer saved meanwhile is read first and kept, never overwritten by this
        object's older copy.  ``apply(data)`` returns False when nothing changed."""
        with self._locked():
            if self.path.exists():
                self.data = self._load(self.path)
            if apply(self.data) is not False:
                self._write()

    @classmethod
    def check(cls, path: Path) -> None:
        """Raise ``CaseError`` when an existing file at ``path`` is not a usable case file
        (so a scan can say so before it reads any evidence)."""
        if Path(path).exists():
            cls._load(Path(path))

    @staticmethod
    def _load(path: Path) -> dict:
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CaseError(f"cannot read case file {path}: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CaseError(f"{path} is not an evtxscan case file; not touching it")
        if not isinstance(data.get("version"), int) or data["version"] > VERSION:
            raise CaseError(f"{path} was written by a newer evtxscan "
                            f"(case version {data.get('version')}); not touching it")
        problem = _shape_problem(data)
        if problem:
            raise CaseError(f"{path} is damaged ({problem}); not touching it")
        return data

    def _reconcile(self, analysis, fresh: bool) -> list[str]:
        changes: list[str] = []
        old_files = {f["path"]: f for f in self.data["evidence"].get("files", [])}
        new_files = {f["path"]: f for f in fingerprint(analysis)}
        if not fresh:
            for p in sorted(new_files.keys() - old_files.keys()):
                changes.append(f"file added: {printable(p)}")
            for p in sorted(old_files.keys() - new_files.keys()):
                changes.append(f"file removed: {printable(p)}")
            for p in sorted(new_files.keys() & old_files.keys()):
                a, b = old_files[p], new_files[p]
                if a.get("sha256") != b["sha256"] or a.get("size") != b["size"]:
                    changes.append(f"file changed: {printable(p)} (sha256 "
                                   f"{(a.get('sha256') or '-')[:12]} -> {(b['sha256'] or '-')[:12]}, "
                                   f"size {a.get('size')} -> {b['size']})")
        self.data["evidence"]["files"] = [new_files[p] for p in sorted(new_files)]

        old_alerts: dict = self.data["alerts"]
        current = {a.id: a for a in analysis.alerts}
        merged: dict[str, dict] = {}
        for aid, alert in current.items():
            entry = old_alerts.get(aid)
            summary = _alert_summary(alert)
            if entry is None:
                entry = {**summary, "status": "active", "note": "", "note_history": [],
                         "items": {}}
                if not fresh:
                    changes.append(f"alert new: {_describe(entry)}")
            else:
                if entry.get("status") == "orphaned":
                    changes.append(f"alert back: {_describe(entry)}")
                entry = {**entry, **summary, "status": "active"}
                entry.pop("orphaned_since", None)
            entry["items"] = self._merge_items(entry.get("items", {}), alert)
            merged[aid] = entry
        for aid, entry in old_alerts.items():
            if aid in current:
                continue
            if entry.get("status") != "orphaned":
                entry = {**entry, "status": "orphaned", "orphaned_since": utc_now()}
                changes.append(f"alert gone (kept, marked orphaned): {_describe(entry)}")
            merged[aid] = entry
        order = sorted(merged, key=lambda k: (merged[k].get("time", ""),
                                              merged[k].get("host", ""), k))
        self.data["alerts"] = {k: self._ordered(merged[k]) for k in order}
        if changes:
            self.data["history"].append({"at": utc_now(), "evidence_changes": changes})
        return changes

    @staticmethod
    def _merge_items(items: dict, alert) -> dict:
        out: dict[str, dict] = {}
        ids = [it.id for it in checklist(alert.rule)]
        for iid in ids:
            item = dict(items.get(iid) or _new_item())
            item.pop("orphaned", None)
            out[iid] = item
        for iid, item in items.items():
            if iid not in out:
                out[iid] = {**item, "orphaned": True}
        return out

    @staticmethod
    def _ordered(entry: dict) -> dict:
        keys = ("rule_id", "rule_name", "host", "time", "process", "command_line", "status",
                "orphaned_since", "alert_status", "status_history", "note", "note_history",
                "items")
        out = {k: entry[k] for k in keys if k in entry}
        out.update({k: v for k, v in entry.items() if k not in out})
        return out

    # ------------------------------------------------------------------ reading
    def entry(self, alert_id: str) -> dict | None:
        return self.data["alerts"].get(alert_id)

    def _item(self, alert_id: str, item_id: str) -> dict | None:
        entry = self.entry(alert_id)
        return entry["items"].get(item_id) if entry else None

    def state(self, alert_id: str, item_id: str) -> str:
        item = self._item(alert_id, item_id)
        return item["state"] if item else "open"

    def note(self, alert_id: str, item_id: str) -> str:
        item = self._item(alert_id, item_id)
        return item.get("note", "") if item else ""

    def alert_note(self, alert_id: str) -> str:
        entry = self.entry(alert_id)
        return entry.get("note", "") if entry else ""

    def progress(self, alert_id: str) -> tuple[int, int]:
        """(items done or not applicable, items in the current checklist)."""
        entry = self.entry(alert_id)
        if not entry:
            return (0, 0)
        items = [i for i in entry["items"].values() if not i.get("orphaned")]
        return (sum(i["state"] in ("done", "n/a") for i in items), len(items))

    # ------------------------------------------------------------------ writing
    def set_state(self, alert_id: str, item_id: str, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}")

        def apply(data: dict):
            item = _entry_in(data, alert_id, self.path)["items"].setdefault(item_id, _new_item())
            if item["state"] == state:
                return False
            item["history"].append({"at": utc_now(), "state": state, "was": item["state"]})
            item["state"] = state
        self._change(apply)

    def set_note(self, alert_id: str, item_id: str, text: str) -> None:
        def apply(data: dict):
            item = _entry_in(data, alert_id, self.path)["items"].setdefault(item_id, _new_item())
            if item.get("note", "") == text:
                return False
            item["note"] = text
            item["history"].append({"at": utc_now(), "note": "edited" if text else "cleared"})
        self._change(apply)

    def set_alert_note(self, alert_id: str, text: str) -> None:
        def apply(data: dict):
            entry = _entry_in(data, alert_id, self.path)
            if entry.get("note", "") == text:
                return False
            entry["note"] = text
            entry.setdefault("note_history", []).append(
                {"at": utc_now(), "note": "edited" if text else "cleared"})
        self._change(apply)

    def alert_status(self, alert_id: str) -> str:
        entry = self.entry(alert_id)
        return entry.get("alert_status", "open") if entry else "open"

    def set_alert_status(self, alert_id: str, status: str) -> None:
        """What the responder decided about the alert (``ALERT_STATUSES``)."""
        if status not in ALERT_STATUSES:
            raise ValueError(f"alert status must be one of {', '.join(ALERT_STATUSES)}, "
                             f"not {status!r}")

        def apply(data: dict):
            entry = _entry_in(data, alert_id, self.path)
            was = entry.get("alert_status", "open")
            if was == status:
                return False
            entry["alert_status"] = status
            entry.setdefault("status_history", []).append(
                {"at": utc_now(), "status": status, "was": was})
        self._change(apply)

    def dumps(self) -> bytes:
        """The file's bytes.  Lone surrogates from evidence become ``\\udXXX`` escapes,
        which JSON reads back as the same code units."""
        text = json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"
        return text.encode("utf-8", "backslashreplace")

    def save(self) -> None:
        """Write the case as this object holds it (under the lock)."""
        with self._locked():
            self._write()

    def _write(self) -> None:
        """Write atomically; a no-op when the file already holds these bytes."""
        data = self.dumps()
        try:
            if self.path.read_bytes() == data:
                return
        except OSError:
            pass
        write_bytes(self.path, data, durable=True, mode=0o600)  # a responder's notes


def _entry_in(data: dict, alert_id: str, path: Path) -> dict:
    entry = data["alerts"].get(alert_id)
    if entry is None:
        raise KeyError(f"no alert {alert_id!r} in case {path}")
    return entry
