"""One real `scrapy crawl` per spider against the sample web, then checks on WARCs and catalog."""

from __future__ import annotations

import gzip
import itertools
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.catalog import Catalog
from archive.catalog.models import Article, Cluster, ClusterMember
from archive.warc_reader import iter_records, load_response, warc_files
from sampleweb.corpus import ground_truth
from sampleweb.site import SampleWeb
from tests.conftest import Crawled, run_cli

pytestmark = pytest.mark.slow
WEB = SampleWeb(1)


@pytest.fixture(scope="module")
def catalog(crawled: Crawled) -> Catalog:
    return Catalog(crawled.catalog_url)


def test_every_response_record_has_exactly_one_capture(crawled: Crawled, catalog: Catalog) -> None:
    records = [r for path in warc_files(crawled.warcs) for r in iter_records(path)]
    captures = {c.record_id: c for c in catalog.captures()}
    assert len(records) == len(captures) > 200
    for record in records:
        capture = captures[record.record_id]
        assert (capture.filename, capture.offset, capture.length, capture.urlkey, capture.digest) == (
            record.filename, record.offset, record.length, record.urlkey, record.digest)


def test_warcio_check_passes_on_every_file(crawled: Crawled) -> None:
    files = warc_files(crawled.warcs)
    assert files and not list(crawled.warcs.glob("*.open"))
    warcio = str(Path(sys.executable).parent / "warcio")
    result = subprocess.run([warcio, "check", *map(str, files)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


def _capture(catalog: Catalog, url: str):  # type: ignore[no-untyped-def]
    matches = [c for c in catalog.captures() if c.url == url]
    assert matches, url
    return matches[0]


def test_gbk_and_gzip_bodies_round_trip(crawled: Crawled, catalog: Catalog) -> None:
    gbk_path = "/yz/2024/0903/8312000.shtml"
    capture = _capture(catalog, "http://www.qianlong.com" + gbk_path)
    stored = load_response(crawled.warcs / capture.filename, capture.offset, capture.length)
    assert stored.payload == WEB.get("www.qianlong.com", gbk_path).body
    tibet_path = "/cn/aid_tibet/news/202502/t20250217_7766001.html"
    capture = _capture(catalog, "http://www.tibet.cn" + tibet_path)
    stored = load_response(crawled.warcs / capture.filename, capture.offset, capture.length)
    assert ("Content-Encoding", "gzip") in stored.headers
    assert stored.payload == gzip.compress(WEB.get("www.tibet.cn", tibet_path).body, mtime=0)


def test_robots_disallowed_page_was_not_fetched(catalog: Catalog) -> None:
    urls = {c.url for c in catalog.captures()}
    assert "http://www.tibet.cn/robots.txt" in urls
    assert not any("/cn/private/" in u for u in urls)


def test_awkward_web_is_archived_and_counted(catalog: Catalog) -> None:
    by_url = {c.url: c for c in catalog.captures()}
    assert by_url["http://www.tibet.cn/cn/old/news1.html"].status == 301
    assert by_url["http://www.tibet.cn/cn/aid_tibet/news/files/report.pdf"].mime == "application/pdf"
    assert by_url["http://www.tibet.cn/cn/news/zx/error.html"].status == 500
    assert by_url["http://www.tibet.cn/cn/news/zx/202401/t20240101_404.html"].status == 404
    assert "http://www.tibet.cn/cn/news/zx/large.html" in by_url
    assert "http://www.tibet.cn/cn/loop/a.html" in by_url


def test_seed_articles_extracted(catalog: Catalog) -> None:
    articles = {a.url: a for a in catalog.articles()}
    tibet = articles["http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"]
    assert (tibet.title, tibet.origin, tibet.editor) == ("对口支援结硕果 砥砺前行再出发", "西藏日报", "贾春玲")
    assert tibet.published == datetime(2025, 2, 17, 0, 44, tzinfo=UTC)
    qianlong = articles["http://www.qianlong.com/yz/2024/0903/8312000.shtml"]
    assert (qianlong.title, qianlong.origin) == ("对口援藏30年|援藏路上的坚守与创新", "千龙网")
    assert qianlong.published == datetime(2024, 9, 3, 3, 54, 3, tzinfo=UTC)
    truth = {p["url"] for p in ground_truth(1)["pages"]}
    assert truth <= set(articles), "every article page of the sample web was extracted"


def test_catalog_clusters_match_the_ground_truth(catalog: Catalog) -> None:
    truth = ground_truth(1)["pages"]
    original = {p["url"]: p["copy_of"] or p["url"] for p in truth}
    with catalog.session() as session:
        url_of = dict(session.execute(select(Article.id, Article.url)).all())
        canonical = {c.id: url_of[c.canonical_id] for c in session.scalars(select(Cluster))}
        members: dict[int, list[str]] = {}
        for m in session.scalars(select(ClusterMember)):
            members.setdefault(m.cluster_id, []).append(url_of[m.article_id])
    predicted = {pair for urls in members.values() for pair in itertools.combinations(sorted(urls), 2)}
    groups: dict[str, list[str]] = {}
    for url in url_of.values():
        if url in original:
            groups.setdefault(original[url], []).append(url)
    expected = {pair for urls in groups.values() for pair in itertools.combinations(sorted(urls), 2)}
    hits = len(predicted & expected)
    assert hits / len(predicted) >= 0.98 and hits / len(expected) >= 0.95
    for cluster_id, url in canonical.items():  # the original is canonical, never a copy
        assert original.get(url, url) == url, (url, members[cluster_id])


def test_index_is_idempotent_and_stats_count(crawled: Crawled, catalog: Catalog) -> None:
    before = len(catalog.captures())
    result = run_cli("index", "--data", str(crawled.data))
    assert result.returncode == 0, result.stderr
    assert len(catalog.captures()) == before
    stats = json.loads(run_cli("stats", "--data", str(crawled.data), "--json", check=True).stdout)
    assert stats["captures"] == stats["records"] == before
    assert stats["articles"] >= 220 and stats["sources"] == 4 and stats["warc_files"] >= 2


def test_incremental_dedupe_has_nothing_new(crawled: Crawled) -> None:
    result = run_cli("dedupe", "--data", str(crawled.data), check=True)
    assert "0 new articles" in result.stdout
