"""Rebuild catalog captures from the WARC files alone (the WARCs are the source of truth)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from archive.catalog.store import Catalog, capture_row
from archive.errors import WarcReadError
from archive.warc_reader import iter_records, warc_files

logger = logging.getLogger(__name__)


@dataclass
class IndexReport:
    files: int = 0
    records: int = 0
    unreadable: list[str] = field(default_factory=list)


def source_for_url(url: str, hosts: Mapping[str, str]) -> str | None:
    """The source id whose hosts include the URL's host, or None."""
    return hosts.get((urlsplit(url).hostname or "").lower())


def index_warcs(
    warc_dir: Path,
    catalog: Catalog,
    hosts: Mapping[str, str] | None = None,
    progress: Callable[[str, int], None] | None = None,
    batch: int = 500,
    only: list[str] | None = None,
) -> IndexReport:
    """Add a capture for every response/revisit record in ``warc_dir`` (or its files named in
    ``only``); existing ones stay."""
    report = IndexReport()
    hosts = hosts or {}
    for path in warc_files(warc_dir):
        if only is not None and path.name not in only:
            continue
        report.files += 1
        rows: list[dict[str, object]] = []
        try:
            for ref in iter_records(path):
                rows.append(capture_row(ref, source_for_url(ref.url, hosts)))
                if len(rows) >= batch:
                    catalog.add_capture_rows(rows)
                    report.records += len(rows)
                    rows = []
        except WarcReadError as exc:
            logger.warning("%s", exc)
            report.unreadable.append(path.name)
        catalog.add_capture_rows(rows)
        report.records += len(rows)
        if progress:
            progress(path.name, report.records)
    return report
