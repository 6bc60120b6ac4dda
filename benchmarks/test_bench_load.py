"""Benchmarks of loading the real 2016 topology: the whole ``load_topology`` (target: 1 s), and the AS-relationship
and AS→country readers reading at once beside their line readers, the reference they fall back to.

    python -m pytest benchmarks/test_bench_load.py --benchmark-enable -s

Under CI (``--benchmark-disable``) each body runs once, as a plain test that checks what was read.
"""

from __future__ import annotations

import pytest

from sim import load_topology
from sim.data.annotation_files import read_as_country_table
from sim.data.caida import read_as_rel
from tests.shared_data import AS_COUNTRY, AS_REL_2016, STATE_OWNED, require_shared


@pytest.fixture(scope="module", autouse=True)
def real_files():
    require_shared(AS_REL_2016, AS_COUNTRY, STATE_OWNED)


@pytest.mark.real_data
@pytest.mark.benchmark(group="CAIDA 2016 load")
def test_load_topology_real(benchmark, capsys):
    topo = benchmark.pedantic(load_topology, args=(AS_REL_2016, AS_COUNTRY, STATE_OWNED), rounds=3, warmup_rounds=1)
    facts = topo.summary()
    assert (facts["n_ases"], facts["n_p2c"], facts["n_p2p"], facts["n_tier1"]) == (55_809, 110_479, 128_585, 17)
    assert (facts["n_countries"], facts["n_state_owned"], facts["n_state_owned_abroad"]) == (196, 630, 123)
    assert (facts["n_with_address_space"], facts["address_space_blocks"]) == (49_174, 11_858_632)
    sources = topo.provenance["country_sources"]
    counts = (sources.n_from_file, sources.n_from_owner, sources.n_inferred, sources.n_unknown)
    assert counts == (49_174, 56, 5_520, 1_059)
    if benchmark.stats:  # not under --benchmark-disable
        median = benchmark.stats.stats.median
        with capsys.disabled():
            print(f"\n  load_topology, the 2016 graph and both annotations: median {median:.3f} s (target 1 s)")


@pytest.mark.real_data
@pytest.mark.benchmark(group="CAIDA 2016 AS relationships")
@pytest.mark.parametrize("by_line", [False, True], ids=["at-once", "by-line"])
def test_read_as_rel_real(benchmark, by_line):
    links, clique, ixps, report = benchmark.pedantic(
        read_as_rel, args=(AS_REL_2016,), kwargs={"by_line": by_line}, rounds=3, warmup_rounds=0
    )
    assert links.shape == (239_064, 3) and (links[:, 2] == -1).sum() == 110_479
    assert (len(clique), len(ixps), report.n_lines, report.n_problems()) == (17, 28, 239_188, 0)


@pytest.mark.real_data
@pytest.mark.benchmark(group="AS→country CSV")
@pytest.mark.parametrize("by_line", [False, True], ids=["at-once", "by-line"])
def test_read_as_country_real(benchmark, by_line):
    countries, space = benchmark.pedantic(
        read_as_country_table, args=(AS_COUNTRY,), kwargs={"by_line": by_line}, rounds=3, warmup_rounds=0
    )
    assert (len(countries), len(space), len(set(countries.values()))) == (67_181, 67_181, 195)
