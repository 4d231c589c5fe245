"""Resume: before a crawl starts, what a killed crawl archived is reconciled into the catalog.

On ``spider_opened`` the extension runs :func:`crawler.reconcile.reconcile` over the WARC folder
with the sources of the crawl's seeds folder, so a resumed crawl (``aidnews crawl`` or a plain
``scrapy crawl``) knows those pages and does not fetch them again. It runs before the spider's
``start()``, which is where the spider reads what the archive holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.catalog import Catalog
from archive.errors import ArchiveError
from crawler.errors import SourceError
from crawler.locations import open_catalog, sources_dir, warc_dir
from crawler.reconcile import reconcile
from crawler.sources import load_sources

logger = logging.getLogger(__name__)


class ReconcileExtension:
    """Finish abandoned WARC files and catalog their records and articles before the spider starts.

    With two spiders in one process the second finds nothing left to repair: a quick no-op."""

    def __init__(self, warcs: Path, open_catalog: Callable[[], Catalog], seeds: Path) -> None:
        self.warcs = warcs
        self.open_catalog = open_catalog
        self.seeds = seeds

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReconcileExtension:
        settings = crawler.settings
        if not settings.getbool("RECONCILE_ENABLED"):
            raise NotConfigured("RECONCILE_ENABLED is off")
        if not settings.getbool("CATALOG_ENABLED"):
            raise NotConfigured("CATALOG_ENABLED is off: no catalog to reconcile")
        extension = cls(warc_dir(settings), lambda: open_catalog(settings), sources_dir(settings))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        # `-a seeds=DIR` names the folder for this spider; all its sources, not only the spider's
        # own: a killed crawl's files hold every spider's pages.
        seeds = getattr(spider, "seeds_dir", None) or self.seeds
        try:
            sources = load_sources(seeds)
            catalog = self.open_catalog()
        except (SourceError, ArchiveError) as exc:
            logger.warning("no resume step: %s", exc)  # the spider reports a bad seeds folder itself
            return
        try:
            done = reconcile(self.warcs, catalog, sources, only_repaired=True)
        finally:
            catalog.close()
        if done.repaired:
            logger.warning("finished %d WARC file(s) a killed crawl left open: %d records indexed, "
                           "%d articles rebuilt", len(done.repaired), done.records, done.articles)
        stats = spider.crawler.stats
        if stats is not None:
            stats.set_value("reconcile/repaired_files", len(done.repaired))
            stats.set_value("reconcile/articles_rebuilt", done.articles)
