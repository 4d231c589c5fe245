"""Write captures (every WARC response record) and articles to the catalog, in batches, and index the
articles for search as they are written."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import Response
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet import task

from archive.catalog import Catalog
from archive.catalog.store import BACKOFF, RETRIES
from archive.errors import CatalogError
from archive.indexer import source_for_url
from archive.warc_writer import RecordRef
from crawler import clock
from crawler.articles import article_row
from crawler.errors import SourceError
from crawler.health import assess
from crawler.items import ArticleItem
from crawler.locations import catalog_url, sources_dir, warc_dir
from crawler.signals import record_written
from crawler.sources import catalog_rows, load_sources
from crawler.versions import update_versions
from dedupe.search import index_records, index_urls

logger = logging.getLogger(__name__)


class CatalogPipeline:
    """Buffer captures and articles; flush every ``batch_size`` rows and when the spider closes."""

    def __init__(self, catalog_url: str, batch_size: int = 200, crawler: Crawler | None = None,
                 flush_interval: float = 2.0, retries: int = RETRIES, backoff: float = BACKOFF) -> None:
        self.catalog_url = catalog_url
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._timer: task.LoopingCall | None = None
        self.crawler = crawler
        self.catalog: Catalog | None = None
        self.hosts: dict[str, str] = {}
        self.run_ids: dict[str, int] = {}  # one run row per source
        self.counts: dict[str, dict[str, int]] = {}
        self._captures: list[tuple[RecordRef, str | None]] = []
        self._articles: list[dict[str, Any]] = []
        self.articles_written = 0
        self.failed = False  # the catalog failed past its retries; one last try when the spider closes
        self.retries, self.backoff = retries, backoff

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CatalogPipeline:
        settings = crawler.settings
        if not settings.getbool("CATALOG_ENABLED"):
            raise NotConfigured("CATALOG_ENABLED is off")
        pipeline = cls(catalog_url(settings), settings.getint("CATALOG_BATCH_SIZE"), crawler,
                       settings.getfloat("CATALOG_FLUSH_INTERVAL"), settings.getint("CATALOG_RETRIES"),
                       settings.getfloat("CATALOG_RETRY_BACKOFF"))
        crawler.signals.connect(pipeline.record_written, signal=record_written)
        crawler.signals.connect(pipeline.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def spider_opened(self, spider: Spider) -> None:
        sources = getattr(spider, "sources", [])
        self.hosts = {h: s.id for s in sources for h in s.hosts}
        try:
            self.catalog = Catalog(self.catalog_url, retries=self.retries, backoff=self.backoff)
            self.catalog.upsert_sources(catalog_rows(sources))
            started = clock.now()
            self.run_ids = {s.id: self.catalog.start_run(spider.name, [s.id], s.id, started) for s in sources}
        except CatalogError as exc:
            # Unreachable past every retry: a crawl that went on would archive pages no catalog knows of
            # and still exit 0, so it stops here, before the first fetch.
            self.catalog = None
            self._stop("catalog unavailable when the crawl started, stopping it", exc)
            return
        self.counts = {s.id: {"pages": 0, "articles": 0, "revisits": 0} for s in sources}
        if self.flush_interval > 0:
            # A partial batch is written within seconds, so a killed crawler loses little of the catalog
            # (and `aidnews index` rebuilds the rest from the WARC files).
            self._timer = task.LoopingCall(self.flush)
            self._timer.start(self.flush_interval, now=False)

    def record_written(self, ref: RecordRef, response: Response, spider: Spider) -> None:
        source_id = source_for_url(ref.url, self.hosts)
        self._captures.append((ref, source_id))
        if source_id in self.counts:
            self.counts[source_id]["pages"] += 1
            self.counts[source_id]["revisits"] += ref.record_type == "revisit"
        if len(self._captures) >= self.batch_size:
            self.flush()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if not item.record_id:
            # An article row names its WARC record; with WARC_ENABLED off, or a body WARC_MAX_BODY left
            # out, there is none: say so in the stats rather than lose the article silently.
            if self.crawler and self.crawler.stats:
                self.crawler.stats.inc_value("catalog/article_without_record")
            raise DropItem(f"no WARC record for {item.url}: article not catalogued", log_level="INFO")
        if item.source_id in self.counts:
            self.counts[item.source_id]["articles"] += 1
        self._articles.append(article_row(item))
        if len(self._articles) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if self.catalog is None or self.failed:
            return
        try:
            self._write_buffers(self.catalog)
        except CatalogError as exc:
            # The catalog stayed unavailable through every retry (Catalog.retrying): stop fetching.
            # Nothing is lost: the rows stay buffered for one more try at close, and every record is
            # in the WARC files, from which `aidnews index` rebuilds captures and articles.
            self._stop("catalog write failed after retries, stopping the crawl", exc)

    def _stop(self, why: str, exc: CatalogError) -> None:
        self.failed = True
        logger.error("%s: %s", why, exc)
        if self.crawler and self.crawler.stats:
            self.crawler.stats.inc_value("catalog/write_error")
        if self.crawler and self.crawler.engine and self.crawler.spider:
            self.crawler.engine.close_spider(self.crawler.spider, "catalog_error")

    def _write_buffers(self, catalog: Catalog) -> None:
        # Captures first: articles reference them by record id. Buffers are cleared only once
        # written (inserts ignore rows already there, so a partial write is safe to repeat).
        by_source: dict[str | None, list[RecordRef]] = {}
        for ref, source_id in self._captures:
            by_source.setdefault(source_id, []).append(ref)
        for source_id, refs in by_source.items():
            catalog.add_captures(refs, source_id=source_id, run_id=self.run_ids.get(source_id or ""))
        self._captures.clear()
        catalog.add_articles(self._articles)
        self.articles_written += len(self._articles)
        written = [row["record_id"] for row in self._articles]
        self._articles.clear()
        if written:
            self._keep_searchable(f"{len(written)} article(s)", lambda: index_records(catalog, written))

    def _keep_searchable(self, what: str, index: Callable[[], int]) -> None:
        """Add what was just written to the search index. A failure costs search freshness, not the
        crawl: the rows are in the catalog, and the next ``aidnews search-index`` indexes them."""
        try:
            index()
        except (CatalogError, SQLAlchemyError) as exc:
            logger.warning("search index not updated for %s (%s); `aidnews search-index` adds them", what, exc)
            if self.crawler and self.crawler.stats:
                self.crawler.stats.inc_value("catalog/search_index_error")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        if self.catalog is None:
            return
        try:
            self._write_buffers(self.catalog)
            self._versions(self.catalog)
            self._finish_runs(self.catalog, reason)
        except (CatalogError, SQLAlchemyError) as exc:
            logger.error("catalog still unavailable at the end (%s): %d captures and %d articles of this crawl are "
                         "in the WARC files but not in the catalog; `aidnews index --data DIR` adds them",
                         exc, len(self._captures), len(self._articles))
            if self.crawler and self.crawler.stats:
                # The crawl's last writes failed (a full disk, a lost catalog), even the versions pass's:
                # the command must say it stopped early, not exit as if all were stored. Scrapy's own
                # close handler ran first, so this reason is the one the stats keep.
                self.crawler.stats.set_value("finish_reason", "catalog_error")
        self.catalog.close()
        logger.info("catalog: %d articles written at %s", self.articles_written, datetime.now(UTC))

    def _versions(self, catalog: Catalog) -> None:
        """Versions and change events from what this crawl archived (crawler.versions). Every source of the
        seeds folder is read, not only this spider's: the pass's watermark is catalog-wide."""
        if self.crawler is None or not self.crawler.settings.getbool("VERSIONS_ENABLED", True):
            return
        settings = self.crawler.settings
        try:
            sources = load_sources(sources_dir(settings))
        except SourceError as exc:
            logger.error("versions pass skipped: %s", exc)
            return
        done = update_versions(catalog, warc_dir(settings), sources)
        # Search holds every version's text.
        self._keep_searchable(f"{len(done.changed_urls)} edited article(s)",
                              lambda: index_urls(catalog, sorted(done.changed_urls)))
        if self.crawler.stats:
            self.crawler.stats.set_value("versions/captures_read", done.captures)
            self.crawler.stats.set_value("versions/new", done.versions)
            for kind, count in done.by_kind.items():
                self.crawler.stats.set_value(f"versions/events/{kind}", count)

    def _finish_runs(self, catalog: Catalog, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler and self.crawler.stats else {}
        errors = sum(v for k, v in stats.items() if isinstance(v, int) and k.startswith(
            ("spider_exceptions/", "downloader/exception_count", "warc/write_error", "log_count/ERROR")))
        status = "finished" if reason == "finished" else reason
        # Read before any run is marked finished, with the retries writes have: a dropped connection here
        # must not fail a crawl whose every record is stored.
        recent = catalog.retrying("read the sources' recent runs", lambda: {
            source_id: [r.article_links for r in catalog.recent_runs(source_id)] for source_id in self.run_ids})
        for source_id, run_id in self.run_ids.items():
            links = int(stats.get(f"links/articles/{source_id}", 0))
            reasons = assess(links, recent[source_id], int(stats.get(f"articles/parsed/{source_id}", 0)),
                             int(stats.get(f"articles/selectors_missed/{source_id}", 0)))
            if reasons:
                logger.warning("source %s looks unhealthy: %s", source_id, "; ".join(reasons))
            catalog.finish_run(
                run_id, status, clock.now(), rechecks_due=int(stats.get(f"rechecks/due/{source_id}", 0)),
                rechecks_done=int(stats.get(f"rechecks/done/{source_id}", 0)), pages=self.counts[source_id]["pages"], articles=self.counts[source_id]["articles"],
                revisits=self.counts[source_id]["revisits"], article_links=links, health="; ".join(reasons),
                errors=errors, warc_files=" ".join(stats.get("warc/file_names", [])),
            )
