"""Where the real data lives (the data folder of :mod:`sim.data.paths`) and how tests ask for it.

The test suite's ``conftest.py`` points ``FRAGSIM_DATA`` at the shared folder beside the checkout
(``../shared/data``) when the variable is unset, so tests, benchmarks and the commands they start all read the
same folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.data.paths import ENV_VAR, data_dir

ROOT = Path(__file__).resolve().parents[1]
DATA = data_dir()
AS_REL_2016 = DATA / "caida" / "20161101.as-rel.txt.bz2"
AS_COUNTRY = DATA / "geo" / "as_country_2018.csv.gz"
STATE_OWNED = DATA / "state_owned" / "state_owned_ases.csv"


def require_shared(*paths: Path) -> None:
    """Skip when the real data is absent locally; fail loudly under CI=true, where it must be present."""
    missing = [str(p) for p in paths if not p.is_file()]
    if not missing:
        return
    skip_locally_fail_in_ci(f"real data missing: {missing} (set {ENV_VAR} or lay out ../shared/data)")


def skip_locally_fail_in_ci(message: str) -> None:
    """Skip the test locally; fail it under CI=true, where everything it needs must be present."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
