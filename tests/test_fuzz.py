"""Fuzzing: damaged copies of valid logs never crash, hang or blow up the scan.

Each case takes a 1-3 chunk slice of the bundled evidence and applies a few mutations
(bit flips, byte runs, truncations, chunk swaps, record length fields, BinXML template
offsets and substitution sizes, chunk and file header fields; see
``fixtures/mutations.py``), then ``fixtures/fuzzcheck.py`` runs discovery, ``inspect``/``assess``, both readers, the normalizer, the process graph,
the rules and triage on it.  Hypothesis draws the cases, derandomized, so CI runs the same
1,100 cases every time (about a minute on one core); ``python bench/fuzz.py`` runs many
more.  A second, smaller run writes valid logs whose *values* are hostile (any text,
controls, surrogates, huge numbers) to reach the normalizer and the rules with them.
"""

from __future__ import annotations

import faulthandler
import resource
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fixtures import fuzzcheck, mutations
from fixtures.evtxwriter import EventSpec, write_evtx

WORK = tempfile.TemporaryDirectory(prefix="evtxscan-test-fuzz-")
CASES = 1100

# ------------------------------------------------------------------ strategies (as bench/fuzz.py draws them)

pos = st.integers(0, (1 << 22) - 1)
v32 = st.one_of(st.sampled_from(mutations.EDGE32), st.integers(0, (1 << 32) - 1))
v64 = st.one_of(st.sampled_from(mutations.EDGE64), st.integers(0, (1 << 64) - 1))
OPS = st.one_of(
    st.tuples(st.just("flip"), st.lists(st.tuples(pos, st.integers(0, 7)), min_size=1, max_size=16)),
    st.tuples(st.just("run"), pos, st.sampled_from([1, 4, 8, 24, 100, 512, 4096]) | st.integers(1, 70000),
              st.sampled_from([0, 0xFF, 0x2A, 0x41]) | st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("truncate"), pos),
    st.tuples(st.sampled_from(["swap", "dup"]), st.integers(0, 7), st.integers(0, 7)),
    st.tuples(st.just("record"), st.integers(0, 999), st.sampled_from(["magic", "size", "copy"]), v32),
    st.tuples(st.just("record"), st.integers(0, 999), st.just("id"), v64),
    st.tuples(st.just("template"), st.integers(0, 999),
              st.sampled_from(["definition", "template_id", "count", "size"]), v32),
    st.tuples(st.just("binxml"), st.integers(0, 999), st.integers(0, 4095), v32, st.booleans()),
    st.tuples(st.just("chunk"), st.integers(0, 7), st.sampled_from(sorted(mutations.CHUNK_FIELDS)), v64),
    st.tuples(st.just("chunk"), st.integers(0, 7), st.just("table"), st.integers(0, 95), v32),
    st.tuples(st.just("file"), st.sampled_from(sorted(mutations.FILE_FIELDS)), v64),
)
CASE = st.tuples(st.sampled_from(sorted(mutations.SEEDS)), st.lists(OPS, min_size=1, max_size=5))


