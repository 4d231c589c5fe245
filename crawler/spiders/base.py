"""Shared behaviour of source-driven spiders: lists -> pagination -> articles -> items."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings

from crawler.errors import SourceError
from crawler.items import ArticleItem
from crawler.sources import Source, load_sources
from dedupe.extract import extract

logger = logging.getLogger(__name__)


def _split(value: str | list[str] | None) -> list[str] | None:
    if not value:
        return None
    if isinstance(value, list):
        return value
    return [v.strip() for v in value.split(",") if v.strip()]


class SourceSpider(Spider):
    """Crawl the sources in seeds/ whose ``spider`` field names this spider.

    ``-a sources=a,b`` picks sources by id (any spider field); ``-a seeds=DIR``
    reads another folder of source files.
    """

    name = "source"

    def __init__(self, sources: str | list[str] | None = None, seeds: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_ids = _split(sources)
        self.seeds_dir = Path(seeds) if seeds else None
        self.sources: list[Source] = []
        self._by_id: dict[str, Source] = {}
        self._pages: dict[str, int] = {}

    @classmethod
    def select_sources(cls, settings: BaseSettings, seeds: Path | None, only: list[str] | None) -> list[Source]:
        directory = seeds or Path(settings.get("SOURCES_DIR"))
        sources = load_sources(directory, only)
        return sources if only else [s for s in sources if s.spider == cls.name]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if settings.get("SAMPLE_WEB_URL"):
            return  # a loopback crawl needs no politeness slots
        try:
            sources = load_sources(Path(settings.get("SOURCES_DIR")))
        except SourceError:
            return  # reported with file and field when the spider starts
        # Per-source politeness: one download slot per host with the source's delay and concurrency.
        slots = {
            host: {"delay": s.politeness.download_delay, "concurrency": s.politeness.concurrency}
            for s in sources for host in s.hosts
        }
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, SourceSpider)
        spider.sources = cls.select_sources(crawler.settings, spider.seeds_dir, spider.source_ids)
        spider._by_id = {s.id: s for s in spider.sources}
        spider.allowed_domains = sorted({h for s in spider.sources for h in s.hosts})
        return spider

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources:
            for url in source.start_urls:
                yield self.list_request(url, source)

    # Requests carry the source's id, not the source: a Redis frontier serialises them.
    def list_request(self, url: str, source: Source, hops: int = 0) -> Request:
        return Request(url, callback=self.parse_list, meta={"source_id": source.id, "list_hops": hops})

    def article_request(self, url: str, source: Source) -> Request:
        return Request(url, callback=self.parse_article, meta={"source_id": source.id})

    def source_of(self, response: Response) -> Source:
        return self._by_id[response.meta["source_id"]]

    def _allowed(self, source: Source) -> bool:
        limit = source.politeness.max_pages
        count = self._pages.get(source.id, 0)
        if limit and count >= limit:
            return False
        self._pages[source.id] = count + 1
        return True

    def extra_list_urls(self, response: TextResponse, source: Source) -> Iterator[str]:
        """List pages a site does not link with ``<a>`` (for example script pagination)."""
        return iter(())

    def parse_list(self, response: Response) -> Iterator[Request]:
        source = self.source_of(response)
        if not isinstance(response, TextResponse):
            return
        urls = [response.urljoin(href) for href in response.css("a::attr(href)").getall()]
        urls.extend(self.extra_list_urls(response, source))
        for url in dict.fromkeys(urls):
            host = (urlsplit(url).hostname or "").lower()
            if host not in source.hosts:
                continue
            if source.is_article(url):
                if self._allowed(source):
                    yield self.article_request(url, source)
            elif source.is_list(url):
                # Pagination chains are long (page 2 -> 3 -> ...): the source's depth caps list hops.
                hops = response.meta.get("list_hops", 0) + 1
                if hops <= source.politeness.depth:
                    yield self.list_request(url, source, hops)
                else:
                    self.crawler.stats.inc_value(f"lists/depth_capped/{source.id}")
            elif url.startswith(tuple(f"http://{h}/" for h in source.hosts)) and self._linked_anyway(url):
                # Odd links on list pages (redirects, files) are fetched and archived, not parsed.
                yield Request(url, callback=self.parse_other, meta={"source_id": source.id})

    def _linked_anyway(self, url: str) -> bool:
        return not url.endswith(("/", ".css", ".js"))

    def parse_other(self, response: Response) -> Iterator[ArticleItem]:
        if isinstance(response, TextResponse) and self.source_of(response).is_article(response.url):
            yield from self.parse_article(response)

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        source = self.source_of(response)
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("articles/skipped_not_text")
            return
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        found = extract(response.body, response.url, content_type or source.encoding or None, source.selectors)
        if not found.text:
            self.crawler.stats.inc_value("articles/empty")
            logger.warning("no article text at %s", response.url)
            return
        published = datetime.fromisoformat(found.published) if found.published else None
        ref = response.meta.get("warc_record")
        self.crawler.stats.inc_value(f"articles/{source.id}")
        yield ArticleItem(
            url=response.url, source_id=source.id, section=section_of(response.url), title=found.title,
            published=published, origin=found.source, editor=found.editor, author=found.author,
            text=found.text, record_id=ref.record_id if ref else None, captured_at=datetime.now(UTC),
        )


def section_of(url: str) -> str:
    """The section part of an article URL: /cn/aid_tibet/news/202502/t..html -> cn/aid_tibet/news."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    kept = [p for p in parts[:-1] if not p.isdigit() and not (len(p) == 6 and p.isdigit())]
    return "/".join(kept[:3])
