"""crawler.articles, the spider's parsing, the pipeline and rebuild in-process: one article, one row.

Bugs of issue 17: the source ``encoding`` hint was passed where a Content-Type belongs (bug 1),
and an article without a WARC record vanished with no stat (bug 5).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from archive.catalog import Catalog, catalog_url_for
from crawler.articles import article_row, content_type_with_hint
from crawler.items import ArticleItem
from crawler.pipelines import CatalogPipeline
from crawler.rebuild import rebuild_articles
from crawler.sources import load_sources
from crawler.spiders.base import SourceSpider
from crawler.spiders.configured import ConfiguredSpider
from tests.helpers import exchange, pinned_writer

TITLE = "對口支援結碩果"
BODY = "".join(f"<p>西藏日報訊 對口支援結碩果，援藏幹部第{i}批扎根高原，為當地群眾辦實事。</p>" for i in range(12))
# A Big5 page that declares its charset nowhere: only the source's hint can decode it.
BIG5_PAGE = (f"<html><head><title>{TITLE}_鏡像站</title></head><body><div class='title_box'><h2>{TITLE}</h2></div>"
             f"<div id='text'>{BODY}</div></body></html>").encode("big5")
URL = "http://www.big5.example/cn/news/202502/t20250217_1.html"
SOURCE = '''
[source]
id = "big5site"
name = "Big5 site"
kind = "mirror"
spider = "configured"
hosts = ["www.big5.example"]
start_urls = ["http://www.big5.example/"]
list_patterns = ['^http://www\\.big5\\.example/$']
article_patterns = ['/t\\d+_\\d+\\.html$']
encoding = "big5"
[source.selectors]
title = "div.title_box h2"
body = "div#text"
'''


def write_big5_seeds(folder: Path) -> Path:
    """A seeds folder holding only the Big5 source above."""
    folder.mkdir()
    (folder / "big5site.toml").write_text(SOURCE, encoding="utf-8")
    return folder


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return write_big5_seeds(tmp_path / "seeds")


def big5_spider(seeds: Path, **settings: object) -> tuple[SourceSpider, Crawler]:
    """The configured spider over ``seeds``, in-process, with its crawler (no sample web, no conditional requests)."""
    crawler = get_crawler(ConfiguredSpider, {"AIDNEWS_SOURCES_DIR": str(seeds), "INCREMENTAL_ENABLED": False,
                                             "AIDNEWS_SAMPLE_WEB_URL": "", **settings})
    crawler._apply_settings()
    spider = ConfiguredSpider.from_crawler(crawler, seeds=str(seeds))
    assert isinstance(spider, SourceSpider)
    return spider, crawler


def test_hint_applies_only_when_nothing_is_declared() -> None:
    assert content_type_with_hint("text/html", "big5", b"<p>x</p>") == "text/html; charset=big5"
    assert content_type_with_hint(None, "big5", b"<p>x</p>") == "text/html; charset=big5"
    assert content_type_with_hint("text/html; charset=utf-8", "big5", b"") == "text/html; charset=utf-8"
    assert content_type_with_hint("text/html", "big5", b"<meta charset='gbk'>") == "text/html"
    assert content_type_with_hint("text/html", "", b"") == "text/html"


@pytest.mark.parametrize("content_type", ["text/html", None])
def test_spider_decodes_with_the_source_encoding_hint(seeds: Path, content_type: str | None) -> None:
    spider, _ = big5_spider(seeds)
    headers = {"Content-Type": content_type} if content_type else {}
    response = HtmlResponse(URL, body=BIG5_PAGE, headers=headers, request=Request(URL, meta={"source_id": "big5site"}))
    items = [i for i in spider.parse_article(response) if isinstance(i, ArticleItem)]
    assert len(items) == 1
    assert items[0].title == TITLE and "援藏幹部" in items[0].text
    assert items[0].section == "cn/news" and items[0].record_id is None


def test_rebuild_decodes_with_the_source_encoding_hint(tmp_path: Path, seeds: Path) -> None:
    writer = pinned_writer(tmp_path / "warcs")
    ref = writer.write_exchange(exchange(URL, BIG5_PAGE, [(b"Content-Type", b"text/html")]))
    writer.close()
    catalog = Catalog(catalog_url_for(tmp_path))
    catalog.add_captures([ref], source_id="big5site")
    assert rebuild_articles(catalog, tmp_path / "warcs", load_sources(seeds)) == 1
    [article] = catalog.articles()
    assert article.title == TITLE and article.record_id == ref.record_id and article.section == "cn/news"
    catalog.close()


def _item(record_id: str | None, author: str = "记者") -> ArticleItem:
    return ArticleItem(url=URL, source_id="big5site", section="cn/news", title=TITLE, published=None,
                       origin="西藏日报", editor="", author=author, text="正文", record_id=record_id,
                       captured_at=datetime(2025, 2, 17, tzinfo=UTC))


def test_pipeline_drops_and_counts_an_article_without_a_record(tmp_path: Path, seeds: Path) -> None:
    _, crawler = big5_spider(seeds)
    pipeline = CatalogPipeline(catalog_url_for(tmp_path), crawler=crawler, flush_interval=0)
    with pytest.raises(DropItem, match="no WARC record"):
        pipeline.process_item(_item(None))
    assert crawler.stats is not None and crawler.stats.get_value("catalog/article_without_record") == 1
    assert pipeline._articles == []


def test_one_article_row_cuts_byline_fields() -> None:
    row = article_row(_item("<urn:uuid:1>", author="长" * 500))
    assert len(row["author"]) == 200 and row["record_id"] == "<urn:uuid:1>"
    with pytest.raises(ValueError, match="names no WARC record"):
        article_row(_item(None))
