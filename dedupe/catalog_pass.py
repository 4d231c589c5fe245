"""Incremental near-duplicate pass over the catalog.

New articles (those without a fingerprint row) are fingerprinted, their
candidates are found by indexed band and anchor lookups (a query, not a
scan), verified, and stored as pairs; clusters are then rebuilt from all
stored pairs. ``rebuild=True`` forgets everything first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import delete, func, or_, select

from archive.catalog import Catalog
from archive.catalog.models import (
    Article,
    Cluster,
    ClusterMember,
    DedupePair,
    Fingerprint,
    ParagraphAnchor,
    Source,
)
from dedupe.engine import DedupeConfig, Document, Verifier, assemble, member_of, prepare
from dedupe.fingerprint import bands, from_hex, to_hex
from dedupe.prepared import FLAG_NAMES, Prepared, PreparedSet
from dedupe.verify import Similarity

logger = logging.getLogger(__name__)
BATCH = 500


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
        with self.catalog.session() as session:
            for article in session.scalars(query.execution_options(yield_per=BATCH)):
                yield self._document(article)

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
    with catalog.session() as session, session.begin():
        for p in prepared:
            b = bands(p.fingerprint)
            session.add(Fingerprint(
                article_id=p.key, simhash=to_hex(p.fingerprint), band0=b[0], band1=b[1], band2=b[2], band3=b[3],
                chars=p.chars, shingles=p.shingles, repeated_in_page=int("repeated_in_page" in p.flags),
                flags=",".join(p.flags),
            ))
            for anchor in p.anchors:
                session.merge(ParagraphAnchor(anchor=to_hex(anchor), article_id=p.key))
        for key in too_short:
            # Remembered as done, with no bands that could match anything real.
            session.add(Fingerprint(article_id=key, simhash=to_hex(0), band0=-1, band1=-1, band2=-1, band3=-1,
                                    chars=0, shingles=0, repeated_in_page=0, flags="too_short"))


def _candidates(catalog: Catalog, new: list[Prepared], config: DedupeConfig) -> set[tuple[int, int]]:
    """Indexed lookups: articles sharing a band or a rare paragraph anchor with a new article."""
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
                if (from_hex(simhash) ^ p.fingerprint).bit_count() <= 12:
                    pairs.add((min(p.key, other), max(p.key, other)))
            if p.anchors:
                hexes = [to_hex(a) for a in p.anchors]
                common = (
                    select(ParagraphAnchor.anchor).where(ParagraphAnchor.anchor.in_(hexes))
                    .group_by(ParagraphAnchor.anchor).having(func.count() <= config.anchor_max_docs)
                )
                for (other,) in session.execute(
                    select(ParagraphAnchor.article_id).distinct()
                    .where(ParagraphAnchor.anchor.in_(common), ParagraphAnchor.article_id != p.key)
                ):
                    pairs.add((min(p.key, other), max(p.key, other)))
    return pairs


def run_catalog_pass(
    catalog: Catalog,
    config: DedupeConfig | None = None,
    rebuild: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Fingerprint new articles, store new pairs, rebuild clusters. Returns counts."""
    config = config or DedupeConfig()
    if rebuild:
        with catalog.session() as session, session.begin():
            for model in (ClusterMember, Cluster, DedupePair, ParagraphAnchor, Fingerprint):
                session.execute(delete(model))
    source = CatalogSource(catalog, only_new=True)
    new: list[Prepared] = []
    too_short: list[int] = []
    for doc in source:
        p = prepare(doc, config)
        if p is None:
            too_short.append(doc.key)
        else:
            new.append(p)
    _store_fingerprints(catalog, new, too_short)
    if progress:
        progress("fingerprinted new articles", len(new))
    candidates = sorted(_candidates(catalog, new, config))
    involved = {k for pair in candidates for k in pair}
    prepared = _prepared_from_rows(catalog, source, involved)
    verifier = Verifier(source, prepared, config)
    confirmed = verifier.check(candidates, {})
    with catalog.session() as session, session.begin():
        for a, b, distance, sim, kind in confirmed:
            session.merge(DedupePair(a=a, b=b, distance=distance, similarity=sim.jaccard, kind=kind))
    summary = recluster(catalog, source, config)
    summary.update(new_articles=len(new), too_short=len(too_short), candidates=len(candidates),
                   new_pairs=len(confirmed))
    return summary


def recluster(catalog: Catalog, source: CatalogSource, config: DedupeConfig) -> dict[str, Any]:
    """Rebuild clusters and members from every stored pair."""
    with catalog.session() as session:
        rows = list(session.execute(select(DedupePair.a, DedupePair.b, DedupePair.distance,
                                           DedupePair.similarity, DedupePair.kind)))
    involved = {k for a, b, *_ in rows for k in (a, b)}
    prepared = _prepared_from_rows(catalog, source, involved)
    confirmed = [(a, b, d, Similarity(s, 0.0, 0), kind) for a, b, d, s, kind in rows]
    result = assemble(prepared, confirmed, Verifier(source, prepared, config), config)
    with catalog.session() as session, session.begin():
        session.execute(delete(ClusterMember))
        session.execute(delete(Cluster))
        for cluster in result.clusters:
            row = Cluster(canonical_id=int(cluster.canonical))
            session.add(row)
            session.flush()
            for member in cluster.members:
                session.add(ClusterMember(article_id=int(member), cluster_id=row.id))
    return {"clusters": len(result.clusters), "pairs": len(rows)}
