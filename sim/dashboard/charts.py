"""The dashboard's charts as light SVG and HTML, built here as text and drawn by the browser.

A matplotlib figure rendered to PNG cost about 0.15 s per panel and step (most of it ``savefig``), three of them
more than the whole model step; the same charts as markup cost a few milliseconds, travel as a few kilobytes of
text, and stay sharp at any size. Each chart's outer element carries ``class="fragsim-chart"`` and the step it shows
(``data-step``), so a test or a timing can tell when the page shows the new step.
"""

from __future__ import annotations

import math
from functools import cache
from html import escape

import numpy as np

FONT = "font-family: Roboto, Arial, sans-serif"
GRID = "#ddd"  #: grid lines, light as matplotlib's at alpha 0.3
AXIS = "#333"


def nice_ticks(top: float, max_ticks: int = 6) -> np.ndarray:
    """Ticks from 0 to at least ``top`` at a round spacing (1, 2, 2.5 or 5 times a power of ten), at most
    ``max_ticks`` + 1 of them."""
    if not top > 0:
        raise ValueError(f"top: an axis runs from 0 to a positive value, got {top!r}")
    raw = top / max_ticks
    power = 10 ** math.floor(math.log10(raw))
    spacing = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    return np.arange(0, top + spacing * 1e-9, spacing)


def percent(value: float) -> str:
    """``value`` (a fraction) in percent with the decimals it needs: "14%", "2.5%", "0.1%"."""
    return f"{round(value * 100, 6):g}%"


def _text(x: float, y: float, words: str, size: int = 11, anchor: str = "middle", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{AXIS}"{extra}>'
        f"{escape(words)}</text>"
    )


def _svg(width: int, height: int, step: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="fragsim-chart" data-step="{step}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" style="display: block; width: 100%; height: auto; {FONT}" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def line_chart(
    steps: np.ndarray,
    series: list[tuple[str, str, np.ndarray]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    y_top: float,
    x_top: int,
    step: int,
) -> str:
    """Lines with a dot per step, on a percent axis from 0 to ``y_top`` and a step axis from 0 to ``x_top``;
    ``series`` is ``[(label, colour, values)]``, named in a legend. Each dot says its step and value on hover."""
    width, height, left, right, top, bottom = 580, 380, 72, 18, 36, 52
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(s):
        return left + plot_w * s / x_top

    def y_of(v):
        return top + plot_h * (1 - v / y_top)

    body = [_text(width / 2, 22, title, size=15)]
    y_ticks = nice_ticks(y_top)
    for v in y_ticks[y_ticks <= y_top * (1 + 1e-9)]:
        y = y_of(v)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, percent(v), anchor="end"))
    x_spacing = max(1, int(nice_ticks(x_top, 10)[1])) if x_top > 1 else 1
    for s in range(0, x_top + 1, x_spacing):
        x = x_of(s)
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
        body.append(_text(x, top + plot_h + 16, str(s)))
    body.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{AXIS}"/>')
    body.append(_text(left + plot_w / 2, height - 10, x_label, size=12))
    body.append(_text(16, top + plot_h / 2, y_label, size=12, extra=f' transform="rotate(-90 16 {top + plot_h / 2})"'))
    for i, (label, color, values) in enumerate(series):
        points = " ".join(f"{x_of(s):.1f},{y_of(v):.1f}" for s, v in zip(steps, values, strict=True))
        body.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="1.6"/>')
        for s, v in zip(steps, values, strict=True):
            body.append(
                f'<circle cx="{x_of(s):.1f}" cy="{y_of(v):.1f}" r="3" fill="{color}">'
                f"<title>{escape(label)}, step {s}: {v:.1%}</title></circle>"
            )
        y = top + 16 + 18 * i  # the legend, top left inside the axes
        body.append(f'<line x1="{left + 10}" x2="{left + 34}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="1.6"/>')
        body.append(f'<circle cx="{left + 22}" cy="{y}" r="3" fill="{color}"/>')
        body.append(_text(left + 40, y + 4, label, anchor="start"))
    return _svg(width, height, step, body, title)


