"""evtxscan: offline forensic analysis of Windows process-creation events.

The package is the engine and the batch CLI; it never imports Textual (``tui/`` does).
"""

__version__ = "0.1.0"
