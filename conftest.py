"""Fixtures shared by tests/ and benchmarks/, and where they read the real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The data folder (sim.data.paths: $FRAGSIM_DATA, else the checkout's data/) is the shared folder beside the
# checkout unless the caller chose one; set before any test module reads it, and inherited by the commands the tests
# start.
os.environ.setdefault("FRAGSIM_DATA", str(Path(__file__).resolve().parent.parent / "shared" / "data"))

from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED, require_shared  # noqa: E402


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    """A test on the real graph (through ``real_topology``) is a real-data integration test, wherever it sits."""
    for item in items:
        if "real_topology" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_data)
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def real_topology():
    """The CAIDA 2016-11-01 graph with the shared AS→country and state-owned annotations (loaded once)."""
    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    from sim import load_topology

    return load_topology(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
