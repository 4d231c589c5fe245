"""``aidnews demo``: the main job end to end on the bundled offline sample web."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from aidnews.crawl import run_crawl
from aidnews.paths import DataPaths
from aidnews.replay import COLLECTION
from archive.catalog import Catalog
from archive.cdxj import write_cdxj
from archive.redact import redact_url
from archive.stats import data_stats
from dedupe.catalog_pass import run_catalog_pass
from dedupe.report import ReportOptions, build_report, write_html
from sampleweb.server import running


def _say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


def run_demo(paths: DataPaths, scale: int = 1, log_stream: bool = False) -> int:
    """``log_stream``: show the crawl's log on stderr as well (``-v`` / ``--log-level``); otherwise only
    progress lines, the summary, and the log in ``DATA/logs/``."""
    started = time.monotonic()
    paths.root.mkdir(parents=True, exist_ok=True)
    log_file = paths.crawl_log(datetime.now(UTC))
    with running(scale=scale) as server:
        _say(f"sample web: {server.url} (proxy for www.tibet.cn, www.qianlong.com, an aggregator and a mirror)")
        _say(f"crawling every source in seeds/ into {paths.root} (log: {log_file}) ...")
        result = run_crawl(paths, sample_web=server.url, log_file=log_file, quiet=not log_stream)
    catalog = Catalog(paths.catalog_url)
    _say("finding near-duplicates ...")
    dedupe = run_catalog_pass(catalog, progress=lambda stage, n: _say(f"{stage}: {n}"))
    stats = data_stats(paths.warcs, catalog)
    _say("writing the dedupe report ...")
    report_path = paths.reports / "report.html"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    # Capture links point at `aidnews replay`'s default address.
    write_html(build_report(catalog, ReportOptions(replay_base=f"http://127.0.0.1:8080/{COLLECTION}/")), report_path)
    write_cdxj(catalog, paths.cdxj)
    catalog.close()
    elapsed = time.monotonic() - started
    print(f"""
aidnews demo finished in {elapsed:.0f} s
  pages fetched   {result.total('response_received_count')}
  articles        {stats['articles']}
  WARC files      {stats['warc_files']} ({stats['records']} response records)
  clusters        {dedupe['clusters']} (copies of one article across sites or inside a page)
  errors          {result.errors} (the sample web serves broken pages on purpose: 404, 500, a redirect loop)

  crawl log       {log_file}

  WARC files      {paths.warcs}/
  catalog         {redact_url(paths.catalog_url)}
  report          {report_path}   (open it in a browser; works offline)
  replay          aidnews replay --data {paths.root}   (pywb on http://127.0.0.1:8080/, its own venv)
  next            aidnews stats --data {paths.root} --json

  open the app    aidnews serve --data {paths.root}   (http://127.0.0.1:8080/: search, clusters, API, replay)
""")
    if result.failed:
        print(f"aidnews: crawl stopped early: {', '.join(result.failed)} (why: {log_file})", file=sys.stderr)
        return 1
    return 0
