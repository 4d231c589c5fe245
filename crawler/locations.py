"""What a crawl's settings say about where things are, one rule for every component; renamed settings.

Each project setting has a group prefix (``WARC_*``, ``CATALOG_*``, ``INCREMENTAL_*``, ``SAFETY_*``,
``RECHECK_*``, ``VERSIONS_*``, ``AIDNEWS_*``). The old unprefixed names still work for a while: :func:`apply_renamed` moves them
to their new names, with a warning.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.settings import BaseSettings

from archive.catalog import Catalog
from crawler.environment import data_root, default_catalog_url

logger = logging.getLogger(__name__)

# Old name -> new name.
RENAMED = {
    "SOURCES_DIR": "AIDNEWS_SOURCES_DIR",
    "SAMPLE_WEB_URL": "AIDNEWS_SAMPLE_WEB_URL",
    "ALLOW_PRIVATE_ADDRESSES": "SAFETY_ALLOW_PRIVATE_ADDRESSES",
    "REVISIT_ARTICLES_DAYS": "INCREMENTAL_REVISIT_ARTICLES_DAYS",
    "CONDITIONAL_REQUESTS": "INCREMENTAL_CONDITIONAL_REQUESTS",
}


def apply_renamed(settings: BaseSettings) -> None:
    """Move values given under an old setting name to the new one (unless the new one was set higher)."""
    for old, new in RENAMED.items():
        priority = settings.getpriority(old)
        if priority is None:
            continue
        logger.warning("setting %s is now called %s; please rename it", old, new)
        settings.set(new, settings.get(old), priority=priority)
        settings.delete(old, priority=priority)  # warned once


def data_dir(settings: BaseSettings) -> Path:
    return data_root(settings.get("AIDNEWS_DATA"))


def warc_dir(settings: BaseSettings) -> Path:
    return Path(settings.get("WARC_DIR") or data_dir(settings) / "warcs")


def sources_dir(settings: BaseSettings) -> Path:
    """The folder of source files (``aidnews crawl --seeds``)."""
    return Path(settings.get("AIDNEWS_SOURCES_DIR"))


def sample_web_url(settings: BaseSettings) -> str:
    """The sample web proxying every request (offline crawls), or ``""``."""
    return str(settings.get("AIDNEWS_SAMPLE_WEB_URL") or "")


def catalog_url(settings: BaseSettings) -> str:
    return str(settings.get("CATALOG_URL") or default_catalog_url(data_dir(settings)))


def open_catalog(settings: BaseSettings) -> Catalog:
    """The crawl's catalog, retried as the settings say (CATALOG_RETRIES, CATALOG_RETRY_BACKOFF)."""
    return Catalog(catalog_url(settings), retries=settings.getint("CATALOG_RETRIES"),
                   backoff=settings.getfloat("CATALOG_RETRY_BACKOFF"))
