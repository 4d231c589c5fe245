"""The near-duplicate pass's tables: fingerprints, passage samples and verified pairs.

:class:`DedupeTables` is mixed into :class:`archive.catalog.Catalog`. The candidate searches are
here, beside the schema they index, so the dedupe package states its rules (how many bands, how
far apart, how many shared samples) and never names a table. Clusters are written by
``Catalog.replace_clusters`` (with their :func:`site_links_select` counts) and forgotten by
``Catalog.forget_dedupe``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Select, and_, func, literal, or_, select, text
from sqlalchemy.orm import Session, aliased

from archive.catalog.driver import raw_cursor
from archive.catalog.models import Article, Cluster, ClusterMember, DedupePair, Fingerprint, PassageSample

BATCH = 500  # ids per IN (...) list
INSERT_BATCH = 5_000
STORED_BANDS = 4  # fingerprints.band0..band3: a simhash in four 16-bit bands (the band index of k = 3)
PAIRS_PER_SLICE = 10_000_000  # sample pairs counted at a time in numpy (memory stays bounded)


@dataclass(frozen=True)
class SampleRule:
    """Which shared passage samples count: samples held by at most ``max_docs`` articles, and pairs
    sharing at least ``min_shared`` of them and ``min_ratio`` of the smaller article's samples."""

    max_docs: int
    min_shared: int
    min_ratio: float


def site_links_select() -> Select[str, str, bool, bool, int]:
    """The ``site_links`` rows of the clusters stored now: members per (original's site, member's site,
    member is the original, member flagged spam)."""
    canonical = aliased(Article)
    is_canonical = ClusterMember.article_id == Cluster.canonical_id
    flagged = func.coalesce(Fingerprint.flags.like("%spam%"), False)
    return (select(canonical.source_id, Article.source_id, is_canonical, flagged, func.count())
            .select_from(ClusterMember)
            .join(Cluster, Cluster.id == ClusterMember.cluster_id)
            .join(Article, Article.id == ClusterMember.article_id)
            .join(canonical, canonical.id == Cluster.canonical_id)
            .join(Fingerprint, and_(Fingerprint.article_id == Article.id), isouter=True)
            .group_by(canonical.source_id, Article.source_id, is_canonical, flagged))


SampleRow = tuple[int, int, int, int, int]  # article a, article b, shared samples, samples of a, samples of b


class ArticleRow(NamedTuple):
    """What the pass reads of an article: plain columns, not ORM objects (a million of those cost minutes)."""

    id: int
    text: str
    url: str
    source_id: str
    origin: str
    published: datetime | None
    captured_at: datetime | None


class FingerprintRow(NamedTuple):
    simhash: str
    chars: int
    shingles: int
    flags: str


_ARTICLE_COLUMNS = (Article.id, Article.text, Article.url, Article.source_id, Article.origin, Article.published,
                    Article.captured_at)
_WITHOUT_TEXT = (Article.id, literal(""), Article.url, Article.source_id, Article.origin, Article.published,
                 Article.captured_at)


