"""Incremental and resumable crawls: revisits for unchanged pages, and SIGKILL at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Article, Capture
from archive.warc_reader import iter_records, warc_files
from sampleweb.process import serving
from tests.conftest import ROOT, SampleWebProcess, run_cli

pytestmark = pytest.mark.slow
QUIET = ["-s", "PROGRESS_ENABLED=0"]


def _articles(data: Path) -> set[str]:
    with Catalog(catalog_url_for(data)).session() as session:
        return set(session.scalars(select(Article.url)))


def _captures(data: Path) -> list[tuple[str, str, int]]:
    with Catalog(catalog_url_for(data)).session() as session:
        return [(c.url, c.record_type, c.status) for c in session.scalars(select(Capture))]


def test_second_crawl_is_incremental_and_sees_changes(tmp_path: Path) -> None:
    with serving() as web:
        run_cli("crawl", "--data", str(tmp_path), "--sample-web", web.url, *QUIET, check=True)
        first = _articles(tmp_path)
        with urllib.request.urlopen(web.url + "/_publish", timeout=10) as response:
            import json

            changes = json.loads(response.read())
        run_cli("crawl", "--data", str(tmp_path), "--sample-web", web.url, *QUIET,
                "-s", "REVISIT_ARTICLES_DAYS=0.000001", check=True)  # recheck every known article too
    after = _articles(tmp_path)
    assert after - first == set(changes["new"])  # new articles found
    captures = _captures(tmp_path)
    revisits = [c for c in captures if c[1] == "revisit"]
    assert len(revisits) > 200 and {c[2] for c in revisits} == {304}  # unchanged pages: revisit records
    changed = [c for c in captures if c[0] == changes["changed"][0]]
    assert [c[1] for c in changed] == ["response", "response"]  # the edited article archived again
    with Catalog(catalog_url_for(tmp_path)).session() as session:
        versions = list(session.scalars(select(Article.text).where(Article.url == changes["changed"][0])))
    assert len(versions) == 2 and any("更正" in v for v in versions)
    result = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check",
                             *map(str, warc_files(tmp_path / "warcs"))], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-1500:]


def test_killed_crawls_resume_to_a_clean_crawls_result(sample_web: SampleWebProcess, tmp_path: Path) -> None:
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    run_cli("crawl", "--data", str(clean), "--sample-web", sample_web.url, *QUIET, check=True)
    rng = random.Random(int(os.environ.get("AIDNEWS_KILL_SEED", "7")))
    command = [sys.executable, "-m", "aidnews.cli", "crawl", "--data", str(resumed), "--sample-web",
               sample_web.url, *QUIET, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    for _ in range(5):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 2.5))  # past start-up, at a random point of the crawl
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    result = run_cli("crawl", "--data", str(resumed), "--sample-web", sample_web.url, *QUIET)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _articles(resumed) == _articles(clean)
    assert not list((resumed / "warcs").glob("*.open"))
    files = warc_files(resumed / "warcs")
    check = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, files)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout[-1500:]
    records = {r.record_id for path in files for r in iter_records(path)}
    with Catalog(catalog_url_for(resumed)).session() as session:
        assert set(session.scalars(select(Capture.record_id))) == records
    # Known articles were not fetched again: one 200 response per article URL, apart from requests in
    # flight at a kill (a few per kill) and the target of the sample web's 301 chain, reached by redirect
    # each run without a conditional request.
    responses = Counter(url for url, kind, status in _captures(resumed) if kind == "response" and status == 200)
    again = {url for url in _articles(resumed) if responses[url] > 1}
    assert len(again) <= 5 * 4 + 1, sorted(again)
