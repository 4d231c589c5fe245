"""Where a crawl's WARC files and catalog are, from its settings (one rule for every component)."""

from __future__ import annotations

from pathlib import Path

from scrapy.settings import BaseSettings

from archive.catalog import catalog_url_for


def warc_dir(settings: BaseSettings) -> Path:
    return Path(settings.get("WARC_DIR") or Path(settings.get("AIDNEWS_DATA")) / "warcs")


def sources_dir(settings: BaseSettings) -> Path:
    """The folder of source files (``aidnews crawl --seeds``)."""
    return Path(settings.get("SOURCES_DIR"))


def catalog_url(settings: BaseSettings) -> str:
    return str(settings.get("CATALOG_URL") or catalog_url_for(Path(settings.get("AIDNEWS_DATA"))))
