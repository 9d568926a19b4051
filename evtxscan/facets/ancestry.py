"""``ancestry``: the parent chain, root first, with how each edge was resolved.

Flags a dns.exe whose parent is not services.exe and a dns.exe that is not
``C:\\Windows\\System32\\dns.exe`` (masquerading).  Answers "the execution chain" and
"the parent process tree" steps.
"""

from __future__ import annotations

from ..i18n import tr
from ..toolsets import DNS_EXPECTED_PARENT, DNS_SERVICE, DNS_SERVICE_PATH, tool_key
from .base import Facet, Subject, ev, join, sentences

#: Flag -> i18n key of its sentence in an answer (its mark on report tree lines is
#: ``mark.<flag>``).
FLAGS: dict[str, str] = {
    "unexpected_dns_parent": "facet.ancestry.unexpected_dns_parent",
    "masquerading": "facet.ancestry.masquerading",
}


def norm_image_path(path: str) -> str:
    """Lower-case Windows path with ``\\??\\``, ``%SystemRoot%`` and ``\\SystemRoot``
    spelled out, for comparing an image with where Windows installs it."""
    p = path.strip().strip('"').replace("/", "\\").lower()
    if p.startswith("\\??\\"):
        p = p[4:]
    for prefix in ("%systemroot%", "%windir%", "\\systemroot"):
        if p.startswith(prefix):
            p = "c:\\windows" + p[len(prefix):]
    return p


def compute(s: Subject) -> dict:
    """Parent chain root first, ending with the alerted process, and its flags."""
    graph, p = s.graph, s.process
    chain = list(reversed(graph.ancestors(p.node))) + [p]
    entries = []
    findings = []
    for i, q in enumerate(chain):
        entries.append({"name": q.name, "pid": q.pid, "executable": q.executable,
                        "entity_id": q.entity_id, "start": q.start_time,
                        "placeholder": q.placeholder, "how": q.parent_how,
                        "alerted": q is p})
        if tool_key(q.name) != DNS_SERVICE:
            continue
        parent = chain[i - 1] if i > 0 else None
        if parent is not None and parent.name and tool_key(parent.name) != DNS_EXPECTED_PARENT:
            findings.append({"flag": "unexpected_dns_parent", "name": q.name, "pid": q.pid,
                             "executable": q.executable, "entity_id": q.entity_id,
                             "parent": parent.name, "parent_pid": parent.pid,
                             "parent_executable": parent.executable})
        if "\\" in q.executable and norm_image_path(q.executable) != DNS_SERVICE_PATH:
            findings.append({"flag": "masquerading", "name": q.name, "pid": q.pid,
                             "executable": q.executable, "entity_id": q.entity_id,
                             "expected": "C:\\Windows\\System32\\dns.exe"})
    findings.sort(key=lambda f: (f["flag"], f["pid"] or 0, f["entity_id"]))
    return {"chain": entries, "flags": sorted({f["flag"] for f in findings}),
            "findings": findings}


def answer(tri: dict, lang: str, tz) -> str:
    a = tri["ancestry"]
    chain = " → ".join(ev(e["name"] or f"pid {e['pid']}") for e in a["chain"])
    hows = [e["how"] for e in a["chain"] if e["how"]]
    how = join([f"{h}×{hows.count(h)}" if hows.count(h) > 1 else h
                for h in dict.fromkeys(hows)], lang) or "-"
    parts = [tr("facet.ancestry.chain", lang, chain=chain, how=how)]
    for f in a["findings"]:
        parts.append(tr(FLAGS[f["flag"]], lang, name=ev(f["name"]), pid=f["pid"],
                        parent=ev(f.get("parent")), executable=ev(f.get("executable"))))
    return sentences(parts, lang)


def summary(value: dict) -> str | None:
    return "flags: " + ", ".join(value["flags"]) if value["flags"] else None


FACET = Facet("ancestry", compute, answer, words="facet.ancestry.words",
              label="facet.ancestry", caveats=("no_parent_names", "no_process_ends"),
              summary=summary)
