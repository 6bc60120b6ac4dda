"""The results README states what the committed tables say: its opening figures are read from them, not typed."""

from __future__ import annotations

import pandas as pd

from sim.experiments.mechanisms import headline_people_sentence
from tests.shared_data import ROOT

RESULTS = ROOT / "results"


def test_the_readme_opens_with_the_headline_map_and_its_share_of_people():
    readme = (RESULTS / "README.md").read_text()
    first_figure = readme.split("![", 1)[1].split(")", 1)[0]
    assert first_figure.endswith("](mechanisms/headline_map.png")
    assert (RESULTS / "mechanisms" / "headline_map.png").is_file()
    people = pd.read_csv(RESULTS / "mechanisms" / "people.csv")
    opening = " ".join(readme.split("\n## ", 1)[0].split())  # the text as read, line breaks aside
    assert f"**{headline_people_sentence(people, 'm0')}**" in opening
    weighted = people[(people.mechanism == "m0") & (people.metric == "pop_weighted_loss")]["mean"].iloc[0]
    assert f"population-weighted mean loss is {weighted:.1%}" in opening
