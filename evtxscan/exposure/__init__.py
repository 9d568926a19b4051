"""Was this DNS server exposed to CVE-2020-1350 (SIGRed) when the alert fired?

The guide's step "check whether the server is vulnerable to CVE-2020-1350" answered from
the evidence, the way a responder answers it by hand: the host's release and build, the
updates installed before the alert, and the ``TcpReceivePacketSize`` workaround together
with a DNS Server service start after it was set.

``facts``      typed facts, each with where it was read (log record or registry value).
``knowledge``  the fix per release and the workaround, loaded from ``cve_2020_1350.toml``
               (data with its sources).
``logfacts``   System / Setup / WindowsUpdateClient / Sysmon 12-13 records -> facts.
``hives``      SYSTEM and SOFTWARE hives (regipy; transaction logs applied) -> facts.
``verdict``    facts + the alert's time -> patched / workaround / exposed / cannot tell /
               not a DNS server, with every fact behind it and the reasoning.

Pure functions over typed values; nothing here reads the process graph or imports the
TUI.  The triage facet (``evtxscan.facets.exposure``) calls ``collect``/``verdict``.
Nothing is imported here: the per-file stage imports ``logfacts`` in every worker, and a
worker's start-up time counts.
"""
