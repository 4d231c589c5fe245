"""SURT url keys (the CDX ``urlkey``) and CDX timestamps.

The ``surt`` package pulls in ``tldextract``, which fetches the public suffix
list from the network on first use; this crawler runs offline, and CDX only
needs the canonical form below, so it lives here in a few lines.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

_WWW = re.compile(r"^www\d*\.")


def surt(url: str) -> str:
    """Return the SURT key of ``url``: ``cn,tibet)/cn/news/a.html?b=1``.

    Lower-cases scheme and host, drops ``www.``, the default port, the
    fragment and the scheme, reverses the host labels and sorts the query,
    as pywb and the Wayback Machine do.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    host = _WWW.sub("", host)
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    key = ",".join(reversed(host.split("."))) if host else ""
    if port and port != default:
        key += f":{port}"
    path = parts.path or "/"
    key += ")" + path.lower()
    if parts.query:
        query = sorted(parse_qsl(parts.query, keep_blank_values=True))
        key += "?" + urlencode(query).lower()
    return key


def cdx_timestamp(moment: datetime) -> str:
    """Return the 14-digit CDX timestamp (UTC) of ``moment``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def warc_date(moment: datetime) -> str:
    """Return a WARC/1.1 date with microseconds: ``2025-02-17T00:44:00.123456Z``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
