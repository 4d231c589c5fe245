"""The robots.txt middleware must hold for every request that waits on one robots.txt fetch."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from crawler.middlewares import ConcurrentSafeRobotsTxtMiddleware


def test_concurrent_waiters_all_get_the_parser() -> None:
    class Parser:
        def allowed(self, url: str, user_agent: str) -> bool:
            return "/private/" not in url

    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    middleware = ConcurrentSafeRobotsTxtMiddleware(crawler)
    pending: Deferred = Deferred()
    middleware._parsers["www.tibet.cn"] = pending  # robots.txt is being fetched

    async def scenario() -> list:
        requests = [Request(f"http://www.tibet.cn/cn/private/{i}.html") for i in range(3)]
        waiters = [asyncio.ensure_future(middleware.robot_parser(r)) for r in requests]
        await asyncio.sleep(0)
        parser = Parser()
        middleware._parsers["www.tibet.cn"] = parser  # what Scrapy stores before firing the Deferred
        pending.callback(parser)
        return [await w for w in waiters]

    loop = asyncio.new_event_loop()
    try:
        results = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert all(r is not None and not r.allowed("http://www.tibet.cn/cn/private/1.html", "ua") for r in results)
