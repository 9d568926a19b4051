"""Reader backends: bytes of one .evtx file -> ``RawRecord`` values, damage counted.

``rust`` (pyevtx-rs) is the fast default; ``python-evtx`` is the pure-Python fallback.
"""
