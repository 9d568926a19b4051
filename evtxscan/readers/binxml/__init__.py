"""BinXML decoding for the pure-Python reader, in the pieces a reader of the code looks for.

* ``nodes``       what a decoded record is made of (Element, Value, Substitution, EntityRef);
* ``values``      substitution and literal values rendered as pyevtx-rs renders them;
* ``fragment``    tokens into trees: templates compiled, instances resolved, arrays expanded;
* ``chunk``       one chunk's names and compiled templates (``ChunkDecoder``);
* ``json_model``  a tree as pyevtx-rs' JSON, for the mapping both readers share;
* ``prefilter``   EventID and provider read from a template's plan, without rendering.

Nothing here walks chunks or records: the reader hands over each record's BinXML span,
framed by ``evtxscan.evtx.walk``.
"""
