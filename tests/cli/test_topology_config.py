"""The topology's configuration keys for countries (``topology.as_org``, ``topology.infer_countries``): checked
with the key named, passed to the loader, recorded in a run's configuration, and read back from older runs."""

from __future__ import annotations

import pytest
import yaml

from sim.experiments import Run
from sim.runner.compose import compose, compose_run, run_yaml
from sim.runner.run import build_topology
from sim.runner.schema import ConfigError, TopologyConfig

RELS = "1|2|0\n1|3|-1\n3|5|-1\n2|4|-1\n"
AS_ORG = """# format:aut|changed|aut_name|org_id|opaque_id|source
3|20160101|THREE|ORG-B|x|RIPE
# format:org_id|changed|org_name|country|source
ORG-B|20160101|Org B|DE|RIPE
"""


@pytest.fixture
def files(write_file):
    return write_file("r.txt", RELS), write_file("geo.csv", "asn,country\n1,US\n2,FR\n"), write_file("o.txt", AS_ORG)


def countries(topo) -> dict[int, str | None]:
    return {int(a): (topo.country_codes[c] if c >= 0 else None) for a, c in zip(topo.asns, topo.country, strict=True)}


def test_the_keys_reach_the_loader(files):
    rels, geo, org = files
    base = dict(kind="caida", path=str(rels), as_country=str(geo))
    assert countries(build_topology(TopologyConfig(**base))) == {1: "US", 2: "FR", 3: "US", 4: "FR", 5: "US"}
    off = build_topology(TopologyConfig(**base, infer_countries=False))
    assert countries(off) == {1: "US", 2: "FR", 3: None, 4: None, 5: None}
    with_org = build_topology(TopologyConfig(**base, as_org=str(org)))
    assert countries(with_org) == {1: "US", 2: "FR", 3: "DE", 4: "FR", 5: "DE"}
    assert TopologyConfig(**base, as_org=str(org)).files() == [str(rels), str(geo), str(org)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # a relative path is taken from the folder the command started in, and named whole
        (["topology.as_org=nowhere.txt"], "topology.as_org: no such file '/[^']*/nowhere.txt'"),
        (["topology.infer_countries=maybe"], "topology.infer_countries"),
    ],
)
def test_bad_values_name_the_key(files, overrides, message):
    with pytest.raises(ConfigError, match=message):
        compose_run(["topology=caida", f"topology.path={files[0]}", *overrides])


def test_a_non_boolean_given_directly_names_the_key():
    with pytest.raises(ConfigError, match="topology.infer_countries must be true or false, got 'yes'"):
        TopologyConfig(infer_countries="yes")


def test_a_runs_configuration_records_both_keys(files):
    cfg = compose(["topology=caida", f"topology.path={files[0]}", "topology.infer_countries=false"])
    recorded = yaml.safe_load(run_yaml(cfg))["topology"]
    assert recorded["infer_countries"] is False and recorded["as_org"] is None
    assert compose_run([]).topology.infer_countries is True  # the default, whatever the topology


def test_a_run_recorded_before_the_keys_existed_is_read_back_without_inference(files, tmp_path):
    rels, geo, _ = files
    old = {"topology": {"kind": "caida", "path": str(rels), "as_country": str(geo), "state_owned": None}}
    cfg = Run(tmp_path, old).topology_config()
    assert cfg.infer_countries is False and cfg.as_org is None
    new = {"topology": {**old["topology"], "infer_countries": True, "as_org": None}}
    assert Run(tmp_path, new).topology_config().infer_countries is True
