"""The WARC extension, built from plain values (no running crawler), fed real Scrapy objects."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.http.headers import Headers

from archive.warc_reader import iter_records, load_response
from crawler.extensions.warc import WarcExtension, WarcPolicy, exchange_from
from tests.helpers import GZIP_BODY, pinned_writer


def _response(url: str, body: bytes, headers: dict[str, str]) -> tuple[Response, Request]:
    request = Request(url, headers={"User-Agent": "aidnews-test", "Accept-Encoding": "gzip"})
    response = HtmlResponse(url, body=body, headers=Headers(headers), request=request, status=200,
                            protocol="HTTP/1.1")
    return response, request


def test_exchange_keeps_raw_body_and_headers() -> None:
    response, request = _response("http://www.tibet.cn/a.html", GZIP_BODY,
                                  {"Content-Encoding": "gzip", "Content-Type": "text/html"})
    exchange = exchange_from(response, request)
    assert exchange.body == GZIP_BODY
    assert (b"Content-Encoding", b"gzip") in exchange.response_headers
    assert exchange.request_headers[0] == (b"Host", b"www.tibet.cn")
    assert exchange.reason == "OK" and exchange.protocol == "HTTP/1.1"


def test_response_downloaded_writes_and_tags_the_request(tmp_path: Path) -> None:
    writer = pinned_writer(tmp_path)
    extension = WarcExtension(writer, WarcPolicy(max_body=0))
    response, request = _response("http://www.tibet.cn/a.html", GZIP_BODY, {"Content-Encoding": "gzip"})
    extension.response_downloaded(response, request, spider=None)  # type: ignore[arg-type]
    ref = request.meta["warc_record"]
    writer.close()
    assert load_response(tmp_path / ref.filename, ref.offset, ref.length).payload == GZIP_BODY
    assert [r.record_id for r in iter_records(tmp_path / ref.filename)] == [ref.record_id]


def test_policy_skips_bodies_over_the_cap(tmp_path: Path) -> None:
    writer = pinned_writer(tmp_path)
    extension = WarcExtension(writer, WarcPolicy(max_body=10))
    response, request = _response("http://www.tibet.cn/big.html", b"x" * 100, {})
    extension.response_downloaded(response, request, spider=None)  # type: ignore[arg-type]
    assert "warc_record" not in request.meta and writer.records_written == 0
