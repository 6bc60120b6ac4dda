"""Shared fixtures: the real data in ../shared/data and small hand-drawn files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FRAGSIM_SHARED_DATA", ROOT.parent / "shared" / "data"))
AS_REL_2016 = SHARED_DATA / "caida" / "20161101.as-rel.txt.bz2"
AS_COUNTRY = SHARED_DATA / "geo" / "as_country_2018.csv.gz"
STATE_OWNED = SHARED_DATA / "state_owned" / "state_owned_ases.csv"


def require_shared(*paths: Path) -> None:
    """Skip when the real data is absent locally; fail loudly under CI=true, where it must be present."""
    missing = [str(p) for p in paths if not p.is_file()]
    if not missing:
        return
    message = f"real data missing: {missing} (set FRAGSIM_SHARED_DATA or lay out ../shared/data)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def real_topology():
    """The CAIDA 2016-11-01 graph with the shared AS→country and state-owned annotations (loaded once)."""
    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)
    from sim import load_topology

    return load_topology(AS_REL_2016, AS_COUNTRY, STATE_OWNED)


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text, compress=None|'bz2'|'gz') -> Path"""
    import bz2
    import gzip

    def _write(name: str, text: str, compress: str | None = None) -> Path:
        path = tmp_path / name
        data = text.encode()
        if compress == "bz2":
            data = bz2.compress(data)
        elif compress == "gz":
            data = gzip.compress(data)
        path.write_bytes(data)
        return path

    return _write
