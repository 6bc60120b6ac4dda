"""Every regulation type and every mechanism on the real 2016 graph (with its annotations) and on the synthetic
default: a few steps each, with the effect each must have."""

from __future__ import annotations

import numpy as np
import pytest

import sim

# (name, imposed event, whether it must cut links: None when that depends on the operators' weighing, params)
REGULATIONS = [
    ("territorial", dict(country="FR", kind="territorial"), False),
    ("extraterritorial", dict(country="US", kind="extraterritorial"), None),
    ("extraterritorial_exit", dict(country="US", kind="extraterritorial"), True),
    ("gateway", dict(country="RU", kind="gateway", k=3), True),
    ("gateway_state_owned", dict(country="CN", kind="gateway", k=2, gateway_choice="state_owned"), True),
    ("sanctions", dict(country="US", kind="sanctions", target="IR"), True),
    ("sanctions_secondary", dict(country="US", kind="sanctions", target="RU", secondary=True), True),
    ("transit_restriction", dict(country="DE", kind="transit_restriction", target="CN"), True),
    ("shutdown", dict(country="EG", kind="shutdown", exempt=[8452]), True),
]


@pytest.fixture(scope="module", params=["real", "synthetic"])
def topology(request, real_topology):
    return real_topology if request.param == "real" else sim.synthetic_topology(10_000, seed=0)


def quiet(topo, **params):
    base = dict(
        n_sources=128,
        adoption_frac=0.0,
        shock_prob=0.0,
        base_pressure=0.0,
        pressure_trend=0.0,
        imitation_weight=0.0,
        retaliation_weight=0.0,
    )
    return sim.FragmentationModel(topology=topo, rng=0, **{**base, **params})


@pytest.mark.parametrize("name, event, cuts", REGULATIONS, ids=[r[0] for r in REGULATIONS])
def test_each_regulation_on_real_and_synthetic(topology, name, event, cuts):
    choice = "exit" if name.endswith("_exit") else "weigh"
    model = quiet(topology, imposed=[dict(step=1, **event)], conflict_tolerance=0.0, operator_choice=choice)
    model.step()
    df = model.datacollector.get_model_vars_dataframe()
    links = model.cut_links()
    if cuts is not None:
        assert (len(links) > 0) == cuts
    assert set(links.kind) <= {event["kind"]}
    assert np.isfinite(df.loss.iloc[-1]) and df.loss.iloc[-1] >= 0
    # no regulation cuts a link inside a country; only a state closing its border (shutdown, gateway) cuts its own
    # ASes' links to ASes of unknown country, which may lie abroad
    topo = model.world.topo
    ends = topo.country[topo.asn_to_idx(np.r_[links.asn_a, links.asn_b])].reshape(2, -1)
    assert (ends[0] != ends[1]).all()
    unknown = (ends < 0).any(axis=0)
    if event["kind"] in ("shutdown", "gateway"):
        assert (ends[:, unknown] == topo.country_index(event["country"])).any(axis=0).all()
    else:
        assert not unknown.any()
    if event["kind"] == "extraterritorial":
        # with tolerance 0 every foreign operator serving the US is torn; each cut link joins one to the US
        us = topo.country_index("US")
        assert model.n_conflicts > 0 and ((ends == us).sum(axis=0) == 1).all()
        if choice == "exit":
            assert model.n_exits == model.n_conflicts and model.compliance_cost == 0.0
        else:
            assert model.compliance_cost > 0  # some comply
    if event["kind"] == "shutdown":
        exempt = int(model.world.topo.asn_to_idx(8452)[0]) if 8452 in set(model.world.topo.asns.tolist()) else -1
        assert exempt not in set(model.world.topo.asn_to_idx(links.asn_a.tolist()).tolist()) | set(
            model.world.topo.asn_to_idx(links.asn_b.tolist()).tolist()
        )
    if event["kind"] == "transit_restriction":
        assert model.current.result.restrictions.forbid_transit is not None


@pytest.mark.parametrize("mechanism", [m.value for m in sim.Mechanism])
def test_each_mechanism_on_real_and_synthetic(topology, mechanism):
    model = sim.FragmentationModel(
        topology=topology,
        rng=1,
        n_sources=128,
        mechanisms=[mechanism],
        adoption_frac=0.5,
        imposed=[dict(step=1, country="CN", kind="transit_restriction", target="US")],
    )
    for _ in range(3):
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 4 and df.notna().all().all()
    assert df.n_adopters.iloc[-1] > 0 and df.loss.iloc[-1] > 0
    if mechanism == "m7":
        assert df.n_links_rehomed.iloc[-1] > 0
    if mechanism == "m5":
        assert sum("forum" in s.memberships for s in model.states.values()) >= 5
    if mechanism == "m8":
        assert not (model.cut_links().kind == "transit_restriction").any()
