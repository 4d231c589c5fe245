"""The Redis frontier's atomic moves, on the real Redis: queue, pop into flight, ack, recovery."""

from __future__ import annotations

import pytest
import redis
from scrapy import Request, Spider
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.test import get_crawler

from crawler.frontier import FIELD_META, RedisFrontier, _ack
from tests.services import redis_prefix  # noqa: F401 - fixture


class _Spider(Spider):
    name = "frontier_test"


def _frontier(redis_url: str, prefix: str, worker: str) -> RedisFrontier:
    from aidnews.crawl import RedisOptions, redis_settings

    settings = redis_settings(RedisOptions(redis_url, prefix, worker))
    crawler = get_crawler(_Spider, settings_dict={**settings, "REDIS_URL": redis_url})
    crawler.spider = _Spider.from_crawler(crawler)
    frontier = RedisFrontier.from_crawler(crawler)
    frontier.open(crawler.spider)
    return frontier


def test_seen_requests_are_queued_once_and_popped_by_priority(redis_prefix) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    frontier = _frontier(*redis_prefix, "a")
    try:
        assert frontier.enqueue_request(Request("http://example.test/low", priority=0))
        assert frontier.enqueue_request(Request("http://example.test/high", priority=5))
        assert not frontier.enqueue_request(Request("http://example.test/low"))  # seen
        assert frontier.enqueue_request(Request("http://example.test/low", dont_filter=True))
        assert len(frontier.queue) == 3
        first = frontier.next_request()
        assert first is not None and first.url == "http://example.test/high"
        inflight = frontier.server.hgetall(frontier._inflight_key("a"))
        assert list(inflight) == [first.meta[FIELD_META].encode()]
        _ack(frontier.server, frontier.crawler.settings, frontier.spider, first)
        assert frontier.server.hlen(frontier._inflight_key("a")) == 0
    finally:
        frontier.close("finished")


def test_a_redirect_replaces_its_request_in_flight(redis_prefix) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    frontier = _frontier(*redis_prefix, "a")
    try:
        frontier.enqueue_request(Request("http://example.test/old"))
        popped = frontier.next_request()
        assert popped is not None
        target = popped.replace(url="http://example.test/new")
        target.meta["redirect_urls"] = [popped.url]
        assert frontier.enqueue_request(target)
        assert frontier.server.hlen(frontier._inflight_key("a")) == 0
        assert FIELD_META not in target.meta  # the old field is not stored with the new request
    finally:
        frontier.close("finished")


def test_a_dead_workers_requests_return_to_the_queue_with_their_priority(redis_prefix) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    dead, alive = _frontier(*redis_prefix, "dead"), _frontier(*redis_prefix, "alive")
    try:
        dead.enqueue_request(Request("http://example.test/a", priority=3))
        dead.enqueue_request(Request("http://example.test/b", priority=1))
        assert dead.next_request() is not None and dead.next_request() is not None
        assert alive.recover_dead() == 0  # its heartbeat is still fresh
        redis.Redis.from_url(redis_prefix[0]).delete(dead._alive_key("dead"))  # as if SIGKILLed long ago
        assert alive.recover_dead() == 2
        assert alive.recover_dead() == 0  # moved once
        urls = [alive.next_request().url for _ in range(2)]  # type: ignore[union-attr]
        assert urls == ["http://example.test/a", "http://example.test/b"]
    finally:
        alive.close("finished")
        dead._heartbeat.stop()


def test_a_worker_stays_open_until_the_queue_and_every_live_worker_are_drained(redis_prefix) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    busy, idle = _frontier(*redis_prefix, "busy"), _frontier(*redis_prefix, "idle")
    try:
        busy.enqueue_request(Request("http://example.test/a"))
        busy.enqueue_request(Request("http://example.test/b"))
        assert idle.settle() == (0, 2, 0)  # (recovered, queued, live workers busy)
        popped = busy.next_request()
        assert popped is not None and idle.settle() == (0, 1, 1)
        with pytest.raises(DontCloseSpider):
            idle.spider_idle(idle.spider)
        redis.Redis.from_url(redis_prefix[0]).delete(busy._alive_key("busy"))  # its heartbeat expired
        assert idle.settle() == (1, 2, 0)  # recovered in the same step that counts the queue
        taken = [idle.next_request() for _ in range(2)]
        assert [r.url for r in taken] == ["http://example.test/a", "http://example.test/b"]  # type: ignore[union-attr]
        assert busy.settle() == (0, 0, 1)  # the other worker now holds them
        for request in taken:
            _ack(idle.server, idle.crawler.settings, idle.spider, request)
        assert busy.settle() == (0, 0, 0)
        busy.spider_idle(busy.spider)  # drained: no DontCloseSpider
    finally:
        idle.close("finished")
        busy._heartbeat.stop()


def test_a_pages_new_links_are_in_the_frontier_before_the_page_is_done(redis_prefix) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse

    from crawler.frontier import FrontierAckSpiderMiddleware

    frontier = _frontier(*redis_prefix, "a")
    try:
        frontier.enqueue_request(Request("http://example.test/list"))
        page = frontier.next_request()
        assert page is not None
        crawler = frontier.crawler
        crawler.engine = SimpleNamespace(crawl=frontier.enqueue_request)  # the engine's crawl() queues in the frontier
        middleware = FrontierAckSpiderMiddleware(crawler)
        links = [Request(f"http://example.test/{n}.html") for n in range(3)]
        handed_on = list(middleware.process_spider_output(
            HtmlResponse(page.url, body=b"<html></html>", request=page), iter([*links, {"title": "an item"}])))
        # The page is done, and a worker killed now (the scraper's own buffer never drained) loses nothing.
        assert frontier.server.hlen(frontier._inflight_key("a")) == 0
        assert handed_on == [{"title": "an item"}]
        assert sorted(frontier.next_request().url for _ in links) == [r.url for r in links]  # type: ignore[union-attr]
    finally:
        frontier.close("finished")
