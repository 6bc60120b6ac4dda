"""House style of fragsim's figures: readable by a delegate, reproducible byte for byte.

Every figure has a title, axes with units, legends in words (mechanisms by name, countries by name) and a
caption line under it stating the data, the seeds and the sample size. It is saved as PNG (for reading) and SVG
(for print) with no date or random id inside, so the same results give the same files.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sim.data.countries import country_name  # noqa: E402
from sim.model.config import MECHANISM_NAMES  # noqa: E402

plt.rcParams.update(
    {
        "svg.hashsalt": "fragsim",  # fixed element ids in SVG
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 11,
        "axes.labelsize": 9,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
    }
)


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})"


def mechanism_label(name: str) -> str:
    """``m5_m6`` → ``multilateral forum + public-core norm (M5+M6)``."""
    parts = [p for p in str(name).split("_") if p]
    words = [MECHANISM_NAMES.get(p, p) for p in parts]
    return " + ".join(words) + f" ({str(name).upper().replace('_', '+')})"


def new_figure(n_panels: int = 1, width: float = 7.0, height: float = 4.2, sharex: bool = False, **kwargs):
    """A figure with ``n_panels`` side by side (or a grid when ``kwargs`` gives nrows/ncols)."""
    if "nrows" in kwargs or "ncols" in kwargs:
        return plt.subplots(figsize=(width, height), sharex=sharex, layout="constrained", **kwargs)
    return plt.subplots(1, n_panels, figsize=(width, height), sharex=sharex, layout="constrained")


def save(fig, out: Path, name: str, caption: str) -> list[Path]:
    """Put the caption under the figure and write ``name.png`` and ``name.svg``; returns the paths."""
    width = int(fig.get_figwidth() * 17)  # characters of 7-pt text per line
    fig.canvas.draw()  # lay out, then freeze: the caption goes under everything drawn (labels, legends)
    fig.set_layout_engine("none")
    bottom = fig.get_tightbbox(fig.canvas.get_renderer()).y0 / fig.get_figheight()
    fig.text(0.01, min(bottom, 0.0) - 0.01, textwrap.fill(caption, width), fontsize=7, va="top")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, extra in (
        ("png", {"dpi": 150, "metadata": {"Software": None}}),
        ("svg", {"metadata": {"Date": None, "Creator": None}}),
    ):
        path = out / f"{name}.{ext}"
        fig.savefig(path, bbox_inches="tight", **extra)
        paths.append(path)
    plt.close(fig)
    return paths


def loss_axis(ax, lowest: float = 0.0) -> None:
    """A y axis of losses in percent, linear below 1% and logarithmic above: a loss of 0.3% and one of 30% are
    both readable on one figure. ``lowest`` (percent, ≤ 0) lets a slightly negative sampled estimate show."""
    ax.set_yscale("symlog", linthresh=1, linscale=0.6)
    ticks = [0, 0.5, 1, 2, 5, 10, 20, 50, 100]
    ax.set_yticks(ticks, [f"{t:g}%" for t in ticks])
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_ylim(min(0.0, lowest), 100)


def percent_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    # decimals=None: as many decimals as the axis range needs (0.2% steps on a 0-1.5% axis)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(100, decimals=None))
