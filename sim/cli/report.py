"""``fragsim-report SWEEP_DIR``: aggregate a sweep's complete runs into tidy tables and standard figures.

It reads results only (each run folder's ``config.yaml``, ``metrics.csv`` and ``states.csv``); incomplete
folders (no ``DONE``) are ignored and counted. Runs form *cells* by every configuration value that varies
across the sweep except the seed; per cell, step and metric it reports the mean, the standard deviation, the
number of replicates ``n`` and a 95% confidence interval for the mean, ``mean ± t(0.975, n−1) · sd / √n``
(Student's t; no interval for n = 1).

Outputs (in ``SWEEP_DIR/report`` or ``--out``): ``timeseries.csv`` (every step), ``final.csv`` (last step),
``country_loss.csv`` (per-country loss at the last step), and figures ``loss_vs_adoption.png``,
``country_loss.png``, ``segments_over_time.png`` (PNG and SVG).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.preflight import answer_version

if TYPE_CHECKING:
    import pandas as pd

# numpy, pandas, scipy and matplotlib are imported where they are used, so that --help and --version answer at once


def figure_loss_vs_adoption(final: pd.DataFrame, out: Path, caption: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    from sim.analysis.figures import mechanism_label, save

    fig, ax = plt.subplots(figsize=(7, 4.5))
    loss = final[final["metric"] == "loss"]
    x = "scenario.adoption_frac" if "scenario.adoption_frac" in loss.columns else None
    for name, cell in loss.groupby("mechanism.name"):
        cell = cell.sort_values(x) if x else cell
        xs = cell[x] * 100 if x else np.arange(len(cell))
        ax.plot(xs, cell["mean"] * 100, marker="o", label=mechanism_label(name))
        ax.fill_between(xs, cell["ci_low"] * 100, cell["ci_high"] * 100, alpha=0.2)
    ax.set_xlabel("states adopting extraterritorial rules (%)" if x else "cell")
    ax.set_ylabel("connectivity loss (% of reachable AS pairs)")
    ax.set_title("Connectivity loss at the last step, by coordination mechanism")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, out, "loss_vs_adoption", caption)


def figure_country_loss(country: pd.DataFrame, out: Path, caption: str) -> None:
    import matplotlib.pyplot as plt

    from sim.analysis.figures import mechanism_label, save

    country, note = headline(country)
    groups = [(mechanism_label(n), c["loss"].to_numpy() * 100) for n, c in country.groupby("mechanism.name")]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(groups) + 2))
    ax.boxplot([g[1] for g in groups], vert=False, tick_labels=[g[0] for g in groups])
    ax.set_xlabel("per-country connectivity loss at the last step (%)")
    ax.set_title("Who bears the loss: distribution across countries" + note)
    ax.grid(alpha=0.3, axis="x")
    save(fig, out, "country_loss", caption)


def figure_segments(series: pd.DataFrame, out: Path, caption: str) -> None:
    import matplotlib.pyplot as plt

    from sim.analysis.figures import mechanism_label, save

    seg, note = headline(series[series["metric"] == "n_segments"])
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, cell in seg.groupby("mechanism.name"):
        mean = cell.groupby("step")["mean"].mean()
        low = cell.groupby("step")["ci_low"].mean()
        high = cell.groupby("step")["ci_high"].mean()
        ax.plot(mean.index, mean.values, label=mechanism_label(name))
        ax.fill_between(mean.index, low.values, high.values, alpha=0.2)
    ax.set_xlabel("step (policy cycle)")
    ax.set_ylabel("national segments (count)")
    ax.set_title("Fragmentation over time" + note)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, out, "segments_over_time", caption)


def headline(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows at the highest adoption level when the sweep varies it (the figure says so)."""
    key = "scenario.adoption_frac"
    if key not in df.columns:
        return df, ""
    top = df[key].max()
    return df[df[key] == top], f" ({top:.0%} of states adopting)"


def report(sweep: Path, out: Path | None = None) -> Path:
    """Write the sweep's tables and figures into ``out`` (default ``sweep/report``) and return ``out``.
    Raises FileNotFoundError when the sweep holds no complete run."""
    from sim.analysis.runs import load_runs, summarize

    metrics, states, varying, incomplete = load_runs(sweep)
    out = out or sweep / "report"
    out.mkdir(parents=True, exist_ok=True)
    cells = list(dict.fromkeys(varying + ["mechanism.name"]))
    series = summarize(metrics, cells + ["step", "metric"])
    last = metrics["step"].max()
    final = series[series["step"] == last]
    country = states[states["step"] == last].groupby(cells + ["code"], dropna=False)["loss"].mean().reset_index()
    series.to_csv(out / "timeseries.csv", index=False)
    final.to_csv(out / "final.csv", index=False)
    country.to_csv(out / "country_loss.csv", index=False)
    n_seeds = metrics.groupby(cells)["seed"].nunique().min()
    caption = (
        f"{sweep.name}: {metrics['run'].nunique()} runs, {n_seeds}+ seeds per cell, step {last}; "
        f"bands: 95% t-intervals over seeds" + (f"; {incomplete} incomplete runs ignored" if incomplete else "")
    )
    figure_loss_vs_adoption(final, out, caption)
    figure_country_loss(country, out, caption)
    figure_segments(series, out, caption)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    parser = argparse.ArgumentParser(prog="fragsim-report", description=__doc__.split("\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder (runs/<sweep_name>) or a run folder's parent")
    parser.add_argument("--out", type=Path, help="where to write (default SWEEP_DIR/report)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(f"fragsim-report: error: {args.sweep_dir}: no such folder", file=sys.stderr)
        return 2
    try:
        out = report(args.sweep_dir, args.out)
    except FileNotFoundError as exc:
        print(f"fragsim-report: error: {exc}", file=sys.stderr)
        return 2
    print(f"report written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
