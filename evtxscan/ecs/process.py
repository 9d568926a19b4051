"""ECS documents of process starts and ends: what rules see and processes.jsonl holds.

A process is seen by the rules and written to processes.jsonl through the *graph*: its
parent fields are the record's own, filled from the parent the graph resolved (4688 v0/v1
records name no parent, yet ``process.parent.name : "dns.exe"`` must fire there).  The
record-level document (``event_doc``) and the graph-level one (``process_doc``) are
built by the same functions so they cannot drift apart.
"""

from __future__ import annotations

from ..normalize import ProcEvent, Source, name_of, split_args

#: Keys ``parent_fields`` can give: pid, entity_id, executable, name, command_line, args,
#: args_count.  A record that already has all of them gains nothing from the graph.
_PARENT_FIELDS = 7

#: fields ``skeleton`` holds, with the values ``process_doc`` gives them
SKELETON_FIELDS = frozenset({("process", "name"), ("process", "executable"),
                             ("process", "parent", "name"),
                             ("process", "parent", "executable")})


def _put(d: dict, key: str, value: object) -> None:
    if value is not None and value != "":
        d[key] = value


def process_fields(ev: ProcEvent) -> dict:
    """The ECS ``process`` object (without parent) of one start event."""
    # ``_put`` written out: this runs twice per process (rules, processes.jsonl)
    p: dict = {}
    v = ev.pid
    if v is not None:
        p["pid"] = v
    if ev.entity_id:
        p["entity_id"] = ev.entity_id
    exe = ev.executable
    if exe:
        p["executable"] = exe
        name = name_of(exe)
        if name:
            p["name"] = name
    cmd = ev.command_line
    if cmd is not None:
        p["command_line"] = cmd
        args = split_args(cmd)
        if args:
            p["args"] = list(args)
            p["args_count"] = len(args)
    if ev.working_directory:
        p["working_directory"] = ev.working_directory
    if ev.hashes:
        p["hash"] = dict(ev.hashes)
    extra = ev.extra
    if extra:
        pe = extra.get("pe")
        if pe is not None:
            p["pe"] = dict(pe)  # type: ignore[arg-type]
        elevation = extra.get("elevation_type")
    else:
        elevation = None
    token: dict = {}
    _put(token, "integrity_level_name", ev.integrity)
    _put(token, "elevation_type", elevation)
    if token:
        p["Ext"] = {"token": token}
    return p


def parent_fields(pid: int | None, executable: str | None, command_line: str | None,
                  entity_id: str | None) -> dict:
    """The ECS ``process.parent`` object from what is known of a parent."""
    p: dict = {}
    if pid is not None:
        p["pid"] = pid
    if entity_id:
        p["entity_id"] = entity_id
    if executable:
        p["executable"] = executable
        name = name_of(executable)
        if name:
            p["name"] = name
    if command_line:
        p["command_line"] = command_line
        args = split_args(command_line)
        if args:
            p["args"] = list(args)
            p["args_count"] = len(args)
    return p


def event_doc(ev: ProcEvent, parent: dict | None = None, *,
              sources: list[Source] | None = None) -> dict:
    """The nested ECS document of one process start/end record.

    ``parent`` overrides the record's own parent fields (the graph passes what it
    resolved, so 4688 v0/v1 events gain ``process.parent.name``).
    """
    proc = process_fields(ev)
    par = parent if parent is not None else parent_fields(
        ev.parent_pid, ev.parent_executable, ev.parent_command_line, ev.parent_entity_id)
    if par:
        proc["parent"] = par
    doc: dict = {
        "@timestamp": ev.timestamp,
        "host": {"name": ev.host, "os": {"type": "windows", "family": "windows"}},
        "event": {
            "kind": "event",
            "category": ["process"],
            "type": ["start"] if ev.kind == "start" else ["end"],
            "code": str(ev.source.event_id),
            "provider": ev.provider,
            "module": "sysmon" if ev.is_sysmon else "security",
            "dataset": "windows.sysmon_operational" if ev.is_sysmon else "system.security",
        },
        "process": proc,
    }
    user: dict = {}
    _put(user, "name", ev.user_name)
    _put(user, "domain", ev.user_domain)
    _put(user, "id", ev.user_id)
    extra = ev.extra or {}
    eff = extra.get("effective_user")
    if eff:
        user["effective"] = {k: v for k, v in eff.items() if v}  # type: ignore[union-attr]
    if user:
        doc["user"] = user
    winlog: dict = {"channel": ev.source.channel, "record_id": ev.source.record_id,
                    "event_id": ev.source.event_id, "provider_name": ev.provider,
                    "computer_name": ev.host, "version": ev.version}
    if ev.logon_id:
        winlog["logon"] = {"id": ev.logon_id}
    doc["winlog"] = winlog
    srcs = sources if sources is not None else [ev.source]
    listed = [s.to_json() for s in srcs]
    doc["evtxscan"] = {"source": dict(listed[0]), "sources": listed}
    return doc


# ---------------------------------------------------------------------- graph nodes
def graph_parent_fields(graph, node: int) -> dict:
    """ECS ``process.parent`` of a node: the record's own fields, filled from the graph."""
    p = graph[node]
    ev = p.primary
    par = graph.parent(node)
    rec = parent_fields(ev.parent_pid, ev.parent_executable, ev.parent_command_line,
                        ev.parent_entity_id) if ev else {}
    if par is not None and len(rec) < _PARENT_FIELDS:  # else the graph adds nothing
        known = parent_fields(par.pid, par.executable or None, par.cmdline(), par.entity_id)
        for k, v in known.items():
            rec.setdefault(k, v)
    return rec


def skeleton(graph, node: int) -> dict:
    """The part of ``process_doc`` a rule prefilter looks at (``SKELETON_FIELDS``), at a
    fraction of its cost."""
    exe = graph[node].primary.executable
    proc: dict = {"parent": graph_parent_fields(graph, node)}
    if exe:
        proc["executable"] = exe
        name = name_of(exe)
        if name:
            proc["name"] = name
    return {"event": {"category": ["process"]}, "process": proc}


def process_doc(graph, node: int) -> dict:
    """The ECS document of a process: its primary start record, parent fields resolved
    through the graph, every source record, and how the parent was found."""
    p = graph[node]
    ev = p.primary
    if ev is None:
        raise ValueError(f"node {node} is a placeholder")
    doc = event_doc(ev, graph_parent_fields(graph, node), sources=p.sources)
    doc["process"]["entity_id"] = p.entity_id
    if p.end_time:
        doc["process"]["end"] = p.end_time
    doc["process"]["start"] = p.start_time
    doc["evtxscan"]["parent_resolution"] = p.parent_how or "none"
    return doc


def record_doc(graph, ev: ProcEvent, node: int) -> dict:
    """The processes.jsonl document of one start record ``ev`` of ``node``: the node's
    document for its primary record, else the record's own fields with the node's
    parent, entity id and resolution (a process logged by Sysmon and Security is two
    lines with one ``process.entity_id``).  ``evtxscan.source`` names this record."""
    p = graph[node]
    if ev is p.primary:
        doc = process_doc(graph, node)
    else:
        doc = event_doc(ev, graph_parent_fields(graph, node), sources=p.sources)
        doc["process"]["entity_id"] = p.entity_id
        doc["evtxscan"]["parent_resolution"] = p.parent_how or "none"
    doc["evtxscan"]["source"] = ev.source.to_json()
    return doc
