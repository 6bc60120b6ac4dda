"""The array helpers shared by the kernels (sim.arrays) give what their plain numpy counterparts give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.arrays import empty_base_pages, stable_order


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


@pytest.mark.parametrize("shape, dtype", [((3, 5), np.int32), ((1000, 700), np.int64), ((0, 4), np.uint32), (7, "u2")])
def test_base_pages_array_is_a_writable_empty_array(shape, dtype):
    """The base-pages allocation behaves as np.empty."""
    a = empty_base_pages(shape, dtype)
    assert a.shape == np.empty(shape).shape and a.dtype == np.dtype(dtype) and a.flags.c_contiguous
    a[...] = np.arange(a.size, dtype=a.dtype).reshape(a.shape)
    assert np.array_equal(a.reshape(-1), np.arange(a.size, dtype=a.dtype))
    tail = a.reshape(-1)[1:]
    del a  # a view keeps the mapping alive
    assert np.array_equal(tail, np.arange(1, tail.size + 1, dtype=tail.dtype))
