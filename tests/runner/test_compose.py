"""Composing and checking configurations: a sweep composes each choice of config groups once (the same run
configurations, and the same error for a bad job, as composing every job from scratch); added keys and non-finite
numbers are refused by their full key; run folder names are flat and safe."""

from __future__ import annotations

import pytest

from sim.runner.compose import compose_run, compose_runs, configuration, job_overrides, parse_once
from sim.runner.run import folder_name, sweep_folder
from sim.runner.schema import ConfigError


def test_a_sweep_composed_once_per_group_choice_equals_every_job_composed_alone():
    sweep = [
        "-m",
        "experiment=mechanisms",
        "scenario=sanctions,shutdown_ir_2019,extraterritorial_wave",
        "mechanism=m0,m5",
        "seed=0,1",
        "scenario.steps=3",
        "hydra/launcher=local",
        "scenario.decision.base_pressure=0.2",
        "+scenario.blocs.X=[FR,DE]",
    ]
    with configuration():
        jobs = job_overrides(sweep)
        assert len(jobs) == 12
        assert list(compose_runs(jobs)) == [compose_run(job) for job in jobs]
    assert {run.scenario.name for run in compose_runs(jobs)} == {
        "sanctions",
        "shutdown_ir_2019",
        "extraterritorial_wave",
    }


@pytest.mark.parametrize(
    "bad",
    [
        ["+scenario.decision.base_pressure=0.2"],  # the key exists: '+' refused, as Hydra refuses it
        ["scenario.steps=-1"],
        ["scenario.nope=1"],
        ["mechanism=zz"],
        ["scenario=sanctions", "scenario.adoption_frac=2"],
    ],
)
def test_a_bad_job_fails_with_the_message_of_composing_it_alone(bad):
    with pytest.raises(ConfigError) as alone:
        compose_run(bad)
    with pytest.raises(ConfigError) as swept:
        list(compose_runs([["seed=1"], bad]))
    assert str(swept.value) == str(alone.value)


def test_each_override_line_is_parsed_and_checked_once_per_cache():
    """A sweep's jobs repeat most of their lines: each distinct line is parsed and checked the first time only,
    in the job's order, and a bad line first met in a later job is still refused."""
    cache, checked = {}, []
    first = parse_once(["seed=0", "mechanism=m5", "seed=0"], cache, checked.extend)
    again = parse_once(["mechanism=m5", "seed=1"], cache, checked.extend)
    assert [o.input_line for o in checked] == ["seed=0", "mechanism=m5", "seed=1"]
    assert first[0] is first[2] and again[0] is first[1] and [o.value() for o in again] == ["m5", 1]
    with pytest.raises(ConfigError, match="stesp"):
        list(compose_runs([["seed=0"], ["seed=0", "scenario.stesp=1"]]))


@pytest.mark.parametrize(
    "override, message",
    [
        ("+scenario.foo=1", "unknown key 'scenario.foo': 'scenario' has no key 'foo'"),
        (
            "scenario.stesp=1",
            "unknown key 'scenario.stesp': 'scenario' has no key 'stesp' (did you mean 'scenario.steps'?)",
        ),
        ("++scenario.decision.bar=2", "unknown key 'scenario.decision.bar': 'scenario.decision' has no key 'bar'"),
        ("+foo=1", "unknown key 'foo': the run configuration has no key 'foo'"),
        ("~scenario", "'scenario' cannot be removed (~scenario)"),
        ("~seed", "'seed' cannot be removed (~seed)"),
        ("topology.strict=2", "topology.strict must be true or false, got 2"),
        (
            "scenario.decision.strengthen_step=inf",
            "scenario.decision.strengthen_step must be a finite number in [0, 1,000,000]",
        ),
        (
            "scenario.decision.cost_weight=1e300",
            "scenario.decision.cost_weight must be a finite number in [0, 1,000,000]",
        ),
        ("scenario.decision.pressure_trend=-inf", "scenario.decision.pressure_trend must be a finite number"),
        ("scenario.decision.shock_prob=2", "scenario.decision.shock_prob must be in [0, 1], got 2.0"),
        (
            "mechanism.params.join_cost=nan",
            "mechanism.params.join_cost must be a finite number in [0, 1,000,000], got nan",
        ),
        ("mechanism.mechanisms=[]", "mechanism.mechanisms must be at least one mechanism ('m0': none), got []"),
        ("mechanism.params.leader=../x", "mechanism.params.leader must be a two-letter country code"),
        ("topology.path=/etc/passwd", "topology.path does not apply to the synthetic topology"),
        ("topology.seed=-1", "topology.seed must be an integer ≥ 0, got -1"),
        ("scenario.name=", "scenario.name must be a name, got ''"),
        ("paths.data=", "paths.data must name a folder, got ''"),
        ("scenario.description=é", "cannot read the override 'scenario.description=é': write KEY=VALUE, and quote"),
    ],
)
def test_added_keys_and_non_finite_numbers_are_refused_by_their_full_key(override, message):
    with pytest.raises(ConfigError) as err:
        compose_run([override])
    assert message in str(err.value)


def test_a_bloc_may_be_removed_and_a_sweep_value_is_not_a_key():
    assert "EU" not in compose_run(["scenario=validation_status_quo", "~scenario.blocs.EU"]).scenario.blocs
    assert compose_run(["~experiment"]) == compose_run([])


def test_an_imposed_regulations_error_names_its_list_index():
    with pytest.raises(ConfigError, match=r"scenario\.imposed\.0\.step must be an integer ≥ 1, got 0"):
        compose_run(["scenario=shutdown_ir_2019", "scenario.imposed.0.step=0"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "default"),
        ("mechanism=m5,seed=3", "mechanism=m5,seed=3"),  # safe names stay as they are: old folders resume
        ("experiment=x,scenario.imposed.0.exempt=[]", "experiment=x,scenario.imposed.0.exempt=[]"),
    ],
)
def test_safe_folder_names_are_kept(text, expected):
    assert folder_name(text) == expected


@pytest.mark.parametrize("text", ["a/b", "x/../../../escaped", "..", ".hidden", "n=" + "9" * 300, "s=a b", "s=é"])
def test_unsafe_folder_names_become_a_flat_slug_and_a_digest(text):
    name = folder_name(text)
    assert "/" not in name and not name.startswith(".") and len(name) <= 91
    assert name != folder_name(text + "x")  # the digest tells different values apart


def test_a_sweep_name_may_nest_but_never_leaves_runs():
    assert sweep_folder("tipping_points_real/adoption") == "tipping_points_real/adoption"
    for name in ("../../x", "/etc", "a/../../b", "./."):
        parts = sweep_folder(name).split("/")
        assert all(p and not p.startswith(".") for p in parts), name
