"""A sovereign gateway keeps only the gateways' cross-border links."""

from __future__ import annotations

import pytest

from tests.model.regulations.common import between, code_of, link, lost_pairs, run
from tests.worlds import cut_pairs, reach_sets, world

# -- sovereign gateway ------------------------------------------------------------------------------------------

#  XA: 1 > 3, 1 > 4, 1 > 6, 2 > 5, 1 = 2      (cones: 1 → {1,3,4,6} = 4, 2 → {2,5} = 2; 2 is state-owned)
#  XB: 10 > 11, and 10 sells transit to 1, 2 and 3 (the stub 3 is multi-homed to 1 and 10)
GATEWAY = world(
    p2c=[(1, 3), (1, 4), (1, 6), (2, 5), (10, 1), (10, 2), (10, 3), (10, 11)],
    p2p=[(1, 2)],
    country={1: "XA", 2: "XA", 3: "XA", 4: "XA", 5: "XA", 6: "XA", 10: "XB", 11: "XB"},
    owner={2: "XA"},
)


@pytest.mark.parametrize(
    "choice, k, cut, lost",
    [
        # gateway 1 (largest cone): 2 keeps only its peering with 1, which exports 2's routes to 1's customers
        # and not to 1's provider 10: 2 and 5 lose XB
        ("largest", 1, {link(10, 2), link(10, 3)}, between({2, 5}, {10, 11})),
        # gateways 1 and 2: only the stub 3 loses its foreign link, and still reaches XB through 1
        ("largest", 2, {link(10, 3)}, set()),
        # XA has only two transit ASes: a stub never becomes a gateway, however large k
        ("largest", 3, {link(10, 3)}, set()),
        # gateway 2 (the state-owned one, despite its smaller cone): now 1's cone is the one reached only by peering
        ("state_owned", 1, {link(10, 1), link(10, 3)}, between({1, 3, 4, 6}, {10, 11})),
    ],
)
def test_sovereign_gateway_keeps_only_the_gateways_cross_border_links(choice, k, cut, lost):
    model, before = run(GATEWAY, imposed=[dict(step=1, country="XA", kind="gateway", k=k, gateway_choice=choice)])
    assert cut_pairs(model) == cut
    for a, b in cut:
        assert code_of(GATEWAY, model.why_cut(a, b)) == ("gateway", "XA", "")
    assert lost_pairs(before, reach_sets(model)) == lost
    assert model.current.result.n_pairs() == 8 * 7 - len(lost)
    # the national segment stays whole: every XA AS still reaches every other XA AS
    after = reach_sets(model)
    xa = {1, 2, 3, 4, 5, 6}
    assert all(xa <= after[a] for a in xa)
