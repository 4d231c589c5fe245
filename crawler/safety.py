"""Never fetch what a hostile page points at: other schemes, or private and loopback addresses.

Every request passes here before robots.txt, the proxy or the network, and so does every
redirect (Scrapy schedules a redirect as a new request). Rules:

- only ``http:`` and ``https:``; ``file:``, ``ftp:``, ``data:`` ... are refused;
- an address literal (``http://127.0.0.1/``, ``http://[::1]/``, ``http://10.0.0.8/``) that is
  private, loopback, link-local, reserved or multicast is refused, also in sample-web crawls
  (the sample web's hosts are names; the proxy in front of them is the only loopback allowed);
- in real crawls, a host name is resolved and refused if any address is such an address.
  ``SAFETY_ALLOW_PRIVATE_ADDRESSES = True`` turns the address rules off (an intranet source).
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.locations import sample_web_url

SCHEMES = ("http", "https")


class UnsafeDestination(IgnoreRequest):
    """A request to a scheme or address the crawler must not fetch."""


def unsafe_address(text: str) -> bool:
    """True for an IP address a crawler of public news sites has no business fetching."""
    try:
        address = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_url(url: str) -> None:
    """Raise UnsafeDestination for a URL refused without a DNS lookup."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise UnsafeDestination(f"unsafe destination: scheme {parts.scheme or '(none)'!r} in {url[:200]}")
    host = parts.hostname or ""
    if not host:
        raise UnsafeDestination(f"unsafe destination: no host in {url[:200]}")
    if unsafe_address(host):
        raise UnsafeDestination(f"unsafe destination: private or loopback address {host} in {url[:200]}")


@lru_cache(maxsize=4096)
def _resolves_unsafe(host: str) -> str:
    """The first private/loopback address ``host`` resolves to, or ''."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return ""  # the download itself reports the DNS failure
    return next((str(info[4][0]) for info in infos if unsafe_address(str(info[4][0]))), "")


class SafeDestinationMiddleware:
    """Downloader middleware enforcing the rules above; refusals count as ``fetch/blocked``."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.stats = crawler.stats
        self.check_addresses = not settings.getbool("SAFETY_ALLOW_PRIVATE_ADDRESSES")
        # The sample web's hosts are names only its proxy knows: nothing to resolve.
        self.resolve = self.check_addresses and not sample_web_url(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeDestinationMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            parts = urlsplit(request.url)
            if parts.scheme.lower() not in SCHEMES or self.check_addresses:
                check_url(request.url)
            if self.resolve and parts.hostname:
                found = await maybe_deferred_to_future(deferToThread(_resolves_unsafe, parts.hostname))
                if found:
                    raise UnsafeDestination(f"unsafe destination: {parts.hostname} resolves to {found}")
        except UnsafeDestination:
            if self.stats:
                self.stats.inc_value("fetch/blocked")
            raise