@pytest.fixture(scope="module", autouse=True)
def watchdog():
    """A case stuck in native code cannot be interrupted by the per-case alarm: kill the run
    (with every thread's stack) rather than hang CI."""
    faulthandler.dump_traceback_later(900, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def test_the_seeds_are_valid_logs_with_something_to_find():
    for name in mutations.SEEDS:
        out = fuzzcheck.check(mutations.seed_bytes(name), Path(WORK.name) / f"seed-{name}")
        assert out.records[0] == out.records[1] >= out.rs_records > 0, name
        assert out.statuses[0] == out.statuses[1], name


COUNT = {"cases": 0, "peak_kb": 0, "before_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


#: cases bench/fuzz.py found, kept so CI always runs them
FOUND = [
    # a substitution's type changed: UserID / SystemTime arrived as numbers (from_json)
    ("dc01-sysmon", [("binxml", 553, 1562, 2147483648, True), ("flip", [(3556420, 4), (3096049, 3),
     (256113, 1), (3170894, 4), (2890772, 1), (3275307, 2), (3982445, 5), (338985, 4), (179337, 0)]),
     ("truncate", 749793), ("swap", 3, 3), ("template", 186, "definition", 512)]),
    ("dns02-security-v1", [("chunk", 4, "last_offset", 65535), ("record", 233, "copy", 863412087),
     ("binxml", 811, 523, 4294967295, False), ("binxml", 735, 1544, 7, False),
     ("flip", [(375988, 1), (1940830, 4), (1200622, 7), (830444, 6), (62916, 4), (3872713, 1),
               (1083716, 7), (1749285, 4), (3744334, 2), (903305, 6), (718534, 5), (1809552, 2),
               (1589893, 5)])]),
    # a file shorter than its header; ids and record numbers of 2^64-1
    ("ws01-sysmon-legacy", [("truncate", 3274057), ("record", 262, "id", 7),
                            ("record", 954, "magic", 1148318452)]),
    ("dc01-security", [("chunk", 1, "first_number", (1 << 64) - 1)]),
    ("dns04-cut-chunk", [("record", 989, "id", (1 << 64) - 1), ("file", "next_id", 1)]),
    # a free space offset before the last record: read as pyevtx-rs reads it
    ("ws01-sysmon-legacy", [("chunk", 0, "free_offset", 513)]),
    # out-of-range FILETIME / SYSTEMTIME, a name past the chunk, a far template offset
    ("dc01-sysmon", [("binxml", 959, 1014, 65535, True)]),
    # a chunk cut back to its records whose last id repeats an earlier record's
    ("dns03-security-v0", [("template", 417, "definition", 24), ("binxml", 828, 1837, 3537059326, True),
                           ("record", 545, "id", 28), ("chunk", 2, "free_offset", 2147483647),
                           ("chunk", 1, "first_id", 2147483648)]),
    # a flipped bit in a string table entry makes a looping chain: pyevtx-rs hangs on the
    # raw bytes (the harness counts it in a child it can kill); evtxscan cuts the chain
    ("dns02-security-v1", [("flip", [(2613651, 0), (250096, 5), (2643353, 1), (2520812, 4),
                                     (4106520, 7), (2158939, 4)]), ("record", 832, "magic", 1),
                           ("binxml", 230, 4055, 2147483647, False),
                           ("flip", [(860504, 4), (3091451, 1), (3345999, 5), (2293627, 4),
                                     (3135776, 2), (2841036, 1), (751570, 2), (2773236, 5),
                                     (2014570, 7), (1885022, 7), (2361530, 6), (2883338, 4)]),
                           ("record", 443, "copy", 513)]),
    # a string table head into the middle of a record: the chain is linked again from the
    # definitions in the chunk, not cut (pyevtx-rs resolves names through it)
    ("dc01-security", [("chunk", 0, "table", 0, 2003)]),
]


@settings(max_examples=CASES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=CASE)
@example(case=FOUND[0])
@example(case=FOUND[1])
@example(case=FOUND[2])
@example(case=FOUND[3])
@example(case=FOUND[4])
@example(case=FOUND[5])
@example(case=FOUND[6])
@example(case=FOUND[7])
@example(case=FOUND[8])
@example(case=FOUND[9])
def test_mutated_logs_never_crash_hang_or_lose_to_pyevtx_rs(case):
    name, ops = case
    data = mutations.apply(mutations.seed_bytes(name), ops)
    work = Path(WORK.name) / "case"
    out = fuzzcheck.check(data, work)  # raises on a crash, a reader bug, a broken invariant, >20 s
    assert out.records[0] >= out.rs_records, "the evtx backend read fewer records than pyevtx-rs"
    assert out.seconds < fuzzcheck.CASE_SECONDS
    COUNT["cases"] += 1
    COUNT["peak_kb"] = max(COUNT["peak_kb"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def test_the_fuzz_run_was_big_enough_and_memory_stayed_bounded():
    if COUNT["cases"] == 0:
        pytest.skip("run together with the fuzz test")
    assert COUNT["cases"] >= 1000
    # 1-3 chunk inputs: a reader that allocates by a corrupt length field would push the
    # process's peak far above what it was before the run (ru_maxrss is a high-water mark,
    # so tests run earlier in the session can only hide growth, never fake it)
    assert COUNT["peak_kb"] - COUNT["before_kb"] < 500_000


# ------------------------------------------------------------------ hostile values, valid framing

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300) | st.sampled_from(
    ["", "-", "0x", "0xZZ", "18446744073709551616", "-1", "1e400", "NaN", "{" * 50,
     "C:\\", "\\\\?\\UNC\\a\\b\\c.exe", "dns.exe", "DNS.EXE", "\\dns.exe", "\x00dns.exe",
     "{00000000-0000-0000-0000-000000000000}", "2024-13-45 25:61:61.999", "S-1-5-18",
     "\ud800", "%%1936"])
NUM = st.integers(-(1 << 63), (1 << 64) - 1)


@st.composite
def sysmon_or_4688(draw, i: int = 0):
    """A process start whose every value is drawn, the parent sometimes dns.exe."""
    parent = draw(st.sampled_from(["C:\\Windows\\System32\\dns.exe", "dns.exe"]) | TEXT)
    if draw(st.booleans()):
        data = [(k, "string", draw(TEXT)) for k in (
            "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
            "CommandLine", "CurrentDirectory", "User", "LogonGuid", "LogonId",
            "TerminalSessionId", "IntegrityLevel", "Hashes", "ParentProcessGuid",
            "ParentProcessId", "ParentImage", "ParentCommandLine")]
        data[16] = ("ParentImage", "string", parent)
        return EventSpec(time=T0 + timedelta(seconds=i), provider="Microsoft-Windows-Sysmon",
                         provider_guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}", event_id=1,
                         version=draw(st.integers(0, 255)),
                         channel="Microsoft-Windows-Sysmon/Operational",
                         computer=draw(TEXT.filter(lambda s: "\ud800" not in s)) or "h",
                         data=data)
    kinds = draw(st.sampled_from(["hexint64", "string", "uint64"]))
    data = [("SubjectUserSid", "string", draw(TEXT)), ("SubjectUserName", "string", draw(TEXT)),
            ("SubjectLogonId", kinds, draw(NUM) % (1 << 64) if kinds != "string" else draw(TEXT)),
            ("NewProcessId", kinds, draw(NUM) % (1 << 64) if kinds != "string" else draw(TEXT)),
            ("NewProcessName", "string", draw(TEXT)), ("ProcessId", "hexint64", draw(NUM) % (1 << 64)),
            ("CommandLine", "string", draw(TEXT)), ("ParentProcessName", "string", parent),
            ("MandatoryLabel", "string", draw(TEXT))]
    return EventSpec(time=T0 + timedelta(seconds=i), provider="Microsoft-Windows-Security-Auditing",
                     provider_guid="{54849625-5478-4994-A5BA-3E3B0328C30D}", event_id=4688,
                     version=draw(st.integers(0, 3)), channel="Security", computer="DC01",
                     data=data)


@settings(max_examples=150, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(events=st.lists(sysmon_or_4688(), min_size=1, max_size=6))
def test_hostile_values_in_valid_records_pass_through_every_stage(events):
    work = Path(WORK.name) / "values"
    work.mkdir(exist_ok=True)
    try:
        write_evtx(work / "Security.evtx", events)
    except ValueError:  # a drawn record too big for a chunk: not this test's business
        return
    out = fuzzcheck.check((work / "Security.evtx").read_bytes(), Path(WORK.name) / "values-case")
    assert out.records == (len(events), len(events)) and out.rs_records == len(events)
