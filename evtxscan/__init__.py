"""evtxscan: offline forensic analysis of Windows process-creation events.

The package is the engine and the batch CLI.  The engine never imports Textual: only the
``evtxscan.tui`` subpackage does, and only ``evtxscan tui`` imports that.
"""

__version__ = "0.1.0"
