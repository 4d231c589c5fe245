"""Shared passages: what a copy keeps of an article when each copy adds different junk around it.

Two signals, both over the *comparable* characters of a normalised text
(Han characters and digits, see :func:`comparable_codes`), so punctuation a
converter doubled, moved line breaks, pinyin and Latin spam do not break them:

- :func:`passage_samples`, the candidate signal: hashes of character
  ``SAMPLE_GRAM``-grams kept when the hash falls in a fixed 1/``SAMPLE_RATE``
  slice. The choice depends on the text alone, never on where a gram sits, so
  two pages that share a passage share its samples whatever surrounds it: a
  passage of ``L`` characters shares about ``L / SAMPLE_RATE`` of them.
- :func:`align`, the verification signal: the grams both texts hold, chained
  in the order of both texts (a longest increasing subsequence), then cut into
  passages where either side jumps. The longest passage and the share of the
  shorter text inside shared passages say whether two pages carry one article.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedupe.fingerprint import _compiled, shingle_hashes_of_codes

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]

SAMPLE_GRAM = 8  # characters per sampled gram: long enough to be rare, short enough to survive a swapped word
SAMPLE_RATE = 32  # one gram in this many is kept as a sample (docs/benchmarks.md: the sweep)
ALIGN_GRAM = 4  # characters per gram in the alignment
MAX_GAP = 24  # characters either text may skip inside one passage (a swapped word, an inserted keyword)
MIN_PIECE = 30  # shorter passages do not count towards the shared share: stock phrases, names, dates


@lru_cache(maxsize=1)
def _comparable_bmp() -> npt.NDArray[np.bool_]:
    """keep[cp] for the BMP: CJK ideographs (unified, extension A, compatibility) and ASCII digits."""
    keep = np.zeros(0x10000, dtype=np.bool_)
    keep[0x3400:0x4DC0] = True
    keep[0x4E00:0xA000] = True
    keep[0xF900:0xFB00] = True
    keep[ord("0"):ord("9") + 1] = True
    return keep


def comparable(text: str) -> tuple[U64, I64]:
    """Code points of the Han characters and digits of ``text``, and where each sits in ``text``.

    Chinese copies differ in everything else: punctuation converters double or
    change (``,,`` ``,。``), spaces and line breaks, pinyin glosses and runs,
    Latin SEO words and tag residue. Astral ideographs (extensions B and on)
    are kept too.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = codes < 0x10000
    keep = np.zeros(len(codes), dtype=np.bool_)
    keep[bmp] = _comparable_bmp()[codes[bmp]]
    keep[(codes >= 0x20000) & (codes < 0x32000)] = True
    return codes[keep].astype(np.uint64), np.flatnonzero(keep).astype(np.int64)


def comparable_codes(text: str) -> U64:
    """The code points of :func:`comparable`."""
    return comparable(text)[0]


def passage_samples(codes: U64, gram: int = SAMPLE_GRAM, rate: int = SAMPLE_RATE) -> U64:
    """Sorted distinct sample hashes (63-bit, so they fit a signed SQL integer) of ``codes``."""
    if len(codes) < gram:
        return np.empty(0, dtype=np.uint64)
    hashes = shingle_hashes_of_codes(codes, gram, distinct=False)
    # The low bits pick the slice; the rest identifies the gram. Picking before np.unique sorts 1/rate of them.
    picked = hashes[(hashes % np.uint64(rate)) == 0]
    return np.unique(picked >> np.uint64(1))


def text_samples(text: str, gram: int = SAMPLE_GRAM, rate: int = SAMPLE_RATE) -> U64:
    """:func:`passage_samples` of the comparable characters of ``text``; compiled when the C extension is built."""
    if _compiled is None or len(text) < gram:
        return passage_samples(comparable(text)[0], gram, rate)
    return np.unique(np.frombuffer(_compiled.passage_samples(text, gram, rate), dtype="<u8").astype(np.uint64))


@dataclass(frozen=True)
class Passage:
    """One aligned run: where it starts and ends in each text (comparable characters)."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int

    @property
    def chars(self) -> int:
        return min(self.a_end - self.a_start, self.b_end - self.b_start)


@dataclass(frozen=True)
class Alignment:
    """What two texts share in order: every passage, and the texts' lengths in comparable characters."""

    passages: tuple[Passage, ...]
    chars_a: int
    chars_b: int

    @property
    def longest(self) -> Passage | None:
        return max(self.passages, key=lambda p: (p.chars, -p.a_start), default=None)

    @property
    def share(self) -> float:
        """Characters of the shorter text inside shared passages of at least ``MIN_PIECE``, over its length.

        A copy carries most of the shorter text; two articles that open with
        one series intro or stock lead share that and nothing after it.
        """
        smaller = min(self.chars_a, self.chars_b)
        shared = sum(p.chars for p in self.passages if p.chars >= MIN_PIECE)
        return min(shared / smaller, 1.0) if smaller else 0.0


