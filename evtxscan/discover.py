"""Find the event logs under the paths a responder gives us.

The walk itself lives in ``evtxscan.sources`` (folders, single logs, images, archives:
one place); this is the name the rest of the code and the tests know it by.
"""

from __future__ import annotations

from .sources import LogRef, SourceOptions, find

Found = LogRef


def discover(paths: list[str], options: SourceOptions = SourceOptions()) -> list[LogRef]:
    """Every log (and every path or container part that could not be used) under
    ``paths``, in a stable order."""
    return find(paths, options).logs
