"""Where a data folder keeps its things."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from crawler.environment import data_root, default_catalog_url


@dataclass(frozen=True)
class DataPaths:
    root: Path
    catalog_url: str

    @classmethod
    def resolve(cls, data: str | None, catalog: str | None = None) -> DataPaths:
        """``--data`` and ``--catalog``, or their defaults (crawler.environment: the one rule)."""
        root = data_root(data).resolve()
        return cls(root, catalog or default_catalog_url(root))

    @property
    def warcs(self) -> Path:
        return self.root / "warcs"

    @property
    def logs(self) -> Path:
        """Crawl logs (``crawl-YYYYmmddTHHMMSSZ.log``, Scrapy's own) and the last crawl's stats."""
        return self.root / "logs"

    def crawl_log(self, started: datetime) -> Path:
        return self.logs / f"crawl-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}.log"

    @property
    def crawl_stats(self) -> Path:
        """The last crawl's Scrapy stats per spider (JSON), for monitoring and for tests."""
        return self.logs / "last-crawl-stats.json"

    @property
    def cdxj(self) -> Path:
        """The sorted CDXJ index of every capture, which replay (pywb) reads."""
        return self.root / "replay" / "indexes" / "index.cdxj"

    @property
    def locks(self) -> Path:
        """``SOURCE.lock`` files that ``aidnews schedule`` holds while a source's crawl runs."""
        return self.root / "locks"

    @property
    def reports(self) -> Path:
        return self.root / "reports"
