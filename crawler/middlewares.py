"""Downloader middleware that routes every request through the sample web (offline crawls)."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class SampleWebProxyMiddleware:
    """Send requests to ``SAMPLE_WEB_URL`` as an HTTP proxy; the URLs keep their real hosts."""

    def __init__(self, proxy_url: str) -> None:
        self.proxy_url = proxy_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SampleWebProxyMiddleware:
        url = crawler.settings.get("SAMPLE_WEB_URL")
        if not url:
            raise NotConfigured("SAMPLE_WEB_URL is not set")
        return cls(url)

    def process_request(self, request: Request, spider: Spider) -> None:
        request.meta["proxy"] = self.proxy_url
        return None
