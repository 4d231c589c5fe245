"""Downloader middlewares: the sample-web proxy (offline crawls) and a robots.txt fix."""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.locations import sample_web_url


class SampleWebProxyMiddleware:
    """Send requests to ``AIDNEWS_SAMPLE_WEB_URL`` as an HTTP proxy; the URLs keep their real hosts."""

    def __init__(self, proxy_url: str) -> None:
        self.proxy_url = proxy_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SampleWebProxyMiddleware:
        url = sample_web_url(crawler.settings)
        if not url:
            raise NotConfigured  # off unless crawling offline; no message, so Scrapy logs no warning
        return cls(url)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        request.meta["proxy"] = self.proxy_url


class ConcurrentSafeRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, safe for requests that wait on the same robots.txt together.

    While robots.txt of a host is being fetched, every request to that host awaits one Deferred.
    Turning it into an asyncio future adds a callback that returns None, so the second and later
    waiters are handed None, which means "no robots.txt, allow everything": a request that arrived
    in that window skipped robots.txt. (Seen as a disallowed page fetched by a distributed worker that
    received many queued requests for a host at once.) The parser itself is stored by then, so read it.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            stored = self._parsers.get(urlparse_cached(request).netloc)
            if stored is not None and not isinstance(stored, Deferred):
                return stored
        return parser
