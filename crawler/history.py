"""What the archive already holds: the basis of incremental crawls and of resuming a killed one.

For every URL of the crawled sources, the latest archived 200 response (from the catalog). A
known article is not fetched again unless its source's revisit policy says so; a known page is
refetched with If-None-Match / If-Modified-Since from its last capture, and when the server
answers 304 the spider is handed the archived copy (crawler.incremental). :func:`unchanged` is the
one revisit decision: the WARC extension writes a revisit record and the spider skips the article.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from archive.catalog import Catalog
from archive.errors import ArchiveError
from archive.warc_reader import StoredResponse, load_response
from crawler.locations import open_catalog, warc_dir

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest of ``body`` (sha1, base32), as warcio writes it."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def unchanged(status: int, body: bytes, previous_digest: str) -> bool:
    """A response to a known page is a revisit: the server said 304, or sent the archived bytes again
    (``body`` as received, before decompression, as the WARC payload digest is taken)."""
    return status == 304 or payload_digest(body) == previous_digest


@dataclass(frozen=True)
class Previous:
    url: str
    filename: str
    offset: int
    length: int
    digest: str
    timestamp: str  # 14-digit CDX timestamp, UTC

    @property
    def captured(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)

    @property
    def warc_date(self) -> str:
        return self.captured.strftime("%Y-%m-%dT%H:%M:%SZ")

    def as_meta(self) -> dict[str, object]:
        return {"url": self.url, "filename": self.filename, "offset": self.offset, "length": self.length,
                "digest": self.digest, "timestamp": self.timestamp}


class History:
    """Latest archived 200 response per URL."""

    def __init__(self, known: dict[str, Previous], warcs: Path) -> None:
        self.known = known
        self.warcs = warcs
        self._stored = lru_cache(maxsize=512)(self._load)

    @classmethod
    def load(cls, open_catalog: Callable[[], Catalog], warcs: Path, source_ids: list[str]) -> History:
        try:
            catalog = open_catalog()
            try:
                known = {row[0]: Previous(*row) for row in catalog.ok_responses(source_ids)}  # later ones win
            finally:
                catalog.close()
        except ArchiveError as exc:
            logger.warning("no history for an incremental crawl: %s", exc)
            return cls({}, warcs)
        return cls(known, warcs)

    def get(self, url: str) -> Previous | None:
        return self.known.get(url)

    def due(self, previous: Previous, days: float, now: datetime | None = None) -> bool:
        """Recheck a known article? ``days`` <= 0 means never."""
        return days > 0 and (now or datetime.now(UTC)) - previous.captured >= timedelta(days=days)

    def _load(self, previous: Previous) -> StoredResponse | None:
        try:
            return load_response(self.warcs / previous.filename, previous.offset, previous.length, decoded=True)
        except (ArchiveError, OSError) as exc:
            logger.warning("archived copy of %s unreadable: %s", previous.url, exc)
            return None

    def stored(self, previous: Previous) -> StoredResponse | None:
        return self._stored(previous)

    def conditional_headers(self, previous: Previous) -> dict[str, str]:
        stored = self.stored(previous)
        headers = {k.lower(): v for k, v in stored.headers} if stored else {}
        out = {}
        if "etag" in headers:
            out["If-None-Match"] = headers["etag"]
        if "last-modified" in headers:
            out["If-Modified-Since"] = headers["last-modified"]
        return out


_HISTORY = "_aidnews_history"


def crawl_history(crawler: Crawler, source_ids: Sequence[str]) -> History:
    """The crawl's history, read from the catalog once (at first use: after the resume step) and shared
    by the spider (which known articles to skip) and crawler.incremental (conditional requests)."""
    history: History | None = getattr(crawler, _HISTORY, None)
    if history is None:
        settings = crawler.settings
        if settings.getbool("INCREMENTAL_ENABLED") and settings.getbool("CATALOG_ENABLED"):
            history = History.load(lambda: open_catalog(settings), warc_dir(settings), list(source_ids))
        else:
            history = History({}, warc_dir(settings))
        setattr(crawler, _HISTORY, history)
    return history
