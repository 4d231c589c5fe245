"""Band index: every pair within k is found (property test against brute force)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.index import BandIndex


def _pairs(index: BandIndex) -> set[tuple[int, int]]:
    found = set()
    for a, b, _d in index.all_pairs():
        found.update((min(x, y), max(x, y)) for x, y in zip(a.tolist(), b.tolist(), strict=True))
    return found


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**64 - 1), st.lists(st.lists(st.integers(0, 63), max_size=6), min_size=1, max_size=30),
       st.integers(0, 5))
def test_all_pairs_within_k_equals_brute_force(base: int, flips: list[list[int]], k: int) -> None:
    fps = []
    for bits in flips:
        value = base
        for bit in bits:
            value ^= 1 << bit
        fps.append(value)
    index = BandIndex(k)
    index.insert_many(np.arange(len(fps)), np.array(fps, dtype=np.uint64))
    expected = {(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps)) if (fps[i] ^ fps[j]).bit_count() <= k}
    assert _pairs(index) == expected
    for i, fp in enumerate(fps):
        assert index.query(fp) == sorted({j for j in range(len(fps)) if (fps[j] ^ fp).bit_count() <= k} | {i})


def test_random_fingerprints_give_no_false_pairs() -> None:
    rng = np.random.default_rng(7)
    fps = rng.integers(0, 2**63, size=50_000, dtype=np.uint64) * np.uint64(2)
    fps[10] = fps[3] ^ np.uint64(0b101)
    index = BandIndex(3)
    index.insert_many(np.arange(len(fps)), fps)
    assert _pairs(index) == {(3, 10)}


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError, match="k must be"):
        BandIndex(16)
    index = BandIndex(3)
    with pytest.raises(ValueError, match="differ in length"):
        index.insert_many([1, 2], [1])
