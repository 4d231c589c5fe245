"""Incremental near-duplicate pass over the catalog.

New articles (those without a fingerprint row) are fingerprinted by worker
processes and stored in batches; their candidates are found in the database,
by indexed band and passage-sample lookups per article when there are few, or
by one self-join per band against a temporary table of the new ids when there
are many (the Hamming filter runs in SQL: ``bit_count`` on PostgreSQL, a registered function on
SQLite), and for the samples one self-join on SQLite, or on PostgreSQL one read of the rare samples'
holders counted in numpy. Candidates are verified (by forked workers when there are many) and stored as pairs;
clusters are then rebuilt from all stored pairs. ``rebuild=True`` forgets
everything first.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from archive.catalog import Catalog
from archive.catalog.dedupe_tables import STORED_BANDS, ArticleRow, SampleRow, SampleRule
from archive.catalog.models import DedupePair
from dedupe.engine import (
    Confirmed,
    DedupeConfig,
    Document,
    SharedPassage,
    Verifier,
    assemble,
    member_of,
    prepare_all,
    verify_all,
)
from dedupe.fingerprint import bands, from_hex, to_hex
from dedupe.prepared import FLAG_NAMES, Prepared, PreparedSet
from dedupe.verify import Similarity, max_distance

logger = logging.getLogger(__name__)
BATCH = 500
WRITE_BATCH = 5_000
BULK_LOOKUPS = 2_000  # more new articles than this: one self-join per band instead of a query each


class CatalogSource:
    """Articles of the catalog as dedupe documents (keys are article ids)."""

    def __init__(self, catalog: Catalog, only_new: bool = True) -> None:
        self.catalog = catalog
        self.only_new = only_new
        self._sites: dict[str, str] | None = None
        self._pid = os.getpid()

    def sites(self) -> dict[str, str]:
        if self._sites is None:
            self._sites = {s.id: s.name for s in self.catalog.sources()}
        return self._sites

    def _document(self, article: ArticleRow) -> Document:
        return Document(
            key=article.id, id=str(article.id), text=article.text, url=article.url,
            site=self.sites().get(article.source_id, article.source_id), origin=article.origin,
            published=article.published.isoformat() if article.published else None,
            captured=article.captured_at.isoformat() if article.captured_at else None,
        )

    def __iter__(self) -> Iterator[Document]:
        # A snapshot of the new articles first: the pass writes fingerprints while it reads.
        keys = self.catalog.unfingerprinted_ids() if self.only_new else [a.id for a in self.catalog.articles()]
        for start in range(0, len(keys), BATCH):
            batch = self.load(keys[start:start + BATCH])
            yield from (batch[k] for k in keys[start:start + BATCH] if k in batch)

    def load(self, keys: Iterable[int]) -> dict[int, Document]:
        if os.getpid() != self._pid:
            # In a forked verifier: the pooled connections are the parent's sockets; open this process's own.
            self.catalog.engine.dispose(close=False)
            self._pid = os.getpid()
        return {article.id: self._document(article) for article in self.catalog.articles_by_id(list(keys))}


def _prepared_from_rows(catalog: Catalog, source: CatalogSource, keys: Iterable[int]) -> PreparedSet:
    found: list[Prepared] = []
    for fp, article in catalog.fingerprinted(list(keys)):
        doc = source._document(article)
        flags = tuple(f for f in fp.flags.split(",") if f in FLAG_NAMES)
        found.append(Prepared(article.id, doc.id, from_hex(fp.simhash), fp.chars, fp.shingles, (), flags,
                              member_of(doc, flags, fp.chars)))
    prepared = PreparedSet()
    for p in sorted(found, key=lambda p: p.key):
        prepared.add(p)
    return prepared


def _store_fingerprints(catalog: Catalog, prepared: list[Prepared], too_short: list[int]) -> None:
    rows = []
    for p in prepared:
        b = bands(p.fingerprint)
        rows.append({"article_id": p.key, "simhash": to_hex(p.fingerprint), "band0": b[0], "band1": b[1],
                     "band2": b[2], "band3": b[3], "chars": p.chars, "shingles": p.shingles,
                     "repeated_in_page": int("repeated_in_page" in p.flags), "flags": ",".join(p.flags),
                     "samples": len(p.anchors)})
    # Remembered as done, with no bands that could match anything real.
    rows += [{"article_id": key, "simhash": to_hex(0), "band0": -1, "band1": -1, "band2": -1, "band3": -1,
              "chars": 0, "shingles": 0, "repeated_in_page": 0, "flags": "too_short", "samples": 0}
             for key in too_short]
    samples = [{"sample": s, "article_id": p.key} for p in prepared for s in p.anchors]
    catalog.add_fingerprints(rows, samples)


def _fingerprint_new(catalog: Catalog, source: CatalogSource, config: DedupeConfig,
                     progress: Callable[[str, int], None] | None) -> tuple[list[Prepared], int]:
    """Fingerprint every new article (worker processes), writing in batches. Returns them and the short count."""
    new: list[Prepared] = []
    pending: list[Prepared] = []
    short: list[int] = []
    too_short = stripped = 0
    for chunk in prepare_all(source, config):
        for p in chunk:
            if isinstance(p, Prepared):
                pending.append(p)
            else:
                short.append(p)
        if len(pending) + len(short) >= WRITE_BATCH:
            _store_fingerprints(catalog, pending, short)
            new += pending
            if len(new) > BULK_LOOKUPS:
                # The bulk lookup reads samples back from the catalog; a million articles' samples held as
                # Python ints would cost over a gigabyte.
                new[stripped:] = _without_samples(new[stripped:])
                stripped = len(new)
            too_short += len(short)
            pending, short = [], []
            if progress and len(new) % 50_000 < WRITE_BATCH:
                progress("fingerprinted", len(new))
    _store_fingerprints(catalog, pending, short)
    new += pending
    if len(new) > BULK_LOOKUPS:
        new[stripped:] = _without_samples(new[stripped:])
    return new, too_short + len(short)


def _without_samples(prepared: list[Prepared]) -> list[Prepared]:
    return [replace(p, anchors=()) if p.anchors else p for p in prepared]


def _rule(config: DedupeConfig) -> SampleRule:
    return SampleRule(config.anchor_max_docs, config.sample_min_shared, config.sample_min_ratio)


def _bulk_candidates(catalog: Catalog, new: list[Prepared], config: DedupeConfig) -> set[tuple[int, int]]:
    """The same candidates as :func:`_candidates`, from one join per band and one over the samples."""
    pairs, shared = catalog.bulk_neighbours([p.key for p in new], max_distance(0), _rule(config))
    return pairs | _kept_sample_pairs(shared, config)


def _kept_sample_pairs(rows: Iterable[SampleRow], config: DedupeConfig) -> set[tuple[int, int]]:
    """``(a, b, shared samples, samples of a, samples of b)`` rows -> the pairs the in-memory pass keeps too."""
    rows = list(rows)
    if not rows:
        return set()
    table = np.array([tuple(r) for r in rows], dtype=np.int64)
    kept = config.keeps_sample_pair(table[:, 2], np.minimum(table[:, 3], table[:, 4]))
    return {(min(a, b), max(a, b)) for a, b in table[kept][:, :2].tolist()}


def _candidates(catalog: Catalog, new: list[Prepared], config: DedupeConfig) -> set[tuple[int, int]]:
    """Indexed lookups: articles sharing a band or a rare passage sample with a new article."""
    pairs: set[tuple[int, int]] = set()
    rule = _rule(config)
    for p in new:
        for other, simhash in catalog.band_neighbours(p.key, bands(p.fingerprint)):
            if (from_hex(simhash) ^ p.fingerprint).bit_count() <= max_distance(0):
                pairs.add((min(p.key, other), max(p.key, other)))
        if p.anchors:
            shared = catalog.sample_neighbours(p.key, p.anchors, rule)
            pairs.update(_kept_sample_pairs([(p.key, o, n, len(p.anchors), s) for o, n, s in shared], config))
    return pairs


def run_catalog_pass(
    catalog: Catalog,
    config: DedupeConfig | None = None,
    rebuild: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Fingerprint new articles, store new pairs, rebuild clusters. Returns counts."""
    config = config or DedupeConfig()
    if config.k + 1 != STORED_BANDS:
        raise ValueError(f"the catalog stores {STORED_BANDS} fingerprint bands, so its pass runs with k = "
                         f"{STORED_BANDS - 1}; k = {config.k} applies to `aidnews dedupe --input` only")
    if rebuild:
        catalog.forget_dedupe()
    source = CatalogSource(catalog, only_new=True)
    new, too_short = _fingerprint_new(catalog, source, config, progress)
    if progress:
        progress("fingerprinted new articles", len(new))
    lookup = _bulk_candidates if len(new) > BULK_LOOKUPS else _candidates
    candidates = sorted(lookup(catalog, new, config))
    if progress:
        progress("candidates", len(candidates))
    involved = {k for pair in candidates for k in pair}
    prepared = _prepared_from_rows(catalog, source, involved)
    verifier = Verifier(source, prepared, config)
    confirmed = verify_all(verifier, candidates, {}, config.processes)
    catalog.add_dedupe_pairs([_pair_row(c) for c in confirmed])
    summary = recluster(catalog, source, config)
    summary.update(new_articles=len(new), too_short=too_short, candidates=len(candidates),
                   new_pairs=len(confirmed))
    return summary