class DedupeTables:
    """Reads and writes of the dedupe tables; the class they are mixed into provides the rest."""

    def session(self) -> Session:
        raise NotImplementedError

    def insert_ignore(self, table: Any, rows: Sequence[dict[str, Any]], *keys: str) -> None:
        raise NotImplementedError

    def insert_all(self, batches: Sequence[tuple[Any, Sequence[dict[str, Any]], Sequence[str]]],
                   new: bool = False) -> None:
        raise NotImplementedError

    # -- articles and fingerprints --------------------------------------
    def unfingerprinted_ids(self) -> list[int]:
        """Ids of the articles the pass has not seen (no fingerprint row), in id order."""
        with self.session() as session:
            seen = select(Fingerprint.article_id).where(Fingerprint.article_id == Article.id).exists()
            return list(session.scalars(select(Article.id).where(~seen).order_by(Article.id)))

    def articles_by_id(self, ids: Sequence[int]) -> Iterator[ArticleRow]:
        wanted = sorted(set(ids))
        with self.session() as session:
            for start in range(0, len(wanted), BATCH):
                rows = session.execute(select(*_ARTICLE_COLUMNS).where(Article.id.in_(wanted[start:start + BATCH])))
                yield from (ArticleRow(*row) for row in rows)

    def fingerprinted(self, ids: Sequence[int]) -> Iterator[tuple[FingerprintRow, ArticleRow]]:
        """Each of these articles (its text left out) with its fingerprint (articles without one are left out)."""
        wanted = sorted(set(ids))
        with self.session() as session:
            for start in range(0, len(wanted), BATCH):
                rows = session.execute(
                    select(Fingerprint.simhash, Fingerprint.chars, Fingerprint.shingles, Fingerprint.flags,
                           *_WITHOUT_TEXT)
                    .join(Article, Article.id == Fingerprint.article_id)
                    .where(Fingerprint.article_id.in_(wanted[start:start + BATCH])))
                yield from ((FingerprintRow(*row[:4]), ArticleRow(*row[4:])) for row in rows)

    def add_fingerprints(self, rows: Sequence[dict[str, Any]], samples: Sequence[dict[str, Any]]) -> None:
        """Fingerprint rows (``band0``..``band3``, ``samples`` = how many) of articles that had none, and
        their passage samples, in one transaction: an article is fingerprinted with all its samples or not
        at all (a pass killed between the two would have left it with none, never to be redone)."""
        self.insert_all([(Fingerprint.__table__, rows, ("article_id",)),
                         (PassageSample.__table__, samples, ("sample", "article_id"))], new=True)

    # -- pairs ----------------------------------------------------------
    def add_dedupe_pairs(self, rows: Sequence[dict[str, Any]]) -> None:
        self.insert_ignore(DedupePair.__table__, rows, "a", "b")

    def dedupe_pairs(self) -> list[DedupePair]:
        with self.session() as session:
            return list(session.scalars(select(DedupePair)))

    # -- candidates -----------------------------------------------------
    def band_neighbours(self, key: int, bands: Sequence[int]) -> list[tuple[int, str]]:
        """(article id, simhash hex) of every other article sharing one of the four bands (indexed)."""
        with self.session() as session:
            rows = session.execute(select(Fingerprint.article_id, Fingerprint.simhash).where(
                Fingerprint.article_id != key,
                or_(Fingerprint.band0 == bands[0], Fingerprint.band1 == bands[1],
                    Fingerprint.band2 == bands[2], Fingerprint.band3 == bands[3])))
            return [(r[0], r[1]) for r in rows]

    def sample_neighbours(self, key: int, samples: Sequence[int], rule: SampleRule) -> list[tuple[int, int, int]]:
        """(article id, shared samples, its sample count) of every other article sharing a rare sample."""
        with self.session() as session:
            rare = (select(PassageSample.sample).where(PassageSample.sample.in_(samples))
                    .group_by(PassageSample.sample).having(func.count() <= rule.max_docs))
            rows = session.execute(
                select(PassageSample.article_id, func.count(), func.min(Fingerprint.samples))
                .join(Fingerprint, Fingerprint.article_id == PassageSample.article_id)
                .where(PassageSample.sample.in_(rare), PassageSample.article_id != key)
                .group_by(PassageSample.article_id))
            return [(r[0], r[1], r[2]) for r in rows]

    def bulk_neighbours(self, keys: Sequence[int], max_distance: int,
                        rule: SampleRule) -> tuple[set[tuple[int, int]], list[SampleRow]]:
        """For many new articles at once: pairs sharing a band within ``max_distance`` bits (one
        self-join per band, the Hamming filter in SQL), and sample rows the rule keeps (one join on SQLite;
        on PostgreSQL counted in numpy, each pair once)."""
        pairs: set[tuple[int, int]] = set()
        with self.session() as session, session.begin():
            connection = session.connection()
            dialect = connection.dialect.name
            _new_id_table(connection, keys)
            if dialect == "postgresql":
                # Statistics of the rows just written (autovacuum may not have come by yet): the joins'
                # plans depend on them, and a sampled ANALYZE costs about a second.
                connection.execute(text("ANALYZE fingerprints"))
                connection.execute(text("ANALYZE passage_samples"))
            distance = _hamming_sql(dialect, "n.simhash", "f.simhash")
            for band in range(STORED_BANDS):
                rows = connection.execute(text(
                    f"SELECT n.article_id, f.article_id FROM dedupe_new d "
                    f"JOIN fingerprints n ON n.article_id = d.article_id "
                    f"JOIN fingerprints f ON f.band{band} = n.band{band} AND f.article_id <> n.article_id "
                    f"WHERE n.band{band} >= 0 AND {distance} <= :limit"), {"limit": max_distance})
                pairs.update((min(a, b), max(a, b)) for a, b in rows)
            if dialect == "postgresql":
                samples = _shared_samples_postgres(connection, keys, rule)
            else:
                shared = connection.execute(text(
                    "SELECT a.article_id, o.article_id, count(*), min(fa.samples), min(fo.samples) FROM dedupe_new d "
                    "JOIN passage_samples a ON a.article_id = d.article_id "
                    "JOIN passage_samples o ON o.sample = a.sample AND o.article_id <> a.article_id "
                    "JOIN fingerprints fa ON fa.article_id = a.article_id "
                    "JOIN fingerprints fo ON fo.article_id = o.article_id "
                    "WHERE a.sample IN (SELECT sample FROM passage_samples GROUP BY sample "
                    "HAVING count(*) BETWEEN 2 AND :most) GROUP BY a.article_id, o.article_id "
                    # the rule first in SQL, so few rows come back (the caller applies it exactly)
                    f"HAVING count(*) >= :shared AND count(*) >= :ratio * "
                    f"{_least_sql(dialect, 'min(fa.samples)', 'min(fo.samples)')}"),
                    {"most": rule.max_docs, "shared": rule.min_shared, "ratio": rule.min_ratio})
                samples = [(r[0], r[1], r[2], r[3], r[4]) for r in shared]
            connection.execute(text("DROP TABLE dedupe_new"))
        return pairs, samples


