"""Every size-dependent branch of the numpy kernel against the reference (the compiled one: test_compiled.py).

The kernel switches paths on sizes: targets with more than ``kernel.TALL`` in-edges are reduced on their own,
gathers run in chunks of ``kernel.SCRATCH_BYTES`` and target groups of ``kernel.GROUP_BYTES``, and
``reachability`` splits the sources into blocks (``api.SCRATCH_BYTES``, ``api.MIN_THREAD_WORDS``, the memory
budget) run on several threads. On graphs of a few dozen ASes the defaults never leave the simple path, so these
tests force the thresholds small (the module attributes are read at call time) on graphs with hubs of many
customers, and compare with the reference and with the default thresholds' answer.
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.backend import REACH_ENV
from sim.data.topology import Topology
from sim.reach import api, kernel
from sim.reach.api import reachability
from sim.reach.cones import customer_cone_sizes
from tests.reach.reference_checks import assert_matches_reference, assert_same, masks
from tests.strategies import Restrictions, hub_topologies, restrictions, topologies_with_restrictions

FORCED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True, scope="module")
def numpy_kernel():
    """Every call of this module runs the numpy kernel, whatever the default."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(REACH_ENV, "numpy")
        yield


@contextmanager
def thresholds(**values):
    """Set the named tunables (``kernel.TALL``, ``api.MIN_THREAD_WORDS``, ... given as ``kernel_TALL=1``,
    ``api_MIN_THREAD_WORDS=1``) for the duration of the block; every one must exist."""
    modules = {"kernel": kernel, "api": api}
    with ExitStack() as stack:
        for key, value in values.items():
            module, name = key.split("_", 1)
            if not hasattr(modules[module], name):
                raise ValueError(f"thresholds: {module}.{name} does not exist")
            stack.enter_context(mock.patch.object(modules[module], name, value))
        yield


def run(topo, restr: Restrictions, sources=None, **kwargs):
    return reachability(topo, sources, **restr._asdict(), keep_matrix=True, per_source=True, **kwargs)


def n_transit(topo, restr: Restrictions) -> int:
    """ASes left with an alive customer, counted from the links (independently of the kernel's plan)."""
    alive = np.ones(topo.n_ases, bool) if restr.removed_ases is None else ~restr.removed_ases
    ok = alive[topo.provider] & alive[topo.customer]
    if restr.removed_links is not None:
        ok &= ~restr.removed_links[: topo.n_p2c]
    return len(np.unique(topo.provider[ok]))


TINY_BYTES = st.sampled_from([0, 8, 16, 24, 40, 64])  # gathers and groups of 1..8 rows of one word


@FORCED
@given(st.data())
def test_tall_targets_and_chunked_gathers_match_the_reference(data):
    topo = data.draw(hub_topologies(min_ases=20, max_ases=60))
    restr = data.draw(restrictions(topo))
    exempt = masks(data, topo.n_ases) if data.draw(st.booleans()) else None
    reach_any = {"target": masks(data, topo.n_ases)}
    forced = dict(
        kernel_TALL=data.draw(st.integers(0, 2)),
        kernel_SCRATCH_BYTES=data.draw(TINY_BYTES),
        kernel_GROUP_BYTES=data.draw(TINY_BYTES),
    )
    with thresholds(**forced):
        r = run(topo, restr, transit_exempt=exempt, reach_any=reach_any)
    assert_matches_reference(r, topo, restr, transit_exempt=exempt, reach_any=reach_any)
    assert_same(r, run(topo, restr, transit_exempt=exempt, reach_any=reach_any))
    with thresholds(**forced):  # without per-source counts nor the matrix: the reducer's other path
        lean = reachability(topo, **restr._asdict(), transit_exempt=exempt, per_source=False)
    assert lean.source_counts is None and lean.matrix is None
    assert lean.n_pairs() == r.n_pairs()
    assert np.array_equal(lean.dest_counts, r.dest_counts) and np.array_equal(lean.country_pairs, r.country_pairs)


