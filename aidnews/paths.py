"""Where a data folder keeps its things."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataPaths:
    root: Path
    catalog_url: str

    @classmethod
    def resolve(cls, data: str | None, catalog: str | None = None) -> DataPaths:
        from archive.catalog import catalog_url_for  # SQLAlchemy loads only for commands that need it

        root = Path(data or os.environ.get("AIDNEWS_DATA") or "data").resolve()
        url = catalog or os.environ.get("AIDNEWS_CATALOG_URL") or catalog_url_for(root)
        return cls(root, url)

    @property
    def warcs(self) -> Path:
        return self.root / "warcs"

    @property
    def crawl_stats(self) -> Path:
        """The last crawl's Scrapy stats per spider (JSON), for monitoring and for tests."""
        return self.root / "logs" / "last-crawl-stats.json"

    @property
    def cdxj(self) -> Path:
        """The sorted CDXJ index of every capture, which replay (pywb) reads."""
        return self.root / "replay" / "indexes" / "index.cdxj"

    @property
    def reports(self) -> Path:
        return self.root / "reports"
