"""aidnews: crawl and archive aid news into WARC files, a SQL catalog and a near-duplicate report."""

__version__ = "0.1.0"
