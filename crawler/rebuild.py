"""Rebuild missing articles from the WARC files: the catalog can always be recovered from the archive.

A crawler killed between writing a record and flushing its catalog batch
leaves responses with no article row; this re-extracts them with their
source's selectors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from archive.catalog import Catalog
from archive.errors import WarcReadError
from archive.warc_reader import load_response
from crawler.articles import article_item, article_row, extract_article
from crawler.sources import Source, catalog_rows

logger = logging.getLogger(__name__)


def rebuild_articles(catalog: Catalog, warc_dir: Path, sources: Sequence[Source]) -> int:
    """Extract an article for every archived article page whose URL has none yet; returns how many."""
    by_host = {h: s for s in sources for h in s.hosts}
    catalog.upsert_sources(catalog_rows(sources))  # a catalog rebuilt from WARCs knows its sites too
    have: set[str] = set()  # several captures of one URL: the first makes its article
    rows = []
    for capture in catalog.responses_without_article():
        host = capture.url.split("://", 1)[-1].split("/", 1)[0].split(":")[0].lower()
        source = by_host.get(host)
        if source is None or not source.is_article(capture.url) or capture.url in have:
            continue
        try:
            stored = load_response(warc_dir / capture.filename, capture.offset, capture.length, decoded=True)
        except (WarcReadError, FileNotFoundError) as exc:
            logger.warning("cannot rebuild %s: %s", capture.url, exc)
            continue
        content_type = next((v for k, v in stored.headers if k.lower() == "content-type"), None)
        found = extract_article(stored.payload, capture.url, content_type, source)
        if not found.text:
            continue
        have.add(capture.url)
        captured = datetime.strptime(capture.timestamp + "+0000", "%Y%m%d%H%M%S%z")
        rows.append(article_row(article_item(found, capture.url, source, capture.record_id, captured)))
    for start in range(0, len(rows), 200):
        catalog.add_articles(rows[start:start + 200])
    return len(rows)
