"""Run the spiders in this process (``aidnews crawl`` and ``aidnews demo``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from aidnews.logs import level_number, quiet_stderr
from aidnews.paths import DataPaths
from archive import redact
from crawler.frontier import default_worker_id
from crawler.locations import apply_renamed, sources_dir
from crawler.sources import Source, load_sources

SPIDERS = ("tibet_cn", "configured")


@dataclass
class CrawlResult:
    stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    log_file: Path | None = None  # Scrapy's log of the crawl

    def total(self, key: str) -> int:
        return sum(int(s.get(key, 0) or 0) for s in self.stats.values())

    @property
    def warc_files(self) -> list[str]:
        return sorted(f for s in self.stats.values() for f in s.get("warc/file_names", []))

    @property
    def errors(self) -> int:
        return self.total("log_count/ERROR")

    @property
    def failed_fetches(self) -> int:
        """Requests given up (timeouts, resets, bombs, redirect loops...): counted, never fatal."""
        return sum(int(v or 0) for s in self.stats.values() for k, v in s.items() if k.startswith("fetch/failed/"))

    def write_stats(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.stats, indent=1, sort_keys=True, default=str)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)  # a reader never sees half a file

    @property
    def failed(self) -> list[str]:
        """Spiders that stopped early, with why: ``configured (catalog_error)``."""
        return [f"{name} ({s.get('finish_reason')})" for name, s in self.stats.items()
                if s.get("finish_reason") != "finished"]


@dataclass(frozen=True)
class RedisOptions:
    """A distributed crawl: the shared frontier's Redis, its key prefix, and this worker's id."""

    url: str
    prefix: str = "aidnews"
    worker: str = ""


def redis_settings(redis: RedisOptions) -> dict[str, object]:
    worker = redis.worker or default_worker_id()
    return {
        "SCHEDULER": "crawler.frontier.RedisFrontier",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": redis.url,
        "REDIS_PREFIX": redis.prefix,
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": f"{redis.prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{redis.prefix}:%(spider)s:dupefilter",
        "AIDNEWS_WORKER_ID": worker,
        "RECONCILE_ENABLED": False,  # the coordinator reconciles once every worker is done
        "VERSIONS_ENABLED": False,  # ... and runs the versions pass then (crawler.reconcile)
        "WARC_PREFIX": f"aidnews-{worker}",  # each worker writes its own files
    }


def crawl_settings(paths: DataPaths, sample_web: str | None, overrides: dict[str, str], seeds: Path | None,
                   redis: RedisOptions | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("AIDNEWS_DATA", str(paths.root), priority="cmdline")
    settings.set("CATALOG_URL", paths.catalog_url, priority="cmdline")
    if seeds:
        settings.set("AIDNEWS_SOURCES_DIR", str(seeds), priority="cmdline")
    if sample_web:
        # A loopback server: politeness delays would only slow the test crawl.
        settings.set("AIDNEWS_SAMPLE_WEB_URL", sample_web, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
        settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 8, priority="cmdline")
    if redis:
        for key, value in redis_settings(redis).items():
            settings.set(key, value, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    apply_renamed(settings)  # `-s SOURCES_DIR=...` of old scripts
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
    redis: RedisOptions | None = None,
    log_file: Path | None = None,
    quiet: bool = False,
) -> CrawlResult:
    """Crawl the chosen sources (all by default), each with its spider, in one Twisted reactor.

    Scrapy's log (``LOG_LEVEL``, INFO by default) goes to ``log_file``; the CLI's stderr stream
    shows what its level lets through (warnings by default), nothing while ``quiet``.
    """
    settings = crawl_settings(paths, sample_web, overrides or {}, seeds, redis)
    sources = load_sources(sources_dir(settings), list(source_ids) or None)
    paths.warcs.mkdir(parents=True, exist_ok=True)
    # Resuming a killed crawl is crawler.extensions.reconcile's job (so `scrapy crawl` resumes too).
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
    settings.set("LOG_INSTALL_ROOT_HANDLER", log_file is not None, priority="cmdline")
    level = logging.getLogger().level
    process = CrawlerProcess(settings)
    # Scrapy lowers the root level to NOTSET; keep the CLI's, or the file's LOG_LEVEL if lower.
    logging.getLogger().setLevel(min(level, level_number(settings.get("LOG_LEVEL"))) if log_file else level)
    redact.install()  # Scrapy's file handler redacts passwords too
    crawlers = []
    with quiet_stderr() if quiet else nullcontext():
        for spider, ids in plan(sources).items():
            crawler = process.create_crawler(spider)
            crawlers.append(crawler)
            process.crawl(crawler, sources=",".join(ids), seeds=str(sources_dir(settings)))
        process.start()
    result = CrawlResult(log_file=log_file)
    for crawler in crawlers:
        assert crawler.spider is not None and crawler.stats is not None
        result.stats[crawler.spider.name] = crawler.stats.get_stats()
    return result
