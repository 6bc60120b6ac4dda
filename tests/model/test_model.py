"""The model as a whole: construction, the data collector's columns, determinism, and no-regulation runs."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from tests.worlds import cut_pairs, quiet_model, world

COLUMNS = [
    "reach_frac",
    "loss",
    "cross_border_loss",
    "loss_gini",
    "n_segments",
    "core_availability",
    "n_adopters",
    "n_links_cut",
    "n_conflicts",
    "n_exits",
    "compliance_cost",
    "n_links_restored",
    "n_links_rehomed",
    "transit_hhi",
]

# XA: 1 > 2, 1 > 3; XB: 10 > 11; 1 = 10 (the only cross-border link)
TWO_COUNTRIES = dict(
    p2c=[(1, 2), (1, 3), (10, 11)], p2p=[(1, 10)], country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB"}
)


def test_no_regulation_means_no_loss():
    topo = sim.synthetic_topology(2000, seed=1)
    model = sim.FragmentationModel(topology=topo, rng=3, n_sources=256, adoption_frac=0.0)
    for _ in range(5):
        model.step()
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 6 and set(COLUMNS) <= set(df.columns)
    assert (df["loss"] == 0).all() and (df["n_links_cut"] == 0).all() and (df["n_adopters"] == 0).all()
    assert (df["n_exits"] == 0).all() and (df["compliance_cost"] == 0).all() and (df["n_links_restored"] == 0).all()


def test_same_seed_same_metrics_different_seed_different_draws():
    topo = sim.synthetic_topology(2000, seed=1)

    def run(seed):
        model = sim.FragmentationModel(topology=topo, rng=seed, n_sources=256, adoption_frac=0.5)
        for _ in range(4):
            model.step()
        return model

    a, b, c = run(7), run(7), run(8)
    da, db, dc = (m.datacollector.get_model_vars_dataframe() for m in (a, b, c))
    assert da.equals(db)
    assert a.sources == b.sources and a.sources != c.sources
    assert not da.equals(dc)


def test_shutdown_cuts_every_cross_border_link_except_exempt():
    topo = world(
        p2c=[(1, 2), (1, 3), (10, 11), (20, 21)],
        p2p=[(1, 10), (3, 20), (2, 21)],
        country={1: "XA", 2: "XA", 3: "XA", 10: "XB", 11: "XB", 20: "XC", 21: "XC"},
    )
    model = quiet_model(topo, imposed=[dict(step=1, country="XA", kind="shutdown", exempt=[3])])
    model.step()
    assert cut_pairs(model) == {frozenset((1, 10)), frozenset((2, 21))}
    why = model.why_cut(10, 1)
    assert why.kind == "shutdown" and topo.country_codes[why.state] == "XA"
    assert model.why_cut(3, 20) is None


def test_unknown_parameter_and_bad_values_are_named():
    topo = world(**TWO_COUNTRIES)
    with pytest.raises(TypeError, match="adoption_fraction"):
        sim.FragmentationModel(topology=topo, adoption_fraction=0.5)
    with pytest.raises(ValueError, match="adoption_frac must be in"):
        sim.FragmentationModel(topology=topo, adoption_frac=1.5)
    with pytest.raises(ValueError, match="mechanisms"):
        sim.FragmentationModel(topology=topo, mechanisms=["m9"])


def test_five_line_example_from_the_readme_runs():
    topo = sim.synthetic_topology(2000, seed=0)
    model = sim.FragmentationModel(topology=topo, rng=1, n_sources=256, mechanisms=["m5", "m6"], adoption_frac=0.5)
    for _ in range(3):
        model.step()
    loss = model.datacollector.get_model_vars_dataframe()["loss"]
    assert len(loss) == 4 and loss.iloc[0] == 0 and np.all(np.isfinite(loss))


def test_cut_links_keep_the_history_of_lifted_regulations():
    topo = world(p2c=[(1, 2), (10, 11)], p2p=[(1, 10), (2, 11)], country={1: "XA", 2: "XA", 10: "XB", 11: "XB"})
    model = quiet_model(topo, imposed=[dict(step=1, country="XA", kind="shutdown", lift_step=3)])
    model.step()
    model.step()
    assert cut_pairs(model) == {frozenset((1, 10)), frozenset((2, 11))}
    model.step()  # lifted: links are back, the history stays
    assert cut_pairs(model) == set() and model.why_cut(1, 10) is None
    history = model.cut_links()
    assert sorted(zip(history.asn_a, history.asn_b, strict=True)) == [(1, 10), (2, 11)]
    assert (history.step == 1).all() and (history.restored_step == 3).all() and (history.kind == "shutdown").all()


def test_shocks_are_the_same_whatever_the_mechanisms():
    topo = sim.synthetic_topology(2000, seed=1)
    runs = []
    for mechanisms in (["m0"], ["m2", "m7"]):
        model = sim.FragmentationModel(
            topology=topo, rng=3, n_sources=128, adoption_frac=0.5, mechanisms=mechanisms, shock_prob=0.5
        )
        for _ in range(6):
            model.step()
        runs.append(model.datacollector.get_model_vars_dataframe()["pressure"].tolist())
    assert runs[0] == runs[1]  # paired comparison: the exogenous drivers do not depend on the mechanisms


def test_country_matrix_is_one_where_everything_is_reachable():
    model = quiet_model(world(**TWO_COUNTRIES))
    matrix = model.country_matrix()
    assert matrix.loc["XA", "XA"] == 1.0 and matrix.loc["XB", "XB"] == 1.0 and matrix.loc["XA", "XB"] == 1.0


@pytest.mark.parametrize(
    "event, message",
    [
        (dict(step=1, country="XA", kind="sanctions", target="XA"), "target must be a country other than"),
        (dict(step=3, country="XA", kind="shutdown", lift_step=2), "lift_step must be -1"),
        (dict(step=1, country="XD", kind="shutdown"), "imposed[0].country: country 'XD' has no AS"),
        (dict(step=1, country="XA", kind="shutdown", exempt=[99]), "imposed[0].exempt: ASNs not in the topology"),
    ],
)
def test_imposed_events_are_checked(event, message):
    with pytest.raises(ValueError) as err:
        quiet_model(world(**TWO_COUNTRIES), imposed=[event])
    assert message in str(err.value)


def test_one_reachability_plan_per_run_and_the_same_metrics_as_planning_every_step(monkeypatch):
    from sim.reach import api, reuse

    topo = sim.synthetic_topology(2000, seed=1)

    def run():
        model = sim.FragmentationModel(topology=topo, rng=5, n_sources=256, adoption_frac=0.6)
        for _ in range(6):
            model.step()
        return model.datacollector.get_model_vars_dataframe()

    made = []
    real_plan = reuse.plan_reachability
    monkeypatch.setattr(reuse, "plan_reachability", lambda t: made.append(t) or real_plan(t))
    reused = run()
    assert len(made) == 1  # no links bought (no M7): one plan for the baseline and every step
    assert reused["n_links_cut"].iloc[-1] > 0
    real_graph = api._graph
    monkeypatch.setattr(api, "_graph", lambda topo, plan, *args, **kw: real_graph(topo, None, *args, **kw))
    assert reused.equals(run())  # every step planned afresh: the same bytes


def test_exact_steps_updated_incrementally_give_the_same_bytes_as_full_passes(monkeypatch):
    from sim.reach import incremental

    topo = sim.synthetic_topology(1500, seed=2)

    def run():
        model = sim.FragmentationModel(topology=topo, rng=4, n_sources=None, adoption_frac=0.4)
        for _ in range(12):
            model.step()
        return model, model.datacollector.get_model_vars_dataframe()

    model, tracked = run()
    # this run: steps without a change, and steps changing few links (incremental with a larger threshold)
    assert model._tracker.n_unchanged > 0
    # the runs below ask what this one asked: answered afresh, not from the world's memo
    monkeypatch.setattr(incremental.ResultMemo, "get", lambda self, key: None)
    monkeypatch.setattr(incremental.IncrementalReach, "_same", staticmethod(lambda *args: False))
    monkeypatch.setattr(incremental.IncrementalReach, "_incremental", lambda self, last, removed: None)
    model, full = run()
    assert model._tracker.n_full == 13 and tracked.equals(full)
    monkeypatch.undo()
    monkeypatch.setattr(incremental.ResultMemo, "get", lambda self, key: None)
    monkeypatch.setattr(incremental.IncrementalReach, "__init__", _always_incremental(incremental.IncrementalReach))
    model, forced = run()
    assert model._tracker.n_incremental > 0 and tracked.equals(forced)


def _always_incremental(cls):
    """``IncrementalReach.__init__`` with ``max_affected_frac=1``: every exact step without restrictions goes
    incremental."""
    init = cls.__init__

    def forced(self, *args, **kwargs):
        init(self, *args, **{**kwargs, "max_affected_frac": 1.0})

    return forced


def test_runs_of_one_topology_share_its_world_with_the_same_bytes_as_a_fresh_one(monkeypatch):
    """The world before links are bought is shared by the runs on one topology object (with its memo of who serves
    each market); a run on a world of its own (a copy of the topology) gives the same bytes, after other runs
    (another mechanism, blocs of their own) have filled the shared memo, and that memo stays within its bound."""
    from sim.model import world as world_module

    topo = sim.synthetic_topology(2000, seed=2)

    def run(topology, mechanisms):
        model = sim.FragmentationModel(
            topology=topology, rng=3, n_sources=256, adoption_frac=0.6, mechanisms=mechanisms
        )
        for _ in range(4):
            model.step()
        return model, model.datacollector.get_model_vars_dataframe()

    monkeypatch.setattr(world_module, "MEMO_ENTRIES", 8)
    first, _ = run(topo, ["m5"])
    second, shared = run(topo, ["m0"])
    assert second.world is first.world and 0 < len(first.world.memo) <= 8
    alone, fresh = run(topo.replace(), ["m0"])
    assert alone.world is not first.world
    assert shared.equals(fresh)


def test_runs_on_a_shared_world_take_its_answers_with_the_same_bytes(monkeypatch):
    """The runs of a sweep worker share the world's memo of reachability answers: a run that asks what an earlier
    one asked (the same sources and cut links) takes its answer, and writes the same bytes as when every step is
    computed; a run that cuts other links computes them; the shared answers are read-only."""
    from sim.reach import incremental

    topo = sim.synthetic_topology(1500, seed=3)

    def run(mechanism="m0", seed=5):
        model = sim.FragmentationModel(
            topology=topo, rng=seed, n_sources=200, adoption_frac=0.5, mechanisms=[mechanism]
        )
        for _ in range(6):
            model.step()
        return model, model.datacollector.get_model_vars_dataframe(), model.datacollector.get_agent_vars_dataframe()

    first, *tables = run()
    assert first._tracker.n_full > 1 and first._tracker.n_memo == 0
    again, *again_tables = run()
    assert again._tracker.n_full == 0 and again._tracker.n_memo == first._tracker.n_full
    other_seed, *_ = run(seed=6)  # other sources: nothing to take
    assert other_seed._tracker.n_memo == 0
    monkeypatch.setattr(incremental.ResultMemo, "get", lambda self, key: None)
    fresh, *fresh_tables = run()
    assert fresh._tracker.n_memo == 0
    for a, b, c in zip(tables, again_tables, fresh_tables, strict=True):
        assert a.equals(b) and a.equals(c)
    with pytest.raises(ValueError, match="read-only"):
        again.current.result.country_pairs[0, 0] = 1


@pytest.mark.parametrize("seed", range(4))
def test_a_world_extended_by_bought_links_equals_one_built_with_them(seed):
    """M7 re-homing extends the World by the links operators bought (World.with_bought: the new entries inserted
    into its indexes) instead of building it again: every attribute equals a fresh build's, over purchases in a
    row, with a provider buying twice, an AS of the last index and ASes of unknown country."""
    from sim.model.world import World

    topo = sim.synthetic_topology(800, seed=seed)
    rng = np.random.default_rng(seed)
    unknown = rng.choice(topo.n_ases, 20, replace=False)
    topo = topo.replace(country=np.where(np.isin(np.arange(topo.n_ases), unknown), -1, topo.country))
    w = World(topo, rng.random(topo.n_ases) < 0.05)
    for step in range(4):
        k = int(rng.integers(1, 8))
        bought = np.stack([rng.choice(topo.n_ases, k), rng.choice(topo.n_ases, k)], axis=1)
        if step == 2:
            bought = np.r_[bought, bought[:1], [[bought[0, 0], topo.n_ases - 1]], [[unknown[0], bought[0, 1]]]]
        extended = w.with_bought(bought)
        fresh = World(topo, w.protected, np.concatenate([w.bought, bought]), w.market_measure)
        assert set(vars(extended)) == set(vars(fresh))
        for key, value in vars(fresh).items():
            if key in ("memo", "reach_memo"):  # both start empty
                assert not len(getattr(extended, key).keys() if key == "memo" else [])
                continue
            got = vars(extended)[key]
            if isinstance(value, np.ndarray):
                assert got.dtype == value.dtype and np.array_equal(got, value), key
            else:
                assert got is value or got == value, key
        w = extended


def test_a_world_rebuilt_after_purchases_keeps_only_the_unchanged_answers_with_the_same_bytes(monkeypatch):
    """When operators buy links (M7) the world is rebuilt; the extraterritorial rules' memo entries that the
    purchase leaves unchanged are carried over (regulations.extraterritorial.carry_over). A run gives the same
    bytes as one that recomputes every entry in each new world."""
    from sim.model import model as model_module

    topo = sim.synthetic_topology(1500, seed=5)
    carried = []
    real = model_module.carry_over

    def counting(old, new, touched):
        real(old, new, touched)
        carried.append(sum(1 for k in new.memo if isinstance(k, tuple) and k[0] == "extraterritorial"))

    def run():
        model = sim.FragmentationModel(topology=topo, rng=2, n_sources=200, adoption_frac=0.6, mechanisms=["m7"])
        for _ in range(10):
            model.step()
        tables = model.datacollector.get_model_vars_dataframe(), model.datacollector.get_agent_vars_dataframe()
        return model, tables

    monkeypatch.setattr(model_module, "carry_over", counting)
    model, kept = run()
    assert len(model.bought) > 0 and max(carried) > 0  # links bought, answers carried
    monkeypatch.setattr(model_module, "carry_over", lambda old, new, touched: None)
    again, fresh = run()
    for a, b in zip(kept, fresh, strict=True):
        assert a.equals(b)
    assert model.cut_links().equals(again.cut_links())
