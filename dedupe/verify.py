"""Exact verification of candidate pairs: Hamming distance, shingle Jaccard / containment, shared passages.

Whole-text ratios confirm copies that carry little else (mirrors, syndicated
copies, excerpts). A content-farm page is the article plus filler that differs
on every copy, so ratios over whole pages fall apart; there a copy is
confirmed by the longest passage both texts carry in order
(:func:`dedupe.passages.align`), long enough that a shared stock lead, a
series intro or a footer is not one, and covering enough of the shorter text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedupe.passages import Alignment

U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class VerifyConfig:
    """Thresholds of the exact check; the defaults are tuned on tests/data/neardup/."""

    near_similarity: float = 0.5  # shingle Jaccard for a near-duplicate
    containment: float = 0.8  # share of the shorter text found in the longer one
    min_contained_shingles: int = 40  # a contained excerpt must be at least this long
    weak_similarity: float = 0.3  # a cluster member must reach this against its canonical
    weak_containment: float = 0.6
    # A shared passage: chosen from the sweep in docs/benchmarks.md (real hard negatives share stock leads,
    # quotes and series intros of up to about 110 characters; real copies at least 150).
    passage_chars: int = 130  # comparable characters (Han and digits) of the longest shared passage
    passage_share: float = 0.45  # share of the shorter text inside shared passages
    # Windows of one long article (the opening on one page, the middle on another) share a few hundred
    # characters and little else: a passage this long holds with a smaller share. Series intros and
    # quoted statements of distinct articles stay under it (the sweep: at most 240).
    long_passage_chars: int = 300
    long_passage_share: float = 0.2

    def __post_init__(self) -> None:
        for name in ("near_similarity", "containment", "weak_similarity", "weak_containment", "passage_share",
                     "long_passage_share"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.min_contained_shingles < 1:
            raise ValueError(f"min_contained_shingles must be >= 1, got {self.min_contained_shingles}")
        if not 1 <= self.passage_chars <= self.long_passage_chars:
            raise ValueError(f"need 1 <= passage_chars <= long_passage_chars, got {self.passage_chars} and "
                             f"{self.long_passage_chars}")


def max_distance(chars: int) -> int:
    """Hamming threshold by text length: short texts have fewer features, so noisier fingerprints."""
    if chars < 300:
        return 12
    if chars < 1000:
        return 10
    return 8


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float
    shared: int


def similarity(a: U64, b: U64) -> Similarity:
    """Jaccard and containment of two sorted, distinct shingle-hash arrays."""
    if len(a) == 0 or len(b) == 0:
        return Similarity(0.0, 0.0, 0)
    shared = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - shared
    return Similarity(shared / union, shared / min(len(a), len(b)), shared)


def shares_passage(alignment: Alignment, config: VerifyConfig) -> bool:
    """True when two texts carry one long passage in order, and it is not a sliver of the shorter one."""
    longest = alignment.longest
    if longest is None or longest.chars < config.passage_chars:
        return False
    if longest.chars >= config.long_passage_chars:
        return alignment.share >= config.long_passage_share
    return alignment.share >= config.passage_share


def classify(sim: Similarity, same_text: bool, smaller: int, config: VerifyConfig,
             alignment: Alignment | None = None) -> str | None:
    """``exact``, ``near``, ``contained``, ``passage`` or None (not a copy)."""
    if same_text:
        return "exact"
    if sim.jaccard >= config.near_similarity:
        return "near"
    if sim.containment >= config.containment and smaller >= config.min_contained_shingles:
        return "contained"
    if alignment is not None and shares_passage(alignment, config):
        return "passage"
    return None


def weakly_linked(sim: Similarity, config: VerifyConfig, alignment: Alignment | None = None) -> bool:
    """True when two cluster members are too far apart to share a cluster."""
    if alignment is not None and shares_passage(alignment, config):
        return False
    return sim.jaccard < config.weak_similarity and sim.containment < config.weak_containment
