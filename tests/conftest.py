"""Shared fixtures: the bundled evidence, generated once per session from the specs."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLES = SHARED / "evtx-samples"


def on_file(function, path, *args, **kwargs):
    """``function(stream, *args, **kwargs)`` on the file at ``path``, opened read-only for
    the call: evtxscan's EVTX functions and readers take streams, tests have paths."""
    with open(path, "rb") as stream:
        return function(stream, *args, **kwargs)


def need_shared(sub: str = "") -> Path:
    """The public corpora are beside the project in CI, absent on a user's clone."""
    p = SHARED / sub if sub else SHARED
    if not p.exists():
        pytest.skip(f"{p} not present (public sample corpora are optional)")
    return p


@pytest.fixture(scope="session")
def evidence(tmp_path_factory) -> Path:
    """A fresh copy of the bundled evidence, written by the fixture generator."""
    from fixtures.generate import build_evidence
    root = tmp_path_factory.mktemp("evidence")
    build_evidence(root)
    return root


@pytest.fixture(scope="session")
def analysis(evidence):
    """The bundled evidence analysed with the default backend and rules."""
    from evtxscan.analysis import analyze
    return analyze([str(evidence)])


@pytest.fixture(scope="session")
def analysis_pyevtx(evidence):
    from evtxscan.analysis import analyze
    from evtxscan.pipeline import ReadOptions
    return analyze([str(evidence)], read=ReadOptions(backend="python-evtx"))
