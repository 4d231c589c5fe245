"""Reads of the catalog for ``aidnews serve``: pages of rows, one article, one cluster, site counts.

:class:`AppReads` is mixed into :class:`archive.catalog.Catalog`. Every list is a keyset page
(``WHERE id < :after ORDER BY id DESC LIMIT n``, or ascending), so a page costs the same at the
millionth row as at the first and no query counts or sorts a whole table. Counts per site and the
syndication graph are ``GROUP BY`` aggregates: the web app never loads every cluster, as the static
report does. The SQL is portable between SQLite and PostgreSQL (no dialect branch here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from archive.catalog.models import (
    Article,
    Capture,
    ChangeEvent,
    Cluster,
    ClusterMember,
    CrawlRun,
    Fingerprint,
    SiteLink,
    Source,
)
from archive.surt import surt


@dataclass(frozen=True)
class CopyRow:
    """A copy (a cluster member that is not the canonical article) and what it copies."""

    article_id: int
    url: str
    title: str
    source_id: str
    captured_at: datetime | None
    published: datetime | None
    cluster_id: int
    canonical_id: int
    canonical_source: str
    canonical_title: str


@dataclass(frozen=True)
class ClusterRow:
    """A cluster as the list page shows it: its canonical article and how many members it has."""

    id: int
    canonical_id: int
    url: str
    title: str
    source_id: str
    published: datetime | None
    members: int


@dataclass(frozen=True)
class SiteCounts:
    """What the per-site table and the syndication graph are made of, aggregated in SQL."""

    sources: dict[str, Source]
    articles_per_site: dict[str, int]
    repeated_per_site: dict[str, int]
    # (site of the canonical, site of the member, member is canonical, member flagged spam) -> members
    members: dict[tuple[str, str, bool, bool], int]


class AppReads:
    """Read queries of the web app; the class they are mixed into provides :meth:`session`."""

    def session(self) -> Session:
        raise NotImplementedError

    # -- schema ---------------------------------------------------------
    def schema_revision(self) -> str | None:
        """The Alembic revision the catalog is at (None: never migrated)."""
        with self.session() as session:
            try:
                return session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:  # no such table: a new, empty database
                return None

    # -- counts and sources ---------------------------------------------
    def table_counts(self) -> dict[str, int]:
        with self.session() as session:
            def count(model: Any) -> int:
                return int(session.scalar(select(func.count()).select_from(model)) or 0)

            clusters = count(Cluster)
            members = count(ClusterMember)
            return {"sources": count(Source), "captures": count(Capture), "articles": count(Article),
                    "clusters": clusters, "copies": members - clusters, "runs": count(CrawlRun),
                    "changes": count(ChangeEvent)}

    def source(self, source_id: str) -> Source | None:
        with self.session() as session:
            return session.get(Source, source_id)

    def runs_page(self, limit: int, before: int | None = None, source_id: str | None = None,
                  unhealthy: bool = False) -> list[CrawlRun]:
        """Runs newest first (by id), below ``before``; ``unhealthy``: only finished runs with a health reason."""
        query = select(CrawlRun)
        if before is not None:
            query = query.where(CrawlRun.id < before)
        if source_id is not None:
            query = query.where(CrawlRun.source_id == source_id)
        if unhealthy:
            query = query.where(CrawlRun.health != "")
        with self.session() as session:
            return list(session.scalars(query.order_by(CrawlRun.id.desc()).limit(limit)))

    def last_runs(self, source_ids: Sequence[str], per_source: int = 3) -> dict[str, list[CrawlRun]]:
        """Each source's last ``per_source`` runs, newest first (one indexed query per source)."""
        return {sid: self.runs_page(per_source, source_id=sid) for sid in source_ids}

    # -- articles -------------------------------------------------------
    def articles_page(self, limit: int, after: int | None = None, source_id: str | None = None) -> list[Article]:
        """Articles by id, ascending, above ``after``."""
        query = select(Article)
        if after is not None:
            query = query.where(Article.id > after)
        if source_id is not None:
            query = query.where(Article.source_id == source_id)
        with self.session() as session:
            return list(session.scalars(query.order_by(Article.id).limit(limit)))

    def article(self, article_id: int) -> Article | None:
        with self.session() as session:
            return session.get(Article, article_id)

    def article_for_url(self, url: str) -> Article | None:
        """The latest article row of a URL (its newest capture), or None. Found through the captures'
        ``(urlkey, timestamp)`` index: ``articles.url`` has none, and a scan of a million rows is seconds."""
        with self.session() as session:
            return session.scalars(
                select(Article).join(Capture, Capture.record_id == Article.record_id)
                .where(Capture.urlkey == surt(url), Capture.url == url, Article.url == url)
                .order_by(Capture.timestamp.desc(), Article.id.desc()).limit(1)).first()

    def latest_article_ids(self, urls: Sequence[str]) -> dict[str, int]:
        """url -> id of its latest article row (:meth:`article_for_url`), for the URLs that have one."""
        found = {url: self.article_for_url(url) for url in dict.fromkeys(urls)}
        return {url: article.id for url, article in found.items() if article is not None}

    def url_captures(self, url: str, limit: int = 200) -> list[Capture]:
        """A URL's captures, oldest first (what its replay links are made of), by the urlkey index."""
        with self.session() as session:
            return list(session.scalars(select(Capture).where(Capture.urlkey == surt(url), Capture.url == url)
                                        .order_by(Capture.timestamp, Capture.id).limit(limit)))

    def article_capture(self, article: Article) -> Capture | None:
        with self.session() as session:
            return session.scalars(select(Capture).where(Capture.record_id == article.record_id)).first()

    def cluster_of(self, article_id: int) -> int | None:
        with self.session() as session:
            value = session.scalar(select(ClusterMember.cluster_id).where(ClusterMember.article_id == article_id))
            return None if value is None else int(value)

    def cluster_sizes(self, cluster_ids: Sequence[int]) -> dict[int, int]:
        if not cluster_ids:
            return {}
        with self.session() as session:
            rows = session.execute(select(ClusterMember.cluster_id, func.count())
                                   .where(ClusterMember.cluster_id.in_(list(cluster_ids)))
                                   .group_by(ClusterMember.cluster_id))
            return {int(r[0]): int(r[1]) for r in rows}

    def copies_on_other_sites(self, url: str) -> tuple[Article | None, int | None, int]:
        """For a replayed URL: its article, its cluster, and how many members of that cluster are on
        another site than this article's (what pywb's banner says)."""
        article = self.article_for_url(url)
        if article is None:
            return None, None, 0
        cluster = self.cluster_of(article.id)
        if cluster is None:
            return article, None, 0
        with self.session() as session:
            others = session.scalar(
                select(func.count()).select_from(ClusterMember)
                .join(Article, Article.id == ClusterMember.article_id)
                .where(ClusterMember.cluster_id == cluster, Article.source_id != article.source_id))
        return article, cluster, int(others or 0)

    # -- copies and clusters --------------------------------------------
    def copies_page(self, limit: int, before: int | None = None, source_id: str | None = None,
                    cluster_id: int | None = None) -> list[CopyRow]:
        """Copies newest first (by article id: ids grow as the crawl finds pages), below ``before``;
        of one site (``source_id``: the copying site) or of one cluster."""
        canonical = aliased(Article)
        query = (select(Article.id, Article.url, Article.title, Article.source_id, Article.captured_at,
                        Article.published, Cluster.id, canonical.id, canonical.source_id, canonical.title)
                 .select_from(ClusterMember)
                 .join(Cluster, Cluster.id == ClusterMember.cluster_id)
                 .join(Article, Article.id == ClusterMember.article_id)
                 .join(canonical, canonical.id == Cluster.canonical_id)
                 .where(ClusterMember.article_id != Cluster.canonical_id))
        if before is not None:
            query = query.where(ClusterMember.article_id < before)
        if source_id is not None:
            query = query.where(Article.source_id == source_id)
        if cluster_id is not None:
            query = query.where(ClusterMember.cluster_id == cluster_id)
        with self.session() as session:
            rows = session.execute(query.order_by(ClusterMember.article_id.desc()).limit(limit))
            return [CopyRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows]

    def clusters_page(self, limit: int, after: int | None = None, source_id: str | None = None) -> list[ClusterRow]:
        """Clusters by id, ascending, above ``after``; ``source_id``: only those whose original is on that site."""
        size = (select(func.count()).select_from(ClusterMember)
                .where(ClusterMember.cluster_id == Cluster.id).scalar_subquery())
        query = (select(Cluster.id, Cluster.canonical_id, Article.url, Article.title, Article.source_id,
                        Article.published, size)
                 .join(Article, Article.id == Cluster.canonical_id))
        if after is not None:
            query = query.where(Cluster.id > after)
        if source_id is not None:
            query = query.where(Article.source_id == source_id)
        with self.session() as session:
            return [ClusterRow(*row) for row in session.execute(query.order_by(Cluster.id).limit(limit))]

    def cluster_exists(self, cluster_id: int) -> bool:
        with self.session() as session:
            return session.get(Cluster, cluster_id) is not None

    def site_counts(self) -> SiteCounts:
        """Articles and repeated bodies per site, and cluster members per (original's site, member's
        site): the report's per-site table and graph without reading one cluster. The members'
        counts are those ``replace_clusters`` stored with the clusters (``site_links``)."""
        with self.session() as session:
            per_site = session.execute(select(Article.source_id, func.count()).group_by(Article.source_id))
            repeated = session.execute(
                select(Article.source_id, func.count()).join(Fingerprint, Fingerprint.article_id == Article.id)
                .where(Fingerprint.repeated_in_page == 1).group_by(Article.source_id))
            members = session.execute(select(SiteLink.canonical_source, SiteLink.member_source, SiteLink.is_canonical,
                                             SiteLink.flagged, SiteLink.members))
            return SiteCounts(
                sources={s.id: s for s in session.scalars(select(Source))},
                articles_per_site={r[0]: int(r[1]) for r in per_site},
                repeated_per_site={r[0]: int(r[1]) for r in repeated},
                members={(r[0], r[1], bool(r[2]), bool(r[3])): int(r[4]) for r in members},
            )
