"""A catalog built from the sample web without crawling: fixed clock and ids, so reports are golden."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from archive.catalog import Catalog, catalog_url_for
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


def web_catalog(data: Path, url: str | None = None) -> Catalog:
    """The sample catalog, plus crawl runs per source (one of them unhealthy): what ``aidnews serve`` shows."""
    catalog = sample_catalog(data, url)
    for source in catalog.sources():
        run = catalog.start_run("configured", [source.id], source_id=source.id)
        catalog.finish_run(run, "finished", pages=12, articles=5, errors=0, health="")
    broken = catalog.start_run("configured", ["mirror"], source_id=catalog.sources()[-1].id)
    catalog.finish_run(broken, "finished", pages=3, articles=0, errors=1, health="no article links on the list pages")
    from dedupe.search import index_pending

    index_pending(catalog)  # a crawl indexes as it goes; this catalog was written without one
    return catalog
