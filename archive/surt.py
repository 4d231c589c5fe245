"""SURT url keys (the CDX ``urlkey``) exactly as pywb and cdxj-indexer compute them, and CDX timestamps.

pywb looks a capture up by the key it computes for the requested URL, so a key computed any other way
is a capture replay cannot find (``cn,tibet)/cn/aid_tibet/rw/`` is never asked for: pywb asks for
``cn,tibet)/cn/aid_tibet/rw``). Both pywb and cdxj-indexer call the ``surt`` package (a port of the
Internet Archive's Java ``WaybackURLKeyMaker``: Google's canonicaliser, then the IA one). It is AGPL
and pulls in ``tldextract``, so the same rules are written out here, on bytes, the way that package
applies them; ``tests/test_archive_surt.py`` checks the two agree on generated URLs, running the real
package in the replay environment.

The rules, in order: strip outer whitespace and every tab/CR/LF; ``http://`` when there is no scheme;
unescape the host, path and query until stable, then escape once what is outside printable ASCII
(and ``%``, ``#``, space); IDN hosts to punycode, numeric hosts to dotted quads; resolve ``.`` and
``..`` and drop empty path segments; lower-case host, path and query; drop ``www``/``www2.``..., the
default port, the fragment, session ids, a trailing slash (not the root's) and an empty query; sort
the query's ``&`` parts as bytes; reverse the host labels and close them with ``)``.
"""

from __future__ import annotations

import re
import socket
import struct
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import SplitResultBytes, quote_from_bytes, unquote_to_bytes

_SCHEME = re.compile(rb"^[a-zA-Z][a-zA-Z0-9+\-.]*:")
_REPEATED_SCHEME = re.compile(rb"^(https?://)+")
_LINE_SPACE = re.compile(rb"[\n\r\t]")
_URI = re.compile(rb"^(([a-zA-Z][a-zA-Z0-9+.-]*):)?((//([^/?#]*))?([^?#]*)(\?([^#]*))?)?(#(.*))?$")
_WWW = re.compile(rb"www\d*\.")
_DECIMAL_IP = re.compile(rb"^([1-9][0-9]*)(\.[0-9]+)?(\.[0-9]+)?(\.[0-9]+)?$")
_OCTAL_IP = re.compile(rb"^(0[0-7]*)(\.[0-7]+)?(\.[0-7]+)?(\.[0-7]+)?$")
_SAFE = b"!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~"
_PATH_SESSION = (
    re.compile(rb"^(.*/)(\((?:[a-z]\([0-9a-z]{24}\))+\)/)([^?]+\.aspx.*)$", re.I),
    re.compile(rb"^(.*/)(\([0-9a-z]{24}\)/)([^?]+\.aspx.*)$", re.I),
)
_QUERY_SESSION = (
    re.compile(rb"^(.*)(?:jsessionid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:phpsessid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:sid=[0-9a-zA-Z]{32})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:ASPSESSIONID[a-zA-Z]{8}=[a-zA-Z]{24})(?:&(.*))?$", re.I),
    re.compile(rb"^(.*)(?:cfid=[^&]+&cftoken=[^&]+)(?:&(.*))?$", re.I),
)
_DEFAULT_PORTS = {b"http": 80, b"https": 443}


def _unescape(data: bytes) -> bytes:
    while True:
        once = unquote_to_bytes(data)
        if once == data:
            return data
        data = once


def _escape(data: bytes) -> bytes:
    return quote_from_bytes(data, safe=_SAFE).encode("ascii") if data else data


def _numeric_host(host: bytes) -> bytes | None:
    """A host written as a number (``3232235777``, ``10.1``, ``0300.0250.1.1``) as a dotted quad."""
    if host.isdigit():
        return socket.inet_ntoa(struct.pack(">L", int(host) & 0xFFFFFFFF)).encode("ascii")
    if _DECIMAL_IP.match(host) or _OCTAL_IP.match(host):
        # the C resolver's reading of short and octal forms, without a name lookup
        try:
            return socket.inet_ntoa(socket.inet_aton(host.decode("ascii"))).encode("ascii")
        except OSError:
            return None
    return None


def _normal_path(path: bytes) -> bytes:
    kept: list[bytes] = []
    for part in path.split(b"/")[1:]:
        if part == b".":
            continue
        if part == b"..":
            if kept:
                kept.pop()
            else:
                kept.append(part)
        else:
            kept.append(part)
    if not kept:
        return b"/"
    return b"/" + b"".join(p + b"/" for p in kept[:-1] if p) + kept[-1]


