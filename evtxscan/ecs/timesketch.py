"""The three fields Timesketch needs to import a JSONL line as is.

Timesketch rejects a whole file whose first line lacks ``message``, ``datetime`` or
``timestamp_desc``; they are added to processes.jsonl lines beside the ECS fields.
"""

from __future__ import annotations


def timesketch_fields(doc: dict) -> dict:
    proc = doc.get("process", {})
    par = proc.get("parent", {})
    msg = (f"{proc.get('name', '?')} (pid {proc.get('pid', '?')}) started by "
           f"{par.get('name', '?')} (pid {par.get('pid', '?')}) on {doc['host']['name']}")
    if proc.get("command_line"):
        msg += f": {proc['command_line']}"
    return {"message": msg, "datetime": doc["@timestamp"], "timestamp_desc": "Process Start"}
