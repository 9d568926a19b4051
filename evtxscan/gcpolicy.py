"""When evtxscan keeps Python's cyclic garbage collector out of the way, and why.

The stages build millions of long-lived objects (events, graph nodes, documents) and
hardly any reference cycles.  The collector would walk the growing heap again and again
(5-7 % of a scan), and in a forked output child it would touch -- and so copy -- every
page of the parent.  So the collector is paused while the objects are made, never
forced to run afterwards (a caller that analyses many small logs would pay a walk of its
whole heap each time), and a finished analysis that lives until exit is frozen.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No automatic collections inside the block; the collector's state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def keep_until_exit() -> None:
    """Move every object made so far out of the collector's sight for good (the CLI's
    finished analysis, which only the reports still read)."""
    gc.freeze()