@FORCED
@given(hub_topologies(min_ases=20, max_ases=60), st.integers(0, 2), TINY_BYTES)
def test_customer_cones_with_forced_thresholds_match_networkx(topo, tall, scratch):
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(range(topo.n_ases))
    g.add_edges_from(zip(topo.provider.tolist(), topo.customer.tolist(), strict=True))
    expected = [len(nx.descendants(g, v) | {v}) for v in range(topo.n_ases)]
    with thresholds(kernel_TALL=tall, kernel_SCRATCH_BYTES=scratch, kernel_GROUP_BYTES=scratch):
        assert customer_cone_sizes(topo).tolist() == expected


@FORCED
@given(topologies_with_restrictions(max_ases=14), st.integers(0, 2), TINY_BYTES)
def test_small_graphs_with_forced_thresholds_match_the_reference(case, tall, scratch):
    topo, restr = case
    with thresholds(kernel_TALL=tall, kernel_SCRATCH_BYTES=scratch, kernel_GROUP_BYTES=scratch):
        r = run(topo, restr)
    assert_matches_reference(r, topo, restr)


@settings(FORCED, max_examples=25)
@given(st.data())
def test_several_blocks_on_several_threads_match_the_reference(data):
    topo = data.draw(hub_topologies(min_ases=65, max_ases=140))
    restr = data.draw(restrictions(topo))
    sources = topo.asns[sorted(data.draw(st.sets(st.integers(0, topo.n_ases - 1), min_size=65)))].tolist()
    n_words = -(-len(sources) // 64)
    reach_any = {"target": masks(data, topo.n_ases)}
    with (
        thresholds(api_MIN_THREAD_WORDS=1, kernel_TALL=data.draw(st.integers(0, 2))),
        mock.patch.object(api, "propagate_block", wraps=kernel.propagate_block) as blocks,
    ):
        r = run(topo, restr, sources, n_threads=2, reach_any=reach_any)
    assert blocks.call_count == 2  # one block per thread: ceil(n_words / 2) words each
    assert_matches_reference(r, topo, restr, sources, reach_any=reach_any)
    # a budget of exactly one source word per block (scratch estimate zeroed): one block per word, on one thread
    per_word = 8 * (2 * n_transit(topo, restr) + 1)
    kept = 8 * topo.n_ases * n_words + len(sources) * topo.n_ases  # bit rows, then the booleans
    forbid = restr.forbid_transit
    masks_bytes = 3 * 64 * n_words * (len(topo.country_codes) + 1) if forbid is not None and forbid.any() else 0
    budget = kept + masks_bytes + per_word
    with (
        thresholds(api_SCRATCH_BYTES=0),
        mock.patch.object(api, "propagate_block", wraps=kernel.propagate_block) as blocks,
    ):
        narrow = run(topo, restr, sources, n_threads=1, memory_budget=budget, reach_any=reach_any)
    assert blocks.call_count == n_words
    assert_same(narrow, r)
    assert_same(run(topo, restr, sources, reach_any=reach_any), r)


def test_transit_masks_of_a_cycle_larger_than_the_gather_scratch():
    """The cycle fixpoint forwards all of a level's cycle edges at once: more rows than the transit-mask scratch
    holds when scratch is small (or a block is wide), which must be applied chunk by chunk."""
    n = 40
    ring = [(k, (k - 1) % n) for k in range(n)]  # (provider, customer): a c2p cycle through every AS
    topo = Topology.from_links(
        np.arange(1, n + 1) * 10,
        np.array(ring),
        np.zeros((0, 2), int),
        country_codes=("XA", "XB"),
        country=np.arange(n) % 2,
    )
    restr = Restrictions(None, None, np.array([[False, True], [False, False]]))  # XA may not cross XB
    with thresholds(kernel_SCRATCH_BYTES=8):
        r = run(topo, restr)
    assert_matches_reference(r, topo, restr)