def _sorted_query(query: bytes) -> bytes:
    if len(query) <= 1:
        return query
    parts = sorted(tuple(arg.split(b"=", 1)) for arg in query.split(b"&"))
    return b"&".join(b"=".join(p) for p in parts)


class _Parts(NamedTuple):
    scheme: bytes
    host: bytes | None
    port: int | None
    path: bytes | None
    query: bytes | None


def _split(url: bytes) -> _Parts:
    url = _LINE_SPACE.sub(b"", url.strip())
    if not url:
        raise ValueError("nothing but white space")  # surt fails here too
    if not _SCHEME.match(url):
        url = b"http://" + url
    url = _REPEATED_SCHEME.sub(lambda m: m.group(1), url)
    match = _URI.match(url)
    assert match is not None  # every part of the pattern is optional
    netloc = match.group(5) or b""
    if netloc.endswith(b":"):  # a host followed by ':' and no port
        netloc = netloc.rstrip(b":")
    parts = SplitResultBytes(match.group(2) or b"", netloc, match.group(6) or b"", match.group(8) or b"", b"")
    port = parts.port or None  # ValueError for a port that is not a number in range, as in surt
    host, path = parts.hostname or None, parts.path or None
    if parts.scheme.startswith(b"http") and host is None and path is not None:
        # http:////host/path: the host is the first path segment
        head, _, rest = path.lstrip(b"/").partition(b"/")
        host, path = head, b"/" + rest
    return _Parts(parts.scheme, host, port, path, parts.query or None)


def _canonical_host(host: bytes) -> bytes:
    host = _unescape(host)
    if not host.isascii():
        try:
            host = host.decode("utf-8", "ignore").encode("idna")
        except ValueError:
            pass
    host = host.replace(b"..", b".").strip(b".")
    return _numeric_host(host) or _escape(host.lower())


def _google(parts: _Parts) -> _Parts:
    """Google's canonicaliser: escapes, IDNA and numeric hosts, dot segments."""
    query = _escape(_unescape(parts.query)) if parts.query else parts.query
    host = _canonical_host(parts.host) if parts.host else parts.host
    path = _unescape(parts.path) if parts.path is not None else None
    if host:
        path = _normal_path(path or b"")
    path = _escape(path) if path is not None else None
    return parts._replace(host=host, path=path, query=query)


def _without_sessions(value: bytes, patterns: tuple[re.Pattern[bytes], ...], query: bool) -> bytes:
    for pattern in patterns:
        found = pattern.match(value)
        if found:
            value = found.group(1) + (found.group(2) or b"" if query else found.group(3))
    return value


def _archive(parts: _Parts) -> _Parts:
    """The Internet Archive's canonicaliser: lower case, no www, default port, session ids or slash."""
    scheme, host, port, path, query = parts
    if host:
        host = host.lower()
        if scheme != b"dns":
            www = _WWW.match(host)
            host = host[www.end():] if www else host
    if port is not None and port == _DEFAULT_PORTS.get(scheme.lower(), 0):
        port = None
    if path:
        path = _without_sessions(path.lower(), _PATH_SESSION, query=False)
        if path.endswith(b"/") and len(path) > 1:
            path = path[:-1]
    if query:
        query = _sorted_query(_without_sessions(query, _QUERY_SESSION, query=True).lower()) or None
    return _Parts(scheme, host, port, path, query)


def _surt_bytes(url: bytes) -> bytes:
    scheme, host, port, path, query = _archive(_google(_split(url)))
    key = b",".join(reversed(host.split(b"."))) if host else scheme + b":"
    if host:
        key += b"" if port is None else b":%d" % port
        key += b")"
    if path:
        key += path
    elif query is not None:
        key += b"/"
    if query is not None:
        key += b"?" + query
    return key


def surt(url: str) -> str:
    """Return the SURT key of ``url`` as pywb computes it: ``cn,tibet)/cn/news/a.html?b=1``.

    A URL the rules cannot read (a port that is not a number) is its own key, as in cdxj-indexer.
    """
    if not url:
        return "-"
    if url.startswith("filedesc"):
        return url
    try:
        return _surt_bytes(url.encode("utf-8")).decode("utf-8")
    except ValueError:
        return url


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
