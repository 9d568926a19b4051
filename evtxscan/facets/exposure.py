"""``exposure``: was this DNS server exposed to CVE-2020-1350 when the alert fired?

The guide's step "check whether the server is vulnerable to CVE-2020-1350" answered from
the host's release and build, the updates installed before the alert and the
``TcpReceivePacketSize`` workaround with a DNS Server start after it
(``evtxscan.exposure``, which holds the facts, the fix table with its sources and the
rules).  ``prepare`` puts every host's facts together once per analysis (the log facts
the per-file stage kept, the SYSTEM/SOFTWARE hives found beside the logs); ``compute``
answers for one alert at its own time; ``answer`` words the verdict, the reasoning and
what was missing.
"""

from __future__ import annotations

from ..exposure.collect import ExposureIndex, dns_process_fact
from ..exposure.verdict import REASONS, VERDICTS, VIAS
from ..i18n import tr
from ..timefmt import display
from ..toolsets import tool_key
from .base import Facet, Subject, ev, sentences

TIME_PARAMS = frozenset({"time", "written", "start", "until"})
#: Every ``facet.exposure.*`` text this facet shows (tests/test_i18n.py checks the table).
WORDED = VERDICTS + REASONS + tuple(f"via_{v}" for v in VIAS) + ("absent",)
#: Telemetry caveats (``facets.telemetry``) that say which of its sources are missing.
CAVEATS = ("no_registry_hives", "no_system_hive", "no_software_hive", "no_system_log",
           "no_setup_log")


def prepare(analysis) -> ExposureIndex:
    return ExposureIndex.build(analysis.exposure_facts, analysis.hives, analysis.reports)


def compute(s: Subject, index: ExposureIndex) -> dict:
    a = s.alert
    dns = dns_process_fact(s.graph.processes(a.host), a.timestamp, key=tool_key)
    return index.assess(a.host, a.timestamp, reports=s.analysis.host_reports(a.host),
                        dns_process=dns).to_json()


def _params(params: dict, lang: str, tz) -> dict:
    out = {}
    for k, v in params.items():
        if v is None:
            out[k] = tr("facet.exposure.absent", lang) if k == "value" else "?"
        elif k in TIME_PARAMS and isinstance(v, str) and v.endswith("Z"):
            out[k] = display(v, tz)
        elif k == "via":
            out[k] = tr("facet.exposure." + f"via_{v}", lang)
        else:
            out[k] = ev(v)
    return out


def headline(x: dict, lang: str, tz) -> str:
    return tr(f"facet.exposure.{x['verdict']}", lang, cve=x["cve"], as_of=display(x["as_of"], tz))


def reasons(x: dict, lang: str, tz) -> list[str]:
    return [tr(f"facet.exposure.{r['code']}", lang, **_params(r["params"], lang, tz))
            for r in x["reasons"]]


def sources(x: dict) -> list[str]:
    """Each fact a reason rests on, once: a line a responder finds the evidence by."""
    used = sorted({i for r in x["reasons"] for i in r["facts"]})
    out = []
    for i in used:
        o = x["facts"][i].get("origin")
        if not o:
            continue
        if o["kind"] == "log":
            out.append(ev(f"{o['file']} record {o['record_id']} (event {o['event_id']})"))
        else:
            where = o["key"] + (f"\\{o['value']}" if o.get("value") else "")
            out.append(ev(f"{o['file']}: {where} (key written {o['last_write']}, "
                          f"sha256 {o['sha256']})"))
    return out


def answer(tri: dict, lang: str, tz) -> str:
    """The verdict, then the reasoning; the telemetry caveats of ``CAVEATS`` follow it
    (the checklist adds them) to say which sources were missing."""
    x = tri["exposure"]
    return sentences([headline(x, lang, tz)] + reasons(x, lang, tz), lang)


def summary(value: dict) -> str | None:
    return f"CVE-2020-1350: {value['verdict']}"


FACET = Facet("exposure", compute, answer, words="facet.exposure.words",
              label="facet.exposure", caveats=CAVEATS, summary=summary, prepare=prepare,
              sources=sources)
