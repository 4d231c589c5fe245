"""A shared Redis frontier (scrapy-redis) that survives a worker's death.

scrapy-redis gives every worker one queue and one duplicate filter in Redis.
It forgets a request once popped, so a worker killed mid-request loses it.
:class:`RedisFrontier` keeps each popped request in the worker's in-flight
hash until it leaves the downloader, and a heartbeat key per worker; a
worker whose heartbeat expired has its in-flight requests pushed back to the
queue by whichever worker notices first. Workers close together, when the
queue is empty and no live worker has a request in flight. A request counts
as done when its callback's new requests were queued (spider middleware), when a
middleware dropped it or it failed for good, or when its redirect target was
queued.
"""

from __future__ import annotations

import hashlib
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


# Each move between the queue, the duplicate filter and a worker's in-flight hash is one Lua
# script, so a worker killed between two Redis calls cannot lose a request (seen but never queued,
# or popped but never marked in flight). In-flight fields are the sha1 of the request's encoded
# bytes; their values keep the queue score, so recovery restores the priority.
ENQUEUE = """
local queued = 0
if ARGV[4] == '1' or redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  queued = 1
end
if ARGV[5] ~= '' then redis.call('HDEL', KEYS[3], ARGV[5]) end
return queued
"""
POP = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
redis.call('HSET', KEYS[2], redis.sha1hex(top[1]), top[2] .. ':' .. top[1])
return top[1]
"""
# One look at every other worker, in one script: a dead one's requests go back to the queue, and
# the answer (recovered, queued, live workers busy) cannot mix a heartbeat read before it expired
# with an in-flight count read after, which would let a worker close with a dead one's requests
# still in flight. KEYS: the queue, then each other worker's in-flight hash and heartbeat key;
# the answer also names the in-flight hashes it emptied.
SETTLE = """
local recovered, busy, dead = 0, 0, {}
for i = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then
    if redis.call('HLEN', KEYS[i]) > 0 then busy = busy + 1 end
  else
    local values = redis.call('HVALS', KEYS[i])
    for _, value in ipairs(values) do
      local colon = string.find(value, ':', 1, true)
      redis.call('ZADD', KEYS[1], string.sub(value, 1, colon - 1), string.sub(value, colon + 1))
    end
    redis.call('DEL', KEYS[i])
    if #values > 0 then table.insert(dead, KEYS[i]) end
    recovered = recovered + #values
  end
