"""``fragsim-report SWEEP_DIR``: aggregate a sweep's complete runs into tidy tables and standard figures.

It reads results only (each run folder's ``config.yaml``, metrics and states: their Parquet files, or their
CSVs in folders written before Parquet) of a sweep folder, of ``runs/single`` or of one run folder; incomplete
folders (no ``DONE``) are skipped and listed by name.
Runs form *cells* by every configuration value that differs between them except the seed (each named in the
legends and a column of the tables); per cell, step and metric it reports the mean, the standard deviation, the
number of replicates ``n`` and a 95% confidence interval for the mean, ``mean ± t(0.975, n−1) · sd / √n``
(Student's t; no interval for n = 1). The final values read each run at its own last step.

Outputs (in ``SWEEP_DIR/report`` or ``--out``): ``timeseries.csv`` (every step), ``final.csv`` (last step),
``country_loss.csv`` (per country at the last step: loss, cross-border loss, share of seeds with an
extraterritorial rule, share of seeds as a member of a coordination mechanism, and the dependence on one transit
network when the runs measured chosen routes), each also as Parquet (``timeseries.parquet``...: the same values,
columnar), and figures ``loss_vs_adoption``, ``country_loss``, ``segments_over_time`` (PNG and SVG), and a world map
of each of those per-country measures the runs recorded, ``country_<column>_map`` (``country_loss_map``...: one
panel per cell, at most six; the outlines are the data folder's ``geo/countries_110m.geojson.gz``, else the
package's copy, or the file given with ``--outlines``).
``-q`` prints only errors and the incomplete folders skipped; ``-v`` adds timings.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.preflight import answer_version, closing_pipe_ends_quietly
from sim.runner.progress import Progress, Verbosity, add_flags, chosen, say, shown, speaking, where_next

if TYPE_CHECKING:
    import pandas as pd

# numpy, pandas, scipy and matplotlib are imported where they are used, so that --help and --version answer at once


ADOPTION = "scenario.adoption_frac"  #: the loss figure's x axis when the sweep varies it
TABLES = ("timeseries", "final", "country_loss")  #: a report's tables, each as CSV and Parquet
#: its figures, each as PNG and SVG; then the world maps of the per-country measures the runs recorded
FIGURES = ("loss_vs_adoption", "country_loss", "segments_over_time")
MAX_MAPS = 6  #: cells drawn on the report's world maps (the table country_loss.csv holds every cell)


def cell_label(row, keys: list[str]) -> str:
    """A cell's name in a legend: its mechanism in words, then every other key that varies, ``key=value``."""
    from sim.analysis.figures import mechanism_label

    words = [mechanism_label(row["mechanism.name"])] if "mechanism.name" in keys else []

    def shown(value) -> str:
        text = "none" if value is None or value == "" or value != value else str(value)  # value != value: NaN
        return text if len(text) <= 40 else text[:39] + "…"  # the full value is in final.csv

    return "; ".join(words + [f"{k}={shown(row[k])}" for k in keys if k != "mechanism.name"])


def _by_cell(df: pd.DataFrame, keys: list[str]):
    """``(label, rows)`` per cell of ``df``, in a stable order."""
    for _, rows in df.groupby(keys, dropna=False, sort=True):
        yield cell_label(rows.iloc[0], keys), rows


def figure_loss_vs_adoption(final: pd.DataFrame, cells: list[str], out: Path, caption: str) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    from sim.analysis.figures import save

    fig, ax = plt.subplots(figsize=(8, 4.8))
    loss = final[final["metric"] == "loss"]
    x = ADOPTION if ADOPTION in cells else None
    keys = [k for k in cells if k != x]
    for label, cell in _by_cell(loss, keys):
        cell = cell.sort_values(x) if x else cell
        xs = cell[x] * 100 if x else np.zeros(len(cell))
        line = ax.plot(xs, cell["mean"] * 100, marker="o", label=f"{label} (n = {cell['n'].min()})")
        if (cell["n"] > 1).any():
            ax.fill_between(xs, cell["ci_low"] * 100, cell["ci_high"] * 100, alpha=0.2, color=line[0].get_color())
    ax.set_xlabel("states that may adopt extraterritorial rules (%)" if x else "(one value per cell)")
    ax.set_ylabel("connectivity loss at the run's last step (% of reachable AS pairs)")
    ax.set_title("Connectivity loss at the last step, by cell")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.14))  # below: cell names can be long
    ax.grid(alpha=0.3)
    save(fig, out, "loss_vs_adoption", caption)


