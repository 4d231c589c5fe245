"""The near-duplicate pass: normalise -> fingerprint -> band index + passage samples -> verify -> cluster.

Documents come from a :class:`DocumentSource` that can hand out texts again
by key, so the pass keeps only fingerprints and passage samples in memory
and reads texts back for candidate pairs alone. Two candidate signals: the
64-bit simhash (the fingerprint of record) in a band index finds copies that
differ a little over the whole text; passage samples (:mod:`dedupe.passages`)
find pages that share one passage whatever junk each adds around it.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from dedupe.cluster import Member, UnionFind, choose_canonical, split_weak
from dedupe.fingerprint import NGRAM, compact_codes, shingle_hashes_of_codes, simhash_stats
from dedupe.index import BandIndex
from dedupe.normalise import Normalised, normalise
from dedupe.passages import (
    SAMPLE_GRAM,
    SAMPLE_RATE,
    Alignment,
    GramIndex,
    Passage,
    align_indexed,
    comparable,
    gram_index,
    text_samples,
)
from dedupe.prepared import COPY_MARKS, Prepared, PreparedSet

if TYPE_CHECKING:  # the pool module loads only when a pass forks workers
    from multiprocessing.pool import AsyncResult

from dedupe.verify import (
    Similarity,
    VerifyConfig,
    classify,
    max_distance,
    shares_passage,
    similarity,
    weakly_linked,
)

logger = logging.getLogger(__name__)
U64 = npt.NDArray[np.uint64]


@dataclass(frozen=True)
class DedupeConfig:
    """Parameters of the pass. Defaults are tuned on tests/data/neardup/ (docs/benchmarks.md)."""

    ngram: int = NGRAM
    k: int = 3  # band index: k+1 bands, every pair within k bits shares one
    min_chars: int = 40  # shorter normalised texts are left out
    sample_gram: int = SAMPLE_GRAM  # characters per passage sample
    sample_rate: int = SAMPLE_RATE  # one gram in this many becomes a sample
    sample_min_shared: int = 2  # a pair must share this many samples to be verified (docs/benchmarks.md)
    sample_min_ratio: float = 0.12  # ... and this share of the samples of the document with fewer
    anchor_max_docs: int = 40  # a sample in more documents is boilerplate or a stock lead
    workers: int = 0  # processes that fingerprint; 0 = one per core
    verify: VerifyConfig = field(default_factory=VerifyConfig)

    def __post_init__(self) -> None:
        if not 1 <= self.ngram <= 16:
            raise ValueError(f"ngram must be between 1 and 16, got {self.ngram}")
        if not 0 <= self.k <= 15:
            raise ValueError(f"k must be between 0 and 15, got {self.k}")
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0 (0 = one per core), got {self.workers}")
        if not 2 <= self.sample_gram <= 32:
            raise ValueError(f"sample_gram must be between 2 and 32, got {self.sample_gram}")
        if not 0.0 <= self.sample_min_ratio <= 1.0:
            raise ValueError(f"sample_min_ratio must be in [0, 1], got {self.sample_min_ratio}")
        if self.sample_min_shared < 1:
            raise ValueError(f"sample_min_shared must be >= 1, got {self.sample_min_shared}")
        if self.sample_rate < 1:
            raise ValueError(f"sample_rate must be >= 1, got {self.sample_rate}")
        if self.anchor_max_docs < 2:
            raise ValueError(f"anchor_max_docs must be >= 2, got {self.anchor_max_docs}")

    @property
    def processes(self) -> int:
        """Worker processes for fingerprinting and verifying: ``workers``, or one per core (up to 8)."""
        return self.workers or min(os.cpu_count() or 1, 8)

    def keeps_sample_pair(self, shared: npt.NDArray[np.int64], fewer: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Which pairs go to verification: ``shared`` samples in common, ``fewer`` samples in the smaller text."""
        return (shared >= self.sample_min_shared) & (shared >= self.sample_min_ratio * fewer)


@dataclass(frozen=True)
class Document:
    """One page to compare. ``key`` is the dense integer id used inside the pass."""

    key: int
    id: str
    text: str
    url: str = ""
    site: str = ""
    origin: str = ""
    published: str | None = None
    captured: str | None = None


class DocumentSource(Protocol):
    def __iter__(self) -> Iterator[Document]: ...

    def load(self, keys: Iterable[int]) -> dict[int, Document]: ...


class ListSource:
    """Documents held in memory."""

    def __init__(self, docs: Iterable[Document]) -> None:
        self.docs = {d.key: d for d in docs}

    def __iter__(self) -> Iterator[Document]:
        return iter(self.docs.values())

    def load(self, keys: Iterable[int]) -> dict[int, Document]:
        return {k: self.docs[k] for k in keys}


