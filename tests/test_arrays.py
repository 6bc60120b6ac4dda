"""The array helpers shared by the kernels give what their plain numpy counterparts give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.arrays import stable_order


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**40), max_size=300),
    st.sampled_from([2**8, 2**16 + 5, 2**20, 2**32 + 3, 2**40]),
)
def test_stable_order_is_numpys_stable_argsort(values, bound):
    """Radix passes of 16 bits (keys below 2**16, below 2**32) or numpy's own sort above: the same order, ties in
    their original order."""
    keys = np.asarray(values, np.int64) % bound
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))
