"""The country outlines: which file is read, how outlines map to codes, what is reported, and bad files refused."""

from __future__ import annotations

import gzip
import json
import math
import shutil
import subprocess
import sys

import pytest

from sim.data.outlines import FILE_NAME, OutlinesError, country_facts, load_outlines, outlines_path
from tests.cli_output import one_error


def feature(name, iso_a2=None, iso_a3="-99", pop=10.0, **extra):
    ring = [[0, 0], [1, 0], [1, 1], [0, 0]]
    props = {"name": name, "iso_a2": iso_a2, "iso_a3": iso_a3, "pop_est": pop, "gdp_md_est": 1, **extra}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def write(path, features):
    path.write_bytes(gzip.compress(json.dumps({"type": "FeatureCollection", "features": features}).encode()))
    return path


def test_the_package_copy_is_read_when_the_data_folder_has_none(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAGSIM_DATA", str(tmp_path))
    assert outlines_path().name == FILE_NAME and outlines_path().parent.name == "data"  # sim/data/
    outlines = load_outlines()
    assert len(outlines.codes) == 177 and outlines.unmatched() == ["N. Cyprus", "Somaliland"]
    (tmp_path / "geo").mkdir()
    mine = write(tmp_path / "geo" / FILE_NAME, [feature("Kosovo", iso_a2="XK", pop=5.0)])
    assert outlines_path() == mine  # the data folder's file comes first
    assert load_outlines().codes == ("XK",)


def test_codes_from_iso_a2_else_iso_a2_eh_else_iso_a3_and_aliases(tmp_path):
    path = write(
        tmp_path / "o.geojson.gz",
        [
            feature("France", iso_a2="-99", iso_a3="-99", iso_a2_eh="FR"),  # older Natural Earth files
            feature("Norway", iso_a2="-99", iso_a3="NOR"),
            feature("Kosovo", iso_a2="KV"),  # FIPS's code: the alias table's XK
            feature("Nowhere", iso_a2=None, iso_a3="-99", pop=-99),
        ],
    )
    outlines = load_outlines(path)
    assert outlines.codes == ("FR", "NO", "XK", None)
    assert outlines.unmatched() == ["Nowhere"] and math.isnan(outlines.population[3])  # -99: no estimate
    facts = country_facts(["XK", "FR", "SG"], path)
    assert facts.population.tolist()[:2] == [10.0, 10.0] and math.isnan(facts.population[2])
    assert facts.missing == ("SG",) and "facts for 2 of 3 countries; none for SG" in facts.describe()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a readable"),
        (b"\x1f\x8b\x08\x00truncated", "not a readable"),
        (b'{"type": "Topology"}', "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "holds no country"),
        (json.dumps({"type": "FeatureCollection", "features": [feature("X", pop="many")]}).encode(), "pop_est"),
    ],
)
def test_bad_files_are_one_error_naming_the_file(tmp_path, content, message):
    bad = tmp_path / "bad.geojson"
    bad.write_bytes(content)
    with pytest.raises(OutlinesError, match=message) as err:
        load_outlines(bad)
    assert str(err.value).startswith(str(bad.resolve())) and "\n" not in str(err.value)


def test_bad_coordinates_are_refused(tmp_path):
    f = feature("X")
    f["geometry"]["coordinates"] = [[[0, 0], [500, 0], [1, 1]]]
    with pytest.raises(OutlinesError, match=r"feature 0 \(X\): bad coordinates"):
        load_outlines(write(tmp_path / "x.gz", [f]))


def test_report_with_a_corrupt_outlines_file_says_one_line_and_exits_2(tmp_path):
    bad = tmp_path / "outlines.geojson.gz"
    bad.write_bytes(b"\x1f\x8bcorrupt")
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    exe = shutil.which("fragsim-report") or sys.executable
    cmd = [exe] if exe.endswith("fragsim-report") else [exe, "-m", "sim.cli.report"]
    proc = subprocess.run([*cmd, str(sweep), "--outlines", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "outlines.geojson.gz: not a readable" in one_error(proc.stderr, "fragsim-report")


def test_a_run_with_a_corrupt_outlines_file_in_the_data_folder_says_one_line_and_exits_2(tmp_path):
    """The model weighs countries by population: a bad outlines file stops ``fragsim`` before any run starts."""
    import os

    (tmp_path / "geo").mkdir()
    (tmp_path / "geo" / FILE_NAME).write_bytes(b"\x1f\x8bcorrupt")
    exe = shutil.which("fragsim")
    cmd = [exe] if exe else [sys.executable, "-m", "sim.cli.fragsim"]
    env = {**os.environ, "FRAGSIM_DATA": str(tmp_path)}
    proc = subprocess.run(
        [*cmd, "topology.n_ases=300", "scenario.steps=1"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert proc.returncode == 2 and not (tmp_path / "runs").exists()
    assert f"country outlines: {tmp_path / 'geo' / FILE_NAME}: not a readable" in one_error(proc.stderr, "fragsim")