def _pair_row(c: Confirmed) -> dict[str, Any]:
    passage = c.passage or SharedPassage(0, 0, 0, 0, 0, 0.0)
    return {"a": c.a, "b": c.b, "distance": c.distance, "similarity": c.similarity.jaccard, "kind": c.kind,
            "passage_chars": passage.chars, "passage_a_start": passage.a_start, "passage_a_end": passage.a_end,
            "passage_b_start": passage.b_start, "passage_b_end": passage.b_end, "passage_share": passage.share}


def _confirmed(row: DedupePair) -> Confirmed:
    passage = SharedPassage(row.passage_chars, row.passage_a_start, row.passage_a_end, row.passage_b_start,
                            row.passage_b_end, row.passage_share) if row.passage_chars else None
    return Confirmed(row.a, row.b, row.distance, Similarity(row.similarity, 0.0, 0), row.kind, passage)


def recluster(catalog: Catalog, source: CatalogSource, config: DedupeConfig) -> dict[str, Any]:
    """Rebuild clusters and members from every stored pair."""
    confirmed = [_confirmed(row) for row in catalog.dedupe_pairs()]
    involved = {k for c in confirmed for k in (c.a, c.b)}
    prepared = _prepared_from_rows(catalog, source, involved)
    result = assemble(prepared, confirmed, Verifier(source, prepared, config), config)
    catalog.replace_clusters([(int(cl.canonical), [int(m) for m in cl.members]) for cl in result.clusters])
    return {"clusters": len(result.clusters), "pairs": len(confirmed)}
