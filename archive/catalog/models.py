"""SQLAlchemy 2 models of the catalog. Captures use CDX vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalog; attach a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="site")
    hosts: Mapped[str] = mapped_column(Text, default="")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    spider: Mapped[str] = mapped_column(String(64))
    sources: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="running")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    articles: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warc_files: Mapped[str] = mapped_column(Text, default="")
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    revisits: Mapped[int] = mapped_column(Integer, default=0)
    article_links: Mapped[int] = mapped_column(Integer, default=0)  # article links seen on list pages
    health: Mapped[str] = mapped_column(Text, default="")  # empty = healthy; else the reasons
    rechecks_due: Mapped[int] = mapped_column(Integer, default=0)  # known articles the ladder said to recheck
    rechecks_done: Mapped[int] = mapped_column(Integer, default=0)  # of those, asked for in this run


class Capture(Base):
    __tablename__ = "captures"
    __table_args__ = (Index("ix_captures_urlkey_timestamp", "urlkey", "timestamp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    record_type: Mapped[str] = mapped_column(String(16), default="response")
    url: Mapped[str] = mapped_column(Text, index=True)
    urlkey: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[str] = mapped_column(String(14))
    status: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255), index=True)
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("captures.record_id"), unique=True
    )
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    section: Mapped[str] = mapped_column(String(128), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    origin: Mapped[str] = mapped_column(String(200), default="")
    editor: Mapped[str] = mapped_column(String(200), default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    captured_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Fingerprint(Base):
    """A 64-bit simhash as 16-char hex, plus its four 16-bit bands for indexed lookup."""

    __tablename__ = "fingerprints"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    simhash: Mapped[str] = mapped_column(String(16))
    band0: Mapped[int] = mapped_column(Integer, index=True)
    band1: Mapped[int] = mapped_column(Integer, index=True)
    band2: Mapped[int] = mapped_column(Integer, index=True)
    band3: Mapped[int] = mapped_column(Integer, index=True)
    chars: Mapped[int] = mapped_column(Integer)
    shingles: Mapped[int] = mapped_column(Integer)
    repeated_in_page: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[str] = mapped_column(String(200), default="")
    samples: Mapped[int] = mapped_column(Integer, default=0)  # passage samples stored for the article


class PassageSample(Base):
    """Passage samples of an article (dedupe/passages.py): pages sharing one share a passage."""

    __tablename__ = "passage_samples"

    sample: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # 63-bit, fits a signed column
    # An article id, without a foreign key: checking each of ~25 rows per article doubled the write (0008).
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class DedupePair(Base):
    __tablename__ = "dedupe_pairs"

    a: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    b: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    distance: Mapped[int] = mapped_column(Integer)
    similarity: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(32))
    # The longest shared passage: comparable characters, and offsets into each normalised text.
    passage_chars: Mapped[int] = mapped_column(Integer, default=0)
    passage_a_start: Mapped[int] = mapped_column(Integer, default=0)
    passage_a_end: Mapped[int] = mapped_column(Integer, default=0)
    passage_b_start: Mapped[int] = mapped_column(Integer, default=0)
    passage_b_end: Mapped[int] = mapped_column(Integer, default=0)
    passage_share: Mapped[float] = mapped_column(Float, default=0.0)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    canonical_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))


class ClusterMember(Base):
    __tablename__ = "cluster_members"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)


class SiteLink(Base):
    """Cluster members counted by the site of their cluster's original, their own site, whether they are
    the original and whether they are flagged spam: the per-site table and the syndication graph
    without reading every member (0.46 s at 100,000 clusters). Rewritten with the clusters."""

    __tablename__ = "site_links"

    canonical_source: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_source: Mapped[str] = mapped_column(String(64), primary_key=True)
    is_canonical: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    flagged: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)


class Version(Base):
    """A distinct version of an article URL: the capture it was first seen in and its extracted fields."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    number: Mapped[int] = mapped_column(Integer)  # 1 = the first archived version of the URL
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    timestamp: Mapped[str] = mapped_column(String(14))
    title: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(32), default="")
    origin: Mapped[str] = mapped_column(String(200), default="")
    editor: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    hashes: Mapped[str] = mapped_column(Text, default="")  # "field:sha1 ..." of the compared (cleaned) fields


CHANGE_KINDS = ("edited", "taken_down", "moved", "restored", "unlisted")  # ChangeEvent.kind's values


class ChangeEvent(Base):
    """An article changed between two captures: edited, taken_down, moved, restored or unlisted."""

    __tablename__ = "change_events"
    __table_args__ = (UniqueConstraint("url", "after_record", "kind", name="uq_change_events_url_after_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    how: Mapped[str] = mapped_column(String(32), default="")  # a takedown's form: http_404, soft_404, ...
    before_record: Mapped[str] = mapped_column(String(64))  # WARC record ids of the captures compared
    after_record: Mapped[str] = mapped_column(String(64))
    detected: Mapped[str] = mapped_column(String(14), index=True)  # the after capture's CDX timestamp
    summary: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[str] = mapped_column(Text, default="{}")  # JSON: field -> {"before", "after", "diff"}


class VersionScan(Base):
    """Where the versions pass stands for one URL (its last capture read, and its state as JSON)."""

    __tablename__ = "version_scans"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    position: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(Text, default="{}")


class VersionPass(Base):
    """One run of the versions pass: it read every capture up to ``upto_capture`` (a captures.id)."""

    __tablename__ = "version_passes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upto_capture: Mapped[int] = mapped_column(Integer)
    captures: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)
