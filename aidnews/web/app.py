"""The Starlette application: routes, error pages, the security middleware, the replay proxy's client.

Starlette (an ASGI toolkit, with uvicorn as its server) rather than a full framework: the app is a
few dozen read-only routes over library calls, like Datasette, which is built on the same ASGI
pieces; sync handlers run in Starlette's thread pool, so the catalog's SQLAlchemy sessions stay
synchronous, and the replay proxy streams asynchronously beside them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from aidnews.web import api, feeds, pages
from aidnews.web.context import WebContext
from aidnews.web.errors import BadRequest
from aidnews.web.openapi import document
from aidnews.web.replay_proxy import ReplayProxy
from aidnews.web.security import SecurityMiddleware


def build_app(context: WebContext, token: str | None = None) -> Starlette:
    proxy = ReplayProxy()
    spec = document(search=context.search_enabled)

    async def replay(request: Request) -> Response:
        return await proxy(request)

    def openapi(request: Request) -> Response:
        return api.JSON(spec)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await proxy.start()
        try:
            yield
        finally:
            await proxy.close()

    static = str(resources.files("aidnews.web").joinpath("static"))
    routes = [
        Route("/", pages.home, name="home"),
        Route("/search", pages.search, name="search"),
        Route("/articles/{article_id}", pages.article, name="article"),
        Route("/go", pages.by_url, name="by_url"),
        Route("/clusters", pages.clusters, name="clusters"),
        Route("/clusters/{cluster_id}", pages.cluster, name="cluster"),
        Route("/sites", pages.sites, name="sites"),
        Route("/changes", pages.changes, name="changes"),
        Route("/feeds/copies.atom", feeds.copies),
        Route("/feeds/health.atom", feeds.health),
        Route("/feeds/changes.atom", feeds.changes),
        Route("/openapi.json", openapi),
        Route("/api/sources", api.sources),
        Route("/api/runs", api.runs),
        Route("/api/articles", api.articles),
        Route("/api/articles/{article_id}", api.article),
        Route("/api/articles/{article_id}/versions", api.versions),
        Route("/api/changes", api.changes),
        Route("/api/copies", api.copies),
        Route("/api/clusters", api.clusters),
        Route("/api/clusters/{cluster_id}", api.cluster),
        Route("/api/sites", api.sites),
        Route("/api/replay-info", api.replay_info),
        Route("/replay/{path:path}", replay, methods=["GET", "HEAD"]),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    if context.search_enabled:
        routes.insert(routes.index(next(r for r in routes if getattr(r, "path", "") == "/api/sites")),
                      Route("/api/search", api.search))

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not found" if status == 404 else "error"}, status_code=status)
        return pages.error_page(request, status, "not found" if status == 404 else "error")

    app = Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityMiddleware, token=token)],
                    exception_handlers={HTTPException: http_error, BadRequest: pages.bad_request})
    app.router.redirect_slashes = False  # no redirect built from a request's path
    app.state.aidnews = context
    return app
