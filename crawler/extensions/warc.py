"""Archive every downloaded response to WARC from the ``response_downloaded`` signal.

The signal fires before the downloader middlewares decode anything, so the
body is stored exactly as the server sent it (gzip and GBK included).
Spiders know nothing of archiving.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime
from http import HTTPStatus
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archive.errors import WarcWriteError
from archive.warc_writer import HttpExchange, WarcConfig, WarcFileWriter
from crawler import clock
from crawler.history import Previous, unchanged
from crawler.locations import warc_dir
from crawler.signals import record_written

logger = logging.getLogger(__name__)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _headers(headers: Any) -> list[tuple[bytes, bytes]]:
    return [(key, value) for key, values in headers.items() for value in values]


def exchange_from(response: Response, request: Request, fetched_at: datetime | None = None) -> HttpExchange:
    """The HTTP exchange Scrapy performed, as bytes: the raw body, headers as received."""
    host = request.url.split("://", 1)[-1].split("/", 1)[0].encode("latin-1", "replace")
    request_headers = [(b"Host", host), *_headers(request.headers)]
    ip = str(response.ip_address) if response.ip_address is not None else None
    return HttpExchange(
        url=response.url, method=request.method, request_headers=request_headers,
        request_body=request.body or b"", status=response.status, reason=_reason(response.status),
        response_headers=_headers(response.headers), body=response.body,
        protocol=response.protocol or "HTTP/1.1", ip_address=ip,
        fetched_at=fetched_at or clock.now(),
        # DOWNLOAD_FAIL_ON_DATALOSS is off: a body cut short is kept, and marked as such.
        truncated="disconnect" if "dataloss" in response.flags else "",
    )


class WarcPolicy:
    """What to record: every response by default; a size cap keeps bombs out."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body

    def should_record(self, response: Response) -> bool:
        return self.max_body <= 0 or len(response.body) <= self.max_body


class WarcExtension:
    """Write request/response pairs to rotating WARC files."""

    def __init__(self, writer: WarcFileWriter, policy: WarcPolicy, crawler: Crawler | None = None) -> None:
        self.writer = writer
        self.policy = policy
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcExtension:
        settings = crawler.settings
        if not settings.getbool("WARC_ENABLED"):
            raise NotConfigured("WARC_ENABLED is off")
        config = WarcConfig(
            directory=warc_dir(settings),
            prefix=settings.get("WARC_PREFIX"),
            max_size=settings.getint("WARC_MAX_SIZE"),
            hostname=settings.get("WARC_HOSTNAME") or socket.gethostname(),
            operator=settings.get("WARC_OPERATOR", ""),
            is_part_of=settings.get("WARC_IS_PART_OF", ""),
            user_agent=settings.get("USER_AGENT", ""),
            robots="obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        )
        extension = cls(WarcFileWriter(config, clock=clock.now), WarcPolicy(settings.getint("WARC_MAX_BODY")), crawler)
        crawler.signals.connect(extension.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        stats = self.crawler.stats if self.crawler else None
        if not self.policy.should_record(response):
            if stats:
                stats.inc_value("warc/skipped_too_large")
            return
        previous = request.meta.get("previous")
        try:
            exchange = exchange_from(response, request)
            if previous and unchanged(response.status, response.body, previous["digest"]):
                # Unchanged since the last capture: a revisit record, not a second copy of the payload.
                ref = self.writer.write_revisit(
                    exchange, previous["url"], Previous(**previous).warc_date, previous["digest"],
                    original=(previous["filename"], previous["offset"], previous["length"]))
                if stats:
                    stats.inc_value("warc/revisits")
            else:
                ref = self.writer.write_exchange(exchange)
        except WarcWriteError as exc:
            logger.error("%s: stopping the crawl so nothing more is fetched unarchived", exc)
            if stats:
                stats.inc_value("warc/write_error")
            if self.crawler and self.crawler.engine:
                self.crawler.engine.close_spider(spider, "warc_write_error")
            return
        request.meta["warc_record"] = ref
        if stats:
            if exchange.truncated:
                stats.inc_value("warc/truncated")
            stats.inc_value("warc/records")
            stats.inc_value("warc/bytes", ref.length)
        if self.crawler:
            self.crawler.signals.send_catch_log(record_written, ref=ref, response=response, spider=spider)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.writer.close()
        if self.crawler and self.crawler.stats:
            self.crawler.stats.set_value("warc/files", len(self.writer.files_written))
            self.crawler.stats.set_value("warc/file_names", list(self.writer.files_written))
