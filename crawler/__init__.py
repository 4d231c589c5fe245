"""Scrapy project: spiders, items, the WARC extension and the catalog pipeline."""
