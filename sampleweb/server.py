"""Serve the sample web on 127.0.0.1, as an origin and as a proxy for its own hosts only.

A crawler pointed at it as its HTTP proxy sends absolute URLs
(``GET http://www.tibet.cn/cn/... HTTP/1.1``); the server answers for the
sample hosts and refuses every other host, so nothing leaves the machine.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from sampleweb import corpus, faults
from sampleweb.site import Page, SampleWeb

logger = logging.getLogger(__name__)
LOCAL_NAMES = {"127.0.0.1", "localhost", ""}


class SampleWebServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, web: SampleWeb, port: int = 0, host: str = "127.0.0.1") -> None:
        self.web = web
        self._gzipped: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()
        self.hits: dict[str, int] = {}
        self.stopping = threading.Event()  # releases the fault host's never-answering handlers
        super().__init__((host, port), _Handler)

    def shutdown(self) -> None:
        self.stopping.set()
        super().shutdown()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode("ascii") if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def gzipped(self, key: tuple[str, str], body: bytes) -> bytes:
        with self._lock:
            if key not in self._gzipped:
                # mtime=0 keeps the encoded bytes identical across runs.
                self._gzipped[key] = gzip.compress(body, mtime=0)
            return self._gzipped[key]

    def count(self, url: str) -> None:
        with self._lock:
            self.hits[url] = self.hits.get(url, 0) + 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SampleWebServer
    server_version = "sampleweb/1.0"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_CONNECT(self) -> None:
        self._send(403, b"sample web: tunnels are refused\n", "text/plain")

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        if self.path.startswith(("http://", "https://")):
            parts = urlsplit(self.path)
            host = (parts.hostname or "").lower()
        else:
            parts = urlsplit(self.path)
            host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = parts.path or "/"
        self.server.count(f"http://{host}{path}")
        if host == faults.HOST:
            faults.serve(self, path + (f"?{parts.query}" if parts.query else ""), self.server.stopping)
            return
        if host in LOCAL_NAMES:
            self._serve_local(path, head, parts.query)
            return
        if host not in corpus.HOSTS:
            self._send(403, f"sample web: refusing host {host!r}\n".encode(), "text/plain", head=head)
            return
        page = self.server.web.get(host, path)
        if page is None:
            self._send(404, b"<h1>404 Not Found</h1>", "text/html; charset=utf-8", head=head)
            return
        self._serve_page(host, path, page, head)

    def _serve_page(self, host: str, path: str, page: Page, head: bool) -> None:
        if page.delay:
            time.sleep(page.delay)
        body = page.body
        extra = list(page.headers)
        if page.status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", page.content_type, [("ETag", etag)], head=True)
                return
            extra.append(("ETag", etag))
            extra.append(("Last-Modified", "Mon, 17 Feb 2025 00:44:00 GMT"))
        if page.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = self.server.gzipped((host, path), body)
            extra.append(("Content-Encoding", "gzip"))
            extra.append(("Vary", "Accept-Encoding"))
        self._send(page.status, body, page.content_type, extra, head=head)

    def _serve_local(self, path: str, head: bool, query: str = "") -> None:
        if path == "/_clock":
            # The timeline's moment (sampleweb.timeline): ?at=2025-03-03T06:00:00Z sets it.
            at = parse_qs(query).get("at", [""])[0]
            if at:
                try:
                    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
                except ValueError:
                    self._send(400, b"at= wants an ISO 8601 time\n", "text/plain", head=head)
                    return
                self.server.web.timeline.now = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            now = self.server.web.timeline.now.strftime("%Y-%m-%dT%H:%M:%SZ")
            self._send(200, json.dumps({"now": now}).encode(), "application/json", head=head)
            return
        if path == "/_publish":
            with self.server._lock:
                changes = self.server.web.publish()
                self.server._gzipped.clear()  # pages changed: their encoded bytes too
            self._send(200, json.dumps(changes).encode(), "application/json", head=head)
            return
        if path == "/_ground_truth.json":
            body = json.dumps(corpus.ground_truth(self.server.web.scale), ensure_ascii=False, indent=1)
            self._send(200, body.encode("utf-8"), "application/json", head=head)
            return
        hosts = "".join(f"<li>http://{h}/</li>" for h in corpus.HOSTS)
        body = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>aidnews sample web</title></head><body>"
            "<h1>aidnews sample web</h1><p>Use this server as an HTTP proxy for these hosts:</p>"
            f"<ul>{hosts}</ul><p><a href='/_ground_truth.json'>ground truth</a></p></body></html>"
        )
        self._send(200, body.encode("utf-8"), "text/html; charset=utf-8", head=head)

    def _send(self, status: int, body: bytes, content_type: str,
              extra: list[tuple[str, str]] | None = None, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in extra or []:
            self.send_header(key, value)
        self.end_headers()
        if not head:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass


@contextmanager
def running(scale: int = 1, port: int = 0) -> Iterator[SampleWebServer]:
    """Run the sample web in a background thread for the duration of the block."""
    server = SampleWebServer(SampleWeb(scale), port)
    thread = threading.Thread(target=server.serve_forever, name="sampleweb", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