@dataclass(frozen=True)
class GramIndex:
    """The ``gram``-grams one text holds once (sorted hashes) and where each sits: built once per text."""

    values: U64
    first: I64
    length: int  # comparable characters of the text


def gram_index(codes: U64, gram: int = ALIGN_GRAM) -> GramIndex:
    if len(codes) < gram:
        return GramIndex(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), len(codes))
    hashes = shingle_hashes_of_codes(codes, gram, distinct=False)
    # A gram's top 32 hash bits above its place: one plain sort orders by gram, then by place, several
    # times faster than a stable argsort. Two grams of one text share 32 bits about once in a thousand
    # texts; they then count as repeated and anchor nothing, which costs an alignment nothing it needs.
    packed = (hashes >> np.uint64(32) << np.uint64(32)) | np.arange(len(hashes), dtype=np.uint64)
    packed.sort()
    ordered = packed >> np.uint64(32)
    order = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    # Only grams the text holds once anchor an alignment: a phrase the text repeats could pair with either
    # copy, and its first place is often the wrong one, which breaks the order the chain relies on.
    differs = ordered[1:] != ordered[:-1]
    first = np.ones(len(ordered), dtype=np.bool_)
    first[1:] = differs  # the first place of each distinct gram (the sort is stable)
    once = first.copy()
    once[:-1] &= differs
    if 2 * int(once.sum()) < int(first.sum()):
        once = first  # a text that mostly repeats itself: anchor on first places rather than on almost nothing
    return GramIndex(ordered[once], order[once], len(codes))


def _increasing_chain(b_pos: list[int]) -> list[int]:
    """Indices of a longest strictly increasing chain of ``b_pos`` (its items come sorted by position in a)."""
    tails: list[int] = []  # tails[k] = smallest b ending a chain of length k+1
    tail_index: list[int] = []
    back = [-1] * len(b_pos)
    for i, b in enumerate(b_pos):
        k = bisect.bisect_left(tails, b)
        if k == len(tails):
            tails.append(b)
            tail_index.append(i)
        else:
            tails[k] = b
            tail_index[k] = i
        back[i] = tail_index[k - 1] if k else -1
    chain: list[int] = []
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        chain.append(i)
        i = back[i]
    return chain[::-1]


def align(codes_a: U64, codes_b: U64, gram: int = ALIGN_GRAM, max_gap: int = MAX_GAP) -> Alignment:
    """The passages two texts share, in order in both (see the module docstring)."""
    return align_indexed(gram_index(codes_a, gram), gram_index(codes_b, gram), gram, max_gap)


def align_indexed(a: GramIndex, b: GramIndex, gram: int = ALIGN_GRAM, max_gap: int = MAX_GAP) -> Alignment:
    """:func:`align` over gram indexes built once per text (the verifier compares one text with many)."""
    if not len(a.values) or not len(b.values):
        return Alignment((), a.length, b.length)
    _, in_a, in_b = np.intersect1d(a.values, b.values, assume_unique=True, return_indices=True)
    if len(in_a) == 0:
        return Alignment((), a.length, b.length)
    pa, pb = a.first[in_a], b.first[in_b]
    order = np.argsort(pa)  # places are distinct: no need for a stable sort
    pa, pb = pa[order], pb[order]
    # Copies keep their order: when the shared grams already increase in both texts, they are the chain.
    if not bool(np.all(pb[1:] > pb[:-1])):
        chain = np.array(_increasing_chain(pb.tolist()), dtype=np.int64)
        pa, pb = pa[chain], pb[chain]
    # A passage ends where either text jumps more than max_gap characters to the next shared gram.
    cuts = np.flatnonzero((np.diff(pa) > max_gap) | (np.diff(pb) > max_gap))
    starts = np.concatenate(([0], cuts + 1)).tolist()
    ends = np.concatenate((cuts, [len(pa) - 1])).tolist()
    a_pos, b_pos = pa.tolist(), pb.tolist()
    passages = tuple(Passage(a_pos[s], a_pos[e] + gram, b_pos[s], b_pos[e] + gram) for s, e in zip(starts, ends, strict=True))
    return Alignment(passages, a.length, b.length)
