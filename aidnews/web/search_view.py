"""Full-text search as the pages and the API call it: :func:`dedupe.search.search`, its answer as dicts.

The index itself is :mod:`dedupe.search` (character pairs; both scripts). A bad query or cursor is
its ``ValueError``, which becomes a 400 here.
"""

from __future__ import annotations

import importlib.util
from dataclasses import asdict
from typing import Any

from starlette.datastructures import QueryParams

from aidnews.web import params
from aidnews.web.errors import BadRequest
from archive.catalog import Catalog


def available() -> bool:
    """Whether this build has the search index module."""
    return importlib.util.find_spec("dedupe.search") is not None


def search_filters_of(query: QueryParams) -> dict[str, Any]:
    since, until = params.day(query, "since"), params.day(query, "until")
    if since and until and since > until:
        raise BadRequest("since must not be after until")
    return {"source": params.text(query, "source", 64), "since": since, "until": until,
            "has_copies": params.flag(query, "has_copies"), "cluster_id": params.optional_int(query, "cluster"),
            "change_kind": params.change_kind(query, "change")}


def run_search(catalog: Catalog, query: str, filters: dict[str, Any], *, limit: int, cursor: str | None,
               group_clusters: bool) -> dict[str, Any]:
    from dedupe.search import SearchFilters, search

    try:
        page = search(catalog, query, SearchFilters(**filters), limit=limit, cursor=cursor,
                      group_clusters=group_clusters)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    results = []
    for hit in page.hits:
        row = asdict(hit)
        row["highlights"] = [list(span) for span in hit.highlights]
        results.append(row)
    return {"total": page.total, "results": results, "next_cursor": page.next_cursor}
