"""Sanctions, primary and secondary."""

from __future__ import annotations

import pytest

from tests.model.regulations.common import between, code_of, link, lost_pairs, run
from tests.worlds import cut_pairs, reach_sets, world

# -- sanctions ---------------------------------------------------------------------------------------------------

#  XA (3): 1 > 2, 1 > 3        XB (2): 10 > 11        XC (2): 20 > 21, 20 > 1, 20 > 10        XD (1): 10 > 30
#  XA–XB: 1 = 10.  20 (XC) is a third-country AS linked to both XA and XB; 30 (XD) is linked to XB only.
SANCTIONS = world(
    p2c=[(1, 2), (1, 3), (10, 11), (20, 21), (20, 1), (20, 10), (10, 30)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC", 30: "XD"},
)


def test_primary_sanctions_cut_only_the_direct_links_and_traffic_goes_around():
    model, before = run(SANCTIONS, imposed=[dict(step=1, country="XA", kind="sanctions", target="XB")])
    assert cut_pairs(model) == {link(1, 10)}
    assert code_of(SANCTIONS, model.why_cut(10, 1)) == ("sanctions", "XA", "XB")
    assert model.why_cut(20, 10) is None and model.why_cut(10, 30) is None
    assert lost_pairs(before, reach_sets(model)) == set()  # XA and XB still meet at their provider 20
    assert model.current.result.n_pairs() == 8 * 7


@pytest.mark.parametrize("sanctioner, target", [("XA", "XB"), ("XB", "XA")])
def test_secondary_sanctions_third_country_operator_keeps_the_larger_market(sanctioner, target):
    # 20 must choose: XA's market (3 ASes) is larger than XB's (2), so 20 drops its link to XB, whether XB is
    # the target (20 complies) or the sanctioner (20 gives up the sanctioner's market). 30 is untouched.
    model, before = run(
        SANCTIONS, imposed=[dict(step=1, country=sanctioner, kind="sanctions", target=target, secondary=True)]
    )
    assert cut_pairs(model) == {link(1, 10), link(20, 10)}
    assert code_of(SANCTIONS, model.why_cut(20, 10)) == ("sanctions", sanctioner, target)
    assert model.regulations[0].secondary
    assert model.n_conflicts == 1
    assert lost_pairs(before, reach_sets(model)) == between({10, 11, 30}, {1, 2, 3, 20, 21})
    assert model.current.result.n_pairs() == 3 * 2 + 5 * 4
