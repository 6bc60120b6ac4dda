"""A shutdown, and its lifting."""

from __future__ import annotations

from tests.model.regulations.common import between, code_of, link, lost_pairs
from tests.worlds import cut_pairs, quiet_model, reach_sets, world

# -- shutdown ------------------------------------------------------------------------------------------------------

#  XA: 1 > 2, 1 > 3        XB: 10 > 11        XC: 20
#  cross: 10 > 1, 20 > 1, 2 = 20 (2 is exempt, e.g. the banks' network);  XB–XC: 10 = 20.  Full baseline.
SHUTDOWN = world(
    p2c=[(1, 2), (1, 3), (10, 11), (10, 1), (20, 1)],
    p2p=[(2, 20), (10, 20)],
    country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 20: "XC"},
)
SHUTDOWN_LOST = (
    between({1, 3}, {10, 11, 20})
    # 2 keeps its peering with 20, which exports only 20's customers (none left) to 2
    | between({2}, {10, 11})
)


def test_lifted_shutdown_restores_its_links():
    model = quiet_model(SHUTDOWN, imposed=[dict(step=1, country="XA", kind="shutdown", exempt=[2], lift_step=3)])
    before = reach_sets(model)
    assert model.current.result.n_pairs() == 6 * 5
    for step in (1, 2):
        model.step()
        assert cut_pairs(model) == {link(10, 1), link(20, 1)}, f"step {step}"
        assert code_of(SHUTDOWN, model.why_cut(1, 20)) == ("shutdown", "XA", "")
        assert model.why_cut(2, 20) is None
        assert lost_pairs(before, reach_sets(model)) == SHUTDOWN_LOST
        assert model.current.result.n_pairs() == 30 - 16
    model.step()  # step 3: lifted
    assert cut_pairs(model) == set()
    assert model.why_cut(10, 1) is None and model.why_cut(20, 1) is None
    assert reach_sets(model) == before
    assert model.current.result.n_pairs() == 30