def figure_country_loss(country: pd.DataFrame, cells: list[str], out: Path, caption: str) -> None:
    import matplotlib.pyplot as plt

    from sim.analysis.figures import save

    country, note = headline(country, cells)
    keys = [k for k in cells if k != ADOPTION]
    groups = [(label, c["loss"].to_numpy() * 100) for label, c in _by_cell(country, keys)]
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(groups) + 2))
    ax.boxplot([g[1] for g in groups], vert=False, tick_labels=[g[0] for g in groups])
    ax.set_xlabel("per-country connectivity loss at the run's last step (%)")
    ax.set_title("Who bears the loss: distribution across countries" + note)
    ax.grid(alpha=0.3, axis="x")
    save(fig, out, "country_loss", caption)


def figure_segments(series: pd.DataFrame, cells: list[str], out: Path, caption: str) -> None:
    import matplotlib.pyplot as plt

    from sim.analysis.figures import save

    seg, note = headline(series[series["metric"] == "n_segments"], cells)
    keys = [k for k in cells if k != ADOPTION]
    fig, ax = plt.subplots(figsize=(8, 4.8))
    for label, cell in _by_cell(seg, keys):
        cell = cell.sort_values("step")
        line = ax.plot(cell["step"], cell["mean"], label=f"{label} (n = {cell['n'].min()})")
        if (cell["n"] > 1).any():
            ax.fill_between(cell["step"], cell["ci_low"], cell["ci_high"], alpha=0.2, color=line[0].get_color())
    ax.set_xlabel("step (policy cycle)")
    ax.set_ylabel("national segments (count)")
    ax.set_title("Fragmentation over time" + note)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.14))  # below: cell names can be long
    ax.grid(alpha=0.3)
    save(fig, out, "segments_over_time", caption)


def figure_country_maps(country: pd.DataFrame, cells: list[str], out: Path, caption: str, outlines=None) -> list[str]:
    """A world map of each per-country measure the runs recorded (:data:`~sim.analysis.maps.COUNTRY_MEASURES`),
    one panel per cell at the last step (mean over seeds), at most MAX_MAPS cells; returns the figures' names."""
    from sim.analysis.maps import COUNTRY_MEASURES, figure_world_maps

    country, note = headline(country, cells)
    keys = [k for k in cells if k != ADOPTION]
    groups = list(_by_cell(country, keys))
    shown = "" if len(groups) <= MAX_MAPS else f" The first {MAX_MAPS} of {len(groups)} cells (country_loss.csv: all)."
    names = []
    for measure in COUNTRY_MEASURES:
        if measure.column not in country or not country[measure.column].notna().any():
            continue  # not recorded by these runs (an older run folder, path measures off)
        name = f"country_{measure.column}_map"
        panels = [(label, dict(zip(c["code"], c[measure.column], strict=True))) for label, c in groups[:MAX_MAPS]]
        figure_world_maps(
            panels,
            measure.scale,
            out,
            name,
            f"{measure.title}, at the run's last step{note}",
            f"{caption}; per country: mean over seeds.{shown}",
            ncols=1 if len(panels) == 1 else 2,
            outlines=outlines,
        )
        names.append(name)
    return names


def country_table(states: pd.DataFrame, cells: list[str]) -> pd.DataFrame:
    """Per cell and country, every measure of COUNTRY_MEASURES its runs recorded, mean over seeds (``states``:
    each run's last step)."""
    from sim.analysis.maps import COUNTRY_MEASURES

    recorded = [m for m in COUNTRY_MEASURES if m.source in states]
    values = states[cells + ["code"]].assign(**{m.column: m.per_run(states[m.source]) for m in recorded})
    return values.groupby(cells + ["code"], dropna=False)[[m.column for m in recorded]].mean().reset_index()


def headline(df: pd.DataFrame, cells: list[str]) -> tuple[pd.DataFrame, str]:
    """When the sweep varies the adoption level: each cell's rows at its highest level (the title says so)."""
    if ADOPTION not in cells:
        return df, ""
    keys = [k for k in cells if k != ADOPTION]
    top = df.groupby(keys, dropna=False)[ADOPTION].transform("max") if keys else df[ADOPTION].max()
    return df[df[ADOPTION] == top], " (each at its highest adoption level)"


