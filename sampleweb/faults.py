"""A hostile host in the sample web: every way a server can break an HTTP exchange.

``http://faults.sampleweb.example/`` lists one article link per fault, plus one healthy article.
The crawl must count each fault in its stats, archive what bytes exist, and carry on. The source
file for it is ``sampleweb/fault_seeds/faults.toml`` (not in seeds/: real crawls never see it).
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
from collections.abc import Callable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler

HOST = "faults.sampleweb.example"
BIG_BYTES = 50 * 1024 * 1024  # more than DOWNLOAD_MAXSIZE (20 MiB)
BOMB_BYTES = 64 * 1024 * 1024  # decompressed; the compressed body is about 64 KiB
REDIRECT_LOOP = "/f/loop.html"

HEALTHY = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>健康的文章</title></head><body>"
    "<div class='title_box'><h2>健康的文章</h2><div class='info'>2025-01-02 08:00 来源：中国西藏网</div></div>"
    "<div id='text'><div class='TRS_Editor'><p>" + "援藏工作取得新进展，各地对口支援项目顺利推进。" * 20
    + "</p></div></div></body></html>"
).encode("utf-8")

# name -> what the server does; the crawl's stats key for each is in docs/reliability.md
FAULTS = {
    "ok": "a healthy article",
    "reset": "connection reset (RST) after part of the headers",
    "truncated": "chunked body cut off before its last chunk",
    "wrong-length": "Content-Length larger than the body, then the connection closes",
    "bad-gzip": "Content-Encoding: gzip on bytes that are not gzip",
    "loop": "redirects to itself with a new query, without end",
    "hang": "reads the request and never answers",
    "bomb": "64 MiB of zeros gzipped to 64 KiB (decompression bomb)",
    "big": "a 50 MiB page without Content-Length",
    "binary": "random bytes served as text/html",
    "ssrf": "redirects to a loopback address (must not be followed)",
    "file": "redirects to a file: URL (must not be followed)",
}


@lru_cache(maxsize=1)
def _bomb() -> bytes:
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9, mtime=0)


def _index() -> bytes:
    links = "".join(f"<li><a href='/f/{name}.html'>{what}</a></li>" for name, what in FAULTS.items())
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>faults</title></head><body><ul>{links}</ul>"
            "</body></html>").encode()


def serve(handler: BaseHTTPRequestHandler, path: str, stop: threading.Event) -> None:
    """Answer one request for the fault host (the handler has read the request line and headers)."""
    path, _, query = path.partition("?")
    name = path.removeprefix("/f/").removesuffix(".html") if path.startswith("/f/") else path
    if path in ("/", "/index.html"):
        _reply(handler, 200, _index())
    elif name in _REPLIES:
        _reply(handler, *_REPLIES[name]())
    elif name in _BROKEN:
        _BROKEN[name](handler, query, stop)
    else:
        _reply(handler, 404, b"<h1>404 Not Found</h1>")


Headers = list[tuple[str, str]]

# Faults that are a well-formed HTTP reply: status, body, extra headers.
_REPLIES: dict[str, Callable[[], tuple[int, bytes, Headers]]] = {
    "ok": lambda: (200, HEALTHY, []),
    "bad-gzip": lambda: (200, b"this is not gzip at all " * 40, [("Content-Encoding", "gzip")]),
    "bomb": lambda: (200, _bomb(), [("Content-Encoding", "gzip")]),
    "binary": lambda: (200, bytes(range(256)) * 64, []),
    "ssrf": lambda: (302, b"", [("Location", "http://127.0.0.1:9/secret")]),
    "file": lambda: (302, b"", [("Location", "file:///etc/passwd")]),
}


def _reset(handler: BaseHTTPRequestHandler, query: str, stop: threading.Event) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/ht")
    handler.wfile.flush()
    # SO_LINGER 0: close() sends RST instead of FIN
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def _truncated(handler: BaseHTTPRequestHandler, query: str, stop: threading.Event) -> None:
    out = handler.wfile
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n")
    out.write(b"%x\r\n%s\r\n" % (len(HEALTHY) // 2, HEALTHY[: len(HEALTHY) // 2]))
    out.write(b"%x\r\n%s" % (len(HEALTHY), HEALTHY[:100]))  # the announced chunk never completes
    _hang_up(handler)


def _wrong_length(handler: BaseHTTPRequestHandler, query: str, stop: threading.Event) -> None:
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(HEALTHY) * 2, HEALTHY))
    _hang_up(handler)


def _loop(handler: BaseHTTPRequestHandler, query: str, stop: threading.Event) -> None:
    hop = int(query) + 1 if query.isdigit() else 1
    _reply(handler, 302, b"", [("Location", f"{REDIRECT_LOOP}?{hop}")])


def _hang(handler: BaseHTTPRequestHandler, query: str, stop: threading.Event) -> None:
    stop.wait(120)  # until the server shuts down; the crawler's DOWNLOAD_TIMEOUT gives up first
    handler.close_connection = True


def _big(handler: BaseHTTPRequestHandler, query: str, stop: threading.Event) -> None:
    out = handler.wfile
    out.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n")
    chunk = b"<p>" + b"x" * 65530 + b"</p>"
    try:
        for _ in range(BIG_BYTES // len(chunk) + 1):
            out.write(chunk)
    except OSError:
        pass  # the crawler hung up at DOWNLOAD_MAXSIZE, as it should
    _hang_up(handler)


# Faults that break HTTP itself (a reset, a cut body, a wrong length, a hang...).
_BROKEN: dict[str, Callable[[BaseHTTPRequestHandler, str, threading.Event], None]] = {
    "reset": _reset, "truncated": _truncated, "wrong-length": _wrong_length, "loop": _loop, "hang": _hang,
    "big": _big,
}


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes, extra: list[tuple[str, str]] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for key, value in extra or []:
        handler.send_header(key, value)
    handler.end_headers()
    try:
        handler.wfile.write(body)
    except OSError:
        pass


def _hang_up(handler: BaseHTTPRequestHandler) -> None:
    try:
        handler.wfile.flush()
    except OSError:
        pass
    handler.close_connection = True
    try:
        handler.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
