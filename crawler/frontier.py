"""A shared Redis frontier (scrapy-redis) that survives a worker's death.

scrapy-redis gives every worker one queue and one duplicate filter in Redis.
It forgets a request once popped, so a worker killed mid-request loses it.
:class:`RedisFrontier` keeps each popped request in the worker's in-flight
hash until it leaves the downloader, and a heartbeat key per worker; a
worker whose heartbeat expired has its in-flight requests pushed back to the
queue by whichever worker notices first. Workers close together, when the
queue is empty and no live worker has a request in flight. A request counts
as done when its callback's output was queued (spider middleware), when a
middleware dropped it or it failed for good, or when its redirect target was
queued.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

logger = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 3
ALIVE_TTL = 12


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisFrontier(Scheduler):
    """scrapy-redis scheduler with in-flight tracking and dead-worker recovery."""

    crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisFrontier:
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        instance.worker = crawler.settings.get("AIDNEWS_WORKER_ID") or default_worker_id()
        instance.prefix = crawler.settings.get("REDIS_PREFIX")
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        return instance

    # -- keys ---------------------------------------------------------------
    def _inflight_key(self, worker: str) -> str:
        return f"{self.queue.key}:inflight:{worker}"

    def _alive_key(self, worker: str) -> str:
        # Per spider: one process runs several spiders, and one closing must not orphan the others.
        return f"{self.queue.key}:alive:{worker}"

    # -- lifecycle ----------------------------------------------------------
    def open(self, spider: Spider) -> Any:
        result = super().open(spider)
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_SECONDS, now=False)
        return result

    def close(self, reason: str) -> Any:
        if getattr(self, "_heartbeat", None) is not None and self._heartbeat.running:
            self._heartbeat.stop()
        self.server.delete(self._alive_key(self.worker))
        return super().close(reason)

    def _beat(self) -> None:
        self.server.set(self._alive_key(self.worker), "1", ex=ALIVE_TTL)
        self.recover_dead()

    # -- requests -----------------------------------------------------------
    def next_request(self) -> Request | None:
        request = self.queue.pop(0)  # never block: a blocking pop would stall this worker's reactor
        if request is None:
            return None
        self.server.hset(self._inflight_key(self.worker), self._field(request), self.queue._encode_request(request))
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request: Request) -> bool:
        queued = super().enqueue_request(request)
        redirected_from = request.meta.get("redirect_urls")
        if redirected_from:
            # The 3xx response never reaches a spider: its request is done once its target is queued.
            self.server.hdel(self._inflight_key(self.worker), f"{request.method} {redirected_from[-1]}")
        return queued

    @staticmethod
    def _field(request: Request) -> str:
        return f"{request.method} {request.url}"

    def recover_dead(self) -> int:
        """Push the in-flight requests of workers whose heartbeat expired back to the queue."""
        recovered = 0
        for key in self.server.scan_iter(f"{self.queue.key}:inflight:*"):
            worker = key.decode().rsplit(":", 1)[1]
            if worker == self.worker or self.server.exists(self._alive_key(worker)):
                continue
            if not self.server.set(f"{self.queue.key}:recovering:{worker}", self.worker, nx=True, ex=30):
                continue  # another worker is recovering it
            for data in self.server.hvals(key):
                self.queue.push(self.queue._decode_request(data))
                recovered += 1
            self.server.delete(key)
            logger.warning("recovered %d in-flight request(s) of dead worker %s", recovered, worker)
        if recovered and self.stats:
            self.stats.inc_value("frontier/recovered", recovered)
        return recovered

    def _others_busy(self) -> bool:
        for key in self.server.scan_iter(f"{self.queue.key}:inflight:*"):
            worker = key.decode().rsplit(":", 1)[1]
            if worker == self.worker:
                continue
            if self.server.hlen(key) and self.server.exists(self._alive_key(worker)):
                return True
        return False

    def spider_idle(self, spider: Spider) -> None:
        # Stay open while any live worker may still add requests, or a dead one left some behind.
        if self.recover_dead() or len(self.queue) or self._others_busy():
            raise DontCloseSpider("frontier not drained")

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0


def inflight_key(settings: Any, spider: Spider) -> str:
    worker = settings.get("AIDNEWS_WORKER_ID") or default_worker_id()
    return f"{settings.get('SCHEDULER_QUEUE_KEY') % {'spider': spider.name}}:inflight:{worker}"


def _ack(server: Any, settings: Any, spider: Spider, request: Request) -> None:
    server.hdel(inflight_key(settings, spider), RedisFrontier._field(request))


class _Acker:
    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        self.settings = crawler.settings
        self.server = get_redis_from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        from scrapy.exceptions import NotConfigured

        if crawler.settings.get("SCHEDULER") != "crawler.frontier.RedisFrontier":
            raise NotConfigured("not a Redis frontier crawl")
        return cls(crawler)


class FrontierAckMiddleware(_Acker):
    """Downloader middleware: a request dropped (robots.txt, offsite) or failed for good is done."""

    def process_exception(self, request: Request, exception: Exception, spider: Spider) -> None:
        _ack(self.server, self.settings, spider, request)
        return None


class FrontierAckSpiderMiddleware(_Acker):
    """Spider middleware: a request is done once its callback's output (new links, items) was handed
    on, so a worker killed after fetching a list page but before queueing its links loses nothing."""

    def process_spider_output(self, response: Any, result: Any, spider: Spider) -> Any:
        try:
            yield from result
        finally:
            _ack(self.server, self.settings, spider, response.request)

    async def process_spider_output_async(self, response: Any, result: Any, spider: Spider) -> Any:
        try:
            async for item in result:
                yield item
        finally:
            _ack(self.server, self.settings, spider, response.request)

    def process_spider_exception(self, response: Any, exception: Exception, spider: Spider) -> None:
        _ack(self.server, self.settings, spider, response.request)
        return None
