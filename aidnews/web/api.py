"""The JSON API under ``/api/``: sources, runs, articles, versions, changes, copies, clusters, sites, search.

Lists are keyset pages: ``{"items": [...], "next_cursor": "..." | null}``; pass ``cursor`` back for
the next page. Errors are ``{"error": "..."}`` with 400 (a bad parameter) or 404. The document
is :mod:`aidnews.web.openapi` (``GET /openapi.json``); tests check every answer against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from aidnews.web import params
from aidnews.web.context import context_of
from aidnews.web.present import (
    article_detail,
    article_dict,
    change_dicts,
    cluster_detail,
    cluster_row_dict,
    copy_dict,
    run_dict,
    source_dict,
    versions_detail,
)
from aidnews.web.search_view import run_search, search_filters_of
from dedupe.report import site_summary

T = TypeVar("T")


class JSON(JSONResponse):
    """UTF-8 JSON with Chinese as is (``ensure_ascii=False``)."""

    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _page(rows: Sequence[T], size: int, key: Callable[[T], int], shape: Callable[[T], dict[str, Any]]) -> JSON:
    """Rows fetched with one extra, to know whether a next page exists without counting."""
    more = len(rows) > size
    rows = rows[:size]
    return JSON({"items": [shape(r) for r in rows], "next_cursor": str(key(rows[-1])) if more and rows else None})


def _not_found(what: str) -> JSON:
    return JSON({"error": f"no such {what}"}, status_code=404)


def sources(request: Request) -> Response:
    catalog = context_of(request).catalog
    found = catalog.sources()
    runs = catalog.last_runs([s.id for s in found])
    return JSON({"items": [source_dict(s, runs[s.id]) for s in found], "next_cursor": None})


def runs(request: Request) -> Response:
    query = request.query_params
    size = params.limit(query)
    unhealthy = params.flag(query, "unhealthy") or False
    rows = context_of(request).catalog.runs_page(size + 1, before=params.cursor(query),
                                                 source_id=params.text(query, "source", 64), unhealthy=unhealthy)
    return _page(rows, size, lambda r: r.id, run_dict)


def articles(request: Request) -> Response:
    query = request.query_params
    size = params.limit(query)
    rows = context_of(request).catalog.articles_page(size + 1, after=params.cursor(query),
                                                     source_id=params.text(query, "source", 64))
    return _page(rows, size, lambda a: a.id, article_dict)


def article(request: Request) -> Response:
    ctx = context_of(request)
    found = ctx.catalog.article(params.integer("article_id", request.path_params["article_id"]))
    if found is None:
        return _not_found("article")
    return JSON(article_detail(ctx.catalog, found, ctx.replay_base))


def versions(request: Request) -> Response:
    """An article's versions, each with its diff against the one before, and its change events."""
    ctx = context_of(request)
    found = ctx.catalog.article(params.integer("article_id", request.path_params["article_id"]))
    if found is None:
        return _not_found("article")
    return JSON(versions_detail(ctx.catalog, found.url, ctx.replay_base))


def changes(request: Request) -> Response:
    """Change events (edits, takedowns, moves, restorations, unlisting), newest first."""
    ctx = context_of(request)
    query = request.query_params
    size = params.limit(query)
    rows = ctx.catalog.changes_page(size + 1, before=params.cursor(query), kind=params.change_kind(query) or "",
                                    source_id=params.text(query, "source", 64) or "")
    return _page(rows, size, lambda r: int(r["id"]), lambda r: change_dicts(ctx.catalog, [r], ctx.replay_base)[0])


def copies(request: Request) -> Response:
    query = request.query_params
    size = params.limit(query)
    rows = context_of(request).catalog.copies_page(size + 1, before=params.cursor(query),
                                                   source_id=params.text(query, "source", 64),
                                                   cluster_id=params.optional_int(query, "cluster"))
    return _page(rows, size, lambda c: c.article_id, copy_dict)


def clusters(request: Request) -> Response:
    query = request.query_params
    size = params.limit(query)
    rows = context_of(request).catalog.clusters_page(size + 1, after=params.cursor(query),
                                                     source_id=params.text(query, "source", 64))
    return _page(rows, size, lambda c: c.id, cluster_row_dict)


def cluster(request: Request) -> Response:
    ctx = context_of(request)
    cluster_id = params.integer("cluster_id", request.path_params["cluster_id"])
    if not ctx.catalog.cluster_exists(cluster_id):
        return _not_found("cluster")
    return JSON(cluster_detail(ctx.catalog, cluster_id, ctx.replay_base))


def sites(request: Request) -> Response:
    return JSON(site_summary(context_of(request).catalog.site_counts()))


def replay_info(request: Request) -> Response:
    """What pywb's banner shows of a replayed URL: its article page here, and its copies elsewhere."""
    url = params.text(request.query_params, "url", longest=4000)
    if url is None:
        return JSON({"error": "url is required"}, status_code=400)
    found, cluster_id, others = context_of(request).catalog.copies_on_other_sites(url)
    if found is None:
        return _not_found("article of that URL")
    return JSON({"article_id": found.id, "article_page": f"/articles/{found.id}", "cluster_id": cluster_id,
                 "copies_on_other_sites": others})


def search(request: Request) -> Response:
    ctx = context_of(request)
    query = request.query_params
    text = params.text(query, "q")
    if text is None:
        return JSON({"error": "q is required"}, status_code=400)
    if not ctx.search_enabled:
        return JSON({"error": "this build has no search index"}, status_code=404)
    page = run_search(ctx.catalog, text, search_filters_of(query), limit=params.limit(query, 20),
                      cursor=params.text(query, "cursor", 400), group_clusters=params.flag(query, "group") or False)
    return JSON(page)
