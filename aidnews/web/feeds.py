"""Atom feeds (RFC 4287): new copies (all, of a site, of a cluster), changes (edits, takedowns, moves,
restorations) and source health failures.

Each copy entry links to the copy's page in the app and to the original's, and carries the
paragraph diff of the copy against its original as text (``-`` dropped, ``+`` added); each change
entry carries the edit's diff, field by field, in the same form, so a feed reader shows what changed
without opening anything. The XML is built with ElementTree, which
escapes every string it writes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from aidnews.web import params
from aidnews.web.context import context_of
from aidnews.web.present import change_dicts
from dedupe.report.diff import paragraph_diff

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 30
DIFF_CHARS = 2000
DIFF_LINES = 200  # per field of an edit
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _stamp(value: datetime | None) -> str:
    return (value or EPOCH).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _feed(request: Request, feed_id: str, title: str) -> ET.Element:
    feed = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(feed, "id").text = f"tag:aidnews,2025:{feed_id}"
    ET.SubElement(feed, "title").text = title
    ET.SubElement(feed, "link", rel="self", href=str(request.url))
    ET.SubElement(feed, "link", rel="alternate", href=str(request.base_url))
    ET.SubElement(ET.SubElement(feed, "author"), "name").text = "aidnews"
    return feed


def _entry(feed: ET.Element, entry_id: str, title: str, updated: datetime | None, link: str, content: str) -> None:
    entry = ET.SubElement(feed, "entry")
    ET.SubElement(entry, "id").text = f"tag:aidnews,2025:{entry_id}"
    ET.SubElement(entry, "title").text = title
    ET.SubElement(entry, "updated").text = _stamp(updated)
    ET.SubElement(entry, "link", rel="alternate", href=link)
    ET.SubElement(entry, "content", type="text").text = content


def _answer(feed: ET.Element, newest: datetime | None) -> Response:
    updated = ET.Element("updated")
    updated.text = _stamp(newest)
    feed.insert(2, updated)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def copies(request: Request) -> Response:
    """``/feeds/copies.atom[?source=S][&cluster=N]``: the newest copies found."""
    catalog = context_of(request).catalog
    source = params.text(request.query_params, "source", 64)
    cluster = params.optional_int(request.query_params, "cluster")
    rows = catalog.copies_page(ENTRIES, source_id=source, cluster_id=cluster)
    scope = f"copies/{source or 'all'}/{cluster if cluster is not None else 'all'}"
    title = "aidnews: new copies" + (f" on {source}" if source else "") + (f" in cluster {cluster}" if cluster else "")
    feed = _feed(request, scope, title)
    base = str(request.base_url)
    texts = {a.id: a.text for a in catalog.articles_by_id([i for r in rows for i in (r.article_id, r.canonical_id)])}
    for row in rows:
        diff = paragraph_diff(texts.get(row.canonical_id, ""), texts.get(row.article_id, ""), limit=DIFF_CHARS)
        lines = [f"{row.source_id} copied {row.canonical_source}: {row.url}",
                 f"copy: {base}articles/{row.article_id}", f"original: {base}articles/{row.canonical_id}",
                 f"cluster: {base}clusters/{row.cluster_id}", "", "diff against the original:"]
        lines += [f"{op} {text}" for op, text in diff if op != "="]
        _entry(feed, f"copy/{row.article_id}", f"{row.source_id}: {row.title}", row.captured_at,
               f"{base}articles/{row.article_id}", "\n".join(lines))
    return _answer(feed, max((r.captured_at for r in rows if r.captured_at), default=None))


def changes(request: Request) -> Response:
    """``/feeds/changes.atom[?kind=K][&source=S]``: the newest change events, each with its diff."""
    ctx = context_of(request)
    kind = params.change_kind(request.query_params) or ""
    source = params.text(request.query_params, "source", 64) or ""
    rows = change_dicts(ctx.catalog, ctx.catalog.changes_page(ENTRIES, kind=kind, source_id=source), None)
    feed = _feed(request, f"changes/{source or 'all'}/{kind or 'all'}", "aidnews: changes"
                 + (f" ({kind})" if kind else "") + (f" on {source}" if source else ""))
    base = str(request.base_url)
    newest = None
    for row in rows:
        link = f"{base}articles/{row['article_id']}" if row["article_id"] is not None else f"{base}go?url={quote(row['url'])}"
        lines = [f"{row['kind']}{' (' + row['how'] + ')' if row['how'] else ''}: {row['summary']}", row["url"],
                 f"article: {link}", f"before: {row['before'].get('timestamp', '?')}, after: {row['after'].get('timestamp', '?')}"]
        for name, change in sorted(row["fields"].items()):
            lines += ["", f"{name}:"] + [f"{op} {text}" for op, text in change["diff"]][:DIFF_LINES]
        updated = datetime.fromisoformat(row["detected"].replace("Z", "+00:00"))
        newest = max(newest or updated, updated)
        _entry(feed, f"change/{row['id']}", f"{row['kind']}: {row['url']}", updated, link, "\n".join(lines)[:DIFF_CHARS * 2])
    return _answer(feed, newest)


def health(request: Request) -> Response:
    """``/feeds/health.atom[?source=S]``: runs whose source looked unhealthy (selectors, yield)."""
    catalog = context_of(request).catalog
    source = params.text(request.query_params, "source", 64)
    rows = catalog.runs_page(ENTRIES, source_id=source, unhealthy=True)
    feed = _feed(request, f"health/{source or 'all'}", "aidnews: source health failures"
                 + (f" of {source}" if source else ""))
    base = str(request.base_url)
    for run in rows:
        _entry(feed, f"run/{run.id}", f"{run.source_id or run.sources}: {run.health}", run.finished_at or run.started_at,
               f"{base}api/runs?source={quote(run.source_id or '')}",
               f"run {run.id} of {run.source_id or run.sources} ({run.status}): {run.health}\n"
               f"pages {run.pages}, new articles {run.articles}, errors {run.errors}")
    return _answer(feed, max((r.finished_at or r.started_at for r in rows), default=None))
