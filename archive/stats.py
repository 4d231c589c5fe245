"""Counts over a data folder: WARC files and records, and the catalog's tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.catalog import Catalog
from archive.catalog.models import Article, Capture, Cluster, CrawlRun, DedupePair, Source
from archive.errors import WarcReadError
from archive.warc_reader import iter_records, warc_files


def data_stats(warc_dir: Path, catalog: Catalog) -> dict[str, Any]:
    """``{"warc_files", "records", "captures", "articles", "sources", ...}`` for a data folder."""
    files = warc_files(warc_dir) if warc_dir.exists() else []
    records = 0
    unreadable = []
    for path in files:
        try:
            records += sum(1 for _ in iter_records(path))
        except WarcReadError:
            unreadable.append(path.name)
    return {
        "warc_files": len(files),
        "warc_bytes": sum(p.stat().st_size for p in files),
        "records": records,
        "unreadable_warc_files": unreadable,
        "captures": catalog.count(Capture),
        "articles": catalog.count(Article),
        "sources": catalog.count(Source),
        "crawl_runs": catalog.count(CrawlRun),
        "dedupe_pairs": catalog.count(DedupePair),
        "clusters": catalog.count(Cluster),
    }
