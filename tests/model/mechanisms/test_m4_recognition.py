"""M4: mutual recognition of close profiles."""

from __future__ import annotations

import pytest

from tests.model.mechanisms.common import ET_WORLD, ET_XA, link, run
from tests.worlds import cut_pairs


# --------------------------------------------------------------------------------------------------------------
# M4: mutual recognition, on ET_WORLD. XA at 0.2; XB at 0.6 (distance 0.4: above conflict_tolerance 0.3,
# within recognition_tolerance 0.5) or at 0.8 (distance 0.6: beyond both).
# --------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "xb, mechanisms, cut",
    [
        (0.6, ["m0"], {link(10, 11)}),
        (0.6, ["m4"], set()),
        (0.8, ["m4"], {link(10, 11)}),
    ],
)
def test_m4_profiles_within_recognition_tolerance_do_not_conflict(xb, mechanisms, cut):
    model = run(
        ET_WORLD, dict(XA=0.2, XB=xb, XC=0.3), imposed=[ET_XA], mechanisms=mechanisms, recognition_tolerance=0.5
    )
    assert model.conflict_matrix()[0, 1] == bool(cut)
    assert cut_pairs(model) == cut
