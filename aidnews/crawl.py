"""Run the spiders in this process (``aidnews crawl`` and ``aidnews demo``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from aidnews.paths import DataPaths
from crawler.sources import Source, load_sources

SPIDERS = ("tibet_cn", "configured")


@dataclass
class CrawlResult:
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)

    def total(self, key: str) -> int:
        return sum(int(s.get(key, 0) or 0) for s in self.stats.values())

    @property
    def warc_files(self) -> list[str]:
        return sorted(f for s in self.stats.values() for f in s.get("warc/file_names", []))

    @property
    def errors(self) -> int:
        return self.total("log_count/ERROR")

    @property
    def failed(self) -> list[str]:
        return [name for name, s in self.stats.items() if s.get("finish_reason") != "finished"]


def crawl_settings(paths: DataPaths, sample_web: str | None, overrides: dict[str, str], seeds: Path | None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("AIDNEWS_DATA", str(paths.root), priority="cmdline")
    settings.set("CATALOG_URL", paths.catalog_url, priority="cmdline")
    if seeds:
        settings.set("SOURCES_DIR", str(seeds), priority="cmdline")
    if sample_web:
        # A loopback server: politeness delays would only slow the test crawl.
        settings.set("SAMPLE_WEB_URL", sample_web, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def plan(sources: Sequence[Source]) -> dict[str, list[str]]:
    """spider name -> source ids it crawls."""
    out: dict[str, list[str]] = {}
    for source in sources:
        spider = source.spider if source.spider in SPIDERS else "configured"
        out.setdefault(spider, []).append(source.id)
    return out


def run_crawl(
    paths: DataPaths,
    source_ids: Sequence[str] = (),
    sample_web: str | None = None,
    overrides: dict[str, str] | None = None,
    seeds: Path | None = None,
) -> CrawlResult:
    """Crawl the chosen sources (all by default), each with its spider, in one Twisted reactor."""
    settings = crawl_settings(paths, sample_web, overrides or {}, seeds)
    sources = load_sources(Path(settings.get("SOURCES_DIR")), list(source_ids) or None)
    paths.warcs.mkdir(parents=True, exist_ok=True)
    # The CLI configures logging (quiet unless --verbose); progress lines still reach stderr.
    process = CrawlerProcess(settings, install_root_handler=False)
    crawlers = []
    for spider, ids in plan(sources).items():
        crawler = process.create_crawler(spider)
        crawlers.append(crawler)
        process.crawl(crawler, sources=",".join(ids), seeds=settings.get("SOURCES_DIR"))
    process.start()
    result = CrawlResult()
    for crawler in crawlers:
        assert crawler.spider is not None and crawler.stats is not None
        result.stats[crawler.spider.name] = crawler.stats.get_stats()
    return result
