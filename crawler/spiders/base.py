"""Shared behaviour of source-driven spiders: lists -> pagination -> articles -> items."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from archive.errors import ArchiveError
from crawler import clock
from crawler.articles import article_item, extract_article
from crawler.errors import SourceError
from crawler.fetch_errors import failure_kind
from crawler.history import History, crawl_history
from crawler.incremental import UNCHANGED
from crawler.items import ArticleItem
from crawler.locations import apply_renamed, open_catalog, sample_web_url, sources_dir
from crawler.recheck import MODES, Plan, plan
from crawler.sources import Source, load_sources

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
        self.allowed_domains: list[str] = []

    @classmethod
    def select_sources(cls, settings: BaseSettings, seeds: Path | None, only: list[str] | None) -> list[Source]:
        directory = seeds or sources_dir(settings)
        sources = load_sources(directory, only)
        return sources if only else [s for s in sources if s.spider == cls.name]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        apply_renamed(settings)  # before anything reads them
        if sample_web_url(settings):
            return  # a loopback crawl needs no politeness slots
        try:
            sources = load_sources(sources_dir(settings))
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

    @property
    def history(self) -> History:
        """What the archive holds, read at first use, once the crawl runs: after the resume step
        (crawler.extensions.reconcile, on ``spider_opened``) has catalogued a killed crawl's pages."""
        return crawl_history(self.crawler, [s.id for s in self.sources])

    async def start(self) -> AsyncIterator[Request]:
        for source in self.sources:
            for url in source.start_urls:
                yield self.list_request(url, source)
        for recheck in self.recheck_plans():
            for url in recheck.urls:
                yield self.recheck_request(url, self._by_id[recheck.source_id])

    def recheck_plans(self) -> list[Plan]:
        """Each source's due rechecks (crawler.recheck), from the catalog, counted in the stats."""
        mode = self.crawler.settings.get("RECHECK_MODE", "due")
        if mode not in MODES:
            raise SourceError(f"RECHECK_MODE must be one of {', '.join(MODES)}, got {mode!r}")
        if mode == "none" or not self.crawler.settings.getbool("CATALOG_ENABLED"):
            return []
        now = clock.now()
        try:
            catalog = open_catalog(self.crawler.settings)
            try:
                plans = [plan(s.id, s.recheck, catalog.tracked([s.id]), now, mode) for s in self.sources]
            finally:
                catalog.close()
        except (ArchiveError, SQLAlchemyError) as exc:  # the crawl goes on; the next run rechecks them
            logger.warning("no rechecks this run: the catalog could not be read: %s", exc)
            self.crawler.stats.inc_value("rechecks/catalog_error")
            return []
        for found in plans:
            self.crawler.stats.set_value(f"rechecks/due/{found.source_id}", found.due)
            self.crawler.stats.set_value(f"rechecks/planned/{found.source_id}", len(found.urls))
            if found.capped:
                logger.info("%s: %d rechecks due, %d this run (max_per_run)", found.source_id, found.due,
                            len(found.urls))
        return plans

    def recheck_request(self, url: str, source: Source) -> Request:
        """A known article fetched again: after new list pages and articles (lower priority), through the
        same scheduler and download slots (politeness), every status handed to :meth:`parse_recheck`."""
        return Request(url, callback=self.parse_recheck, errback=self.recheck_failed,
                       priority=self.crawler.settings.getint("RECHECK_PRIORITY", -10),
                       meta={"source_id": source.id, "recheck": True, "handle_httpstatus_all": True})

    def parse_recheck(self, response: Response) -> Iterator[Request]:
        """The WARC record is the recheck's result (crawler.versions reads it); a redirect to another
        article of the source is followed, so a moved article's new address is archived too."""
        source = self.source_of(response)
        self.crawler.stats.inc_value(f"rechecks/done/{source.id}")
        if UNCHANGED in response.flags:
            self.crawler.stats.inc_value(f"rechecks/unchanged/{source.id}")
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = response.urljoin(location.decode("latin-1"))
            if source.is_article(target) and target != response.url:
                yield self.article_request(target, source)

    def recheck_failed(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        if request is not None:
            self.crawler.stats.inc_value(f"rechecks/done/{request.meta['source_id']}")
        self.fetch_failed(failure)

    # Requests carry the source's id, not the source: a Redis frontier serialises them.
    def list_request(self, url: str, source: Source, hops: int = 0) -> Request:
        return self._request(url, self.parse_list, {"source_id": source.id, "list_hops": hops})

    def article_request(self, url: str, source: Source) -> Request:
        return self._request(url, self.parse_article, {"source_id": source.id})

    def _request(self, url: str, callback: Any, meta: dict[str, Any]) -> Request:
        # Known pages are asked for conditionally by crawler.incremental, not here.
        return Request(url, callback=callback, meta=meta, errback=self.fetch_failed)

    def fetch_failed(self, failure: Failure) -> None:
        """Count a failed fetch under its kind and go on: a broken server never stops the crawl."""
        error = failure.value if failure.value is not None else RuntimeError("unknown failure")
        kind = failure_kind(error)
        if kind == "robots":
            self.crawler.stats.inc_value("fetch/skipped/robots")  # the site asked us not to: no failure
            return
        self.crawler.stats.inc_value(f"fetch/failed/{kind}")
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        logger.warning("fetch failed (%s): %s: %s", kind, url, str(error)[:300] or type(error).__name__)

    def _known_article(self, url: str, source: Source) -> bool:
        previous = self.history.get(url)
        days = self.crawler.settings.getfloat("INCREMENTAL_REVISIT_ARTICLES_DAYS", -1)
        return previous is not None and not self.history.due(previous, source.revisit_days if days < 0 else days)

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
            return  # a 304 whose archived copy is unreadable, or not a page
        urls = [response.urljoin(href) for href in response.css("a::attr(href)").getall()]
        urls.extend(self.extra_list_urls(response, source))
        for url in dict.fromkeys(urls):
            host = (urlsplit(url).hostname or "").lower()
            if host not in source.hosts:
                continue
            if source.is_article(url):
                self.crawler.stats.inc_value(f"links/articles/{source.id}")
                if self._known_article(url, source):
                    self.crawler.stats.inc_value(f"incremental/known_articles/{source.id}")
                elif self._allowed(source):
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
                yield Request(url, callback=self.parse_other, meta={"source_id": source.id}, errback=self.fetch_failed)

    def _linked_anyway(self, url: str) -> bool:
        return not url.endswith(("/", ".css", ".js"))

    def requisites(self, response: TextResponse, source: Source) -> Iterator[Request]:
        """Stylesheets and images of an article page, from its own hosts, archived for replay."""
        urls = response.css('link[rel="stylesheet"]::attr(href), img::attr(src)').getall()
        for url in dict.fromkeys(response.urljoin(u) for u in urls):
            if (urlsplit(url).hostname or "").lower() in source.hosts:
                yield self._request(url, self.parse_requisite, {"source_id": source.id})

    def parse_requisite(self, response: Response) -> Iterator[Request]:
        """Archived by the WARC extension; nothing to extract."""
        return iter(())

    def parse_other(self, response: Response) -> Iterator[ArticleItem | Request]:
        if isinstance(response, TextResponse) and self.source_of(response).is_article(response.url):
            yield from self.parse_article(response)

    def parse_article(self, response: Response) -> Iterator[ArticleItem | Request]:
        source = self.source_of(response)
        if UNCHANGED in response.flags:
            # Same bytes as archived (crawler.incremental): the article row exists already.
            self.crawler.stats.inc_value("articles/unchanged")
            return
        if not isinstance(response, TextResponse) or b"\0" in response.body[:4096]:
            # Not text, whatever the Content-Type says (NUL bytes do not occur in HTML).
            self.crawler.stats.inc_value("articles/skipped_not_text")
            return
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        found = extract_article(response.body, response.url, content_type, source)
        record = response.meta.get("warc_record")
        self.crawler.stats.inc_value(f"articles/parsed/{source.id}")
        if source.selectors.body and found.method != "selectors":
            self.crawler.stats.inc_value(f"articles/selectors_missed/{source.id}")
        if not found.text:
            self.crawler.stats.inc_value("articles/empty")
            logger.warning("no article text at %s", response.url)
            return
        yield from self.requisites(response, source)
        self.crawler.stats.inc_value(f"articles/{source.id}")
        yield article_item(found, response.url, source, record.record_id if record else None, clock.now())
