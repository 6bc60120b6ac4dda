"""Path-level measures per step (``path_measures``): off changes nothing; on, a hand-drawn world's stretch,
exposure and dependence as computed by hand, a synthetic run's values in range, bad values refused by name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.config import ModelConfig
from sim.runner.compose import compose, compose_run, run_yaml, to_run_config
from sim.runner.run import execute
from sim.runner.schema import ConfigError
from tests.worlds import quiet_model, world

MODEL_COLUMNS = {
    "path_length_mean",
    "path_stretch",
    "path_stretch_mean",
    "path_longer_frac",
    "path_exposure",
    "dependence_hhi_mean",
    "dependence_top_mean",
}
STATE_COLUMNS = {"dependence_hhi", "dependence_top", "path_exposure"}

# XA: 1 > 2; XB: 10 > 11; XC: 20 > 1, 20 > 10; 1 = 10, the only link between XA and XB
TRIANGLE = dict(
    p2c=[(1, 2), (10, 11), (20, 1), (20, 10)],
    p2p=[(1, 10)],
    country={1: "XA", 2: "XA", 10: "XB", 11: "XB", 20: "XC"},
)


def synthetic_run(**params):
    topo = sim.synthetic_topology(1500, seed=2)
    model = sim.FragmentationModel(topology=topo, rng=5, n_sources=128, adoption_frac=0.8, **params)
    for _ in range(3):
        model.step()
    return model


def test_off_by_default_and_on_it_adds_columns_without_changing_any_other_value():
    off, on = synthetic_run(), synthetic_run(path_measures=True)
    assert not ModelConfig().path_measures.enabled and off.paths_now is None
    m_off, m_on = (m.datacollector.get_model_vars_dataframe() for m in (off, on))
    a_off, a_on = (m.datacollector.get_agent_vars_dataframe() for m in (off, on))
    assert not (MODEL_COLUMNS | STATE_COLUMNS) & (set(m_off.columns) | set(a_off.columns))
    assert set(m_on.columns) - set(m_off.columns) == MODEL_COLUMNS
    assert set(a_on.columns) - set(a_off.columns) == STATE_COLUMNS
    assert m_on[m_off.columns].equals(m_off) and a_on[a_off.columns].equals(a_off)  # it draws nothing
    assert m_off["n_links_cut"].iloc[-1] > 0  # the regulations did cut links


def test_a_cut_peering_lengthens_paths_as_counted_by_hand():
    """XA sanctions XB at step 1: the peering 1 = 10 goes, XA and XB reach each other over XC's AS 20.

    Ordered pairs of the 5 ASes (all sources, all destinations), hops before → after::

        from 1: 2:1, 10:1→2, 11:2→3, 20:1          5 → 7
        from 2: 1:1, 10:2→3, 11:3→4, 20:2          8 → 10
        from 10 and 11: the same as 1 and 2        13 → 17
        from 20: 1:1, 2:2, 10:1, 11:2              6 → 6

    mean 32/20 = 1.6 → 40/20 = 2.0: stretch 1.25. Per pair: the 8 pairs between XA and XB one hop longer, the
    other 12 unchanged, all 20 routed before and after: mean change 8/20 = 0.4 hops, 8/20 longer.
    Exposure among XA, XB, XC: 16 cross-border paths (8 between
    XA and XB, 4 each with XC); after, the 8 between XA and XB cross XC: 0 → 1/2; for XA (and XB) 8 of its 12,
    for XC none of its 8. XB's 6 inbound paths (from 1, 2, 20 to 10, 11), before: 10 on 1→11, 2→11, 20→11 (1/2),
    1 on 2→10, 2→11 (1/3); after: 20 on the four from XA (2/3), 10 on the three to 11 (1/2), 1 on two (1/3).
    """
    model = quiet_model(
        world(**TRIANGLE),
        path_measures={"enabled": True, "exposure_countries": 3},
        imposed=[dict(step=1, country="XA", kind="sanctions", target="XB")],
    )
    model.step()
    df = model.datacollector.get_model_vars_dataframe()
    assert df["n_links_cut"].tolist() == [0, 1]
    assert df["path_length_mean"].tolist() == pytest.approx([1.6, 2.0])
    assert df["path_stretch"].tolist() == pytest.approx([1.0, 1.25])
    assert df["path_stretch_mean"].tolist() == pytest.approx([0.0, 0.4])
    assert df["path_longer_frac"].tolist() == pytest.approx([0.0, 0.4])
    assert df["path_exposure"].tolist() == pytest.approx([0.0, 0.5])
    states = model.datacollector.get_agent_vars_dataframe().reset_index().set_index(["Step", "code"])
    assert states.loc[(1, "XA"), "path_exposure"] == pytest.approx(2 / 3)
    assert states.loc[(1, "XC"), "path_exposure"] == 0
    assert states.loc[(0, "XB"), "dependence_top"] == pytest.approx(1 / 2)
    assert states.loc[(0, "XB"), "dependence_hhi"] == pytest.approx(1 / 4 + 1 / 9)
    assert states.loc[(1, "XB"), "dependence_top"] == pytest.approx(2 / 3)
    assert states.loc[(1, "XB"), "dependence_hhi"] == pytest.approx(4 / 9 + 1 / 4 + 1 / 9)


def test_exposure_is_measured_among_the_largest_countries_only_or_not_at_all():
    model = quiet_model(world(**TRIANGLE), path_measures={"enabled": True, "exposure_countries": 2})
    assert model.exposure_countries == ["XA", "XB"]  # 2 ASes each; XC has 1
    assert np.isnan(model.paths_now.exposure[2]) and model.paths_now.exposure_all == 0
    model = quiet_model(world(**TRIANGLE), path_measures={"enabled": True, "exposure_countries": 0})
    assert model.exposure_countries == [] and np.isnan(model.paths_now.exposure).all()
    assert np.isnan(model.paths_now.exposure_all) and model.paths_now.mean_length == pytest.approx(1.6)


def test_a_run_folder_records_the_measures_in_range_and_config_yaml_names_the_switch_only_when_on(tmp_path):
    base = ["topology.n_ases=1500", "scenario.steps=3", "scenario.adoption_frac=0.8", "n_sources=128"]
    assert "path_measures" not in run_yaml(compose(base))
    cfg = compose([*base, "path_measures.enabled=true", "path_measures.exposure_countries=8"])
    assert "path_measures:\n  enabled: true\n  exposure_countries: 8\n" in run_yaml(cfg)
    assert execute(to_run_config(cfg), run_yaml(cfg), tmp_path)
    metrics = pd.read_csv(tmp_path / "metrics.csv").pivot(index="step", columns="metric", values="value")
    assert metrics.index.tolist() == [0, 1, 2, 3] and metrics["n_links_cut"].iloc[-1] > 0
    assert metrics["path_stretch"].iloc[0] == 1 and metrics["path_stretch"].between(0.5, 2).all()
    assert metrics["path_stretch_mean"].iloc[0] == 0 and metrics["path_longer_frac"].between(0, 1).all()
    assert (metrics["path_length_mean"] >= 1).all()
    for name in ("path_exposure", "dependence_top_mean"):
        assert metrics[name].between(0, 1).all(), name
    states = pd.read_csv(tmp_path / "states.csv", keep_default_na=False, na_values=[""])
    assert STATE_COLUMNS <= set(states.columns)
    measured = states.dropna(subset=["dependence_top"])
    assert measured["code"].nunique() >= 8
    assert measured["dependence_top"].between(0, 1).all()
    # the squared shares include the top one's; they sum to at most the mean number of intermediates per path
    assert (measured["dependence_hhi"] >= measured["dependence_top"] ** 2 - 1e-12).all()
    assert (measured["dependence_hhi"] <= metrics["path_length_mean"].max()).all()
    exposed = states.dropna(subset=["path_exposure"])
    assert exposed["code"].nunique() == 8 and exposed["path_exposure"].between(0, 1).all()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("path_measures.exposure_countries=1", "path_measures.exposure_countries must be 0 (no exposure) or an"),
        ("path_measures.exposure_countries=-3", "path_measures.exposure_countries must be 0 (no exposure) or an"),
        ("path_measures.exposure_countries=many", "path_measures.exposure_countries"),
        ("path_measures.enabled=maybe", "path_measures.enabled"),
        ("path_measures.countries=5", "unknown key 'path_measures.countries'"),
    ],
)
def test_bad_values_are_refused_by_their_key(override, message):
    with pytest.raises(ConfigError) as err:
        compose_run([override])
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"exposure_countries": 1}, "path_measures.exposure_countries must be 0 (no exposure) or an integer ≥ 2"),
        ({"exposure_countries": 2.5}, "path_measures.exposure_countries must be 0 (no exposure) or an integer"),
        ({"enabled": "yes"}, "path_measures.enabled must be true or false, got 'yes'"),
        ("on", "path_measures must be true, false or a mapping of its fields, got 'on'"),
    ],
)
def test_the_model_refuses_bad_values_by_name(value, message):
    with pytest.raises(ValueError) as err:
        ModelConfig(path_measures=value)
    assert message in str(err.value)


def test_per_pair_stretch_is_nan_when_the_baseline_network_is_not_inside_todays():
    """The per-pair stretch compares today's routes with step 0's over the pairs routed at both, which assumes
    today's network holds step 0's: a link cut at step 0 and now back, or links bought since (a larger topology),
    make it NaN, while the path length and its ratio are still measured."""
    from sim.model.paths import measure_paths

    model = quiet_model(world(**TRIANGLE), path_measures={"enabled": True, "exposure_countries": 3})
    w = model.world
    peering = np.zeros(w.topo.n_links, bool)
    peering[w.topo.n_p2c :] = True  # the only peer link, 1 = 10
    _, cut_at_start = measure_paths(w, peering, None, ["XA", "XB", "XC"])
    restored, _ = measure_paths(w, np.zeros_like(peering), None, ["XA", "XB", "XC"], cut_at_start)
    assert np.isnan(restored.mean_change) and np.isnan(restored.longer_frac)
    assert restored.mean_length == pytest.approx(1.6)  # the whole triangle again: 32 hops over 20 pairs
    still_cut, _ = measure_paths(w, peering, None, ["XA", "XB", "XC"], cut_at_start)
    assert still_cut.mean_change == 0 and still_cut.longer_frac == 0  # the same network: comparable, unchanged
    gained = world(p2c=[*TRIANGLE["p2c"], (20, 2)], p2p=TRIANGLE["p2p"], country=TRIANGLE["country"])
    bigger = quiet_model(gained, path_measures={"enabled": True, "exposure_countries": 3}).world
    _, routes_before = measure_paths(w, np.zeros_like(peering), None, ["XA"])
    on_more_links, _ = measure_paths(bigger, np.zeros(bigger.topo.n_links, bool), None, ["XA"], routes_before)
    assert np.isnan(on_more_links.mean_change) and not np.isnan(on_more_links.mean_length)
