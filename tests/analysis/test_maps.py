"""World maps: every country coloured on a stated scale named in words, countries without data hatched and named."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from sim.analysis.maps import COUNT_SCALE, LOSS_SCALE, Scale, draw_world, figure_world_maps, notes_caption
from sim.data.outlines import load_outlines


def test_bins_follow_the_words():
    assert LOSS_SCALE.bin_of(np.array([0.0, 0.0005, 0.005, 0.05, 0.2, 0.9, np.nan])).tolist() == [0, 0, 1, 2, 3, 4, -1]
    assert LOSS_SCALE.words[3] == "10–50% lost"  # a loss of exactly 10% is in "1–10%": bins are (low, high]
    assert LOSS_SCALE.bin_of(np.array([0.10])).tolist() == [2]
    assert COUNT_SCALE.bin_of(np.array([0, 1, 2, 5])).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="bounds"):
        Scale("x", (0, 1), ("a", "b"))


def test_countries_without_data_are_hatched_and_named_and_small_ones_not_drawn_are_named():
    outlines = load_outlines()
    values = {c: 0.02 for c in outlines.codes if c not in (None, "FR", "BR")}
    values["SG"] = 0.3  # Singapore: no outline at 1:110m
    ax = Figure().subplots()
    notes = draw_world(ax, values, LOSS_SCALE, outlines)
    assert set(notes.hatched) == {"France", "Brazil", "N. Cyprus", "Somaliland"}  # the last two have no code
    assert notes.not_drawn == (("SG", 0.3),)
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == sum(
        len(outlines.rings[i]) for i, name in enumerate(outlines.names) if name in notes.hatched
    )
    caption = notes_caption([notes], LOSS_SCALE)
    assert "Hatched, no data" in caption and "Brazil" in caption and "France" in caption
    assert "Singapore (SG) 30%" in caption
    assert "colour scale: loss of reach with the world" in caption and "10–50% lost" in caption


def test_a_country_is_coloured_by_its_bin():
    outlines = load_outlines()
    ax = Figure().subplots()
    draw_world(ax, {"FR": 0.2}, LOSS_SCALE, outlines)
    filled = ax.collections[0]
    colours = {tuple(np.round(c, 3)) for c in filled.get_facecolors()}
    wanted = tuple(np.round(to_rgba(LOSS_SCALE.colors()[3]), 3))
    assert wanted in colours  # France, 20%: the "10–50% lost" colour


def test_figure_has_legend_in_words_and_caption(tmp_path):
    paths = figure_world_maps(
        [("A", {"FR": 0.6}), ("B", {"FR": 0.0})], LOSS_SCALE, tmp_path, "m", "Title", "Data: test.", ncols=2
    )
    assert [p.name for p in paths] == ["m.png", "m.svg"] and paths[0].stat().st_size > 20_000


def test_a_corrupt_outlines_file_is_one_error_naming_it(tmp_path):
    from sim.data.outlines import OutlinesError

    bad = tmp_path / "bad.geojson.gz"
    bad.write_bytes(gzip.compress(b"{not json"))
    with pytest.raises(OutlinesError, match=r"bad\.geojson\.gz: not a readable"):
        load_outlines(bad)
    wrong = tmp_path / "wrong.geojson"
    wrong.write_text(json.dumps({"type": "FeatureCollection", "features": [{"properties": {"name": "X"}}]}))
    with pytest.raises(OutlinesError, match=r"wrong\.geojson: feature 0: a feature needs"):
        load_outlines(wrong)
