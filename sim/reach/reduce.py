"""Reductions of the kernel's D rows, block by block, without materializing the reachability matrix.

The kernel emits rows of ``uint64`` words (bits = sources of one block) with the ASes they stand for: a
transit AS's own row, or one row shared by the members of a stub class, each member adding its own bit.
"""

from __future__ import annotations

import numpy as np

from sim.reach.plan import SourceLayout


class Reducer:
    """Reachable-pair totals, per-destination counts, word sums by destination country (from which the
    country × country matrix follows), and optionally per-source counts and the full bit matrix."""

    def __init__(
        self,
        dest_slot: np.ndarray,
        n_slots: int,
        layout: SourceLayout,
        w0: int,
        w1: int,
        bit_rel: np.ndarray,
        per_source: bool,
        matrix_words: np.ndarray | None,
        reach_any: dict[str, np.ndarray] | None = None,
    ):
        self.dest_slot, self.n_slots = dest_slot, n_slots
        self.layout, self.w0, self.w1, self.bit_rel = layout, w0, w1, bit_rel
        self.total = 0
        self.dest_counts = np.zeros(len(dest_slot), np.int64)
        self.word_sums = np.zeros((n_slots, w1 - w0), np.int64)  # [dest slot, word]: set bits
        self._segments()
        self.piece_sums = np.zeros((n_slots, len(self.piece_word)), np.int64)  # [dest slot, piece]
        self.own_adds = np.zeros(n_slots, np.int64)  # own bits added, by slot (source = destination)
        self.bit_counts = np.zeros((w1 - w0) * 64, np.int64) if per_source else None
        self.matrix_words = matrix_words
        self.any_sets = reach_any or {}
        self.any_words = {name: np.zeros(w1 - w0, np.uint64) for name in self.any_sets}

    def __call__(self, rows: np.ndarray, row_of_member: np.ndarray, members: np.ndarray) -> None:
        """Member ``k`` (AS ``members[k]``) has D row ``rows[row_of_member[k]]`` plus its own bit.

        All members of a row share a country. Rows sorted by destination country reduce fastest.
        """
        g = row_of_member
        pc = np.bitwise_count(rows)
        per_row = pc.sum(axis=1, dtype=np.int64)
        own = self.bit_rel[members]
        has = own >= 0
        own_w = np.maximum(own, 0) >> 6
        own_b = (np.maximum(own, 0) & 63).astype(np.uint64)
        add = has & (((rows[g, own_w] >> own_b) & np.uint64(1)) == 0)  # own bit not already in the row
        counts = per_row[g] + add
        self.total += int(counts.sum())
        self.dest_counts[members] += counts
        size = np.bincount(g, minlength=len(rows))
        row_slot = np.zeros(len(rows), np.int64)
        row_slot[g] = self.dest_slot[members]
        piece_pc = np.bitwise_count(rows[:, self.piece_word] & self.piece_mask)
        self._add_sums(self.word_sums, pc, row_slot, size)
        self._add_sums(self.piece_sums, piece_pc, row_slot, size)
        self.own_adds += np.bincount(self.dest_slot[members[add]], minlength=self.n_slots)
        if self.bit_counts is not None:
            bits = np.unpackbits(rows.view(np.uint8), axis=1, bitorder="little")
            self.bit_counts += bits.sum(axis=0, dtype=np.int64)
            heavy = np.flatnonzero(size > 1)  # integer matmul is slow in numpy: weight only the classes
            self.bit_counts += ((size[heavy] - 1)[:, None] * bits[heavy]).sum(axis=0, dtype=np.int64)
            np.add.at(self.bit_counts, own[add], 1)
        for name, in_set in self.any_sets.items():
            hit = in_set[members]
            if hit.any():
                self.any_words[name] |= np.bitwise_or.reduce(rows[g[hit]], axis=0)
                own_hit = hit & has  # a member reaches itself
                scatter = np.zeros_like(self.any_words[name])
                np.bitwise_or.at(scatter, own_w[own_hit], np.uint64(1) << own_b[own_hit])
                self.any_words[name] |= scatter
        if self.matrix_words is not None:
            self.matrix_words[members, self.w0 : self.w1] = rows[g]
            self.matrix_words[members[has], self.w0 + own_w[has]] |= np.uint64(1) << own_b[has]

    @staticmethod
    def _add_sums(out: np.ndarray, pc: np.ndarray, row_slot: np.ndarray, size: np.ndarray) -> None:
        """``out[slot] += Σ size[r] · pc[r]`` over rows of that destination slot."""
        # runs of equal destination country: one contiguous column sum each (vectorized over columns)
        cut = np.flatnonzero(np.diff(row_slot)) + 1
        starts, stops = np.r_[0, cut], np.r_[cut, len(row_slot)]
        heavy = size > 1
        for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
            s = row_slot[a]
            out[s] += pc[a:b].sum(axis=0, dtype=np.int64)
            h = a + np.flatnonzero(heavy[a:b])
            if len(h):  # a stub class stands for size members: count its row size times
                out[s] += ((size[h] - 1)[:, None] * pc[h]).sum(axis=0, dtype=np.int64)

    def _segments(self) -> None:
        """Each country segment of this block as whole words ``[full_lo, full_hi)`` and partial-word pieces."""
        base, n_bits = 64 * self.w0, 64 * (self.w1 - self.w0)
        b0 = np.clip(self.layout.seg_start - base, 0, n_bits)
        b1 = np.clip(self.layout.seg_stop - base, 0, n_bits)
        keep = b1 > b0
        self.seg_slot, b0, b1 = self.layout.seg_country[keep], b0[keep], b1[keep]
        self.full_lo, self.full_hi = (b0 + 63) // 64, np.maximum(b1 // 64, (b0 + 63) // 64)
        words, masks, segs = [], [], []
        for k, (lo, hi) in enumerate(zip(b0.tolist(), b1.tolist(), strict=True)):
            for w in sorted({lo // 64, (hi - 1) // 64}):
                a, b = max(lo, 64 * w) - 64 * w, min(hi, 64 * w + 64) - 64 * w
                if b - a < 64:
                    words.append(w)
                    masks.append(((1 << b) - 1) ^ ((1 << a) - 1))
                    segs.append(k)
        self.piece_word = np.array(words, np.int64)
        self.piece_mask = np.array(masks, np.uint64)
        self.piece_seg = np.array(segs, np.int64)

    @property
    def any_bits(self) -> dict[str, np.ndarray]:
        """name → (64 × words,) bool: bits of this block's sources reaching the named set."""
        return {
            name: np.unpackbits(w.view(np.uint8), bitorder="little").astype(bool) for name, w in self.any_words.items()
        }

    def country_pairs(self) -> np.ndarray:
        """This block's ``[source slot, dest slot]`` pair counts (own bits included)."""
        cum = np.zeros((self.n_slots, self.w1 - self.w0 + 1), np.int64)
        np.cumsum(self.word_sums, axis=1, out=cum[:, 1:])
        by_seg = (cum[:, self.full_hi] - cum[:, self.full_lo]).T  # [segment, dest slot]
        np.add.at(by_seg, self.piece_seg, self.piece_sums.T)
        pairs = np.zeros((self.n_slots, self.n_slots), np.int64)
        np.add.at(pairs, self.seg_slot, by_seg)
        pairs[np.diag_indices(self.n_slots)] += self.own_adds
        return pairs
