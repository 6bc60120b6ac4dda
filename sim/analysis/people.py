"""Losses counted in people, from results: the population measures of :mod:`sim.model.metrics` recomputed from
each run's per-country losses (its ``states`` table), for runs written before the model collected them and for
any grouping an analysis needs.

The population of a country is its Natural Earth estimate (:func:`sim.data.outlines.country_facts`); countries
without an outline at 1:110m (Singapore, Hong Kong...) are not counted, in the numerator or the denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.data.outlines import country_facts
from sim.model.metrics import PEOPLE_THRESHOLDS, people_losing, people_weighted_loss

#: the measures, named as the model's data collector names them
PEOPLE_MEASURES = tuple(f"pop_frac_over_{round(t * 100)}pct" for t in PEOPLE_THRESHOLDS) + ("pop_weighted_loss",)


def people_measures(loss: pd.Series, outlines=None) -> dict[str, float]:
    """The population measures of one run's per-country loss (``code`` → loss)."""
    facts = country_facts(loss.index, outlines)
    values = loss.to_numpy(dtype=float)
    out = {
        name: people_losing(values, facts.population, t)
        for name, t in zip(PEOPLE_MEASURES[:-1], PEOPLE_THRESHOLDS, strict=True)
    }
    out["pop_weighted_loss"] = people_weighted_loss(values, facts.population)
    return out


def people_by_run(states: pd.DataFrame, by: list[str], outlines=None) -> pd.DataFrame:
    """Long table of the population measures of each run's last step: ``by`` columns (which must identify the
    run, e.g. ``["run", "seed", "mechanism.name"]``), ``metric`` and ``value``.

    Parameters
    ----------
    states : pandas.DataFrame
        States rows with ``run``, ``step``, ``code`` and ``loss`` (and the ``by`` columns).
    """
    last = states[states["step"] == states.groupby("run")["step"].transform("max")]
    rows = []
    for keys, rows_of_run in last.groupby(by, dropna=False, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        measures = people_measures(rows_of_run.set_index("code")["loss"], outlines)
        rows += [{**dict(zip(by, keys, strict=True)), "metric": k, "value": v} for k, v in measures.items()]
    return pd.DataFrame(rows, columns=[*by, "metric", "value"])


def people_words(share: float, low: float = np.nan, high: float = np.nan) -> str:
    """``12.3% (95% interval 4.1–20.5%)``; the interval clipped to [0, 100]% and left out when undefined."""
    text = f"{share * 100:.1f}%"
    if np.isfinite(low) and np.isfinite(high):
        text += f" (95% interval {max(low, 0) * 100:.1f}–{min(high, 1) * 100:.1f}%)"
    return text
