"""A locked or briefly unavailable catalog: writes retry with backoff; a long outage stops the crawl
cleanly, and nothing archived is lost (`aidnews index` fills the catalog from the WARC files)."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError

from archive.catalog import Catalog, store
from archive.catalog.models import Capture
from archive.errors import CatalogError
from archive.warc_reader import iter_records
from archive.warc_writer import WarcConfig, WarcFileWriter
from tests.conftest import BIN, run_cli
from tests.helpers import exchange
from tests.services import PG_ADMIN, _admin, postgres_url  # noqa: F401 - fixture


def _refs(tmp_path: Path, n: int) -> list:  # type: ignore[type-arg]
    writer = WarcFileWriter(WarcConfig(tmp_path / "warcs"))  # fresh record ids each call
    refs = [writer.write_exchange(exchange(f"http://www.tibet.cn/{i}.html", b"x")) for i in range(n)]
    writer.close()
    return refs


def _hold_lock(path: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def test_only_lock_and_connection_failures_are_retried() -> None:
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    missing = OperationalError("INSERT", {}, sqlite3.OperationalError("no such table: captures"))
    assert store.transient(locked) and not store.transient(missing)
    assert not store.transient(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE")))


def test_a_briefly_locked_sqlite_catalog_is_waited_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(store, "SQLITE_BUSY_MS", 100)  # SQLite's own wait, short: our retries do the rest
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}", retries=6, backoff=0.2)
    refs = _refs(tmp_path, 3)
    holder = _hold_lock(tmp_path / "catalog.sqlite", 1.0)
    with caplog.at_level(logging.WARNING, logger="archive.catalog.store"):
        catalog.add_captures(refs)
    holder.join()
    assert catalog.count(Capture) == 3
    assert "retry 1 of 6" in caplog.text and "locked" in caplog.text


def test_a_lock_that_outlasts_the_retries_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SQLITE_BUSY_MS", 50)
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}", retries=2, backoff=0.05)
    holder = _hold_lock(tmp_path / "catalog.sqlite", 2.0)
    with pytest.raises(CatalogError, match="cannot write 2 row"):
        catalog.add_captures(_refs(tmp_path, 2))
    holder.join()
    catalog.add_captures(_refs(tmp_path / "again", 2))  # and works again once the lock is gone
    assert catalog.count(Capture) == 2


def test_a_migration_waits_for_a_locked_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SQLITE_BUSY_MS", 100)
    holder = _hold_lock(tmp_path / "catalog.sqlite", 1.0)  # held while the schema is created
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}", retries=6, backoff=0.2)
    holder.join()
    catalog.add_captures(_refs(tmp_path, 1))
    assert catalog.count(Capture) == 1


def _terminate_backends(database: str) -> None:
    _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()")


def test_postgresql_connections_dropped_by_the_server_are_replaced(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    catalog = Catalog(postgres_url, retries=3, backoff=0.1)
    catalog.add_captures(_refs(tmp_path / "a", 2))
    _terminate_backends(postgres_url.rsplit("/", 1)[1])  # what a server restart does to the pool
    catalog.add_captures(_refs(tmp_path / "b", 2))
    assert catalog.count(Capture) == 4


def test_a_crawl_survives_postgresql_dropping_its_connections(sample_web, tmp_path: Path, postgres_url: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    data = tmp_path / "data"
    database = postgres_url.rsplit("/", 1)[1]
    crawl = subprocess.Popen(
        [str(BIN / "aidnews"), "crawl", "--data", str(data), "--catalog", postgres_url, "--sample-web", sample_web.url,
         "-s", "PROGRESS_ENABLED=0", "-s", "CATALOG_BATCH_SIZE=5", "-s", "CATALOG_RETRY_BACKOFF=0.2"],
        stdout=(tmp_path / "out").open("w"), stderr=(tmp_path / "err").open("w"), text=True)  # files: logs are long
    drops = 0
    while crawl.poll() is None and not list(data.glob("warcs/*")):
        time.sleep(0.02)  # from the first record on: the migration's retry has its own test below
    while crawl.poll() is None:
        time.sleep(0.25)
        _terminate_backends(database)
        drops += 1
    out, err = (tmp_path / "out").read_text(), (tmp_path / "err").read_text()
    assert crawl.returncode == 0, err[-3000:]
    assert drops >= 3
    records = [r for path in sorted((data / "warcs").glob("*.warc.gz")) for r in iter_records(path)]
    catalog = Catalog(postgres_url)
    assert {c.record_id for c in catalog.captures()} == {r.record_id for r in records}  # none lost
    scraped = int(out.split(" pages, ")[1].split(" articles")[0])
    assert len(catalog.articles()) == scraped
    print(f"\npostgresql: {drops} times every connection dropped during the crawl; {len(records)} records, "
          f"{scraped} articles, none lost")


def test_a_catalog_unreachable_at_the_start_stops_the_crawl_with_an_error(sample_web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Nothing listens on port 9 (discard) on loopback: every connection is refused.
    crawl = run_cli("crawl", "--data", str(tmp_path / "data"), "--catalog", "postgresql+psycopg://postgres@127.0.0.1:9/x",
                    "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0", "-s", "CATALOG_RETRIES=1",
                    "-s", "CATALOG_RETRY_BACKOFF=0.05")
    assert crawl.returncode == 1, crawl.stderr[-2000:]
    assert "catalog unavailable when the crawl started" in crawl.stderr
    assert "stopped early" in crawl.stderr and "catalog_error" in crawl.stderr


def test_a_long_sqlite_lock_stops_the_crawl_cleanly_and_index_recovers(sample_web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    crawl = subprocess.Popen(
        [str(BIN / "aidnews"), "crawl", "--data", str(data), "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0",
         "-s", "CATALOG_RETRIES=1", "-s", "CATALOG_RETRY_BACKOFF=0.1", "-s", "CONCURRENT_REQUESTS=2"],
        stdout=(tmp_path / "out").open("w"), stderr=(tmp_path / "err").open("w"), text=True)
    deadline = time.monotonic() + 60
    while not list((data / "warcs").glob("*.open")) and time.monotonic() < deadline:
        time.sleep(0.05)
    holder = _hold_lock(data / "catalog.sqlite", 14.0)  # longer than 2 tries of SQLite's 5 s wait
    crawl.wait(timeout=300)
    err = (tmp_path / "err").read_text()
    holder.join()
    assert crawl.returncode == 1, err[-3000:]  # EXIT_FAILED
    assert "catalog_error" in err and "catalog write failed after retries" in err
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        assert subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True).returncode == 0
    run_cli("index", "--data", str(data), check=True)
    records = {r.record_id for path in sorted((data / "warcs").glob("*.warc.gz")) for r in iter_records(path)}
    assert {c.record_id for c in Catalog(f"sqlite:///{data / 'catalog.sqlite'}").captures()} == records



def test_a_connection_lost_during_copy_is_retried(postgres_url: str) -> None:  # noqa: F811 - fixture
    """COPY runs on psycopg's own cursor, so a server that drops it mid-COPY raises psycopg's error unwrapped:
    it still counts as transient, the transaction is redone, and every row arrives once."""
    from archive.catalog.models import Source

    catalog = Catalog(postgres_url, retries=4, backoff=0.2)
    name = postgres_url.rsplit("/", 1)[1]
    rows = [{"id": f"site-{i:06d}", "name": "援藏" * 40, "kind": "mirror", "hosts": f"s{i}.example"}
            for i in range(300_000)]
    terminated = threading.Event()

    def terminate_the_copy() -> None:
        deadline = time.monotonic() + 60
        while not terminated.is_set() and time.monotonic() < deadline:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND query LIKE 'COPY%%' AND state = 'active'", (name,)).fetchall()
            if killed:
                terminated.set()
            time.sleep(0.01)

    killer = threading.Thread(target=terminate_the_copy)
    killer.start()
    catalog.insert_all([(Source.__table__, rows, ("id",))], new=True)
    killer.join()
    assert terminated.is_set(), "the COPY ended before it could be interrupted"
    with catalog.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*), count(DISTINCT id) FROM sources").one() == (300_000, 300_000)
    catalog.close()


def test_a_lost_connection_raised_by_the_driver_itself_is_transient(postgres_url: str) -> None:  # noqa: F811 - fixture
    """What psycopg raises on its own cursor (COPY) arrives unwrapped: a lost connection is still transient."""
    import psycopg

    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        pid = connection.info.backend_pid
        _admin(f"SELECT pg_terminate_backend({pid})")
        with pytest.raises(psycopg.OperationalError) as lost:
            connection.execute("SELECT 1")
    assert store.transient(lost.value)
    assert not store.transient(psycopg.errors.UndefinedTable("relation does not exist"))


@contextlib.contextmanager
def _connection_dropped_before(catalog: Catalog, marker: str) -> Iterator[list[str]]:
    """The server ends the connection of the first statement that contains ``marker``, just before it runs:
    what a PostgreSQL restart does to a read in flight. Yields the statements it was done to."""
    dropped: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if marker in statement and not dropped:
            dropped.append(statement)
            _admin(f"SELECT pg_terminate_backend({conn.connection.dbapi_connection.info.backend_pid})")

    event.listen(catalog.engine, "before_cursor_execute", before)
    try:
        yield dropped
    finally:
        event.remove(catalog.engine, "before_cursor_execute", before)


@pytest.mark.parametrize("marker", ["FROM version_scans", "FROM crawl_runs"])
def test_the_crawl_end_reads_survive_a_dropped_connection(tmp_path: Path, postgres_url: str,  # noqa: F811
                                                           marker: str) -> None:
    # At spider close the pipeline reads as well as writes: the versions pass and the recent runs that
    # decide health. Those reads retry as writes do, so a crawl whose records are stored ends "finished".
    from tests.test_crawler_pipelines import one_article_pipeline

    spider, crawler, pipeline, _ = one_article_pipeline(tmp_path, postgres_url, backoff=0.1)
    assert pipeline.catalog is not None
    with _connection_dropped_before(pipeline.catalog, marker) as dropped:
        pipeline.spider_closed(spider, "finished")
    assert dropped, f"no statement with {marker!r} ran"
    assert crawler.stats is not None and crawler.stats.get_value("finish_reason") != "catalog_error"
    assert crawler.stats.get_value("versions/captures_read") == 1  # the pass ran to its end
    catalog = Catalog(postgres_url)
    [run] = catalog.runs()
    assert (run.status, run.articles) == ("finished", 1)
    assert catalog.version_watermark() > 0
    catalog.close()
