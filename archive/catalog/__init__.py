"""The SQL catalog: an index over the WARC files (sources, runs, captures, articles, dedupe)."""

from archive.catalog.store import Catalog, catalog_url_for

__all__ = ["Catalog", "catalog_url_for"]
