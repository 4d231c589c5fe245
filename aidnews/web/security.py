"""Safety of the app: read-only methods, the token, security headers, and safe paths.

The app answers GET and HEAD only (405 for any other method), so no request can write. With a
token, every request must carry it (``Authorization: Bearer T``, or HTTP basic auth with T as the
password, which a browser prompts for); it is compared in constant time (:func:`hmac.compare_digest`).
Every page gets a Content-Security-Policy that allows the app's own stylesheet and script only,
nothing inline, nothing from elsewhere; replay responses keep the policy pywb sets for archived
pages. Without a token the app refuses to bind anything but loopback (:func:`check_bind`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from urllib.parse import unquote

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aidnews.web.errors import WebError

READ_METHODS = frozenset({"GET", "HEAD"})
APP_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
           "frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
REPLAY_PREFIX = "/replay/"
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"cross-origin-opener-policy", b"same-origin")]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise WebError(f"refusing to bind {host} without --token (or $AIDNEWS_SERVE_TOKEN): "
                       "only 127.0.0.1 may be served without one")


def token_matches(header: str | None, token: str) -> bool:
    """``Bearer T`` or ``Basic base64(user:T)``, compared in constant time."""
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    given = ""
    if scheme.lower() == "bearer":
        given = value.strip()
    elif scheme.lower() == "basic":
        try:
            given = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return False
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def safe_relative(path: str) -> bool:
    """Whether ``path`` stays inside its folder: no ``..`` segment, backslash, NUL or leading ``/``, after
    percent-decoding twice (a proxy decodes once, the server behind it may decode again)."""
    decoded = unquote(unquote(path))
    if "\\" in decoded or "\x00" in decoded or decoded.startswith("/"):
        return False
    return not any(part == ".." for part in decoded.split("/"))


def local_path(target: str) -> str:
    """A redirect target that stays on this site: an absolute path, never ``//host`` or a scheme."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\r" in target or "\n" in target:
        return "/"
    return target


class SecurityMiddleware:
    """Read-only methods, the token, and the headers, around the whole app (pure ASGI: no buffering)."""

    def __init__(self, app: ASGIApp, token: str | None = None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in READ_METHODS:
            await _plain(send, 405, b"read-only: GET and HEAD only\n", [(b"allow", b"GET, HEAD")])
            return
        if self.token is not None and not token_matches(Headers(scope=scope).get("authorization"), self.token):
            await _plain(send, 401, b"a token is required\n", [(b"www-authenticate", b'Basic realm="aidnews"')])
            return
        replay = scope["path"].startswith(REPLAY_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in {h for h, _ in HEADERS}]
                headers += HEADERS
                if not replay or not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-security-policy"]
                    headers.append((b"content-security-policy", _replay_csp() if replay else APP_CSP.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _replay_csp() -> bytes:
    # pywb's banner and frame run inline scripts of their own; they may not reach beyond this origin.
    return (b"default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; frame-ancestors 'self'; "
            b"form-action 'self'; base-uri 'self'")


async def _plain(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]]) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"content-security-policy", APP_CSP.encode()), *HEADERS, *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
