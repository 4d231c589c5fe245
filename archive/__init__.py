"""Archive layer: WARC writing and reading, the SQL catalog and indexing. Never imports scrapy."""
