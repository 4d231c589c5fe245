"""``/replay/…``: pywb reverse-proxied under the app's origin.

pywb runs in its own environment and process (:mod:`aidnews.replay`), mounted at ``/replay`` (its
``SCRIPT_NAME``), so every URL it writes into a page already starts with ``/replay/``. The request's
``Host`` goes along, so pywb's absolute links name the app, not pywb's private port. Responses are
streamed back as they arrive (a large archived file is never held in memory) and redirects are
passed through, never followed. The token, if any, stays here: pywb never sees it. ``/replay/``
itself is the app's Home: the app's pages replace ``aidnews replay``'s start page.
"""

from __future__ import annotations

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

from aidnews.web.context import context_of
from aidnews.web.security import safe_relative

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
                        "transfer-encoding", "upgrade", "authorization", "cookie", "host"})
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class ReplayProxy:
    """One HTTP client (a connection pool to pywb) for the app's lifetime."""

    def __init__(self) -> None:
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self.client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    async def __call__(self, request: Request) -> Response:
        rest = request.url.path.removeprefix("/replay/")
        if rest == "":
            return RedirectResponse("/", status_code=303)
        if not safe_relative(rest):
            return PlainTextResponse("path refused\n", 400)
        pywb = context_of(request).pywb
        if pywb is None or self.client is None:
            return PlainTextResponse("replay is not running (start aidnews serve with pywb installed)\n", 503)
        target = f"{pywb.rstrip('/')}/replay/{rest}"
        if request.url.query:
            target += "?" + request.url.query
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        headers.append(("host", request.headers.get("host", "127.0.0.1")))
        try:
            upstream = await self.client.send(self.client.build_request(request.method, target, headers=headers),
                                              stream=True)
        except httpx.HTTPError as exc:
            return PlainTextResponse(f"replay unavailable: {type(exc).__name__}\n", 502)
        answer = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in HOP_BY_HOP]
        response = StreamingResponse(upstream.aiter_raw(), status_code=upstream.status_code,
                                     background=BackgroundTask(upstream.aclose))
        response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer]
        return response
