"""Screening a parameter sample: Morris elementary effects, and paired comparisons of variants across it.

:func:`morris_indices` ranks parameters by how much they move an output (Morris 1991, with Campolongo et
al.'s μ*, 2007), through SALib. :func:`paired_shares` asks, of variants run on the same sample points with the
same seeds (the coordination mechanisms, say), in what share of the points each one beats each other one: a
ranking that holds in most points is robust to the parameters' uncertainty, one that flips is not.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd


def morris_problem(names: list[str], bounds: list[tuple[float, float]]) -> dict:
    """SALib's problem definition: one variable per name, with its (low, high) bounds."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}


def morris_indices(
    problem: dict, X: np.ndarray, Y: np.ndarray, levels: int, seed: int, resamples: int = 1000
) -> pd.DataFrame:
    """Morris screening measures of one output over a Morris sample.

    Parameters
    ----------
    problem : dict
        SALib's problem (:func:`morris_problem`), the one the sample was drawn for.
    X : numpy.ndarray
        The sample, ``(r (k + 1), k)``, in trajectory order (as ``SALib.sample.morris.sample`` returns it).
        Several samples of the same problem may be stacked (e.g. the same sample under several variants): each
        block of ``k + 1`` rows is one trajectory.
    Y : numpy.ndarray
        The output at each row of ``X``.
    levels : int
        The grid levels the sample was drawn with.
    seed : int
        Seed of the bootstrap of ``mu_star_conf``.
    resamples : int
        Bootstrap resamples.

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``parameter``, ``mu`` (mean elementary effect), ``mu_star`` (mean absolute
        effect: the importance), ``mu_star_conf`` (half-width of its 95 % bootstrap interval) and ``sigma``
        (standard deviation of the effects: non-linearity and interactions). An elementary effect is the output's
        change when one parameter moves by Δ = p / (2 (p − 1)) of its range, divided by Δ: the change per full
        range, in the output's unit.

    Raises
    ------
    ValueError
        ``X`` and ``Y`` do not hold whole trajectories of the problem, or ``Y`` is not finite.

    Notes
    -----
    Cost: O(r k) plus the bootstrap, O(resamples r k).
    """
    from SALib.analyze import morris

    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    k = problem["num_vars"]
    if X.ndim != 2 or X.shape[1] != k or len(X) != len(Y) or len(X) == 0 or len(X) % (k + 1):
        raise ValueError(f"X {X.shape} and Y {Y.shape} are not whole trajectories of {k} parameters")
    if not np.isfinite(Y).all():
        raise ValueError("Y holds values that are not finite")
    si = morris.analyze(problem, X, Y, num_resamples=resamples, conf_level=0.95, num_levels=levels, seed=seed)
    return pd.DataFrame(
        {
            "parameter": list(problem["names"]),
            "mu": np.asarray(si["mu"], float),
            "mu_star": np.asarray(si["mu_star"], float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], float),
            "sigma": np.asarray(si["sigma"], float),
        }
    )


def paired_shares(
    frame: pd.DataFrame, variant: str, unit: str, value: str, tolerance: float = 0.0, order: list | None = None
) -> pd.DataFrame:
    """For each pair of variants, the share of units in which each has the lower value, and of ties.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (unit, variant): e.g. a parameter sample point and a mechanism, with its loss.
    variant, unit, value : str
        Columns: what is compared, what it is paired on, and the value (lower is better).
    tolerance : float
        Values within ``tolerance`` of each other count as a tie.
    order : list, optional
        The variants, in the order of the pairs (default: sorted).

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair (a before b in ``order``): ``<variant>_a``, ``<variant>_b``,
        ``share_a_better`` (``value_a < value_b − tolerance``), ``share_b_better``, ``share_tied`` (summing to 1)
        and ``n_samples``, the units where both variants have a value.

    Raises
    ------
    ValueError
        A (unit, variant) pair appears twice, or ``tolerance`` is negative.
    """
    if tolerance < 0:
        raise ValueError(f"tolerance must be ≥ 0, got {tolerance!r}")
    if frame.duplicated([unit, variant]).any():
        raise ValueError(f"{unit} × {variant} must be unique")
    wide = frame.pivot(index=unit, columns=variant, values=value)
    names = list(order) if order is not None else sorted(wide.columns)
    rows = []
    for a, b in combinations(names, 2):
        both = wide[[a, b]].dropna()
        diff = (both[a] - both[b]).to_numpy()
        n = len(diff)
        better_a, better_b = int((diff < -tolerance).sum()), int((diff > tolerance).sum())
        rows.append(
            {
                f"{variant}_a": a,
                f"{variant}_b": b,
                "share_a_better": better_a / n if n else np.nan,
                "share_b_better": better_b / n if n else np.nan,
                "share_tied": (n - better_a - better_b) / n if n else np.nan,
                "n_samples": n,
            }
        )
    return pd.DataFrame(rows)


def share_matrix(shares: pd.DataFrame, variant: str) -> pd.DataFrame:
    """The pairs of :func:`paired_shares` as a square matrix: cell (a, b) is the share of units in which ``a``
    has the lower value than ``b`` (the diagonal is NaN; ties are 1 − (a, b) − (b, a))."""
    a, b = shares[f"{variant}_a"].tolist(), shares[f"{variant}_b"].tolist()
    names = list(dict.fromkeys(a + b))
    out = pd.DataFrame(np.nan, index=names, columns=names)
    for x, y, x_better, y_better in zip(a, b, shares["share_a_better"], shares["share_b_better"], strict=True):
        out.loc[x, y], out.loc[y, x] = x_better, y_better
    return out
