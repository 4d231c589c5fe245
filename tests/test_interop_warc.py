"""The archive read by tools this project did not write: FastWARC, warcio, cdxj-indexer and pywb.

One data folder, three crawls of the sample web: the first, a second whose conditional requests
meet 304s for the list pages (server-not-modified revisits), and a third without conditional
requests that refetches the articles and gets the same bytes (identical-payload-digest revisits).
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from aidnews.paths import DataPaths
from aidnews.replay import COLLECTION, replay_venv, start, stop
from archive.catalog import Catalog
from archive.cdxj import cdxj_lines
from archive.indexer import index_warcs
from archive.warc_reader import warc_files
from archive.warc_writer import HttpExchange, WarcConfig, WarcFileWriter
from tests.conftest import Crawled, run_cli

pytestmark = pytest.mark.slow
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
QUERY_PAGES = ("http://www.tibet.cn/cn/search.jsp?q=%E6%8F%B4%E8%97%8F&page=2",
               "http://www.tibet.cn/cn/list.jsp?b=2&a=1&c=d+e", "http://www.tibet.cn/cn/aid_tibet/news/?page=3")


@pytest.fixture(scope="module")
def revisited(sample_web, tmp_path_factory: pytest.TempPathFactory) -> Crawled:  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("revisited")
    crawl = ("crawl", "--data", str(data), "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0")
    run_cli(*crawl, check=True)
    run_cli(*crawl, check=True)  # list pages: If-None-Match -> 304
    run_cli(*crawl, "-s", "REVISIT_ARTICLES_DAYS=0.000001", "-s", "CONDITIONAL_REQUESTS=0", check=True)
    # The sample web links no query-string page: two are archived beside the crawls and indexed.
    writer = WarcFileWriter(WarcConfig(data / "warcs", prefix="extra", hostname="test"))
    for url in QUERY_PAGES:
        body = f"<html><head><title>{url}</title></head><body>援藏 {url}</body></html>".encode()
        writer.write_exchange(HttpExchange(url, "GET", [(b"Host", b"www.tibet.cn")], b"", 200, "OK",
                                           [(b"Content-Type", b"text/html; charset=utf-8")], body))
    writer.close()
    index_warcs(data / "warcs", Catalog(f"sqlite:///{data / 'catalog.sqlite'}"), only=writer.files_written)
    return Crawled(data, sample_web.url)  # a crawl, then revisits of it


def _fastwarc() -> object:
    return pytest.importorskip("fastwarc.warc", reason="FastWARC (PyPI fastwarc) is a test dependency: make test")


def test_fastwarc_reads_and_digest_checks_every_record(revisited: Crawled) -> None:
    warc = _fastwarc()
    kinds: dict[str, int] = {}
    originals: dict[str, tuple[str, str]] = {}  # record id -> (WARC-Date, payload digest), checked by FastWARC
    revisits = []
    for path in warc_files(revisited.warcs):
        with open(path, "rb") as stream:
            for record in warc.ArchiveIterator(stream, parse_http=False):  # type: ignore[attr-defined]
                assert record.verify_block_digest(), (path.name, record.record_id)
                kinds[str(record.record_type)] = kinds.get(str(record.record_type), 0) + 1
        with open(path, "rb") as stream:
            for record in warc.ArchiveIterator(stream, parse_http=True):  # type: ignore[attr-defined]
                headers = record.headers
                if str(record.record_type) == "revisit":
                    revisits.append(dict(headers))
                    continue
                if headers.get("WARC-Payload-Digest"):
                    assert record.verify_payload_digest(), (path.name, record.record_id)
                if str(record.record_type) == "response":
                    originals[record.record_id] = (headers["WARC-Date"], headers["WARC-Payload-Digest"])
    assert kinds.get("warcinfo") == len(warc_files(revisited.warcs)) and kinds.get("revisit", 0) > 10
    profiles = {h["WARC-Profile"] for h in revisits}
    assert profiles == {SERVER_NOT_MODIFIED, IDENTICAL_PAYLOAD}
    for headers in revisits:
        # Documented (docs/formats.md): FastWARC checks a revisit's payload digest against its empty payload;
        # the digest names the original's payload, so it is checked here against the original FastWARC read.
        date, digest = originals[headers["WARC-Refers-To"]]
        assert headers["WARC-Refers-To-Date"] == date
        if headers["WARC-Profile"] == SERVER_NOT_MODIFIED:
            assert "WARC-Payload-Digest" not in headers  # a 304 has no payload
        else:
            assert headers["WARC-Payload-Digest"] == digest


def test_warcio_check_passes_on_every_file(revisited: Crawled) -> None:
    files = [str(p) for p in warc_files(revisited.warcs)]
    result = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *files],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _indexer_lines(warcs: Path) -> list[str]:
    indexer = replay_venv() / "bin" / "cdxj-indexer"
    if not indexer.exists():
        pytest.skip("cdxj-indexer (in the replay environment) is missing: make replay-env")
    result = subprocess.run([str(indexer), "--sort", *[str(p) for p in warc_files(warcs)]],
                            capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if line and not line.startswith("!")]


def _fields(line: str) -> tuple[str, str, dict[str, str]]:
    key, stamp, rest = line.split(" ", 2)
    return key, stamp, json.loads(rest)


def test_cdxj_equals_cdxj_indexer_field_by_field(revisited: Crawled) -> None:
    theirs = [_fields(line) for line in _indexer_lines(revisited.warcs)]
    catalog = Catalog(revisited.catalog_url)
    ours = [_fields(line) for line in cdxj_lines(catalog)]
    catalog.close()
    # Documented exception: 304 revisits are left out of ours (no payload to replay; pywb shows the capture before)
    not_modified = [t for t in theirs if t[2].get("mime") == "warc/revisit" and t[2].get("status") == "304"]
    assert not_modified, "the second crawl met no 304"
    expected = [t for t in theirs if t not in not_modified]
    assert len(ours) == len(expected)
    for mine, other in zip(ours, expected, strict=True):
        assert mine[:2] == other[:2], (mine, other)
        for name in ("url", "mime", "status", "digest", "length", "offset", "filename"):
            assert mine[2].get(name) == other[2].get(name), (name, mine, other)
    assert set(cdxj_lines(Catalog(revisited.catalog_url))) <= set(_indexer_lines(revisited.warcs))  # byte for byte


@pytest.fixture(scope="module")
def replay(revisited: Crawled) -> Iterator[str]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process, base = start(DataPaths(revisited.data, revisited.catalog_url), port)
    yield f"{base}{COLLECTION}/"
    stop(process)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_pywb_replays_every_archived_html_page_over_the_whole_cdxj(replay: str, revisited: Crawled) -> None:
    catalog = Catalog(revisited.catalog_url)
    pages = [_fields(line) for line in cdxj_lines(catalog)]
    catalog.close()
    html = [(stamp, f["url"]) for _, stamp, f in pages if f["mime"] in ("text/html", "warc/revisit")
            and f["status"] == "200" and f["url"].startswith("http")]
    assert len(html) > 100
    lists = {u for _, u in html if u.endswith("/")}
    assert {"http://www.tibet.cn/cn/aid_tibet/news/", "http://www.tibet.cn/cn/aid_tibet/rw/",
            "http://www.tibet.cn/cn/news/zx/", "http://www.tibet.cn/cn/zt2024/yz30y/yzyw/"} <= lists
    assert any(u == "http://www.qianlong.com/yz/2024/0903/8312000.shtml" for _, u in html)  # the GBK page
    assert set(QUERY_PAGES) <= {u for _, u in html}
    failed = []
    for stamp, url in html:
        for asked in {url, url.rstrip("/")} if url.endswith("/") and url.count("/") > 3 else {url}:
            # the capture itself, and (list pages) the same URL without its trailing slash
            status = _status(f"{replay}{stamp}mp_/{asked}")
            if status != 200:
                failed.append((status, stamp, asked))
    assert not failed, failed[:20]
