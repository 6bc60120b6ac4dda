"""Every size-dependent branch of the routes kernel against the reference.

The kernel switches paths on sizes: targets with more than ``kernel.TALL`` in-edges are reduced on their own,
gathers run in chunks of ``kernel.SCRATCH_BYTES``, targets in groups of ``kernel.GROUP_BYTES``, sparse offers in
chunks of ``kernel.PEER_CHUNK``, rows offer to their peers densely above ``kernel.DENSE_PEERS``, and ``routes``
splits the destination columns into blocks (``api.MAX_BLOCK``, the memory budget) run on several threads. On
small graphs the defaults never leave the simple path, so these tests force the thresholds small on graphs with
hubs of many customers and compare with the reference and with the default thresholds' answer. The thresholds are
the numpy kernel's, so it is the one run here (the compiled kernel, :mod:`sim.routes.jit_route`, has no size
switch but its tiles of 16 columns, partly filled on every small graph, and the blocks, forced here too).
"""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.routes import api, kernel
from sim.routes.api import routes
from tests.routes.checks import assert_matches_reference
from tests.strategies import hub_topologies, restrictions, topologies_with_restrictions

FORCED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TINY_BYTES = st.sampled_from([0, 4, 8, 16, 40, 64])  # gathers and groups of 1..16 rows of one or two columns


@contextmanager
def thresholds(**values):
    """Set the named tunables (``kernel_TALL=1``, ``api_MAX_BLOCK=2``, ...) for the duration of the block; every
    one must exist."""
    modules = {"kernel": kernel, "api": api}
    with ExitStack() as stack:
        for key, value in values.items():
            module, name = key.split("_", 1)
            if not hasattr(modules[module], name):
                raise ValueError(f"thresholds: {module}.{name} does not exist")
            stack.enter_context(mock.patch.object(modules[module], name, value))
        yield


def assert_same(a, b):
    for name in ("anchors", "key"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@FORCED
@given(st.data())
def test_tall_targets_chunks_and_blocks_match_the_reference(data):
    topo = data.draw(hub_topologies(min_ases=20, max_ases=50))
    restr = data.draw(restrictions(topo))
    masks = {"removed_links": restr.removed_links, "removed_ases": restr.removed_ases}
    forced = dict(
        kernel_TALL=data.draw(st.integers(0, 2)),
        kernel_SCRATCH_BYTES=data.draw(TINY_BYTES),
        kernel_GROUP_BYTES=data.draw(TINY_BYTES),
        kernel_PEER_CHUNK=data.draw(st.integers(0, 5)),
        kernel_DENSE_PEERS=data.draw(st.sampled_from([0.0, 0.3, 2.0])),  # every row dense, some, none
        api_MAX_BLOCK=data.draw(st.integers(1, 3)),
    )
    backend = data.draw(st.sampled_from(["numpy", "numba"]))
    with thresholds(**forced):
        r = routes(topo, **masks, n_threads=data.draw(st.integers(1, 2)), backend=backend)
    assert_matches_reference(r, topo, **masks)
    assert_same(r, routes(topo, **masks, backend="numpy"))


@FORCED
@given(topologies_with_restrictions(max_ases=12), st.integers(0, 2), TINY_BYTES, st.sampled_from([0.0, 2.0]))
def test_small_graphs_with_forced_thresholds_match_the_reference(case, tall, scratch, dense_peers):
    topo, restr = case
    masks = {"removed_links": restr.removed_links, "removed_ases": restr.removed_ases}
    forced = dict(kernel_TALL=tall, kernel_SCRATCH_BYTES=scratch, kernel_GROUP_BYTES=scratch, kernel_PEER_CHUNK=1)
    with thresholds(**forced, kernel_DENSE_PEERS=dense_peers):
        r = routes(topo, **masks, backend="numpy")
    assert_matches_reference(r, topo, **masks)


@settings(FORCED, max_examples=15)
@given(hub_topologies(min_ases=40, max_ases=80))
def test_a_budget_of_one_column_per_block(topo):
    """With no scratch allowance and a budget of the stored columns plus one column's rows, every block holds one
    destination column, on one thread."""
    whole = routes(topo)
    n_t, n_cols = len(whole.plan.transit), len(whole.anchors)
    stored = whole.key.nbytes
    with (
        thresholds(api_SCRATCH_BYTES=0),
        mock.patch.object(kernel, "route_block", wraps=kernel.route_block) as blocks,
    ):
        narrow = routes(topo, memory_budget=stored + api._block_bytes(n_t, 1, 4), n_threads=2, backend="numpy")
    assert blocks.call_count == n_cols
    assert_same(narrow, whole)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@settings(FORCED, max_examples=15)
@given(topologies_with_restrictions(max_ases=12))
def test_eight_byte_keys_give_the_same_routes(backend, case):
    """Graphs beyond about 4 million ASes get 64-bit keys: forced here on small graphs, with the same answers."""
    topo, restr = case
    masks = {"removed_links": restr.removed_links, "removed_ases": restr.removed_ases}
    narrow = routes(topo, **masks, backend=backend)
    wide_keys = kernel.Keys(np.uint64, narrow.keys.shift, narrow.keys.rank_shift)
    with mock.patch.object(api.Keys, "for_plan", return_value=wide_keys):
        wide = routes(topo, **masks, backend=backend)
    assert wide.key.dtype == np.uint64 and narrow.key.dtype == np.uint32
    for col in range(len(narrow.anchors)):
        for a, b in zip(narrow.column(col), wide.column(col), strict=True):
            assert np.array_equal(a, b)
    assert_matches_reference(wide, topo, **masks)
