"""A catalog built from the sample web without crawling: fixed clock and ids, so reports are golden."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from archive.catalog import Catalog, catalog_url_for
from archive.warc_writer import WarcConfig, WarcFileWriter
from crawler.sources import catalog_rows, load_sources
from dedupe.catalog_pass import run_catalog_pass
from dedupe.extract import extract
from sampleweb.site import SampleWeb
from tests.helpers import START, exchange, pinned_writer


def sample_catalog(data: Path, url: str | None = None) -> Catalog:
    """Every article page of the sample web archived and extracted as a crawl would, deterministically."""
    web = SampleWeb(1)
    sources = load_sources()
    by_host = {h: s for s in sources for h in s.hosts}
    catalog = Catalog(url or catalog_url_for(data))
    catalog.upsert_sources(catalog_rows(sources))
    writer = pinned_writer(data / "warcs", max_size=10_000_000)
    refs, articles = [], []
    for i, article in enumerate(sorted(web.articles, key=lambda a: a.url)):
        page = web.get(article.host, article.path)
        assert page is not None
        moment = START + timedelta(minutes=i)
        ref = writer.write_exchange(exchange(article.url, page.body,
                                             [(b"Content-Type", page.content_type.encode())], moment=moment))
        source = by_host[article.host]
        found = extract(page.body, article.url, page.content_type, source.selectors)
        refs.append((ref, source.id))
        articles.append({
            "record_id": ref.record_id, "url": article.url, "source_id": source.id, "section": article.section,
            "title": found.title, "published": _parse(found.published), "origin": found.source,
            "editor": found.editor, "author": found.author, "text": found.text, "captured_at": moment,
        })
    writer.close()
    for ref, source_id in refs:
        catalog.add_captures([ref], source_id=source_id)
    catalog.add_articles(articles)
    run_catalog_pass(catalog)
    return catalog


def _parse(value: str | None):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


EDITED_PARAGRAPH = "更正：本文数据已于次日更新，援藏资金累计投入以最新统计为准。"


def _changed_articles(web: SampleWeb) -> tuple[Any, Any]:
    """The first tibet.cn article that other sites copy (its page shows versions and a cluster), and the
    first that none copies."""
    copied = {a.copy_of for a in web.articles if a.copy_of}
    tibet = sorted((a for a in web.articles if a.host == "www.tibet.cn"), key=lambda a: a.url)
    return next(a for a in tibet if a.url in copied), next(a for a in tibet if a.url not in copied)


def changed_sample_urls() -> tuple[str, str]:
    """The URLs :func:`recrawl_with_changes` edits and takes down."""
    edited, gone = _changed_articles(SampleWeb(1))
    return edited.url, gone.url


def recrawl_with_changes(catalog: Catalog, data: Path) -> tuple[str, str]:
    """A second visit, a day later, to the first two tibet.cn articles of the sample web: the first was
    edited (title and a paragraph), the second taken down (a 404); the versions pass records both.
    Returns the two URLs."""
    from crawler.versions import update_versions
    from dedupe.search import index_urls

    web = SampleWeb(1)
    edited, gone = _changed_articles(web)
    page = web.get(edited.host, edited.path)
    assert page is not None
    body = page.body.replace(f"<h2>{edited.title}</h2>".encode(), f"<h2>{edited.title}（更新）</h2>".encode(), 1)
    body = body.replace(b"</p>\n\n</div>", f"</p>\n<p>{EDITED_PARAGRAPH}</p>\n\n</div>".encode(), 1)
    assert body != page.body
    ids = itertools.count(1)
    writer = WarcFileWriter(
        WarcConfig(directory=data / "warcs", prefix="recrawl", max_size=10_000_000, hostname="testhost",
                   user_agent="aidnews-test"),
        clock=lambda: START + timedelta(days=1), record_id=lambda: f"<urn:uuid:00000000-0000-4000-9000-{next(ids):012d}>")
    moment = START + timedelta(days=1)
    refs = [writer.write_exchange(exchange(edited.url, body, [(b"Content-Type", page.content_type.encode())],
                                           moment=moment)),
            writer.write_exchange(exchange(gone.url, b"<html><body>404 Not Found</body></html>",
                                           [(b"Content-Type", b"text/html")], status=404,
                                           moment=moment + timedelta(minutes=1)))]
    writer.close()
    catalog.add_captures(refs, source_id="tibet_cn")
    result = update_versions(catalog, data / "warcs", load_sources())
    index_urls(catalog, sorted(result.changed_urls))
    return edited.url, gone.url


def web_catalog(data: Path, url: str | None = None) -> Catalog:
    """The sample catalog, plus crawl runs per source (one of them unhealthy) and a second visit that
    found an edit and a takedown: what ``aidnews serve`` shows."""
    catalog = sample_catalog(data, url)
    recrawl_with_changes(catalog, data)
    for source in catalog.sources():
        run = catalog.start_run("configured", [source.id], source_id=source.id)
        catalog.finish_run(run, "finished", pages=12, articles=5, errors=0, health="")
    broken = catalog.start_run("configured", ["mirror"], source_id=catalog.sources()[-1].id)
    catalog.finish_run(broken, "finished", pages=3, articles=0, errors=1, health="no article links on the list pages")
    from dedupe.search import index_pending

    index_pending(catalog)  # a crawl indexes as it goes; this catalog was written without one
    return catalog
