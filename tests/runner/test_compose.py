"""Composing and checking configurations: a sweep composes each choice of config groups once (the same run
configurations, and the same error for a bad job, as composing every job from scratch); added keys and non-finite
numbers are refused by their full key; run folder names are flat and safe."""

from __future__ import annotations

import pytest

from sim.runner.compose import compose_run, compose_runs, configuration, job_overrides
from sim.runner.run import folder_name
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


@pytest.mark.parametrize(
    "override, message",
    [
        ("+scenario.foo=1", "Could not override 'scenario.foo'. Key 'foo' not in 'ScenarioConfig'"),
        ("++scenario.decision.bar=2", "Key 'bar' not in 'DecisionParams' full_key: scenario.decision.bar"),
        ("+foo=1", "Key 'foo' not in 'RunConfig' full_key: foo"),
        ("scenario.decision.strengthen_step=inf", "scenario.decision.strengthen_step must be a finite number ≥ 0"),
        ("scenario.decision.pressure_trend=-inf", "scenario.decision.pressure_trend must be a finite number"),
        ("scenario.decision.shock_prob=2", "scenario.decision.shock_prob must be in [0, 1], got 2.0"),
        ("mechanism.params.join_cost=nan", "mechanism.params.join_cost must be a finite number ≥ 0, got nan"),
    ],
)
def test_added_keys_and_non_finite_numbers_are_refused_by_their_full_key(override, message):
    with pytest.raises(ConfigError) as err:
        compose_run([override])
    assert message in str(err.value)


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