@cache
def viridis(n: int = 256) -> tuple[str, ...]:
    """matplotlib's viridis as ``n`` hex colours, the heatmap's scale."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis"]
    return tuple(to_hex(cmap(i / (n - 1))) for i in range(n))


def heatmap(matrix, *, title: str, x_label: str, y_label: str, step: int, value_words: str) -> str:
    """A square matrix of shares (0–1) as coloured cells under the row and column labels, with a percent
    colour bar; a cell says its row, column and value on hover (``"US → BR: 97.3% {value_words}"``)."""
    rows, cols, values = list(matrix.index), list(matrix.columns), np.asarray(matrix, dtype=float)
    width, height, left, top, cell = 580, 390, 120, 36, 15
    colors = viridis()
    body = [_text(width / 2, 22, title, size=14)]
    for i, row in enumerate(rows):
        y = top + i * cell
        body.append(_text(left - 4, y + cell / 2 + 3, row, size=8, anchor="end"))
        for j, col in enumerate(cols):
            v = values[i, j]
            fill = colors[int(round(np.clip(v, 0, 1) * (len(colors) - 1)))] if np.isfinite(v) else "#eee"
            body.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell}" height="{cell}" fill="{fill}">'
                f"<title>{escape(row)} → {escape(col)}: {v:.1%} {escape(value_words)}</title></rect>"
            )
    bottom = top + len(rows) * cell
    for j, col in enumerate(cols):
        x = left + j * cell + cell / 2 + 3
        body.append(_text(x, bottom + 4, col, size=8, anchor="end", extra=f' transform="rotate(-90 {x} {bottom + 4})"'))
    body.append(_text(left + len(cols) * cell / 2, bottom + 36, x_label, size=12))
    mid = top + len(rows) * cell / 2
    body.append(_text(left - 40, mid, y_label, size=12, extra=f' transform="rotate(-90 {left - 40} {mid})"'))
    bar_x, bar_h = left + len(cols) * cell + 24, len(rows) * cell
    stops = "".join(f'<stop offset="{k / 10:g}" stop-color="{colors[round(255 * (1 - k / 10))]}"/>' for k in range(11))
    body.append(
        f'<defs><linearGradient id="fragsim-viridis" x1="0" x2="0" y1="0" y2="1">{stops}</linearGradient></defs>'
    )
    body.append(
        f'<rect x="{bar_x}" y="{top}" width="14" height="{bar_h}" fill="url(#fragsim-viridis)" stroke="{AXIS}"/>'
    )
    for k in range(0, 6):
        y = top + bar_h * (1 - k / 5)
        body.append(f'<line x1="{bar_x + 14}" x2="{bar_x + 18}" y1="{y:.1f}" y2="{y:.1f}" stroke="{AXIS}"/>')
        body.append(_text(bar_x + 21, y + 4, f"{k * 20}%", size=10, anchor="start"))
    return _svg(width, height, step, body, title)


def bar_list(
    labels: list[str], values: list[float], colors: list[str], *, title: str, x_label: str, x_top: float, step: int
) -> str:
    """Horizontal bars as HTML, the first on top: a label each (wrapped by the browser, never cut), the bar, its
    value in percent at its end, and a percent axis from 0 to ``x_top`` named below."""
    ticks = nice_ticks(x_top, 5)
    rows = []
    for label, value, color in zip(labels, values, colors, strict=True):
        share = 100 * value / x_top
        rows.append(
            f'<div class="fragsim-bar-label" style="text-align: right; line-height: 1.15">{escape(label)}</div>'
            f'<div style="position: relative; height: 20px; border-left: 1px solid {AXIS}">'
            f'<div class="fragsim-bar" style="width: {share:.2f}%; height: 100%; background: {color}"></div>'
            f'<span style="position: absolute; left: calc({share:.2f}% + 4px); top: 2px">{value:.1%}</span></div>'
        )
    axis = "".join(
        f'<span style="position: absolute; left: {100 * t / x_top:.2f}%; transform: translateX(-50%)">'
        f"{percent(t)}</span>"
        for t in ticks
        if t <= x_top * (1 + 1e-9)
    )
    return (
        f'<div class="fragsim-chart" data-step="{step}" style="{FONT}; font-size: 12px; color: {AXIS}; '
        f'padding: 4px 16px 8px 8px">'
        f'<div style="font-size: 15px; text-align: center; margin-bottom: 8px">{escape(title)}</div>'
        f'<div style="display: grid; grid-template-columns: minmax(7em, 36%) 1fr; gap: 4px 6px; align-items: center">'
        + "".join(rows)
        + f'<div></div><div style="position: relative; height: 16px; border-top: 1px solid {AXIS}">{axis}</div>'
        f'</div><div style="text-align: center; margin-top: 8px; padding-left: 36%">{escape(x_label)}</div></div>'
    )
