"""The HTML pages: Home, Search, Article, Clusters, Cluster, Sites, Changes. Jinja2 with autoescape on, always.

Every string from the web (titles, text, URLs, 来源) reaches a page through an escaping ``{{ }}``;
the only markup not from a template is the report's SVG charts (:mod:`dedupe.report.svg`, which
escapes every label) and search snippets, built here from escaped pieces around the highlights.
"""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from aidnews.web import params
from aidnews.web.context import WebContext, context_of
from aidnews.web.errors import BadRequest
from aidnews.web.present import (
    article_detail,
    change_dicts,
    cluster_detail,
    cluster_row_dict,
    copy_dict,
    source_dict,
)
from aidnews.web.search_view import run_search, search_filters_of
from aidnews.web.security import local_path
from archive.catalog.models import CHANGE_KINDS
from dedupe.report import site_summary
from dedupe.report.svg import site_bars, syndication_graph

PAGE = 50
HOME_COPIES = 20
HOME_CHANGES = 10


def environment() -> Environment:
    folder = resources.files("aidnews.web").joinpath("templates")
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["day"] = lambda value: (value or "")[:10]
    env.filters["when"] = lambda value: (value or "")[:16].replace("T", " ")
    return env


def _render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    ctx = context_of(request)
    page = ctx.templates.get_template(template).render(replay=ctx.replay_base is not None,
                                                       search=ctx.search_enabled, **values)
    return HTMLResponse(page, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return _render(request, "error.html", status=status, status_code=status, message=message)


def home(request: Request) -> Response:
    ctx = context_of(request)
    catalog = ctx.catalog
    sources = catalog.sources()
    runs = catalog.last_runs([s.id for s in sources])
    return _render(request, "home.html", counts=catalog.table_counts(),
                   sources=[source_dict(s, runs[s.id]) for s in sources],
                   copies=[copy_dict(c) for c in catalog.copies_page(HOME_COPIES)],
                   changes=change_dicts(catalog, catalog.changes_page(HOME_CHANGES), ctx.replay_base))


def changes(request: Request) -> Response:
    """``/changes[?kind=K][&source=S]``: every change event, newest first, a page at a time."""
    ctx = context_of(request)
    query = request.query_params
    kind = params.change_kind(query) or ""
    source = params.text(query, "source", 64) or ""
    rows = ctx.catalog.changes_page(PAGE + 1, before=params.cursor(query), kind=kind, source_id=source)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return _render(request, "changes.html", changes=change_dicts(ctx.catalog, rows, ctx.replay_base), kind=kind,
                   source=source, kinds=CHANGE_KINDS, sources=ctx.catalog.sources(),
                   next_query=_next_query(request, str(rows[-1]["id"])) if more and rows else None)


def article(request: Request) -> Response:
    ctx = context_of(request)
    found = ctx.catalog.article(params.integer("article id", request.path_params["article_id"]))
    if found is None:
        return error_page(request, 404, "no such article")
    return _render(request, "article.html", article=article_detail(ctx.catalog, found, ctx.replay_base))


def by_url(request: Request) -> Response:
    """``/go?url=U``: the article page of an archived URL (pywb's banner links here). It redirects to
    this site's own ``/articles/N`` only, never to the URL given (no open redirect)."""
    url = params.text(request.query_params, "url", longest=4000)
    found = context_of(request).catalog.article_for_url(url) if url else None
    if found is None:
        return error_page(request, 404, "no article of that URL in the catalog")
    return RedirectResponse(local_path(f"/articles/{found.id}"), status_code=303)


def clusters(request: Request) -> Response:
    catalog = context_of(request).catalog
    after = params.cursor(request.query_params)
    source = params.text(request.query_params, "source", 64)
    rows = catalog.clusters_page(PAGE + 1, after=after, source_id=source)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return _render(request, "clusters.html", clusters=[cluster_row_dict(r) for r in rows], source=source,
                   sources=catalog.sources(), next_cursor=str(rows[-1].id) if more and rows else None)


def cluster(request: Request) -> Response:
    ctx = context_of(request)
    cluster_id = params.integer("cluster id", request.path_params["cluster_id"])
    if not ctx.catalog.cluster_exists(cluster_id):
        return error_page(request, 404, "no such cluster")
    return _render(request, "cluster.html", cluster=cluster_detail(ctx.catalog, cluster_id, ctx.replay_base))


def sites(request: Request) -> Response:
    report = site_summary(context_of(request).catalog.site_counts())
    summary = report["summary"]
    # The report's own charts; svg.py escapes every label it draws.
    return _render(request, "sites.html", summary=summary, graph=report["graph"],
                   chart=Markup(site_bars(summary["sites"])),
                   graph_svg=Markup(syndication_graph(summary["sites"], report["graph"])))


def search(request: Request) -> Response:
    ctx = context_of(request)
    query = params.text(request.query_params, "q") or ""
    filters = search_filters_of(request.query_params)
    page = None
    error = None
    if query and ctx.search_enabled:
        try:
            page = run_search(ctx.catalog, query, filters, limit=20, cursor=request.query_params.get("cursor") or None,
                              group_clusters=True)
        except BadRequest as exc:
            error = str(exc)
    hits = [dict(hit, snippet_html=highlighted(hit["snippet"], hit["highlights"])) for hit in page["results"]] \
        if page else []
    return _render(request, "search.html", status=400 if error else 200, query=query, error=error,
                   page=page, hits=hits, filters=request.query_params, sources=ctx.catalog.sources(), kinds=CHANGE_KINDS,
                   next_query=_next_query(request, page["next_cursor"]) if page and page["next_cursor"] else None)


def highlighted(snippet: str, spans: list[list[int]]) -> Markup:
    """The snippet escaped, with ``<mark>`` around each highlight (spans sorted, overlaps merged)."""
    out, at = [], 0
    for start, end in sorted((max(0, s), min(len(snippet), e)) for s, e in spans):
        if end <= at:
            continue
        start = max(start, at)
        out.append(escape(snippet[at:start]))
        out.append(f"<mark>{escape(snippet[start:end])}</mark>")
        at = end
    out.append(escape(snippet[at:]))
    return Markup("".join(out))  # every piece escaped above


def _next_query(request: Request, cursor: str) -> str:
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"] + [("cursor", cursor)]
    return "?" + urlencode(pairs)


def not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404, "not found")


def bad_request(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        from starlette.responses import JSONResponse

        return JSONResponse({"error": str(exc)}, status_code=400)
    return error_page(request, 400, str(exc))


__all__ = ["WebContext", "article", "by_url", "changes", "cluster", "clusters", "environment", "home", "search",
           "sites"]
