"""The search index kept by a real crawl, and rebuilt by ``aidnews search-index`` and ``aidnews index``,
on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Article
from sampleweb.process import SampleWebProcess
from tests.conftest import run_cli
from tests.services import postgres_url  # noqa: F401  (a fixture)
from tests.test_dedupe_search import all_hits, han_words, oracle

QUIET = ["-s", "PROGRESS_ENABLED=0", "-s", "LOG_LEVEL=WARNING"]


@pytest.fixture(params=["sqlite", "postgresql"])
def crawl(request: pytest.FixtureRequest, sample_web: SampleWebProcess, tmp_path: Path) -> tuple[Path, str]:
    """A real crawl of the sample web (data folder, catalog URL): the pipeline indexes as it writes."""
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgresql" else catalog_url_for(tmp_path)
    run_cli("crawl", "--data", str(tmp_path), "--catalog", url, "--sample-web", sample_web.url, *QUIET, check=True)
    return tmp_path, url


def test_crawl_indexes_incrementally_and_rebuilds_give_the_same(crawl: tuple[Path, str]) -> None:
    data, url = crawl
    catalog = Catalog(url)
    articles = catalog.count(Article)
    assert articles > 50 and catalog.search_doc_count() == articles  # indexed by the crawl itself
    words = han_words(catalog, 2, 40) + han_words(catalog, 4, 10) + ["對口支援", '"援藏 30"']
    crawled = {}
    for word in words:
        crawled[word] = all_hits(catalog, word, limit=25)
        assert {h.article_id for h in crawled[word]} == oracle(catalog, word), word  # full recall, exact

    rebuilt = run_cli("search-index", "--data", str(data), "--catalog", url, "--rebuild", check=True)
    assert f"{articles} article(s) reindexed, {articles} in the index" in rebuilt.stdout
    assert "search-index:" in rebuilt.stderr  # progress
    assert {w: all_hits(catalog, w, limit=25) for w in words} == crawled
    again = run_cli("search-index", "--data", str(data), "--catalog", url, check=True)
    assert f"0 article(s) added, {articles} in the index" in again.stdout

    catalog.clear_search_index()
    assert all_hits(catalog, "援藏") == []
    indexed = run_cli("index", "--data", str(data), "--catalog", url, check=True)
    assert f"{articles} articles in the search index" in indexed.stdout
    assert {w: all_hits(catalog, w, limit=25) for w in words} == crawled
    catalog.close()


def test_search_index_without_a_data_folder_is_a_user_error(tmp_path: Path) -> None:
    result = run_cli("search-index", "--data", str(tmp_path / "missing"))
    assert result.returncode == 2 and "no data folder" in result.stderr and "Traceback" not in result.stderr
