"""Sensitivity: which parameters move the outcome, and do the mechanisms' rankings survive their uncertainty?

A Morris screening (SALib; Morris 1991, Campolongo et al. 2007) of the decision, operator and mechanism
parameters listed in ``analysis.parameters`` of ``configs/experiment/sensitivity.yaml`` (each a config key, its
bounds and why). :func:`prepare` draws the sample (``analysis.trajectories`` trajectories of ``k + 1`` points,
kept as the most spread out of ``analysis.candidate_trajectories``, on ``analysis.levels`` grid levels) and
writes it as ``sample.csv`` in the sweep folder; the sweep runs every point under every mechanism of the config
(``sample=range(N)`` × ``mechanism``, :mod:`sim.runner.sample`). The points of trajectory ``t`` run with seed
``seed + t``: within a trajectory the same random draws (an elementary effect compares like with like), across
trajectories new ones; and every mechanism of a point runs with that point's seed (paired).

Outputs of each run (a point under a mechanism), in ``outputs.csv``:

- ``loss``: connectivity loss at the last step;
- ``cross_border_loss``: cross-border loss at the last step;
- ``tipping_step``: the first step whose connectivity loss exceeds ``analysis.tipping_loss`` (1 %), a single
  run's tipping point; a run whose loss never exceeds it is *censored* at ``steps + 1``.

Tables: ``morris.csv`` (per ``mechanism``, ``parameter`` and ``output``: ``mu_star``, ``mu_star_conf``,
``sigma``, ``mu``; mechanism ``all`` pools the trajectories of every mechanism), ``robustness.csv`` (per pair of
mechanisms: the share of points in which each has the lower final loss, and of ties within
``analysis.tie_tolerance``) and ``outputs.csv``. Figures: ``sensitivity`` (μ* against σ per output, pooled over
the mechanisms, and the robustness matrix) and ``sensitivity_by_mechanism`` (μ* of the final loss, parameter ×
mechanism).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.analysis.screening import morris_indices, morris_problem, paired_shares, share_matrix
from sim.experiments import Study, complete_runs, write_csv
from sim.experiments.sensitivity_figures import figure_by_mechanism, figure_screening
from sim.runner.compose import structured, to_run_config
from sim.runner.run import write_atomic
from sim.runner.sample import NOT_SAMPLED, read_sample, sample_text
from sim.runner.schema import ConfigError

SAMPLE_FILE = "sample.csv"  #: the design, in the sweep folder
OUTPUTS = ("loss", "cross_border_loss", "tipping_step")
POOLED = "all"  #: the mechanism label of the screening pooled over every mechanism


@dataclass(frozen=True)
class Parameter:
    """A screened parameter: its config key, its bounds, whether it takes integers, and why these bounds."""

    key: str
    low: float
    high: float
    integer: bool
    why: str

    @property
    def label(self) -> str:
        return self.key.rsplit(".", 1)[-1]


def _fail(text: str) -> ConfigError:
    return ConfigError(f"experiment sensitivity: {text}")


def _setting(analysis: dict, key: str, low: int) -> int:
    value = analysis.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _fail(f"analysis.{key} must be an integer ≥ {low}, got {value!r}")
    if key == "levels" and value % 2:  # Morris' grid jump p / (2 (p - 1)) lands on the grid only for even p
        raise _fail(f"analysis.levels must be even, got {value}")
    return value


def parameters(study: Study) -> list[Parameter]:
    """The parameters of ``analysis.parameters``, checked: each a numeric run key with bounds low < high that
    the configuration accepts; an integer key with integer bounds on the grid. Raises ConfigError."""
    specs, levels = study.analysis.get("parameters"), _setting(study.analysis, "levels", 2)
    if not isinstance(specs, list) or not specs:
        raise _fail("analysis.parameters must be a non-empty list of {name, bounds, why}")
    node = OmegaConf.structured(study.cfg)
    out = [_parameter(node, f"analysis.parameters.{i}", spec, levels) for i, spec in enumerate(specs)]
    labels = [p.label for p in out]
    if len(set(labels)) < len(labels):
        raise _fail(f"analysis.parameters: two keys end in the same name: {labels}")
    for end in ("low", "high"):  # the configuration's own checks, at each end of every range
        _with_values(study, {p.key: getattr(p, end) for p in out})
    return out


def _parameter(node, where: str, spec, levels: int) -> Parameter:
    if not isinstance(spec, dict) or set(spec) - {"name", "bounds", "integer", "why"}:
        raise _fail(f"{where} must be a mapping of name, bounds, integer (optional) and why, got {spec!r}")
    key, bounds, why = spec.get("name"), spec.get("bounds"), spec.get("why")
    default = OmegaConf.select(node, key, default=None) if isinstance(key, str) and key else None
    run_key = isinstance(default, (int, float)) and not isinstance(default, bool)
    if not run_key or key == "seed" or key.split(".")[0] in NOT_SAMPLED:  # the seed follows the trajectory
        raise _fail(f"{where}.name must be a numeric run key (not the seed), got {key!r}")
    ok = isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, (int, float)) for b in bounds)
    if not ok or not bounds[0] < bounds[1]:
        raise _fail(f"{where}.bounds must be [low, high] with low < high, got {bounds!r}")
    if not isinstance(why, str) or not why.strip():
        raise _fail(f"{where}.why must say why these bounds")
    integer = isinstance(default, int)
    if bool(spec.get("integer", False)) != integer:
        raise _fail(f"{where}: {key} takes {'integers: set' if integer else 'reals: drop'} integer: true")
    if integer and not (all(isinstance(b, int) for b in bounds) and (bounds[1] - bounds[0]) % (levels - 1) == 0):
        raise _fail(f"{where}.bounds of an integer key must be integers whose span divides by levels - 1")
    return Parameter(key, bounds[0], bounds[1], integer, why.strip())


def _with_values(study: Study, values: dict) -> None:
    node = structured(study.cfg)
    for key, value in values.items():
        OmegaConf.update(node, key, value, merge=False)
    try:
        to_run_config(node)
    except ConfigError as exc:
        raise _fail(f"analysis.parameters: a bound the configuration refuses: {exc}") from None


def design(study: Study, params: list[Parameter]) -> pd.DataFrame:
    """The Morris sample, one row per point in trajectory order: a column per parameter key, and ``seed``
    (``cfg.seed`` + the trajectory's index). Drawn from ``cfg.seed``: the same config gives the same sample."""
    from SALib.sample import morris

    a = study.analysis
    r, levels = _setting(a, "trajectories", 2), _setting(a, "levels", 2)
    candidates = _setting(a, "candidate_trajectories", r)
    problem = morris_problem([p.label for p in params], [(p.low, p.high) for p in params])
    X = morris.sample(
        problem,
        candidates,
        num_levels=levels,
        optimal_trajectories=r if candidates > r else None,
        local_optimization=True,
        seed=study.cfg.seed,
    )
    frame = pd.DataFrame(X, columns=[p.key for p in params])
    for p in params:
        if p.integer:  # the grid of an integer key falls on integers (checked): drop the float noise
            frame[p.key] = np.rint(frame[p.key]).astype(int)
    frame["seed"] = study.cfg.seed + np.arange(len(frame)) // (len(params) + 1)
    return frame


def prepare(study: Study) -> list[str]:
    """Write the sample into the sweep folder and return the sweep overrides that run it. A folder that holds
    another sample (the design or the seed changed) is an error, so that runs of two samples never mix."""
    params = parameters(study)
    sample = design(study, params)
    text = sample_text(list(sample.columns), [list(row) for row in sample.itertuples(index=False)])
    path = (study.runs / SAMPLE_FILE).resolve()
    if path.is_file() and path.read_text() != text:
        raise _fail(
            f"{path} holds another sample (analysis.parameters, the design or the seed changed): "
            f"remove {study.runs} to start again"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)
    return [f"sample=range({len(sample)})", f"paths.samples='{path}'"]


def tipping_step(loss: pd.Series, threshold: float, steps: int) -> int:
    """The first step whose loss exceeds ``threshold`` (``loss`` indexed by step); ``steps + 1`` if none."""
    above = loss[(loss.index >= 1) & (loss > threshold)]
    return int(above.index.min()) if len(above) else steps + 1


def run_outputs(study: Study) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(the sample, one row per run with its outputs, the runs' step count). Every run's recorded values are
    checked against its sample row; a missing run is an error (Morris needs whole trajectories)."""
    keys, rows = read_sample(study.runs / SAMPLE_FILE)
    sample = pd.DataFrame([[float(v) for v in row] for row in rows], columns=keys)
    threshold = float(study.analysis.get("tipping_loss", 0.01))
    records, steps = [], set()
    for run in complete_runs(study.runs):
        i = run.cfg.get("sample")
        if i is None or not 0 <= i < len(sample):
            raise _fail(f"{run.folder} is not a run of {study.runs / SAMPLE_FILE}")
        node = OmegaConf.create(run.cfg)
        if any(OmegaConf.select(node, k) != sample.at[i, k] for k in keys):
            raise _fail(f"{run.folder} does not hold row {i} of {SAMPLE_FILE}: remove it and run again")
        metrics = run.table("metrics.csv")
        wide = metrics.pivot(index="step", columns="metric", values="value")
        n = int(run.cfg["scenario"]["steps"])
        steps.add(n)
        records.append(
            {
                "sample": i,
                "mechanism": run.cfg["mechanism"]["name"],
                "seed": run.cfg["seed"],
                "loss": wide["loss"].iloc[-1],
                "cross_border_loss": wide["cross_border_loss"].iloc[-1],
                "tipping_step": tipping_step(wide["loss"], threshold, n),
            }
        )
    out = pd.DataFrame(records).sort_values(["mechanism", "sample"], ignore_index=True)
    missing = len(sample) * out["mechanism"].nunique() - len(out)
    if out.duplicated(["sample", "mechanism"]).any() or missing:
        raise _fail(f"{study.runs} does not hold each sample point once per mechanism ({missing} missing): rerun")
    if len(steps) != 1:
        raise _fail(f"the runs of {study.runs} differ in their steps: {sorted(steps)}")
    return sample, out, steps.pop()


def morris_table(study: Study, params: list[Parameter], sample: pd.DataFrame, outputs: pd.DataFrame, order):
    """μ*, σ and μ per mechanism (and pooled, :data:`POOLED`), parameter and output."""
    a = study.analysis
    problem = morris_problem([p.label for p in params], [(p.low, p.high) for p in params])
    X = sample[[p.key for p in params]].to_numpy(float)
    levels, resamples = _setting(a, "levels", 2), _setting(a, "resamples", 10)
    parts = []
    for output in OUTPUTS:
        ys = {m: outputs[outputs["mechanism"] == m].sort_values("sample")[output].to_numpy(float) for m in order}
        cases = [(m, X, ys[m]) for m in order] + [
            (POOLED, np.vstack([X] * len(order)), np.concatenate(list(ys.values())))
        ]
        for mechanism, xs, y in cases:
            table = morris_indices(problem, xs, y, levels, study.cfg.seed, resamples)
            parts.append(table.assign(mechanism=mechanism, output=output))
    table = pd.concat(parts, ignore_index=True)
    return table[["mechanism", "parameter", "output", "mu_star", "mu_star_conf", "sigma", "mu"]]


def analyze(study: Study) -> list[Path]:
    a = study.analysis
    params = parameters(study)
    sample, outputs, steps = run_outputs(study)
    order = sorted(outputs["mechanism"].unique(), key=lambda m: (len(m) > 2, m))
    morris = morris_table(study, params, sample, outputs, order)
    tolerance = float(a.get("tie_tolerance", 0.0))
    robustness = paired_shares(outputs, "mechanism", "sample", "loss", tolerance, order)
    paths = [
        write_csv(outputs, study.out / "outputs.csv"),
        write_csv(morris, study.out / "morris.csv"),
        write_csv(robustness, study.out / "robustness.csv"),
    ]
    cfg = study.cfg
    k, n = len(params), len(sample)
    sources = "exact all-pairs reachability" if cfg.n_sources is None else f"{cfg.n_sources:,} sampled sources"
    text = (
        f"Data: {study.data_label()}. {n} parameter samples (Morris: {n // (k + 1)} trajectories of {k + 1} points, "
        f"{k} parameters, {a['levels']} levels; ranges in configs/experiment/sensitivity.yaml) × {len(order)} "
        f"mechanisms = {len(outputs)} runs, paired: every mechanism runs a sample with the same seed; {sources}; "
        f"{steps} steps; {cfg.scenario.adoption_frac:.0%} of states (largest markets) may adopt. μ*: mean absolute "
        "elementary effect, the output's change as a parameter crosses its range; σ: their spread (non-linearity, "
        "interactions, and differences between mechanisms). Tipping step: first step with loss > "
        f"{float(a.get('tipping_loss', 0.01)):.0%}, censored at {steps + 1} when never."
    )
    ties = (
        " Bars: 95% bootstrap intervals of μ*. Robustness: final loss; differences within "
        f"{tolerance * 100:g} percentage point count as ties."
    )
    pooled = morris[morris["mechanism"] == POOLED]
    paths += figure_screening(
        study, pooled, share_matrix(robustness, "mechanism"), int(a.get("label_top", 10)), text + ties
    )
    paths += figure_by_mechanism(study, morris[morris["output"] == "loss"], order, POOLED, text)
    return paths
