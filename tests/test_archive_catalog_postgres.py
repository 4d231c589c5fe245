"""The catalog on the machine's real PostgreSQL: migrations, idempotent concurrent writes, dedupe."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect

from archive.catalog import Catalog
from archive.catalog.models import Article, Capture
from dedupe.catalog_pass import run_catalog_pass
from tests.helpers import exchange, pinned_writer
from tests.services import postgres_url  # noqa: F401 - fixture

NOW = datetime(2025, 2, 17, 8, 44, tzinfo=UTC)


def test_migrates_upward_from_first_revision(postgres_url: str) -> None:  # noqa: F811
    catalog = Catalog(postgres_url, migrate=False)
    catalog.upgrade("0001")
    assert "fingerprints" not in inspect(catalog.engine).get_table_names()
    catalog.upgrade("head")
    assert {"captures", "articles", "fingerprints", "passage_samples", "clusters"} <= set(
        inspect(catalog.engine).get_table_names())
    assert catalog.dialect == "postgresql"


def _insert(url: str, refs: list, rows: list) -> None:  # type: ignore[type-arg]
    catalog = Catalog(url)
    for _ in range(3):  # every writer repeats itself: inserts must be idempotent
        catalog.add_captures(refs)
        catalog.add_articles(rows)
    catalog.close()


def test_concurrent_writers_never_duplicate(postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    Catalog(postgres_url).close()
    writer = pinned_writer(tmp_path)
    refs = [writer.write_exchange(exchange(f"http://www.tibet.cn/{i}.html", b"x%d" % i)) for i in range(300)]
    writer.close()
    rows = [{"record_id": r.record_id, "url": r.url, "source_id": "tibet_cn", "section": "", "title": "t",
             "published": NOW, "origin": "", "editor": "", "author": "", "text": "正文", "captured_at": NOW} for r in refs]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_insert, args=(postgres_url, refs, rows)) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    catalog = Catalog(postgres_url)
    assert catalog.count(Capture) == 300 and catalog.count(Article) == 300


def test_workers_recording_the_same_sources_at_once_all_succeed(postgres_url: str) -> None:  # noqa: F811
    # Workers of a distributed crawl start together: each records the sources before its first fetch.
    import threading

    from archive.catalog.models import Source

    catalogs = [Catalog(postgres_url) for _ in range(4)]
    barrier = threading.Barrier(len(catalogs))
    failures: list[BaseException] = []

    def record(catalog: Catalog) -> None:
        for round_ in range(15):
            rows = [{"id": f"site{round_}_{i}", "name": f"站{i}", "kind": "site", "hosts": f"h{i}.example"}
                    for i in range(5)]
            barrier.wait()
            try:
                catalog.upsert_sources(rows)
            except Exception as exc:  # collected and asserted below
                failures.append(exc)

    threads = [threading.Thread(target=record, args=(c,)) for c in catalogs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    catalogs[0].upsert_sources([{"id": "site0_0", "name": "新名", "kind": "mirror", "hosts": "h0.example"}])
    with catalogs[0].session() as session:
        assert session.get(Source, "site0_0").name == "新名"  # type: ignore[union-attr]  # an upsert updates
    assert catalogs[0].count(Source) == 75
    for c in catalogs:
        c.close()


def test_dedupe_pass_runs_on_postgres(postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    from tests.builders import sample_catalog

    sqlite = sample_catalog(tmp_path / "sqlite")
    pg = sample_catalog(tmp_path / "pg", postgres_url)
    with sqlite.session() as a, pg.session() as b:
        from sqlalchemy import select

        from archive.catalog.models import Cluster, ClusterMember

        def clusters(session) -> set[frozenset[str]]:  # type: ignore[no-untyped-def]
            url = dict(session.execute(select(Article.id, Article.url)).all())
            groups: dict[int, set[str]] = {}
            for m in session.scalars(select(ClusterMember)):
                groups.setdefault(m.cluster_id, set()).add(url[m.article_id])
            assert len(groups) == len(list(session.scalars(select(Cluster))))
            return {frozenset(g) for g in groups.values()}

        assert clusters(a) == clusters(b) and len(clusters(a)) > 50
    assert run_catalog_pass(pg)["new_articles"] == 0  # incremental: nothing new the second time


def test_new_rows_are_copied_straight_in_and_rows_already_there_are_skipped(postgres_url: str) -> None:  # noqa: F811
    from archive.catalog.models import Source
    from archive.catalog.store import COPY_ROWS

    catalog = Catalog(postgres_url)
    rows = [{"id": f"s{i}", "name": f"site {i}", "kind": "site", "hosts": ""} for i in range(COPY_ROWS)]
    catalog.insert_all([(Source.__table__, rows, ("id",))], new=True)  # COPY straight into the table
    assert len(catalog.sources()) == COPY_ROWS
    more = rows[: COPY_ROWS // 2] + [{"id": f"t{i}", "name": "", "kind": "site", "hosts": ""} for i in range(COPY_ROWS)]
    catalog.insert_all([(Source.__table__, more, ("id",))], new=True)  # half were there: redone, skipping them
    assert len(catalog.sources()) == 2 * COPY_ROWS