@dataclass(frozen=True)
class SharedPassage:
    """Why a pair holds: its longest shared passage, as character offsets into each normalised text."""

    chars: int  # comparable characters (Han and digits) of the passage
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    share: float  # share of the shorter text inside shared passages

    def as_json(self) -> dict[str, object]:
        return {"chars": self.chars, "a": [self.a_start, self.a_end], "b": [self.b_start, self.b_end],
                "share": round(self.share, 4)}


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    distance: int
    similarity: float
    containment: float
    kind: str  # exact | near | contained | passage | repeated-in-page
    passage: SharedPassage | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "a": self.a, "b": self.b, "distance": self.distance, "similarity": round(self.similarity, 4),
            "containment": round(self.containment, 4), "kind": self.kind}
        if self.passage is not None:
            out["passage"] = self.passage.as_json()
        return out


@dataclass
class ClusterResult:
    canonical: str
    members: list[str]
    pairs: list[Pair]

    def as_json(self) -> dict[str, object]:
        return {"canonical": self.canonical, "members": self.members, "pairs": [p.as_json() for p in self.pairs]}


@dataclass
class DedupeResult:
    clusters: list[ClusterResult]
    pairs: list[Pair]
    repeated_in_page: list[str]
    prepared: PreparedSet
    stats: dict[str, int]

    def as_json(self) -> dict[str, object]:
        return {"clusters": [c.as_json() for c in self.clusters], "repeated_in_page": self.repeated_in_page}


def site_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def prepare(doc: Document, config: DedupeConfig, norm: Normalised | None = None) -> Prepared | None:
    """Normalise and fingerprint one document; None when too short to compare."""
    norm = norm or normalise(doc.text)
    fingerprint, shingles, kept = simhash_stats(norm.text, config.ngram)
    if kept < config.min_chars:
        return None
    samples = text_samples(norm.text, config.sample_gram, config.sample_rate)
    return Prepared(doc.key, doc.id, fingerprint, len(norm.text), shingles, tuple(samples.tolist()), norm.flags)


def member_of(doc: Document, flags: tuple[str, ...], chars: int) -> Member:
    """What canonical choice needs of a document."""
    return Member(doc.key, doc.site or site_of(doc.url), doc.origin, doc.published, doc.captured,
                  sum(1 for f in COPY_MARKS if f in flags), chars, doc.id)