def report(sweep: Path, out: Path | None = None, outlines: Path | None = None) -> tuple[Path, list[str], list[str]]:
    """Write the tables and figures of the complete runs in ``sweep`` (a sweep folder or one run folder) into
    ``out`` (default ``sweep/report``, or ``report-<name>`` beside a run folder); returns ``out``, the names
    of the incomplete run folders skipped and the names of the figures written.

    Runs form cells by every configuration key that differs between them (the seed aside); a cell's figures and
    its ``final.csv`` row read each run at its own last step, so runs of different lengths are never mixed.
    Raises FileNotFoundError when there is no complete run, OutlinesError when the outlines file is bad (both
    before anything is written)."""
    from sim.analysis.runs import last_steps, load_runs, run_folders, summarize
    from sim.data.outlines import load_outlines
    from sim.runner.files import write_table

    world = load_outlines(outlines)

    with Progress("fragsim-report: reading", None, unit="run folder") as progress:
        metrics, states, varying, skipped = load_runs(sweep, progress=progress)
    if out is None:  # beside a single run folder, never inside it: a run folder is write-once
        out = sweep.parent / f"report-{sweep.name}" if run_folders(sweep) == [sweep] else sweep / "report"
    out.mkdir(parents=True, exist_ok=True)
    cells = list(dict.fromkeys(varying + ["mechanism.name"]))
    series = summarize(metrics, cells + ["step", "metric"])
    ends = last_steps(metrics)
    final = summarize(ends, cells + ["metric"]).merge(
        ends.groupby(cells, dropna=False)["step"].max().reset_index(), on=cells
    )
    states_end = states.merge(ends[["run", "step"]].drop_duplicates(), on=["run", "step"])
    country = country_table(states_end, cells)
    for name, table in zip(TABLES, (series, final, country), strict=True):
        write_table(out, name, table)
    n = metrics.groupby(cells, dropna=False)["seed"].nunique()
    seeds = f"{n.min()}" if n.min() == n.max() else f"{n.min()}-{n.max()}"
    seeds += " seed per cell" if n.max() == 1 else " seeds per cell"
    bands = "bands: 95% t-intervals over seeds where n ≥ 2" if n.max() > 1 else "one run per cell: no interval"
    caption = (
        f"{sweep.name}: {metrics['run'].nunique()} runs in {len(n)} cells, {seeds}; each run at its last step; "
        f"{bands}" + (f"; {len(skipped)} incomplete run folders skipped" if skipped else "")
    )
    figure_loss_vs_adoption(final, cells, out, caption)
    figure_country_loss(country, cells, out, caption)
    figure_segments(series, cells, out, caption)
    maps = figure_country_maps(country, cells, out, caption, world)
    return out, skipped, [*FIGURES, *maps]


@closing_pipe_ends_quietly
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    answer_version(argv)
    parser = argparse.ArgumentParser(prog="fragsim-report", description=__doc__.split("\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder (runs/<sweep_name>, runs/single) or a run folder")
    parser.add_argument("--out", type=Path, help="where to write (default SWEEP_DIR/report)")
    parser.add_argument(
        "--outlines",
        type=Path,
        help="country outlines for the map (GeoJSON, may be gzip-compressed; default: the data folder's "
        "geo/countries_110m.geojson.gz, else the copy shipped with fragsim)",
    )
    add_flags(parser)
    args = parser.parse_args(argv)
    with speaking(chosen(args)):
        return _report(args)


def _report(args) -> int:
    if not args.sweep_dir.is_dir():
        print(f"fragsim-report: error: {args.sweep_dir}: no such folder", file=sys.stderr)
        return 2
    started = time.perf_counter()
    from sim.data.outlines import OutlinesError

    try:
        out, skipped, figures = report(args.sweep_dir, args.out, args.outlines)
    except (FileNotFoundError, OutlinesError) as exc:
        print(f"fragsim-report: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a read-only folder: one line, no traceback
        print(f"fragsim-report: error: cannot write {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for name in skipped:
        # a warning, not chatter: said even when quiet
        say(f"skipped (incomplete: no DONE; rerun its command to complete it): {name}", Verbosity.QUIET, sys.stdout)
    say(f"report written in {time.perf_counter() - started:.1f} s", Verbosity.VERBOSE)
    folder = shown(out)
    tables = ", ".join(f"{t}.csv" for t in TABLES)
    where_next(
        f"{folder} (tables {tables}, each also .parquet; figures as .png and .svg)",
        f"look at {shlex.quote(f'{folder}/{figures[0]}.png')} (and {', '.join(f + '.png' for f in figures[1:])}); "
        f"load the tables with pandas.read_parquet({str(Path(folder) / 'final.parquet')!r})",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
