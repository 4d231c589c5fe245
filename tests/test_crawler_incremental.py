"""crawler.incremental and the revisit decision in-process: conditional requests for known pages, a 304
answered from the archive, unchanged bytes flagged, and a spider that sees ordinary responses."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.history import _HISTORY, History, Previous, payload_digest, unchanged
from crawler.incremental import UNCHANGED, IncrementalMiddleware
from crawler.items import ArticleItem
from tests.helpers import exchange, pinned_writer
from tests.test_crawler_articles import BIG5_PAGE, TITLE, URL, big5_spider, write_big5_seeds

PAGE = "<html><head><meta charset='utf-8'></head><body><a href='/cn/news/202502/t20250217_1.html'>x</a></body></html>"
LIST = "http://www.big5.example/"


@pytest.fixture
def archived(tmp_path: Path) -> tuple[History, Previous]:
    writer = pinned_writer(tmp_path / "warcs")
    ref = writer.write_exchange(exchange(LIST, PAGE.encode(), [(b"Content-Type", b"text/html; charset=utf-8"),
                                                                 (b"ETag", b'"v1"')]))
    writer.close()
    previous = Previous(LIST, ref.filename, ref.offset, ref.length, ref.digest, ref.timestamp)
    return History({LIST: previous}, tmp_path / "warcs"), previous


def _middleware(history: History, **settings: object) -> IncrementalMiddleware:
    crawler = get_crawler(settings_dict={"INCREMENTAL_ENABLED": True, **settings})
    crawler._apply_settings()
    setattr(crawler, _HISTORY, history)
    return IncrementalMiddleware.from_crawler(crawler)


def test_the_revisit_decision() -> None:
    assert unchanged(304, b"", "sha1:whatever")
    assert unchanged(200, b"same", payload_digest(b"same"))
    assert not unchanged(200, b"new", payload_digest(b"same"))


def test_known_pages_are_asked_conditionally(archived: tuple[History, Previous]) -> None:
    history, previous = archived
    middleware = _middleware(history)
    request = Request(LIST)
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.meta["previous"] == previous.as_meta() and 304 in request.meta["handle_httpstatus_list"]
    redirected = request.replace(url="http://www.big5.example/elsewhere.html")  # headers and meta come along
    middleware.process_request(redirected)
    assert b"If-None-Match" not in redirected.headers and "previous" not in redirected.meta
    off = _middleware(history, INCREMENTAL_CONDITIONAL_REQUESTS=False)
    quiet = Request(LIST)
    off.process_request(quiet)
    assert b"If-None-Match" not in quiet.headers and "previous" in quiet.meta


def test_a_304_is_answered_from_the_archive(archived: tuple[History, Previous]) -> None:
    history, _ = archived
    middleware = _middleware(history)
    request = Request(LIST)
    middleware.process_request(request)
    response = middleware.process_response(request, Response(LIST, status=304, request=request))
    assert isinstance(response, HtmlResponse) and response.status == 200 and UNCHANGED in response.flags
    assert response.text == PAGE and response.css("a::attr(href)").get() == "/cn/news/202502/t20250217_1.html"


def test_same_bytes_are_flagged_and_new_ones_pass(archived: tuple[History, Previous]) -> None:
    history, _ = archived
    middleware = _middleware(history)
    request = Request(LIST)
    middleware.process_request(request)
    same = middleware.process_response(request, HtmlResponse(LIST, body=PAGE.encode(), request=request))
    assert isinstance(same, Response) and UNCHANGED in same.flags and same.status == 200
    new = middleware.process_response(request, HtmlResponse(LIST, body=b"<p>new</p>", request=request))
    assert UNCHANGED not in new.flags
    unknown = Request("http://www.big5.example/other.html")
    middleware.process_request(unknown)
    assert middleware.process_response(unknown, Response(unknown.url, status=304)).flags == []


def test_the_spider_skips_an_unchanged_article(tmp_path: Path) -> None:
    spider, crawler = big5_spider(write_big5_seeds(tmp_path / "seeds"))
    request = Request(URL, meta={"source_id": "big5site"})
    fresh = HtmlResponse(URL, body=BIG5_PAGE, request=request)
    assert [i.title for i in spider.parse_article(fresh) if isinstance(i, ArticleItem)] == [TITLE]
    assert list(spider.parse_article(fresh.replace(flags=[UNCHANGED]))) == []
    assert crawler.stats is not None and crawler.stats.get_value("articles/unchanged") == 1