def _sample_candidates(prepared: PreparedSet, config: DedupeConfig) -> set[tuple[int, int]]:
    """Pairs sharing at least ``sample_min_shared`` passage samples, and that share of the fewer samples.

    Samples in more than ``anchor_max_docs`` documents are a template's or a
    stock lead's. Two long articles that both use a few stock phrases share a
    sample or two of their hundred; a copy shares a good part of the shorter
    one's. Pairs are counted in numpy, by groups of one size at a time, and in
    slices of the first key when there are many, so memory stays bounded.
    """
    if not prepared.anchor_values:
        return set()
    values = np.frombuffer(prepared.anchor_values, dtype=np.uint64)
    keys = np.frombuffer(prepared.anchor_keys, dtype=np.int64)
    # Keys arrive in increasing order, so a stable sort by sample keeps them sorted within each sample.
    in_order = len(keys) < 2 or bool(np.all(keys[1:] >= keys[:-1]))
    order = np.argsort(values, kind="stable") if in_order else np.lexsort((keys, values))
    values, keys = values[order], keys[order]
    del order
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    sizes = np.diff(np.append(starts, len(values)))
    wanted = (sizes > 1) & (sizes <= config.anchor_max_docs)
    starts, sizes = starts[wanted], sizes[wanted]
    total = int((sizes * (sizes - 1) // 2).sum())
    slices = max(1, total // 10_000_000 + 1)
    if len(keys) and int(keys.max()) >= 1 << 31:
        raise ValueError("document keys must be below 2**31")
    holders, per_doc = np.unique(keys, return_counts=True)  # samples per document
    pairs: set[tuple[int, int]] = set()
    for part in range(slices):
        codes = []
        for size in np.unique(sizes).tolist():
            at = starts[sizes == size]
            groups = keys[at[:, None] + np.arange(size)[None, :]]  # one row per sample: the keys holding it
            i, j = np.triu_indices(size, 1)
            a, b = groups[:, i].ravel(), groups[:, j].ravel()
            keep = (a != b) & (a % slices == part)  # a document holds each sample once; equal keys cannot pair
            codes.append((a[keep] << np.int64(32)) | b[keep])
        if not codes:
            continue
        found, counts = np.unique(np.concatenate(codes), return_counts=True)
        first, second = found >> np.int64(32), found & np.int64(0xFFFFFFFF)
        fewer = np.minimum(per_doc[np.searchsorted(holders, first)], per_doc[np.searchsorted(holders, second)])
        keep = config.keeps_sample_pair(counts, fewer)
        pairs.update(zip(first[keep].tolist(), second[keep].tolist(), strict=True))
    return pairs


def _band_candidates(prepared: PreparedSet, k: int) -> dict[tuple[int, int], int]:
    index = BandIndex(k)
    index.insert_many(prepared.keys, prepared.fingerprints)
    out: dict[tuple[int, int], int] = {}
    for a, b, dist in index.all_pairs(max_distance=max_distance(0)):
        for x, y, d in zip(a.tolist(), b.tolist(), dist.tolist(), strict=True):
            out[(min(x, y), max(x, y))] = d
    return out


class Confirmed(NamedTuple):
    """A verified pair, by keys."""

    a: int
    b: int
    distance: int
    similarity: Similarity
    kind: str
    passage: SharedPassage | None


@dataclass(frozen=True)
class _Compared:
    """What verification needs of one document: a digest of its letters and digits, shingles, comparable grams."""

    digest: bytes  # equal digests: the same text once punctuation and spaces are gone (an exact copy)
    shingles: U64
    grams: GramIndex
    offsets: npt.NDArray[np.int64]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Comparable-character span -> offsets into the normalised text."""
        return int(self.offsets[start]), int(self.offsets[end - 1]) + 1


class Verifier:
    """Loads texts for candidate pairs (in batches) and applies the exact check."""

    def __init__(self, source: DocumentSource, prepared: PreparedSet, config: DedupeConfig,
                 normalised: NormalisedCache | None = None) -> None:
        self.source = source
        self.prepared = prepared
        self.config = config
        self.normalised = normalised.entries if normalised is not None else {}
        self._cache: dict[int, _Compared] = {}

    def _load(self, keys: Iterable[int]) -> None:
        missing = [k for k in keys if k not in self._cache]
        if not missing:
            return
        if len(self._cache) > 8_000:  # candidates come sorted, so recent documents are the ones reused
            self._cache.clear()
        found = {k: self.normalised[k] for k in missing if k in self.normalised}
        unread = [k for k in missing if k not in found]
        if unread:
            found.update((key, (normalise(doc.text), doc)) for key, doc in self.source.load(unread).items())
        for key, (norm, doc) in found.items():
            letters = compact_codes(norm.text)
            codes, offsets = comparable(norm.text)
            self._cache[key] = _Compared(hashlib.blake2b(letters.tobytes(), digest_size=16).digest(),
                                         shingle_hashes_of_codes(letters, self.config.ngram), gram_index(codes),
                                         offsets)
            if key not in self.prepared.members:  # canonical choice needs it if the pair holds
                self.prepared.members[key] = member_of(doc, norm.flags, len(norm.text))

    def similarity(self, a: int, b: int) -> tuple[Similarity, bool]:
        self._load((a, b))
        ca, cb = self._cache[a], self._cache[b]
        return similarity(ca.shingles, cb.shingles), ca.digest == cb.digest

    def alignment(self, a: int, b: int) -> Alignment:
        self._load((a, b))
        return align_indexed(self._cache[a].grams, self._cache[b].grams)

    def too_far(self, a: int, b: int) -> bool:
        """True when two cluster members are too far apart to share a cluster (see :func:`weakly_linked`)."""
        sim, _same = self.similarity(a, b)
        return weakly_linked(sim, self.config.verify, self.alignment(a, b))

    def _shared(self, a: int, b: int, alignment: Alignment) -> SharedPassage | None:
        longest: Passage | None = alignment.longest
        if longest is None:
            return None
        a_span = self._cache[a].span(longest.a_start, longest.a_end)
        b_span = self._cache[b].span(longest.b_start, longest.b_end)
        return SharedPassage(longest.chars, *a_span, *b_span, alignment.share)

    def check(self, pairs: list[tuple[int, int]], distances: dict[tuple[int, int], int]) -> list[Confirmed]:
        confirmed = []
        verify = self.config.verify
        for start in range(0, len(pairs), 2000):
            batch = pairs[start:start + 2000]
            self._load({k for pair in batch for k in pair})
            for a, b in batch:
                pp = self.prepared
                distance = distances.get((a, b), (pp.fingerprint(a) ^ pp.fingerprint(b)).bit_count())
                sim, same = self.similarity(a, b)
                alignment = self.alignment(a, b)
                kind = classify(sim, same, min(pp.shingles(a), pp.shingles(b)), verify, alignment)
                if kind == "near" and distance > max_distance(min(pp.chars(a), pp.chars(b))) \
                        and sim.containment < verify.containment:
                    # A near pair must also be near in fingerprint space, unless a passage holds it.
                    kind = "passage" if shares_passage(alignment, verify) else None
                if kind is None:
                    continue
                confirmed.append(Confirmed(a, b, distance, sim, kind, self._shared(a, b, alignment)))
        return confirmed


CHUNK = 500


def _prepare_chunk(args: tuple[list[Document], DedupeConfig]) -> list[Prepared | int]:
    docs, config = args
    return [prepare(d, config) or d.key for d in docs]


class NormalisedCache:
    """Normalised texts of documents prepared in this process (with the documents, less their raw text), up
    to ``budget`` characters:
    the verifier then need not read and normalise them again. Workers' documents are not kept (sending
    texts back would cost more than normalising the few that become candidates)."""

    def __init__(self, budget: int = 16_000_000) -> None:
        self.budget = budget
        self.entries: dict[int, tuple[Normalised, Document]] = {}  # documents without their raw text

    def prepare_chunk(self, docs: list[Document], config: DedupeConfig) -> list[Prepared | int]:
        out: list[Prepared | int] = []
        for doc in docs:
            norm = normalise(doc.text)
            found = prepare(doc, config, norm)
            if found is not None and self.budget >= len(norm.text):
                self.budget -= len(norm.text)
                self.entries[doc.key] = (norm, replace(doc, text=""))
            out.append(found or doc.key)
        return out


def _chunks(docs: Iterable[Document]) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def prepare_all(source: DocumentSource, config: DedupeConfig,
                cache: NormalisedCache | None = None) -> Iterator[list[Prepared | int]]:
    """Normalise and fingerprint every document; chunks go to worker processes once there are several.

    Texts are only passed through, never kept (but in ``cache``, within its budget): a worker returns
    fingerprints and anchors. Small inputs stay in this process (forking costs more).
    """
    here = cache.prepare_chunk if cache is not None else (lambda docs, config: _prepare_chunk((docs, config)))
    chunks = _chunks(source)
    first = next(chunks, None)
    if first is None:
        return
    yield here(first, config)
    second = next(chunks, None)
    if second is None:
        return
    workers = config.processes
    if workers <= 1:
        yield here(second, config)
        for chunk in chunks:
            yield here(chunk, config)
        return
    rest = itertools.chain([second], chunks)
    # Pool.imap would read the whole input ahead; a bounded window keeps memory flat.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: collections.deque[AsyncResult[list[Prepared | int]]] = collections.deque()
        for chunk in rest:
            pending.append(pool.apply_async(_prepare_chunk, ((chunk, config),)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


PARALLEL_VERIFY = 20_000  # fewer candidates are verified in this process (forking costs more)
VERIFY_SLICE = 5_000  # the fewest candidates a worker takes at a time
_VERIFYING: tuple[Verifier, list[tuple[int, int]], dict[tuple[int, int], int]] | None = None  # for forked workers


def _verify_slice(bounds: tuple[int, int]) -> tuple[list[Confirmed], dict[int, Member]]:
    """In a forked worker: verify one slice of the candidates; return the pairs and the members it loaded."""
    assert _VERIFYING is not None
    verifier, candidates, distances = _VERIFYING
    known = set(verifier.prepared.members)
    confirmed = verifier.check(candidates[bounds[0]:bounds[1]], distances)
    return confirmed, {k: m for k, m in verifier.prepared.members.items() if k not in known}


def verify_all(verifier: Verifier, candidates: list[tuple[int, int]], distances: dict[tuple[int, int], int],
               workers: int) -> list[Confirmed]:
    """:meth:`Verifier.check` over every candidate, in slices across forked workers when there are many.

    Workers inherit the prepared set and the source (which must survive a fork: files are reopened per
    load); each slice is contiguous in the sorted candidates, so a worker's cache sees the same documents
    again. Results come back in candidate order, with the canonical-choice metadata the workers loaded.
    """
    global _VERIFYING
    if workers <= 1 or len(candidates) < PARALLEL_VERIFY:
        return verifier.check(candidates, distances)
    step = max(VERIFY_SLICE, len(candidates) // (workers * 4) + 1)
    slices = [(start, min(start + step, len(candidates))) for start in range(0, len(candidates), step)]
    _VERIFYING = (verifier, candidates, distances)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(_verify_slice, slices, chunksize=1)
    finally:
        _VERIFYING = None
    confirmed: list[Confirmed] = []
    for pairs, members in results:
        confirmed += pairs
        verifier.prepared.members.update(members)
    return confirmed


def find_duplicates(
    source: DocumentSource,
    config: DedupeConfig | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> DedupeResult:
    """Run the whole pass over ``source`` and return clusters (sorted by canonical id)."""
    config = config or DedupeConfig()
    prepared = PreparedSet()
    normalised = NormalisedCache()
    skipped = 0
    count = 0
    for batch in prepare_all(source, config, normalised):
        for p in batch:
            count += 1
            if isinstance(p, Prepared):
                prepared.add(p)
            else:
                skipped += 1
            if progress and count % 50_000 == 0:
                progress("fingerprinted", count)
    band = _band_candidates(prepared, config.k)
    candidates = sorted(set(band) | _sample_candidates(prepared, config))
    if progress:
        progress("candidates", len(candidates))
    verifier = Verifier(source, prepared, config, normalised)
    confirmed = verify_all(verifier, candidates, band, config.processes)
    return assemble(prepared, confirmed, verifier, config, skipped, len(candidates))


def assemble(
    prepared: PreparedSet,
    confirmed: list[Confirmed],
    verifier: Verifier,
    config: DedupeConfig,
    skipped: int = 0,
    candidates: int = 0,
) -> DedupeResult:
    """Clusters from confirmed pairs: union-find, canonical choice, weak-link split."""
    pair_info = {(c.a, c.b): c for c in confirmed}
    uf: UnionFind[int] = UnionFind()
    for c in confirmed:
        uf.union(c.a, c.b)
    groups = [g for g in uf.groups() if len(g) > 1]
    direct = set(pair_info)
    pairs_of: dict[int, list[tuple[int, int]]] = {}  # member -> its pairs, so each cluster reads only its own
    for pair in pair_info:
        pairs_of.setdefault(pair[0], []).append(pair)
        pairs_of.setdefault(pair[1], []).append(pair)

    clusters: list[ClusterResult] = []
    split = 0
    while groups:
        group = groups.pop()
        canonical = choose_canonical([prepared.member(k) for k in group]).key
        kept, dropped = split_weak(group, canonical, direct, verifier.too_far)
        if dropped:
            split += 1
            groups.extend(_linked_groups(dropped, direct))
        if len(kept) < 2:
            continue
        kept_set = set(kept)
        pairs = [_pair(prepared, pair_info[(a, b)])
                 for a, b in sorted({pair for k in kept for pair in pairs_of.get(k, ())})
                 if a in kept_set and b in kept_set]
        clusters.append(ClusterResult(prepared.id(canonical), sorted(prepared.id(k) for k in kept), pairs))
    clusters.sort(key=lambda c: c.canonical)
    repeated = prepared.repeated()
    all_pairs = [_pair(prepared, c) for _, c in sorted(pair_info.items())]
    for cluster in clusters:
        for member in cluster.members:
            if member in repeated:
                cluster.pairs.append(Pair(member, member, 0, 1.0, 1.0, "repeated-in-page"))
    stats = {"documents": len(prepared) + skipped, "fingerprinted": len(prepared), "skipped_short": skipped,
             "candidates": candidates, "confirmed_pairs": len(confirmed), "clusters": len(clusters),
             "weak_splits": split}
    return DedupeResult(clusters, all_pairs, repeated, prepared, stats)


def _linked_groups(members: list[int], direct: set[tuple[int, int]]) -> list[list[int]]:
    """The groups of two or more that direct pairs link among ``members`` (what a weak-link split left out)."""
    sub: UnionFind[int] = UnionFind()
    inside = set(members)
    for a, b in direct:
        if a in inside and b in inside:
            sub.union(a, b)
    return [g for g in sub.groups() if len(g) > 1]


def _pair(prepared: PreparedSet, c: Confirmed) -> Pair:
    """The pair by document ids, the smaller id first (its passage spans follow the swap)."""
    ia, ib = prepared.id(c.a), prepared.id(c.b)
    passage = c.passage
    if ib < ia:
        ia, ib = ib, ia
        if passage is not None:
            passage = SharedPassage(passage.chars, passage.b_start, passage.b_end, passage.a_start, passage.a_end,
                                    passage.share)
    return Pair(ia, ib, c.distance, c.similarity.jaccard, c.similarity.containment, c.kind, passage)
