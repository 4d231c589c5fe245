"""Incremental crawls as a downloader middleware: spiders see ordinary responses.

As Scrapy's HttpCacheMiddleware separates a policy from a storage, this middleware asks the
archive (crawler.history, the storage) and :func:`crawler.history.unchanged` (the policy). A
request for a known page gets If-None-Match / If-Modified-Since from its last capture
(``INCREMENTAL_CONDITIONAL_REQUESTS``) and ``request.meta["previous"]``, from which the WARC
extension writes a revisit record. When the page is unchanged the response carries the flag
``"unchanged"``, and a 304 is replaced by the archived copy (status 200), so a spider reads the
links of an unchanged list page as if it had been fetched. A redirected request is looked up again
under its new URL.
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response

from crawler.history import History, Previous, crawl_history, unchanged

UNCHANGED = "unchanged"  # the response flag
_CONDITIONAL = (b"If-None-Match", b"If-Modified-Since")


class IncrementalMiddleware:
    def __init__(self, crawler: Crawler, conditional: bool = True) -> None:
        self.crawler = crawler
        self.conditional = conditional

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("INCREMENTAL_ENABLED"):
            raise NotConfigured("INCREMENTAL_ENABLED is off")
        return cls(crawler, settings.getbool("INCREMENTAL_CONDITIONAL_REQUESTS", True))

    @property
    def history(self) -> History:
        sources = getattr(self.crawler.spider, "sources", [])
        return crawl_history(self.crawler, [s.id for s in sources])

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        for header in _CONDITIONAL:  # a redirect copies the headers of the URL it came from
            request.headers.pop(header, None)
        previous = self.history.get(request.url)
        if previous is None:
            request.meta.pop("previous", None)
            return None
        request.meta["previous"] = previous.as_meta()
        # A 304 whose archived copy cannot be read reaches the callback flagged, not as an error.
        allowed = request.meta.get("handle_httpstatus_list", [])
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        if self.conditional:
            for key, value in self.history.conditional_headers(previous).items():
                request.headers[key] = value
        return None

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        meta = request.meta.get("previous")
        if not meta or not unchanged(response.status, response.body, meta["digest"]):
            return response
        if self.crawler.stats:
            self.crawler.stats.inc_value("incremental/unchanged")
        flags = [*response.flags, UNCHANGED]
        if response.status == 304:
            stored = self.history.stored(Previous(**meta))
            if stored is not None:
                headers = {k: v for k, v in stored.headers if k.lower() == "content-type"}
                return HtmlResponse(response.url, status=200, body=stored.payload, headers=headers,
                                    request=request, flags=flags)
        return response.replace(flags=flags)
