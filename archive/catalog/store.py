"""Open, migrate and write the catalog (SQLite by default, PostgreSQL when shared)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Table, create_engine, delete, event, insert
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from archive.catalog.app_reads import AppReads
from archive.catalog.changes_store import ChangesStore
from archive.catalog.dedupe_tables import DedupeTables, site_links_select
from archive.catalog.driver import conflict_insert, raw_cursor
from archive.catalog.models import (
    Article,
    Capture,
    Cluster,
    ClusterMember,
    CrawlRun,
    DedupePair,
    Fingerprint,
    PassageSample,
    SiteLink,
    Source,
)
from archive.catalog.reads import CatalogReads
from archive.catalog.search_index import SearchIndex, search_changed
from archive.errors import CatalogError
from archive.redact import redact_url
from archive.warc_writer import RecordRef

logger = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")


def migrations_config() -> Config:
    """Alembic's configuration for the catalog's migrations (upgrades, the head revision, tests' downgrades)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
COPY_ROWS = 2_000  # larger PostgreSQL writes go through COPY (several times faster than INSERT batches)
RETRIES = 6  # a busy or briefly unavailable catalog: writes retry with backoff 0.5, 1, 2, 4, 8, 16 s
BACKOFF = 0.5
SQLITE_BUSY_MS = 5_000  # SQLite's own wait for a lock, before each of those retries


def catalog_url_for(data_dir: Path) -> str:
    """The default catalog URL for a data folder: ``sqlite:///DIR/catalog.sqlite``."""
    return f"sqlite:///{(data_dir / 'catalog.sqlite').resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First: switching to WAL needs the lock too, and must wait as long as every other statement.
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    # WAL lets a reader (replay, report) work while a crawl writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # The dedupe pass filters band matches by Hamming distance in SQL (PostgreSQL has bit_count).
    dbapi_connection.create_function("aidnews_hamming", 2, _hamming_hex, deterministic=True)


def _hamming_hex(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def capture_row(ref: RecordRef, source_id: str | None = None, run_id: int | None = None) -> dict[str, Any]:
    """The ``captures`` row of a WARC record."""
    return {
        "record_id": ref.record_id, "record_type": ref.record_type, "url": ref.url, "urlkey": ref.urlkey,
        "timestamp": ref.timestamp, "status": ref.status, "mime": ref.mime[:128], "digest": ref.digest,
        "filename": ref.filename, "offset": ref.offset, "length": ref.length, "source_id": source_id,
        "run_id": run_id,
    }


def _recount_site_links(session: Session) -> None:
    # With the clusters, in their transaction. The fingerprints' spam flags are stored by then: the
    # pass fingerprints before it clusters.
    session.execute(delete(SiteLink))
    session.execute(insert(SiteLink).from_select(
        ["canonical_source", "member_source", "is_canonical", "flagged", "members"], site_links_select()))


def transient(exc: BaseException) -> bool:
    """A failure worth retrying: SQLite locked or busy, PostgreSQL unreachable, restarted or lost."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if _is_driver_operational_error(exc):
        return True  # COPY runs on psycopg's own cursor, so its connection errors arrive unwrapped
    if not isinstance(exc, OperationalError):
        return False
    text = str(getattr(exc, "orig", exc)).lower()
    if "sqlite" in type(getattr(exc, "orig", exc)).__module__:
        return "locked" in text or "busy" in text
    return True  # PostgreSQL's OperationalError is the connection's: refused, closed, admin shutdown


def _is_driver_operational_error(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc, psycopg.OperationalError)


def _is_integrity_error(exc: BaseException | None) -> bool:
    """A duplicate key, from SQLAlchemy or from psycopg itself (COPY runs on the driver's cursor)."""
    if isinstance(exc, IntegrityError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc, psycopg.IntegrityError)


def psycopg_errors() -> type[Exception]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return SQLAlchemyError
    return psycopg.Error


def _copy_ignore(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """PostgreSQL: COPY the rows into a temporary table, then one INSERT ... ON CONFLICT DO NOTHING."""
    names = ", ".join(f'"{c}"' for c in rows[0])
    with raw_cursor(connection) as cursor:
        cursor.execute(f'CREATE TEMPORARY TABLE "_load_{table.name}" ON COMMIT DROP AS '
                       f'SELECT {names} FROM "{table.name}" WITH NO DATA')
        _copy(cursor, f"_load_{table.name}", table, rows, connection)
        conflict = ", ".join(f'"{k}"' for k in keys)
        cursor.execute(f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "_load_{table.name}" '
                       f"ON CONFLICT ({conflict}) DO NOTHING")
        cursor.execute(f'DROP TABLE "_load_{table.name}"')


def _copy_new(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], _keys: Sequence[str]) -> None:
    """PostgreSQL: COPY rows straight into ``table`` (an existing key fails the transaction)."""
    with raw_cursor(connection) as cursor:
        _copy(cursor, table.name, table, rows, connection)


def _copy(cursor: Any, target: str, table: Table, rows: Sequence[dict[str, Any]], connection: Connection) -> None:
    """COPY ``rows`` (dicts with ``table``'s column names) into the table named ``target``."""
    columns = list(rows[0])
    processors = [table.c[c].type.bind_processor(connection.dialect) for c in columns]
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{target}" ({names}) FROM STDIN') as copy:
        if len(columns) > 1 and all(process is None for process in processors):
            # Plain columns (the dedupe pass's millions of passage samples): no per-value call, a tenth of the
            # client's time per row.
            values = itemgetter(*columns)
            for row in rows:
                copy.write_row(values(row))
            return
        for row in rows:
            copy.write_row([value if process is None else process(value)
                            for value, process in zip((row[c] for c in columns), processors, strict=True)])


class Catalog(CatalogReads, AppReads, DedupeTables, ChangesStore, SearchIndex):
    """The catalog database. ``Catalog(url)`` connects and migrates to the latest schema; its reads are in
    :class:`archive.catalog.reads.CatalogReads`, the web app's in :class:`~archive.catalog.app_reads.AppReads`, the
    dedupe tables' in :class:`~archive.catalog.dedupe_tables.DedupeTables`, versions and change events in
    :class:`~archive.catalog.changes_store.ChangesStore`, the search index's in
    :class:`~archive.catalog.search_index.SearchIndex`."""

    def __init__(self, url: str, migrate: bool = True, retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        self.url = url
        self.retries = retries
        self.backoff = backoff
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        try:
            # pre-ping: a pooled connection the server dropped (a restart) is replaced, not used
            self.engine: Engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise CatalogError(redact_url(f"cannot open catalog {url!r}: {exc}")) from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.upgrade()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision``."""
        config = migrations_config()

        def migrate() -> None:  # one transaction: a retry after a dropped connection starts clean
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)

        try:
            self.retrying("migrate", migrate)
        except SQLAlchemyError as exc:
            raise CatalogError(redact_url(f"cannot migrate catalog {self.url!r}: {exc}")) from exc

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self.sessions()

    # -- writes ---------------------------------------------------------
    def retrying(self, what: str, write: Callable[[], T]) -> T:
        """Run ``write`` (one whole transaction, or work that is safe to repeat); retry it with backoff
        while the failure is transient."""
        delay = self.backoff
        for attempt in range(1, self.retries + 2):
            try:
                return write()
            except (SQLAlchemyError, psycopg_errors()) as exc:
                if attempt > self.retries or not transient(exc):
                    raise
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
                logger.warning("catalog %s failed (%s); retry %d of %d in %.1f s", what, redact_url(reason),
                               attempt, self.retries, delay)
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
        raise AssertionError("unreachable")

    def insert_ignore(self, table: Any, rows: Sequence[dict[str, Any]], *keys: str) -> None:
        """Insert rows in one transaction; a row whose ``keys`` already exist is left as is."""
        self.insert_all([(table, rows, keys)])

    def insert_all(self, batches: Sequence[tuple[Any, Sequence[dict[str, Any]], Sequence[str]]],
                   new: bool = False) -> None:
        """Rows of several tables (``(table, rows, key columns)``) in one transaction; a row whose keys
        exist is left as is. ``new``: the caller knows none exists, so PostgreSQL COPYs them straight in
        (half the work of the conflict check); should one exist after all, the write is redone with it."""
        batches = [(table, rows, keys) for table, rows, keys in batches if rows]
        if not batches:
            return

        def write(direct: bool) -> None:
            with self.engine.begin() as connection:
                for table, rows, keys in batches:
                    if self.dialect == "postgresql" and len(rows) >= COPY_ROWS:
                        (_copy_new if direct else _copy_ignore)(connection, table, rows, keys)
                    else:
                        connection.execute(
                            conflict_insert(self.dialect, table).on_conflict_do_nothing(index_elements=list(keys)),
                            list(rows))

        what = " and ".join(f"write {len(rows)} row(s) to {table.name}" for table, rows, _ in batches)
        if new and self.dialect == "postgresql":
            try:
                self._write(what, lambda: write(True))
                return
            except CatalogError as exc:
                if not _is_integrity_error(exc.__context__):
                    raise
                logger.warning("rows thought new were there already (%s); writing them again, skipping those", what)
        self._write(what, lambda: write(False))

    def upsert_sources(self, sources: Iterable[dict[str, str]]) -> None:
        rows = list(sources)
        if not rows:
            return
        # One INSERT ... ON CONFLICT DO UPDATE, not a read then a write: workers of a distributed crawl
        # start together and record the same sources at the same moment.
        statement = conflict_insert(self.dialect, Source.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["id"], set_={c: statement.excluded[c] for c in rows[0] if c != "id"})

        def write() -> None:
            with self.engine.begin() as connection:
                connection.execute(statement, rows)

        self._write("record the sources", write)

    def add_captures(
        self, refs: Iterable[RecordRef], source_id: str | None = None, run_id: int | None = None
    ) -> None:
        """Insert captures; a record already in the catalog is left as is."""
        rows = [capture_row(r, source_id, run_id) for r in refs]
        self.insert_ignore(Capture.__table__, rows, "record_id")

    def add_capture_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.insert_ignore(Capture.__table__, rows, "record_id")

    def add_articles(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert articles keyed by their capture's record id (idempotent)."""
        self.insert_ignore(Article.__table__, rows, "record_id")

    def forget_dedupe(self) -> None:
        """Drop every near-duplicate result (fingerprints, samples, pairs, clusters): the next pass redoes all."""

        def write() -> None:
            with self.session() as session, session.begin():
                search_changed(session.connection())  # the cluster filters' totals
                for model in (SiteLink, ClusterMember, Cluster, DedupePair, PassageSample, Fingerprint):
                    session.execute(delete(model))

        self._write("forget the near-duplicate results", write)

    def replace_clusters(self, clusters: Sequence[tuple[int, Sequence[int]]], batch: int = 5_000) -> None:
        """Replace every cluster with ``(canonical article id, member article ids)``, in one transaction."""

        def write() -> None:
            with self.session() as session, session.begin():
                search_changed(session.connection())  # the cluster filters' totals
                session.execute(delete(ClusterMember))
                session.execute(delete(Cluster))
                if clusters:
                    # One multi-row INSERT ... RETURNING, ids in the order of the clusters (SQLAlchemy 2).
                    ids = session.scalars(
                        insert(Cluster).returning(Cluster.id, sort_by_parameter_order=True),
                        [{"canonical_id": canonical} for canonical, _ in clusters],
                    ).all()
                    members = [{"article_id": m, "cluster_id": cluster_id}
                               for (_, ms), cluster_id in zip(clusters, ids, strict=True) for m in ms]
                    for start in range(0, len(members), batch):
                        session.execute(insert(ClusterMember), members[start:start + batch])
                _recount_site_links(session)

        self._write(f"store {len(clusters)} cluster(s)", write)

    def recount_site_links(self) -> None:
        """Count the stored clusters' members per site again (``site_links``), for clusters written
        without :meth:`replace_clusters` (bench/serve.py builds its catalog with sqlite3)."""

        def write() -> None:
            with self.session() as session, session.begin():
                _recount_site_links(session)

        self._write("count cluster members per site", write)

    def start_run(self, spider: str, sources: Sequence[str], source_id: str | None = None,
                  started: datetime | None = None) -> int:
        def write() -> int:
            with self.session() as session, session.begin():
                run = CrawlRun(
                    spider=spider, sources=",".join(sources), started_at=started or datetime.now(UTC),
                    status="running", pages=0, articles=0, errors=0, warc_files="", source_id=source_id,
                    revisits=0, article_links=0, health="", rechecks_due=0, rechecks_done=0,
                )
                session.add(run)
                session.flush()
                return int(run.id)

        return self._write("start a crawl run", write)

    def finish_run(self, run_id: int, status: str, finished: datetime | None = None, **counts: Any) -> None:
        def write() -> None:
            with self.session() as session, session.begin():
                run = session.get(CrawlRun, run_id)
                if run is None:
                    return
                run.finished_at = finished or datetime.now(UTC)
                run.status = status
                for key, value in counts.items():
                    setattr(run, key, value)

        self._write("finish a crawl run", write)

    def _write(self, what: str, write: Callable[[], T]) -> T:
        """``write`` with retries; a failure past them is a CatalogError saying what could not be done."""
        try:
            return self.retrying(what, write)
        except (SQLAlchemyError, psycopg_errors()) as exc:
            # The driver's own message, not the statement with every bound row.
            reason = getattr(exc, "orig", None) or exc.__class__.__name__
            raise CatalogError(redact_url(f"cannot {what}: {reason}")) from None
