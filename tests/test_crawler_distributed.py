"""Distributed crawl: worker processes on the real Redis frontier, writing to the real PostgreSQL catalog."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Article, Capture
from archive.warc_reader import iter_records, warc_files
from tests.conftest import ROOT, run_cli, start_sample_web
from tests.services import postgres_url, redis_prefix  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow
SCALE = 3
QUIET = ["-s", "PROGRESS_ENABLED=0", "-s", "LOG_LEVEL=WARNING"]
# Each worker reads robots.txt itself, and a 500 is retried: the only URLs allowed twice.
REPEATABLE = ("/robots.txt", "/cn/news/zx/error.html")


@pytest.fixture(scope="module")
def web():  # type: ignore[no-untyped-def]
    server = start_sample_web(SCALE)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def single_process_articles(web, tmp_path_factory: pytest.TempPathFactory) -> set[str]:  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("single")
    run_cli("crawl", "--data", str(data), "--sample-web", web.url, *QUIET, check=True)
    with Catalog(catalog_url_for(data)).session() as session:
        return set(session.scalars(select(Article.url)))


def _articles(url: str) -> set[str]:
    with Catalog(url).session() as session:
        return set(session.scalars(select(Article.url)))


def _duplicate_captures(url: str) -> dict[str, int]:
    with Catalog(url).session() as session:
        counts = Counter(session.scalars(select(Capture.url)))
    return {u: n for u, n in counts.items() if n > 1 and not u.endswith(REPEATABLE)}


def _warcio_check(folder: Path) -> None:
    files = warc_files(folder)
    result = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", *map(str, files)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]


def test_three_workers_fetch_each_url_once(web, single_process_articles, postgres_url, redis_prefix, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    redis_url, prefix = redis_prefix
    result = run_cli("crawl", "--data", str(tmp_path), "--catalog", postgres_url, "--redis", redis_url,
                     "--redis-prefix", prefix, "--workers", "3", "--sample-web", web.url, *QUIET, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "3 workers (0 failed)" in result.stdout
    assert _articles(postgres_url) == single_process_articles
    assert _duplicate_captures(postgres_url) == {}
    names = {p.name.split("-")[1] for p in warc_files(tmp_path / "warcs")}
    # Workers write their own files (how many got work depends on start-up timing on a 2-core machine).
    assert names and names <= {"w1", "w2", "w3"}
    _warcio_check(tmp_path / "warcs")
    # The same crawl indexed from its WARC files alone into SQLite gives the same report.
    sqlite = tmp_path / "rebuilt"
    (sqlite / "warcs").mkdir(parents=True)
    for path in warc_files(tmp_path / "warcs"):
        (sqlite / "warcs" / path.name).symlink_to(path)
    run_cli("index", "--data", str(sqlite), check=True)
    reports: list[list[tuple[Any, ...]]] = []
    for catalog in (postgres_url, catalog_url_for(sqlite)):
        run_cli("dedupe", "--catalog", catalog, "--data", str(sqlite), check=True)
        out = tmp_path / f"report-{len(reports)}.json"
        run_cli("report", "--catalog", catalog, "--data", str(sqlite), "--format", "json", "--output", str(out), check=True)
        reports.append(_comparable(json.loads(out.read_text(encoding="utf-8"))))
    assert reports[0] == reports[1] and len(reports[0]) > 100


def _comparable(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Clusters by URL with their kinds and metrics; ids and capture times differ between catalogs."""
    return sorted(
        (c["canonical"]["url"], tuple((m["url"], tuple(m["kinds"]), m["distance"], m["similarity"]) for m in c["members"]))
        for c in report["clusters"]
    )


def _worker_troubles(folder: Path) -> str:
    """The warnings and errors the workers logged, for a failed assertion to be read by."""
    logs = sorted(folder.glob("w*.log")) + sorted((folder / "logs").glob("crawl-*.log"))
    lines = [f"{p.name}: {line}" for p in logs for line in p.read_text(encoding="utf-8", errors="replace").splitlines()
             if ("WARNING" in line[:40] or "ERROR" in line[:40] or line.startswith("aidnews:"))
             and "py.warnings" not in line]
    return "\n".join(lines[-80:])


# Killed as it starts (its first records written, while the others record the sources and seed the
# frontier) and mid-crawl.
@pytest.mark.parametrize("kill_after_bytes", [2_000, 50_000])
def test_a_killed_worker_loses_nothing(web, single_process_articles, postgres_url, redis_prefix, tmp_path,  # type: ignore[no-untyped-def]  # noqa: F811
                                       kill_after_bytes: int) -> None:
    redis_url, prefix = redis_prefix
    Catalog(postgres_url).close()
    base = [sys.executable, "-m", "aidnews.cli", "crawl", "--data", str(tmp_path), "--catalog", postgres_url,
            "--redis", redis_url, "--redis-prefix", prefix, "--join", "--sample-web", web.url, *QUIET,
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
    logs = {w: open(tmp_path / f"{w}.log", "w") for w in ("w1", "w2", "w3")}
    base.insert(3, "-v")
    workers = {w: subprocess.Popen([*base, "--worker-id", w], cwd=ROOT, stdout=logs[w], stderr=logs[w])
               for w in ("w1", "w2", "w3")}
    victim = workers["w2"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it once it has archived that much
        written = [p for p in (tmp_path / "warcs").glob("aidnews-w2-*") if p.stat().st_size > kill_after_bytes]
        if written:
            break
        time.sleep(0.2)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    for name, process in workers.items():
        if name != "w2":
            assert process.wait(timeout=600) == 0, _worker_troubles(tmp_path)
    assert list((tmp_path / "warcs").glob("aidnews-w2-*.open")), "the killed worker left its file open"
    result = run_cli("index", "--data", str(tmp_path), "--catalog", postgres_url, "--repair", check=True)
    assert "repair: aidnews-w2-" in result.stdout
    assert _articles(postgres_url) == single_process_articles, _worker_troubles(tmp_path)
    _warcio_check(tmp_path / "warcs")
    records = {r.record_id for p in warc_files(tmp_path / "warcs") for r in iter_records(p)}
    with Catalog(postgres_url).session() as session:
        assert set(session.scalars(select(Capture.record_id))) == records  # every archived response has a capture