end
return {recovered, redis.call('ZCARD', KEYS[1]), busy, dead}
"""
FIELD_META = "frontier_field"


class RedisFrontier(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no type hints
    """scrapy-redis scheduler with atomic moves, in-flight tracking and dead-worker recovery."""

    crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisFrontier:
        instance: RedisFrontier = super().from_crawler(crawler)
        instance.crawler = crawler
        instance.worker = crawler.settings.get("AIDNEWS_WORKER_ID") or default_worker_id()
        instance.prefix = crawler.settings.get("REDIS_PREFIX")
        instance._enqueue = instance.server.register_script(ENQUEUE)
        instance._pop = instance.server.register_script(POP)
        instance._settle = instance.server.register_script(SETTLE)
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
        # Never block: a blocking pop would stall this worker's reactor.
        data = self._pop(keys=[self.queue.key, self._inflight_key(self.worker)])
        if data is None:
            return None
        request: Request = self.queue._decode_request(data)
        request.meta[FIELD_META] = hashlib.sha1(data).hexdigest()
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request: Request) -> bool:
        # A redirect or retry replaces the request it came from: that one is done once this is queued.
        previous = request.meta.pop(FIELD_META, None)
        replaces = previous if ("redirect_urls" in request.meta or "retry_times" in request.meta) else None
        queued = bool(self._enqueue(
            keys=[self.df.key, self.queue.key, self._inflight_key(self.worker)],
            args=[self.df.request_fingerprint(request), -request.priority, self.queue._encode_request(request),
                  "1" if request.dont_filter else "0", replaces or ""],
        ))
        if not queued:
            self.df.log(request, self.spider)
        elif self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return queued

    def settle(self) -> tuple[int, int, int]:
        """Push the in-flight requests of workers whose heartbeat expired back to the queue; returns
        (requests recovered, requests queued, live workers with requests in flight)."""
        workers = {key: key.decode().rsplit(":", 1)[1] for key in self.server.scan_iter(f"{self.queue.key}:inflight:*")}
        keys = [self.queue.key]
        for key, worker in workers.items():
            if worker != self.worker:
                keys += [key, self._alive_key(worker)]
        recovered, queued, busy, dead = self._settle(keys=keys)
        if recovered:
            names = ", ".join(workers[key] for key in dead)
            logger.warning("recovered %d in-flight request(s) of dead worker(s) %s", recovered, names)
            if self.stats:
                self.stats.inc_value("frontier/recovered", recovered)
        return int(recovered), int(queued), int(busy)

    def recover_dead(self) -> int:
        """Push the in-flight requests of workers whose heartbeat expired back to the queue."""
        return self.settle()[0]

    def spider_idle(self, spider: Spider) -> None:
        # Stay open while any live worker may still add requests, or a dead one left some behind.
        if any(self.settle()):
            raise DontCloseSpider("frontier not drained")

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0


def inflight_key(settings: Any, spider: Spider) -> str:
    worker = settings.get("AIDNEWS_WORKER_ID") or default_worker_id()
    return f"{settings.get('SCHEDULER_QUEUE_KEY') % {'spider': spider.name}}:inflight:{worker}"


def _ack(server: Any, settings: Any, spider: Spider, request: Request) -> None:
    field = request.meta.get(FIELD_META)
    if field:  # requests that never came from the frontier (robots.txt) have none
        server.hdel(inflight_key(settings, spider), field)


class _Acker:
    def __init__(self, crawler: Crawler) -> None:
        from scrapy_redis.connection import get_redis_from_settings

        self.crawler = crawler
        self.settings = crawler.settings
        self.server = get_redis_from_settings(crawler.settings)

    @property
    def _spider(self) -> Spider:
        assert self.crawler.spider is not None  # middlewares run only while the spider is open
        return self.crawler.spider

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        from scrapy.exceptions import NotConfigured

        if crawler.settings.get("SCHEDULER") != "crawler.frontier.RedisFrontier":
            raise NotConfigured  # off unless distributed; no message, so Scrapy logs no warning
        return cls(crawler)


class FrontierAckMiddleware(_Acker):
    """Downloader middleware: a request dropped (robots.txt, offsite) or failed for good is done."""

    def process_exception(self, request: Request, exception: Exception) -> None:
        _ack(self.server, self.settings, self._spider, request)


class FrontierAckSpiderMiddleware(_Acker):
    """Spider middleware: a request is done once its callback's new requests are in the frontier.

    It queues them itself, as each is yielded. Scrapy's scraper would first buffer them (up to twice
    CONCURRENT_ITEMS) and queue them later, so a worker killed between the callback's end and the
    buffer's draining would lose links whose page it had already acknowledged. Items go on as
    usual: the WARC record they come from is written already, and `aidnews index` rebuilds them.
    """

    def _queued(self, output: Any) -> bool:
        if not isinstance(output, Request):
            return False
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(output)  # what the scraper does with a request, done now
        return True

    def process_spider_output(self, response: Any, result: Any) -> Any:
        try:
            for output in result:
                if not self._queued(output):
                    yield output
        finally:
            _ack(self.server, self.settings, self._spider, response.request)

    async def process_spider_output_async(self, response: Any, result: Any) -> Any:
        try:
            async for output in result:
                if not self._queued(output):
                    yield output
        finally:
            _ack(self.server, self.settings, self._spider, response.request)

    def process_spider_exception(self, response: Any, exception: Exception) -> None:
        _ack(self.server, self.settings, self._spider, response.request)
