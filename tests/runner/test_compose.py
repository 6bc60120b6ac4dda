"""Checking a sweep composes each choice of config groups once: the same run configurations, and the same error
for a bad job, as composing every job from scratch."""

from __future__ import annotations

import pytest

from sim.runner.compose import compose_run, compose_runs, configuration, job_overrides
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