def _hamming_sql(dialect: str, a: str, b: str) -> str:
    if dialect == "postgresql":
        return f"bit_count(CAST('x' || {a} AS bit(64)) # CAST('x' || {b} AS bit(64)))"
    return f"aidnews_hamming({a}, {b})"  # registered on every SQLite connection (archive.catalog.store)


def _least_sql(dialect: str, a: str, b: str) -> str:
    return f"least({a}, {b})" if dialect == "postgresql" else f"min({a}, {b})"  # SQLite's two-argument min


def _shared_samples_postgres(connection: Connection, keys: Sequence[int], rule: SampleRule) -> list[SampleRow]:
    """The sample rows of :meth:`DedupeTables.bulk_neighbours`, counted in numpy from the holders of rare samples.

    The self-join in SQL spent most of its time aggregating millions of (article, article) rows, nearly all
    sharing one sample, and PostgreSQL's estimates for it were off by orders of magnitude (hash aggregates
    spilling in a thousand batches); the holders of the rare samples are a tenth of the table and come
    back in one COPY. Each pair with a new article appears once (the SQL gave pairs of two new articles in
    both orders); the caller keeps the same set of pairs.
    """
    holders = _copy_out_int_pairs(connection, (
        "SELECT p.sample, CAST(p.article_id AS BIGINT) FROM passage_samples p JOIN (SELECT sample FROM passage_samples "
        f"GROUP BY sample HAVING count(*) BETWEEN 2 AND {int(rule.max_docs)}) r ON r.sample = p.sample "
        "ORDER BY p.sample, p.article_id"))
    if not len(holders):
        return []
    samples, ids = holders[:, 0], holders[:, 1]
    starts = np.flatnonzero(np.concatenate(([True], samples[1:] != samples[:-1])))
    sizes = np.diff(np.append(starts, len(samples)))
    new = np.isin(ids, np.asarray(keys, dtype=np.int64))
    slices = int((sizes * (sizes - 1) // 2).sum()) // PAIRS_PER_SLICE + 1
    found: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
    for part in range(slices):
        codes = []
        for size in np.unique(sizes).tolist():
            i, j = np.triu_indices(size, 1)
            of_size = starts[sizes == size]
            step = max(1, PAIRS_PER_SLICE // len(i))  # samples at a time, so the pairs built stay bounded too
            for lo in range(0, len(of_size), step):
                at = of_size[lo:lo + step, None] + np.arange(size)[None, :]  # one row per sample: its holders
                first, second = at[:, i].ravel(), at[:, j].ravel()  # holders come sorted: ids[first] < ids[second]
                a = ids[first]
                keep = (a % slices == part) & (new[first] | new[second])
                # article ids are 32-bit (articles.id is INTEGER), so a pair fits one int64
                codes.append((a[keep] << np.int64(32)) | ids[second[keep]])
        pair_codes, counts = np.unique(np.concatenate(codes), return_counts=True)
        enough = counts >= rule.min_shared
        found.append((pair_codes[enough], counts[enough]))
    pair_codes = np.concatenate([c for c, _ in found])
    counts = np.concatenate([n for _, n in found])
    a, b = pair_codes >> np.int64(32), pair_codes & np.int64(0xFFFFFFFF)
    involved = np.unique(np.concatenate((a, b)))
    if not len(involved):
        return []
    rows = connection.execute(text("SELECT article_id, samples FROM fingerprints WHERE article_id = ANY(:ids)"),
                              {"ids": involved.tolist()}).all()
    held = np.array(sorted(rows), dtype=np.int64).reshape(-1, 2)
    # Pairs of an article without a fingerprint row are left out, as the join in SQL did.
    at_a, at_b = np.searchsorted(held[:, 0], a), np.searchsorted(held[:, 0], b)
    at_a, at_b = np.minimum(at_a, len(held) - 1), np.minimum(at_b, len(held) - 1)
    known = (held[at_a, 0] == a) & (held[at_b, 0] == b)
    of_a, of_b = held[at_a, 1], held[at_b, 1]
    # the rule first here, so few rows go on (the caller applies it exactly)
    keep = known & (counts >= rule.min_ratio * np.minimum(of_a, of_b))
    return list(zip(a[keep].tolist(), b[keep].tolist(), counts[keep].tolist(), of_a[keep].tolist(),
                    of_b[keep].tolist(), strict=True))


def _copy_out_int_pairs(connection: Connection, query: str) -> npt.NDArray[np.int64]:
    """Rows of two NOT NULL bigint columns as an (n, 2) array, by binary COPY: millions of
    rows as Python tuples would cost seconds and hundreds of MiB."""
    with raw_cursor(connection) as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
        data = b"".join(bytes(block) for block in copy)
    # 19-byte header (signature, flags, no extension), a 2-byte trailer; per row: field count, then each
    # field's length and big-endian value.
    row = np.dtype([("fields", ">i2"), ("len0", ">i4"), ("v0", ">i8"), ("len1", ">i4"), ("v1", ">i8")])
    body = np.frombuffer(data, dtype=row, offset=19, count=(len(data) - 21) // row.itemsize)
    out = np.empty((len(body), 2), dtype=np.int64)
    out[:, 0], out[:, 1] = body["v0"], body["v1"]
    return out


def _new_id_table(connection: Connection, keys: Sequence[int]) -> None:
    connection.execute(text("DROP TABLE IF EXISTS dedupe_new"))
    connection.execute(text("CREATE TEMPORARY TABLE dedupe_new (article_id BIGINT PRIMARY KEY)"))
    if connection.dialect.name == "postgresql":
        # COPY: one round trip for every id, not an INSERT per row
        with raw_cursor(connection) as cursor, cursor.copy("COPY dedupe_new (article_id) FROM STDIN") as copy:
            for key in keys:
                copy.write_row((key,))
        connection.execute(text("ANALYZE dedupe_new"))
        return
    for start in range(0, len(keys), INSERT_BATCH):
        connection.execute(text("INSERT INTO dedupe_new (article_id) VALUES (:k)"),
                           [{"k": k} for k in keys[start:start + INSERT_BATCH]])
