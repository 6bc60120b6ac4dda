"""Where the real data lives (../shared/data beside the checkout) and how tests ask for it."""

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
    skip_locally_fail_in_ci(f"real data missing: {missing} (set FRAGSIM_SHARED_DATA or lay out ../shared/data)")


def skip_locally_fail_in_ci(message: str) -> None:
    """Skip the test locally; fail it under CI=true, where everything it needs must be present."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
