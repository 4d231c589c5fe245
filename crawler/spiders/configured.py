"""Configuration-driven spider for aggregators and mirrors: everything comes from seeds/."""

from crawler.spiders.base import SourceSpider


class ConfiguredSpider(SourceSpider):
    """Crawl every source whose ``spider`` is ``configured`` (or those given with ``-a sources=``)."""

    name = "configured"
