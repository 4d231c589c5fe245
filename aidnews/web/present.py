"""Catalog rows as plain dicts: the one shape the JSON API returns and the pages render.

Cluster members come from the report's own model code (:func:`dedupe.report.clusters_by_id`), so a
copy's kinds, delay, distance, similarity and diff are the same here as in ``aidnews report``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from archive.catalog import Catalog
from archive.catalog.app_reads import ClusterRow, CopyRow
from archive.catalog.models import Article, Capture, CrawlRun, Source
from dedupe.report import ReportOptions, clusters_by_id
from dedupe.report.model import version_rows

TEXT_PREVIEW = 4000  # characters of an article's text on its page and in the API
ARTICLE_CHANGES = 100  # change events listed on an article's page, newest first


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def replay_link(replay_base: str | None, timestamp: str, url: str) -> str | None:
    """The app-relative replay URL of a capture (``/replay/archive/<ts>/<url>``), when pywb runs."""
    if not replay_base or not url.startswith(("http://", "https://")):
        return None
    return f"{replay_base}{timestamp}/{url}"


def run_dict(run: CrawlRun) -> dict[str, Any]:
    return {"id": run.id, "source": run.source_id or run.sources, "spider": run.spider,
            "started": iso(run.started_at), "finished": iso(run.finished_at), "status": run.status,
            "pages": run.pages, "new_articles": run.articles, "revisits": run.revisits, "errors": run.errors,
            "health": run.health, "healthy": not run.health}


def source_dict(source: Source, runs: list[CrawlRun]) -> dict[str, Any]:
    finished = [r for r in runs if r.status != "running"]
    last = finished[0] if finished else None
    health = "unknown" if last is None else ("ok" if not last.health else "failing")
    return {"id": source.id, "name": source.name, "kind": source.kind,
            "hosts": source.hosts.split(),
            "health": health, "health_reasons": last.health if last else "",
            "last_runs": [run_dict(r) for r in runs]}


def article_dict(article: Article, cluster_id: int | None = None, with_text: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": article.id, "url": article.url, "source": article.source_id, "section": article.section,
        "title": article.title, "published": iso(article.published), "origin": article.origin,
        "author": article.author, "editor": article.editor, "captured": iso(article.captured_at),
        "cluster_id": cluster_id,
    }
    if with_text:
        out["text"] = article.text[:TEXT_PREVIEW]
        out["text_truncated"] = len(article.text) > TEXT_PREVIEW
    return out


def capture_dict(capture: Capture, replay_base: str | None) -> dict[str, Any]:
    return {"timestamp": capture.timestamp, "status": capture.status, "mime": capture.mime,
            "record_type": capture.record_type, "warc": capture.filename, "offset": capture.offset,
            "replay": replay_link(replay_base, capture.timestamp, capture.url)}


def copy_dict(row: CopyRow) -> dict[str, Any]:
    return {"article_id": row.article_id, "url": row.url, "title": row.title, "source": row.source_id,
            "captured": iso(row.captured_at), "published": iso(row.published), "cluster_id": row.cluster_id,
            "original_id": row.canonical_id, "original_source": row.canonical_source,
            "original_title": row.canonical_title}


def cluster_row_dict(row: ClusterRow) -> dict[str, Any]:
    return {"id": row.id, "canonical_id": row.canonical_id, "url": row.url, "title": row.title,
            "source": row.source_id, "published": iso(row.published), "members": row.members,
            "copies": row.members - 1}


def cluster_detail(catalog: Catalog, cluster_id: int, replay_base: str | None, diffs: bool = True) -> dict[str, Any]:
    """One cluster in the report's shape; replay links point at this app's ``/replay/``."""
    options = ReportOptions(replay_base=replay_base or "", diff_limit=1 if diffs else 0)
    (cluster,) = clusters_by_id(catalog, [cluster_id], options)
    return dict(cluster)


def change_dicts(catalog: Catalog, records: list[dict[str, Any]], replay_base: str | None) -> list[dict[str, Any]]:
    """Change events (:meth:`Catalog.changes_page`) with the article page of their URL and replay links
    of the two captures compared."""
    ids = catalog.latest_article_ids([r["url"] for r in records])
    out = []
    for record in records:
        row = dict(record, article_id=ids.get(record["url"]))
        for side in ("before", "after"):
            ref = record[side]
            row[side] = dict(ref, replay=replay_link(replay_base, ref["timestamp"], ref["url"]) if "url" in ref else None)
        out.append(row)
    return out


def versions_detail(catalog: Catalog, url: str, replay_base: str | None) -> dict[str, Any]:
    """A URL's versions (oldest first, each with its diff against the one before, field by field) and
    its change events (newest first)."""
    versions = version_rows(catalog.versions([url]))
    for row in versions:
        row["replay"] = replay_link(replay_base, row["timestamp"], url)
    return {"url": url, "versions": versions,
            "changes": change_dicts(catalog, catalog.changes_page(ARTICLE_CHANGES, url=url), replay_base)}


def article_detail(catalog: Catalog, article: Article, replay_base: str | None) -> dict[str, Any]:
    cluster_id = catalog.cluster_of(article.id)
    out = article_dict(article, cluster_id, with_text=True)
    out["captures"] = [capture_dict(c, replay_base) for c in catalog.url_captures(article.url)]
    out["cluster"] = cluster_detail(catalog, cluster_id, replay_base) if cluster_id is not None else None
    history = versions_detail(catalog, article.url, replay_base)
    out["versions"], out["changes"] = history["versions"], history["changes"]
    return out
