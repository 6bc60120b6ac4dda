"""Small array helpers shared by the kernels. numpy's ``np.unique`` hashes int64 input, which is several times
slower than sorting for the sizes met here, so these sort (or expect sorted input) instead."""

from __future__ import annotations

import mmap
import threading

import numpy as np


def unique_sorted(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values of ``keys``."""
    keys = np.sort(keys)
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] != keys[:-1]
    return keys[first]


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for non-negative integer keys, by 16-bit radix passes when they fit in
    32 bits (numpy sorts 16-bit keys by radix, in linear time; wider ones by comparisons): the same order."""
    keys = np.asarray(keys)
    if not len(keys) or keys.min() < 0 or keys.max() >= 2**32:
        return np.argsort(keys, kind="stable")
    if keys.max() < 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")]


def expand_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The positions ``starts[k], starts[k] + 1, ..., starts[k] + counts[k] - 1`` for every k, concatenated
    (e.g. the CSR entries of several rows)."""
    offsets = np.cumsum(counts) - counts
    return np.repeat(starts - offsets, counts) + np.arange(int(np.sum(counts)))


def runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, start, length) of each run of equal values in an already sorted array."""
    if not len(sorted_values):
        empty = np.zeros(0, np.int64)
        return sorted_values[:0], empty, empty
    start = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    return sorted_values[start], start, np.diff(np.r_[start, len(sorted_values)])


def group_rows(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group equal rows of the given integer columns: (label of each row, index of each group's first row),
    labels numbered in the lexicographic order of the rows."""
    order = np.lexsort(columns[::-1])
    new = np.zeros(len(order), bool)
    if len(order):
        new[0] = True
        for col in columns:
            c = col[order]
            new[1:] |= c[1:] != c[:-1]
    label_sorted = np.cumsum(new) - 1
    label = np.empty(len(order), np.int64)
    label[order] = label_sorted
    return label, order[new]


def empty_base_pages(shape, dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` in an anonymous mapping of its own, in base (4 KiB) pages, never huge pages.

    For a large array that several threads fill in column slices (the routes' key matrix): numpy asks for huge
    pages for its large arrays, and two threads writing the same rows fault the same 2 MiB pages at once, one of
    them clearing a page the other then installs. On the project's 2-core virtual machine, where freed huge
    pages go back to the host, the first two blocks of the 2016 graph's 0.81 GiB of keys took about 3 s of
    system time that way; in base pages the whole matrix faults in about 0.2 s, spread over the blocks."""
    dtype = np.dtype(dtype)
    n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if n_bytes == 0 or not hasattr(mmap, "MAP_ANONYMOUS"):
        return np.empty(shape, dtype)
    buf = mmap.mmap(-1, n_bytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # a kernel whose huge pages are on for every mapping
        buf.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(buf, dtype).reshape(shape)


class Buffers(threading.local):
    """Scratch arrays by name, one set per thread, kept from call to call: ``take(name, shape, dtype)`` is an array
    of that shape over the thread's buffer of that name, grown when too small; it holds whatever was left there.

    For the large arrays that a loop over blocks of columns would otherwise make afresh for every block, faulting
    their pages in each time (on the 2016 graph about 140 MB a block for the stretch's lengths and keys)."""

    def __init__(self) -> None:
        self._raw: dict[str, np.ndarray] = {}

    def take(self, name: str, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        n_bytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        raw = self._raw.get(name)
        if raw is None or len(raw) < n_bytes:
            raw = self._raw[name] = np.empty(n_bytes, np.uint8)  # numpy aligns it for any dtype
        return raw[:n_bytes].view(dtype).reshape(shape)
