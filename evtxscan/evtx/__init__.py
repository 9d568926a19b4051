"""The EVTX container: one owner for the file format, apart from record decoding.

An .evtx file is a 4096-byte header and 64 KiB chunks of framed records.  This package
knows where things are in such a file and whether the framing is intact; it never decodes
BinXML or decides what an event means (``evtxscan.readers`` do that, on what this package
hands them).  Both parsers we use are silent about damage, so a forensic tool has to say
what it could not read and, where the bytes allow, read it anyway:

* ``format``  the constants and fixed structures (headers, checksums, table hashes);
* ``stream``  what is asked of the evidence: a seekable binary file object, never a path;
* ``walk``    the one walk over record framing (frames, holes, resynchronisation);
* ``tables``  a chunk's string/template hash chains: checked, linked again, rebuilt;
* ``layout``  ``inspect``: every chunk and, in words, every problem; ``locate_records``;
* ``repair``  ``assess``: what the damage cost, and patches that make the rest readable;
* ``view``    ``ChunkRangeView``: a chunk range (and the patches) shown as a whole file;
* ``recover`` the whole records of a chunk cut mid-way, re-framed for the parsers.

Evidence is only ever read, one chunk at a time, so multi-GB logs cost one chunk of memory.
"""
