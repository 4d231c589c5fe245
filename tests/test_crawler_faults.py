"""A real crawl of the sample web's hostile host: every fault counted, what exists archived, no stop."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from aidnews.paths import DataPaths
from archive.catalog import Catalog
from tests.conftest import BIN, ROOT, run_cli

FAULT_SEEDS = ROOT / "sampleweb" / "fault_seeds"


@pytest.fixture(scope="module")
def fault_crawl(sample_web, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, subprocess.CompletedProcess]:  # type: ignore[no-untyped-def, type-arg]
    data = tmp_path_factory.mktemp("faults")
    result = run_cli("crawl", "--data", str(data), "--sample-web", sample_web.url, "--seeds", str(FAULT_SEEDS),
                     "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0", "-s", "PROGRESS_ENABLED=0")
    stats = json.loads(DataPaths.resolve(str(data)).crawl_stats.read_text(encoding="utf-8"))["configured"]
    return data, stats, result


def test_every_fault_is_counted_and_the_crawl_finishes(fault_crawl) -> None:  # type: ignore[no-untyped-def]
    data, stats, result = fault_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats["finish_reason"] == "finished"
    assert stats["fetch/failed/connection"] == 1  # reset
    assert stats["fetch/failed/timeout"] == 1  # hang
    assert stats["fetch/failed/too_large"] == 2  # 50 MB page, decompression bomb
    assert stats["fetch/failed/bad_encoding"] == 1  # invalid gzip
    assert stats["fetch/failed/redirect_loop"] == 1
    assert stats["warc/truncated"] == 2  # chunked body cut off, Content-Length longer than the body
    assert stats["articles/skipped_not_text"] == 1  # binary body served as text/html
    assert "failed fetches" in result.stdout and "stats:" in result.stdout


def test_what_exists_is_archived_and_marked(fault_crawl) -> None:  # type: ignore[no-untyped-def]
    data, _, _ = fault_crawl
    urls, truncated = [], []
    for path in sorted((data / "warcs").glob("*.warc.gz")):
        check = subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    urls.append(record.rec_headers.get_header("WARC-Target-URI"))
                    if record.rec_headers.get_header("WARC-Truncated"):
                        truncated.append(urls[-1].rsplit("/", 1)[-1])
    assert sorted(truncated) == ["truncated.html", "wrong-length.html"]
    assert "http://faults.sampleweb.example/f/bad-gzip.html" in urls  # the raw bytes, as sent
    assert sum("loop.html" in u for u in urls) == 11  # the first request and 10 redirects, then it gives up
    assert not [u for u in urls if "127.0.0.1" in u or u.startswith("file:")]  # redirects not followed
    assert not [u for u in urls if u.endswith(("big.html", "hang.html", "reset.html"))]  # no bytes to keep
    titles = {a.url.rsplit("/", 1)[-1]: a.title for a in Catalog(DataPaths.resolve(str(data)).catalog_url).articles()}
    assert titles["ok.html"] == "健康的文章"  # the healthy article after all the broken ones
