"""crawler.pipelines and crawler.history in-process: a crawl's rows reach the catalog, and what the
catalog holds is what the next crawl knows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse

from archive.catalog import Catalog, catalog_url_for
from archive.warc_writer import RecordRef
from crawler.history import History
from crawler.items import ArticleItem
from crawler.pipelines import CatalogPipeline
from tests.helpers import exchange, pinned_writer
from tests.test_crawler_articles import BIG5_PAGE, TITLE, URL, big5_spider, write_big5_seeds


def one_article_pipeline(tmp_path: Path, catalog_url: str,
                         **options: Any) -> tuple[Spider, Crawler, CatalogPipeline, RecordRef]:
    """The catalog pipeline of a configured spider that archived one article page and scraped its
    item, as a crawl leaves it before the spider closes."""
    spider, crawler = big5_spider(write_big5_seeds(tmp_path / "seeds"))
    writer = pinned_writer(tmp_path / "warcs")
    ref = writer.write_exchange(exchange(URL, BIG5_PAGE, [(b"Content-Type", b"text/html")]))
    writer.close()
    pipeline = CatalogPipeline(catalog_url, batch_size=10, crawler=crawler, flush_interval=0, **options)
    pipeline.spider_opened(spider)
    pipeline.record_written(ref, HtmlResponse(URL, body=BIG5_PAGE), spider)
    item = ArticleItem(url=URL, source_id="big5site", section="cn/news", title=TITLE, published=None,
                       origin="西藏日報", editor="", author="", text="正文", record_id=ref.record_id,
                       captured_at=datetime(2025, 2, 17, tzinfo=UTC))
    assert pipeline.process_item(item) is item
    return spider, crawler, pipeline, ref


def test_pipeline_writes_captures_articles_and_the_run(tmp_path: Path) -> None:
    spider, _, pipeline, ref = one_article_pipeline(tmp_path, catalog_url_for(tmp_path))
    pipeline.spider_closed(spider, "finished")
    catalog = Catalog(catalog_url_for(tmp_path))
    assert [(c.record_id, c.source_id) for c in catalog.captures()] == [(ref.record_id, "big5site")]
    assert [(a.title, a.record_id) for a in catalog.articles()] == [(TITLE, ref.record_id)]
    [run] = catalog.runs()
    assert (run.source_id, run.status, run.pages, run.articles) == ("big5site", "finished", 1, 1)
    history = History.load(lambda: Catalog(catalog_url_for(tmp_path)), tmp_path / "warcs", ["big5site"])
    previous = history.get(URL)
    assert previous is not None and previous.digest == ref.digest
    stored = history.stored(previous)
    assert stored is not None and stored.payload == BIG5_PAGE
    assert history.get("http://www.big5.example/other.html") is None
    catalog.close()


def test_pipeline_indexes_articles_for_search_and_a_failed_index_does_not_stop_it(tmp_path: Path) -> None:
    from sqlalchemy import text

    from dedupe.search import index_pending, search

    spider, crawler = big5_spider(write_big5_seeds(tmp_path / "seeds"))
    writer = pinned_writer(tmp_path / "warcs")
    refs = [writer.write_exchange(exchange(f"{URL}?{n}", BIG5_PAGE, [(b"Content-Type", b"text/html")]))
            for n in range(2)]
    writer.close()
    pipeline = CatalogPipeline(catalog_url_for(tmp_path), batch_size=1, crawler=crawler, flush_interval=0)
    pipeline.spider_opened(spider)
    catalog = Catalog(catalog_url_for(tmp_path))

    def article(n: int) -> ArticleItem:
        return ArticleItem(url=f"{URL}?{n}", source_id="big5site", section="cn/news", title=TITLE, published=None,
                           origin="西藏日報", editor="", author="", text=f"正文第{n}段", record_id=refs[n].record_id,
                           captured_at=datetime(2025, 2, 17, tzinfo=UTC))

    pipeline.record_written(refs[0], HtmlResponse(URL, body=BIG5_PAGE), spider)
    pipeline.process_item(article(0))  # batch_size 1: written and indexed at once
    assert search(catalog, "西藏日报").total == 1  # the traditional 来源, found by its simplified form
    with catalog.engine.begin() as connection:  # the index breaks (a lost table stands for any failure)
        connection.execute(text("ALTER TABLE search_docs RENAME TO search_docs_gone"))
    pipeline.record_written(refs[1], HtmlResponse(URL, body=BIG5_PAGE), spider)
    pipeline.process_item(article(1))
    assert not pipeline.failed and crawler.stats is not None
    assert crawler.stats.get_value("catalog/search_index_error") == 1
    pipeline.spider_closed(spider, "finished")
    assert len(catalog.articles()) == 2  # the article is catalogued all the same
    with catalog.engine.begin() as connection:
        connection.execute(text("ALTER TABLE search_docs_gone RENAME TO search_docs"))
    assert index_pending(catalog) == 1 and search(catalog, "第1段").total == 1  # `aidnews search-index` adds it
    catalog.close()
