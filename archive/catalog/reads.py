"""Reads of the catalog: what the crawl, the rebuild, the start page and the report ask of it.

:class:`CatalogReads` is mixed into :class:`archive.catalog.Catalog`; code outside ``archive``
reads through these methods rather than through sessions and table names, so a query lives in
one place. Rows come back detached from their session (columns loaded, nothing lazy).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.catalog.models import (
    Article,
    Base,
    Capture,
    Cluster,
    ClusterMember,
    CrawlRun,
    DedupePair,
    Fingerprint,
    Source,
)


@dataclass(frozen=True)
class ReportOverview:
    """Catalog-wide figures the report's summary starts from."""

    sources: dict[str, Source]
    clusters: list[tuple[int, datetime | None, int, str]]  # cluster id, canonical's published time, id, url
    articles_per_site: dict[str | None, int]
    articles: int
    repeated_per_site: Counter[str | None]  # articles whose body repeats inside their own page


@dataclass(frozen=True)
class ClusterBatch:
    """Some clusters with everything the report shows of their members."""

    canonical: dict[int, int]  # cluster id -> canonical article id
    members: list[tuple[int, Article, Capture | None, Fingerprint | None]]  # cluster id, article, ...
    pairs: dict[tuple[int, int], tuple[int, float]]  # (a, b) -> (distance, similarity) of verified pairs


class CatalogReads:
    """Read queries; the class they are mixed into provides :meth:`session`."""

    def session(self) -> Session:
        raise NotImplementedError

    def count(self, model: type[Base]) -> int:
        with self.session() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def sources(self) -> list[Source]:
        with self.session() as session:
            return list(session.scalars(select(Source).order_by(Source.id)))

    def captures(self) -> list[Capture]:
        with self.session() as session:
            return list(session.scalars(select(Capture).order_by(Capture.id)))

    def articles(self) -> list[Article]:
        with self.session() as session:
            return list(session.scalars(select(Article).order_by(Article.id)))

    def recent_runs(self, source_id: str, limit: int = 5) -> list[CrawlRun]:
        """The source's last finished runs, newest first."""
        with self.session() as session:
            return list(session.scalars(
                select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.status == "finished")
                .order_by(CrawlRun.started_at.desc()).limit(limit)))

    def runs(self, limit: int = 50) -> list[CrawlRun]:
        with self.session() as session:
            return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))

    def ok_responses(self, source_ids: Sequence[str]) -> list[tuple[str, str, int, int, str, str]]:
        """(url, filename, offset, length, digest, 14-digit timestamp) of every 200 response of these
        sources, oldest first: what an incremental crawl already holds."""
        with self.session() as session:
            rows = session.execute(
                select(Capture.url, Capture.filename, Capture.offset, Capture.length, Capture.digest, Capture.timestamp)
                .where(Capture.status == 200, Capture.record_type == "response", Capture.source_id.in_(source_ids))
                .order_by(Capture.timestamp, Capture.id))
            return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def responses_without_article(self) -> list[Capture]:
        """200 responses whose URL has no article row yet (what a rebuild extracts), oldest first."""
        with self.session() as session:
            have = select(Article.url)
            return list(session.scalars(
                select(Capture).where(Capture.status == 200, Capture.record_type == "response",
                                      Capture.url.not_in(have)).order_by(Capture.id)))

    def html_captures(self) -> list[tuple[str, str, str | None, str | None, int | None]]:
        """(url, timestamp, source id, article title, cluster id) of every HTML 200 capture, newest first."""
        with self.session() as session:
            rows = session.execute(
                select(Capture.url, Capture.timestamp, Capture.source_id, Article.title, ClusterMember.cluster_id)
                .join(Article, Article.record_id == Capture.record_id, isouter=True)
                .join(ClusterMember, ClusterMember.article_id == Article.id, isouter=True)
                .where(Capture.status == 200, Capture.mime == "text/html")
                .order_by(Capture.timestamp.desc(), Capture.url))
            return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def report_overview(self) -> ReportOverview:
        with self.session() as session:
            clusters = session.execute(
                select(Cluster.id, Article.published, Article.id, Article.url)
                .join(Article, Article.id == Cluster.canonical_id))
            per_site = session.execute(select(Article.source_id, func.count()).group_by(Article.source_id))
            repeated = session.execute(
                select(Article.source_id).join(Fingerprint, Fingerprint.article_id == Article.id)
                .where(Fingerprint.repeated_in_page == 1))
            return ReportOverview(
                sources={s.id: s for s in session.scalars(select(Source))},
                clusters=[(r[0], r[1], r[2], r[3]) for r in clusters],
                articles_per_site={r[0]: r[1] for r in per_site},
                articles=int(session.scalar(select(func.count()).select_from(Article)) or 0),
                repeated_per_site=Counter(r[0] for r in repeated),
            )

    def cluster_batch(self, cluster_ids: Sequence[int]) -> ClusterBatch:
        """The clusters ``cluster_ids`` (a few hundred at a time) with their members' rows and pairs."""
        with self.session() as session:
            canonical = session.execute(
                select(Cluster.id, Cluster.canonical_id).where(Cluster.id.in_(cluster_ids)))
            rows = session.execute(
                select(ClusterMember.cluster_id, Article, Capture, Fingerprint)
                .join(Article, Article.id == ClusterMember.article_id)
                .join(Capture, Capture.record_id == Article.record_id, isouter=True)
                .join(Fingerprint, Fingerprint.article_id == Article.id, isouter=True)
                .where(ClusterMember.cluster_id.in_(cluster_ids)))
            members: list[tuple[int, Article, Capture | None, Fingerprint | None]] = [
                (r[0], r[1], r[2], r[3]) for r in rows]
            article_ids = [article.id for _, article, _, _ in members]
            pairs = session.execute(
                select(DedupePair.a, DedupePair.b, DedupePair.distance, DedupePair.similarity)
                .where(DedupePair.a.in_(article_ids), DedupePair.b.in_(article_ids)))
            return ClusterBatch({r[0]: r[1] for r in canonical}, members,
                                {(r[0], r[1]): (r[2], r[3]) for r in pairs})
