"""Name why a request failed, for crawl stats (``fetch/failed/<kind>``) and the log.

A failed fetch never stops a crawl: the spider's errback counts it under one of these kinds
(docs/reliability.md lists which server fault lands where) and goes on.
"""

from __future__ import annotations

import zlib

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import defer
from twisted.internet import error as tx_error
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from crawler.safety import UnsafeDestination

# The first matching class decides; order matters (ConnectionError is an OSError).
_BY_TYPE: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((UnsafeDestination, UnsupportedURLSchemeError), "unsafe_destination"),
    ((DownloadTimeoutError, tx_error.TimeoutError, defer.TimeoutError), "timeout"),
    ((DownloadCancelledError, defer.CancelledError), "too_large"),
    ((ResponseDataLossError,), "truncated"),
    ((CannotResolveHostError, tx_error.DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, DownloadFailedError, ResponseFailed, ResponseNeverReceived,
      tx_error.ConnectionLost, tx_error.ConnectionDone, tx_error.ConnectError, ConnectionError), "connection"),
    ((HttpError,), "http_status"),
    ((OSError, EOFError, zlib.error), "bad_encoding"),  # gzip/deflate bodies that do not decode
)

# Scrapy raises plain IgnoreRequest for these; its message is all that tells them apart.
_IGNORED = (("max redirections", "redirect_loop"), ("DOWNLOAD_MAXSIZE", "too_large"), ("robots.txt", "robots"))


def failure_kind(exc: BaseException) -> str:
    """A short, stable name for the stats key."""
    for types, kind in _BY_TYPE:
        if isinstance(exc, types):
            return kind
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        for needle, kind in _IGNORED:
            if needle in message:
                return kind
        return "ignored"
    return "other"
