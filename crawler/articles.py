"""From an archived page to an article: one extraction and one catalog row, for the crawl and for rebuild.

The spider (a fresh response) and :mod:`crawler.rebuild` (a WARC record) both call
:func:`extract_article` and build an :class:`~crawler.items.ArticleItem` with
:func:`article_item`; the pipeline and rebuild write it with :func:`article_row`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding

from crawler.items import ArticleItem
from crawler.sources import Source
from dedupe.extract import Extracted, extract

# Catalog columns of free text taken from bylines: a page that runs its whole body into one is cut.
SHORT_FIELD = 200


def content_type_with_hint(content_type: str | None, hint: str, body: bytes) -> str | None:
    """The Content-Type to decode ``body`` with: the source's ``encoding`` hint applies only when
    neither the HTTP header nor the page declares a charset (a BOM still wins inside w3lib)."""
    if not hint or http_content_type_encoding(content_type) or html_body_declared_encoding(body):
        return content_type or None
    media = (content_type or "").split(";", 1)[0].strip() or "text/html"
    return f"{media}; charset={hint}"


def extract_article(body: bytes, url: str, content_type: str | None, source: Source) -> Extracted:
    """Decode (with the source's hint) and extract with the source's selectors."""
    return extract(body, url, content_type_with_hint(content_type, source.encoding, body), source.selectors)


def section_of(url: str) -> str:
    """The section part of an article URL: /cn/aid_tibet/news/202502/t..html -> cn/aid_tibet/news."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    kept = [p for p in parts[:-1] if not p.isdigit() and not (len(p) == 6 and p.isdigit())]
    return "/".join(kept[:3])


def article_item(found: Extracted, url: str, source: Source, record_id: str | None,
                 captured_at: datetime) -> ArticleItem:
    published = datetime.fromisoformat(found.published) if found.published else None
    return ArticleItem(
        url=url, source_id=source.id, section=section_of(url), title=found.title, published=published,
        origin=found.source, editor=found.editor, author=found.author, text=found.text,
        record_id=record_id, captured_at=captured_at,
    )


def article_row(item: ArticleItem) -> dict[str, Any]:
    """The catalog's article row of ``item`` (which must name its WARC record)."""
    if not item.record_id:
        raise ValueError(f"article {item.url} names no WARC record")
    return {
        "record_id": item.record_id, "url": item.url, "source_id": item.source_id, "section": item.section,
        "title": item.title, "published": item.published, "origin": item.origin[:SHORT_FIELD],
        "editor": item.editor[:SHORT_FIELD], "author": item.author[:SHORT_FIELD], "text": item.text,
        "captured_at": item.captured_at,
    }
