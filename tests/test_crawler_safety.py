"""The crawler's destination guard and the names it gives failed fetches."""

from __future__ import annotations

import asyncio

import pytest
from scrapy import Request
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.internet import error as tx_error

from crawler.fetch_errors import failure_kind
from crawler.safety import SafeDestinationMiddleware, UnsafeDestination, check_url, unsafe_address


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://www.tibet.cn/x", "data:text/html,hi", "gopher://x/", "javascript:alert(1)",
    "http://127.0.0.1/", "http://127.1.2.3:8080/x", "http://[::1]/", "http://10.0.0.8/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1%25eth0]/", "http://100.64.0.1/", "http:///nohost",
])
def test_refused_without_a_lookup(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_url(url)


@pytest.mark.parametrize("url", ["http://www.tibet.cn/cn/index.html", "https://8.8.8.8/", "http://[2001:4860::8888]/"])
def test_public_destinations_pass(url: str) -> None:
    check_url(url)


def test_unsafe_address_only_judges_addresses() -> None:
    assert unsafe_address("127.0.0.1") and unsafe_address("::1") and not unsafe_address("www.tibet.cn")


async def _call(middleware: SafeDestinationMiddleware, url: str) -> None:
    await middleware.process_request(Request(url))


def test_a_name_that_resolves_to_loopback_is_refused_in_real_crawls() -> None:
    from crawler import safety

    assert safety._resolves_unsafe("localhost")  # the lookup the middleware makes (in a thread)
    assert not safety._resolves_unsafe("no-such-host.invalid")  # left to the download to report


def test_sample_web_crawls_do_not_resolve_but_still_refuse_literals() -> None:
    crawler = get_crawler(settings_dict={"AIDNEWS_SAMPLE_WEB_URL": "http://127.0.0.1:1"})
    middleware = SafeDestinationMiddleware.from_crawler(crawler)
    assert middleware.check_addresses and not middleware.resolve
    with pytest.raises(UnsafeDestination):
        asyncio.run(_call(middleware, "http://127.0.0.1:9/secret"))
    asyncio.run(_call(middleware, "http://www.tibet.cn/"))  # names go to the proxy unresolved


def test_intranet_sources_can_allow_private_addresses_but_never_other_schemes() -> None:
    crawler = get_crawler(settings_dict={"SAFETY_ALLOW_PRIVATE_ADDRESSES": True, "AIDNEWS_SAMPLE_WEB_URL": "http://127.0.0.1:1"})
    middleware = SafeDestinationMiddleware.from_crawler(crawler)
    asyncio.run(_call(middleware, "http://10.0.0.8/news.html"))
    with pytest.raises(UnsafeDestination):
        asyncio.run(_call(middleware, "file:///etc/passwd"))


@pytest.mark.parametrize(("exc", "kind"), [
    (DownloadTimeoutError("took longer"), "timeout"),
    (tx_error.TimeoutError(), "timeout"),  # type: ignore[no-untyped-call]  # Twisted is untyped here
    (DownloadCancelledError("larger than max"), "too_large"),
    (IgnoreRequest("exceeded DOWNLOAD_MAXSIZE (20 B) during decompression"), "too_large"),
    (IgnoreRequest("max redirections reached"), "redirect_loop"),
    (IgnoreRequest("Forbidden by robots.txt"), "robots"),
    (UnsafeDestination("unsafe destination: file"), "unsafe_destination"),
    (tx_error.ConnectionLost(), "connection"),
    (ConnectionResetError(), "connection"),
    (OSError("Not a gzipped file"), "bad_encoding"),
    (IgnoreRequest("something else"), "ignored"),
    (ValueError("?"), "other"),
])
def test_failure_kinds(exc: BaseException, kind: str) -> None:
    assert failure_kind(exc) == kind
