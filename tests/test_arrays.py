"""Array helpers (sim.arrays): the base-pages allocation behaves as np.empty."""

from __future__ import annotations

import numpy as np
import pytest

from sim.arrays import empty_base_pages


@pytest.mark.parametrize("shape, dtype", [((3, 5), np.int32), ((1000, 700), np.int64), ((0, 4), np.uint32), (7, "u2")])
def test_base_pages_array_is_a_writable_empty_array(shape, dtype):
    a = empty_base_pages(shape, dtype)
    assert a.shape == np.empty(shape).shape and a.dtype == np.dtype(dtype) and a.flags.c_contiguous
    a[...] = np.arange(a.size, dtype=a.dtype).reshape(a.shape)
    assert np.array_equal(a.reshape(-1), np.arange(a.size, dtype=a.dtype))
    tail = a.reshape(-1)[1:]
    del a  # a view keeps the mapping alive
    assert np.array_equal(tail, np.arange(1, tail.size + 1, dtype=tail.dtype))
