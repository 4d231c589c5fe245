"""Catalog: Alembic migrations from the first revision, idempotent inserts, runs, timezones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Article, Capture
from archive.errors import CatalogError
from tests.helpers import exchange, pinned_writer
from tests.services import postgres_url  # noqa: F401 - fixture


def test_migrates_upward_from_first_revision(tmp_path: Path) -> None:
    url = catalog_url_for(tmp_path)
    catalog = Catalog(url, migrate=False)
    catalog.upgrade("0001")
    tables = set(inspect(catalog.engine).get_table_names())
    assert {"captures", "articles", "sources", "crawl_runs"} <= tables
    assert "fingerprints" not in tables
    catalog.upgrade("head")
    assert {"fingerprints", "dedupe_pairs", "clusters", "cluster_members", "passage_samples"} <= set(
        inspect(catalog.engine).get_table_names())
    Catalog(url)  # migrating again is a no-op


def test_captures_and_articles_are_idempotent(tmp_path: Path) -> None:
    catalog = Catalog(catalog_url_for(tmp_path))
    writer = pinned_writer(tmp_path / "warcs")
    ref = writer.write_exchange(exchange("http://www.tibet.cn/cn/a.html", b"<html>x</html>"))
    writer.close()
    catalog.add_captures([ref], source_id="tibet_cn")
    catalog.add_captures([ref], source_id="tibet_cn")
    published = datetime(2025, 2, 17, 8, 44, tzinfo=UTC)
    row = {"record_id": ref.record_id, "url": ref.url, "source_id": "tibet_cn", "section": "cn", "title": "t",
           "published": published, "origin": "西藏日报", "editor": "", "author": "", "text": "正文",
           "captured_at": published}
    catalog.add_articles([row])
    catalog.add_articles([row])
    assert catalog.count(Capture) == 1 and catalog.count(Article) == 1
    (capture,) = catalog.captures()
    assert (capture.urlkey, capture.offset, capture.length, capture.filename) == (
        ref.urlkey, ref.offset, ref.length, ref.filename)
    (article,) = catalog.articles()
    assert article.published == published and article.published.tzinfo is not None


def test_article_needs_its_capture(tmp_path: Path) -> None:
    catalog = Catalog(catalog_url_for(tmp_path))
    now = datetime.now(UTC)
    with pytest.raises(CatalogError, match="articles"):
        catalog.add_articles([{"record_id": "<urn:uuid:missing>", "url": "u", "source_id": "s", "section": "",
                               "title": "", "published": None, "origin": "", "editor": "", "author": "",
                               "text": "", "captured_at": now}])


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    catalog = Catalog(catalog_url_for(tmp_path))
    run = catalog.start_run("tibet_cn", ["tibet_cn"])
    catalog.finish_run(run, "finished", pages=3)
    from archive.catalog.models import CrawlRun

    with pytest.raises(Exception, match="naive datetime"):
        with catalog.session() as session, session.begin():
            session.add(CrawlRun(spider="x", sources="", started_at=datetime(2025, 1, 1), status="running",
                                 pages=0, articles=0, errors=0, warc_files=""))


def test_bad_url_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="cannot open catalog"):
        Catalog("nosuchdb://x")


def test_urlkey_migration_rewrites_stored_keys_as_pywb_computes_them(tmp_path: Path) -> None:
    from sqlalchemy import insert, select

    from archive.surt import surt

    catalog = Catalog(catalog_url_for(tmp_path), migrate=False)
    catalog.upgrade("0003")  # a catalog written before the keys were pywb's
    old = {"http://www.tibet.cn/cn/aid_tibet/rw/": "cn,tibet)/cn/aid_tibet/rw/",
           "http://tibet.cn/a?c+d=1&b=%2F": "cn,tibet)/a?b=%2f&c+d=1",
           "http://www.tibet.cn/cn/a.html": "cn,tibet)/cn/a.html"}
    with catalog.session() as session:
        for n, (url, key) in enumerate(old.items()):
            session.execute(insert(Capture).values(
                record_id=f"<urn:uuid:{n}>", record_type="response", url=url, urlkey=key, timestamp="20250217000000",
                status=200, mime="text/html", digest="sha1:X", filename="f.warc.gz", offset=0, length=1))
        session.commit()
    catalog.upgrade("head")
    with catalog.session() as session:
        keys = dict(session.execute(select(Capture.url, Capture.urlkey)).all())
    assert keys == {url: surt(url) for url in old}
    assert keys["http://www.tibet.cn/cn/aid_tibet/rw/"] == "cn,tibet)/cn/aid_tibet/rw"


def _site_links_come_with_the_clusters(data: Path, url: str) -> None:
    """replace_clusters stores the members' per-site counts; migration 0009 fills them for clusters stored
    before it; recount_site_links counts them again; no clusters, no counts."""
    from alembic import command

    from archive.catalog.store import migrations_config
    from tests.builders import sample_catalog

    catalog = sample_catalog(data, url)
    stored = catalog.site_counts().members
    assert stored and any(flagged for (_, _, _, flagged) in stored) and any(c for (_, _, c, _) in stored)
    config = migrations_config()
    with catalog.engine.begin() as connection:  # the catalog as 0008 left it: clusters, no counts
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
        assert not inspect(connection).has_table("site_links")
    catalog.upgrade("head")
    assert catalog.site_counts().members == stored
    catalog.recount_site_links()
    assert catalog.site_counts().members == stored
    catalog.replace_clusters([])
    assert catalog.site_counts().members == {}
    catalog.close()


def test_site_links_come_with_the_clusters_on_sqlite(tmp_path: Path) -> None:
    _site_links_come_with_the_clusters(tmp_path, catalog_url_for(tmp_path))


def test_site_links_come_with_the_clusters_on_postgresql(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    _site_links_come_with_the_clusters(tmp_path, postgres_url)
