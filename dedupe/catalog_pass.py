"""Incremental near-duplicate pass over the catalog.

New articles (those without a fingerprint row) are fingerprinted by worker
processes and stored in batches; their candidates are found in the database,
by indexed band and passage-sample lookups per article when there are few, or
by one self-join per band and one over the samples against a temporary table
of the new ids when there are many (the Hamming filter runs in SQL: ``bit_count`` on PostgreSQL, a
registered function on SQLite). Candidates are verified and stored as pairs;
clusters are then rebuilt from all stored pairs. ``rebuild=True`` forgets
everything first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, or_, select, text

from archive.catalog import Catalog
from archive.catalog.models import (
    Article,
    DedupePair,
    Fingerprint,
    PassageSample,
    Source,
)
from dedupe.engine import Confirmed, DedupeConfig, Document, SharedPassage, Verifier, assemble, member_of, prepare_all
from dedupe.fingerprint import bands, from_hex, to_hex
from dedupe.prepared import FLAG_NAMES, Prepared, PreparedSet
from dedupe.verify import Similarity, max_distance

logger = logging.getLogger(__name__)
BATCH = 500
WRITE_BATCH = 5_000
STORED_BANDS = 4  # fingerprints.band0..band3: the band index of k = 3
BULK_LOOKUPS = 2_000  # more new articles than this: one self-join per band instead of a query each


class CatalogSource:
    """Articles of the catalog as dedupe documents (keys are article ids)."""

    def __init__(self, catalog: Catalog, only_new: bool = True) -> None:
        self.catalog = catalog
        self.only_new = only_new
        self._sites: dict[str, str] | None = None

    def sites(self) -> dict[str, str]:
        if self._sites is None:
            with self.catalog.session() as session:
                self._sites = {s.id: s.name for s in session.scalars(select(Source))}
        return self._sites

    def _document(self, article: Article) -> Document:
        return Document(
            key=article.id, id=str(article.id), text=article.text, url=article.url,
            site=self.sites().get(article.source_id, article.source_id), origin=article.origin,
            published=article.published.isoformat() if article.published else None,
            captured=article.captured_at.isoformat() if article.captured_at else None,
        )

    def __iter__(self) -> Iterator[Document]:
        query = select(Article).order_by(Article.id)
        if self.only_new:
            query = query.where(~select(Fingerprint.article_id).where(Fingerprint.article_id == Article.id).exists())
        # A snapshot of the new articles first: the pass writes fingerprints while it reads.
        with self.catalog.session() as session:
            keys = list(session.scalars(query.with_only_columns(Article.id)))
        for start in range(0, len(keys), BATCH):
            batch = self.load(keys[start:start + BATCH])
            yield from (batch[k] for k in keys[start:start + BATCH] if k in batch)

    def load(self, keys: Iterable[int]) -> dict[int, Document]:
        wanted = sorted(set(keys))
        out: dict[int, Document] = {}
        with self.catalog.session() as session:
            for start in range(0, len(wanted), BATCH):
                chunk = wanted[start:start + BATCH]
                for article in session.scalars(select(Article).where(Article.id.in_(chunk))):
                    out[article.id] = self._document(article)
        return out


def _prepared_from_rows(catalog: Catalog, source: CatalogSource, keys: Iterable[int]) -> PreparedSet:
    found: list[Prepared] = []
    wanted = sorted(set(keys))
    with catalog.session() as session:
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start:start + BATCH]
            rows = session.execute(
                select(Fingerprint, Article).join(Article, Article.id == Fingerprint.article_id)
                .where(Fingerprint.article_id.in_(chunk))
            )
            for fp, article in rows:
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
    catalog.insert_ignore(Fingerprint.__table__, rows, "article_id")
    catalog.insert_ignore(PassageSample.__table__, samples, "sample", "article_id")


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


def _hamming_sql(dialect: str, a: str, b: str) -> str:
    if dialect == "postgresql":
        return f"bit_count(CAST('x' || {a} AS bit(64)) # CAST('x' || {b} AS bit(64)))"
    return f"aidnews_hamming({a}, {b})"  # registered on every SQLite connection (archive.catalog.store)


def _bulk_candidates(catalog: Catalog, new: list[Prepared], config: DedupeConfig) -> set[tuple[int, int]]:
    """The same candidates as :func:`_candidates`, from one join per band and one over the samples."""
    pairs: set[tuple[int, int]] = set()
    distance = _hamming_sql(catalog.dialect, "n.simhash", "f.simhash")
    with catalog.engine.begin() as connection:
        _new_id_table(connection, [p.key for p in new])
        for band in range(4):
            rows = connection.execute(text(
                f"SELECT n.article_id, f.article_id FROM dedupe_new d "
                f"JOIN fingerprints n ON n.article_id = d.article_id "
                f"JOIN fingerprints f ON f.band{band} = n.band{band} AND f.article_id <> n.article_id "
                f"WHERE n.band{band} >= 0 AND {distance} <= :limit"), {"limit": max_distance(0)})
            pairs.update((min(a, b), max(a, b)) for a, b in rows)
        shared = connection.execute(text(
            "SELECT a.article_id, o.article_id, count(*), min(fa.samples), min(fo.samples) FROM dedupe_new d "
            "JOIN passage_samples a ON a.article_id = d.article_id "
            "JOIN passage_samples o ON o.sample = a.sample AND o.article_id <> a.article_id "
            "JOIN fingerprints fa ON fa.article_id = a.article_id "
            "JOIN fingerprints fo ON fo.article_id = o.article_id "
            "WHERE a.sample IN (SELECT sample FROM passage_samples GROUP BY sample "
            "HAVING count(*) BETWEEN 2 AND :most) GROUP BY a.article_id, o.article_id "
            # the in-memory rule (DedupeConfig.keeps_sample_pair), in SQL first so few rows come back
            f"HAVING count(*) >= :shared AND count(*) >= :ratio * "
            f"{_least_sql(catalog.dialect, 'min(fa.samples)', 'min(fo.samples)')}"),
            {"most": config.anchor_max_docs, "shared": config.sample_min_shared,
             "ratio": config.sample_min_ratio}).all()
        pairs.update(_kept_sample_pairs(shared, config))
        connection.execute(text("DROP TABLE dedupe_new"))
    return pairs


def _kept_sample_pairs(rows: Iterable[Any], config: DedupeConfig) -> set[tuple[int, int]]:
    """``(a, b, shared samples, samples of a, samples of b)`` rows -> the pairs the in-memory pass keeps too."""
    rows = list(rows)
    if not rows:
        return set()
    table = np.array([tuple(r) for r in rows], dtype=np.int64)
    kept = config.keeps_sample_pair(table[:, 2], np.minimum(table[:, 3], table[:, 4]))
    return {(min(a, b), max(a, b)) for a, b in table[kept][:, :2].tolist()}


def _least_sql(dialect: str, a: str, b: str) -> str:
    return f"least({a}, {b})" if dialect == "postgresql" else f"min({a}, {b})"  # SQLite's two-argument min


def _new_id_table(connection: Connection, keys: list[int]) -> None:
    connection.execute(text("DROP TABLE IF EXISTS dedupe_new"))
    connection.execute(text("CREATE TEMPORARY TABLE dedupe_new (article_id BIGINT PRIMARY KEY)"))
    for start in range(0, len(keys), WRITE_BATCH):
        connection.execute(text("INSERT INTO dedupe_new (article_id) VALUES (:k)"),
                           [{"k": k} for k in keys[start:start + WRITE_BATCH]])
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE dedupe_new"))


def _candidates(catalog: Catalog, new: list[Prepared], config: DedupeConfig) -> set[tuple[int, int]]:
    """Indexed lookups: articles sharing a band or a rare passage sample with a new article."""
    pairs: set[tuple[int, int]] = set()
    with catalog.session() as session:
        for p in new:
            b = bands(p.fingerprint)
            rows = session.execute(
                select(Fingerprint.article_id, Fingerprint.simhash).where(
                    Fingerprint.article_id != p.key,
                    or_(Fingerprint.band0 == b[0], Fingerprint.band1 == b[1],
                        Fingerprint.band2 == b[2], Fingerprint.band3 == b[3]),
                )
            )
            for other, simhash in rows:
                if (from_hex(simhash) ^ p.fingerprint).bit_count() <= max_distance(0):
                    pairs.add((min(p.key, other), max(p.key, other)))
            if p.anchors:
                common = (
                    select(PassageSample.sample).where(PassageSample.sample.in_(p.anchors))
                    .group_by(PassageSample.sample).having(func.count() <= config.anchor_max_docs)
                )
                shared = session.execute(
                    select(PassageSample.article_id, func.count(), func.min(Fingerprint.samples))
                    .join(Fingerprint, Fingerprint.article_id == PassageSample.article_id)
                    .where(PassageSample.sample.in_(common), PassageSample.article_id != p.key)
                    .group_by(PassageSample.article_id)
                ).all()
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
    confirmed = verifier.check(candidates, {})
    catalog.insert_ignore(DedupePair.__table__, [_pair_row(c) for c in confirmed], "a", "b")
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
    with catalog.session() as session:
        confirmed = [_confirmed(row) for row in session.scalars(select(DedupePair))]
    involved = {k for c in confirmed for k in (c.a, c.b)}
    prepared = _prepared_from_rows(catalog, source, involved)
    result = assemble(prepared, confirmed, Verifier(source, prepared, config), config)
    catalog.replace_clusters([(int(cl.canonical), [int(m) for m in cl.members]) for cl in result.clusters])
    return {"clusters": len(result.clusters), "pairs": len(confirmed)}
