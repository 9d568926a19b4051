"""Every ECS document evtxscan writes is built in this package, and nowhere else.

Events sit in the graph as compact slotted objects (``evtxscan.normalize``); the nested
ECS dicts exist only while a rule matches or an output writes them.  One place builds
them so that rules, processes.jsonl, alerts.jsonl and the TUI's detail pane can never
disagree about a field:

``process``    the ``process``/``process.parent`` objects, the document of one start or
               end record, and a graph node's document (parent resolved through the
               graph) -- what rules see and processes.jsonl holds.
``alert``      an alert's document for alerts.jsonl.
``timesketch`` the fields Timesketch needs to import a line as is.
"""

from .alert import alert_doc
from .process import (SKELETON_FIELDS, event_doc, graph_parent_fields, parent_fields,
                      process_doc, process_fields, record_doc, skeleton)
from .timesketch import timesketch_fields

__all__ = [
    "SKELETON_FIELDS",
    "alert_doc",
    "event_doc",
    "graph_parent_fields",
    "parent_fields",
    "process_doc",
    "process_fields",
    "record_doc",
    "skeleton",
    "timesketch_fields",
]
