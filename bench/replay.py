"""Replay speed: `aidnews replay` (pywb with the project's CDXJ and config) against bare pywb
(`wb-manager add` copying and indexing the same WARC files itself), same archive, same requests.

    python bench/replay.py [--scale 130]     # scale 130: about 20,500 HTML captures

Requests per second and p50/p95 latency for article pages (``mp_`` replay: the rewritten page,
no frame), 4 client threads, one pywb process each. Then the start page in headless Chromium:
the page reports its own timings (``data-ready-ms``: navigation start to the first list drawn;
``data-drawn-ms``: a search from its start to the matches drawn), for a ``#q=`` permalink in a new
browser (loading ``static/captures/all.js`` included) and for a search typed into the page in a running
browser, against an empty page's ``data-ready-ms`` in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aidnews.paths import DataPaths  # noqa: E402
from aidnews.replay import COLLECTION, replay_venv, start, wait_until_up  # noqa: E402
from aidnews.start_page import write_start_page  # noqa: E402
from archive.catalog import Catalog  # noqa: E402
from bench.chromium import FLAGS, Browser, chromium_binary  # noqa: E402
from bench.report import publish  # noqa: E402
from sampleweb.process import serving  # noqa: E402

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def measure(base: str, urls: list[str], threads: int = 4) -> tuple[float, float, float]:
    def fetch(url: str) -> float:
        begin = time.perf_counter()
        with urllib.request.urlopen(f"{base}20300101000000mp_/{url}", timeout=60) as response:
            response.read()
        return time.perf_counter() - begin

    for url in urls[:20]:  # warm caches on both sides alike
        fetch(url)
    begin = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(fetch, urls))
    total = time.perf_counter() - begin
    latencies.sort()
    return len(urls) / total, statistics.median(latencies) * 1000, latencies[int(0.95 * len(latencies))] * 1000


def page_timings(url: str) -> dict[str, float]:
    """The ``data-*-ms`` attributes the page set on ``<html>``, from a DOM dump after its scripts ran."""
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([chromium_binary(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=120, check=True).stdout
    html = re.search(r"<html[^>]*>", dom)
    head = html.group(0) if html else ""
    return {name: float(value) for name, value in re.findall(r'data-(\w+)-ms="([0-9.]+)"', head)}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def typed_searches(page: Path, terms: list[str]) -> tuple[list[float], list[float]]:
    """In one running browser: open the page (``data-ready-ms``), wait as a user would before typing,
    type a term (``data-drawn-ms``: the input event to the matches drawn)."""
    ready = "document.documentElement.getAttribute('data-%s-ms')"
    opened, searched = [], []
    with Browser() as browser:
        for run, term in enumerate(terms):
            browser.navigate(f"{page.as_uri()}?run={run}")
            opened.append(float(browser.wait_for(ready % "ready")))
            time.sleep(0.5)
            browser.evaluate("document.documentElement.removeAttribute('data-drawn-ms');"
                             f"var q = document.getElementById('q'); q.value = {json.dumps(term)};"
                             "q.dispatchEvent(new Event('input'));")
            searched.append(float(browser.wait_for(ready % "drawn")))
    return opened, searched


def start_page_rows(paths: DataPaths, runs: int) -> list[tuple[str, float, float]]:
    """(what, p50 ms, p95 ms) for opening the start page and searching it, and for an empty page."""
    page = write_start_page(paths, f"http://127.0.0.1:8080/{COLLECTION}/")
    empty = page.with_name("empty.html")
    empty.write_text("<!DOCTYPE html><html><body>empty<script>document.documentElement.setAttribute("
                     "'data-ready-ms', performance.now().toFixed(1));</script></body></html>", encoding="utf-8")
    titles = [a.title for a in Catalog(paths.catalog_url).articles() if a.title]
    terms = [t[:4] for t in random.Random(2).choices(titles, k=runs)]
    cold_open, permalink, blank = [], [], []
    for term in terms:
        cold_open.append(page_timings(page.as_uri())["ready"])
        permalink.append(page_timings(page.as_uri() + "#q=" + urllib.parse.quote(term))["drawn"])
        blank.append(page_timings(empty.as_uri())["ready"])
    warm_open, typed = typed_searches(page, terms)
    rows = [("empty page (baseline), new browser", blank), ("start page, new browser: open", cold_open),
            ("start page, new browser: `#q=` permalink (loads `all.js`, then draws)", permalink),
            ("start page, running browser: open", warm_open),
            ("start page, running browser: search typed 0.5 s after opening", typed)]
    return [(what, statistics.median(values), p95(values)) for what, values in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=130)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--page-runs", type=int, default=40, help="Chromium loads per start-page measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        with serving(args.scale) as web:
            subprocess.run([str(BIN / "aidnews"), "crawl", "--data", str(data), "--sample-web", web.url,
                            "-s", "PROGRESS_ENABLED=0"], check=True, capture_output=True)
        paths = DataPaths(data, f"sqlite:///{data / 'catalog.sqlite'}")
        articles = [a.url for a in Catalog(paths.catalog_url).articles()]
        urls = random.Random(1).choices(articles, k=args.requests)
        rows = {}
        for workers in (1, 2):
            ours, base = start(paths, free_port(), workers=workers)
            try:
                rows[workers] = measure(f"{base}{COLLECTION}/", urls)
            finally:
                ours.terminate()
                ours.wait()
        aidnews_row = rows[1]
        captures = len(Catalog(paths.catalog_url).captures())
        start_rows = start_page_rows(paths, args.page_runs)
        bare_dir = Path(tmp) / "bare"
        bare_dir.mkdir()
        tools = replay_venv() / "bin"
        subprocess.run([str(tools / "wb-manager"), "init", "bare"], cwd=bare_dir, check=True, capture_output=True)
        subprocess.run([str(tools / "wb-manager"), "add", "bare", *map(str, sorted((data / "warcs").glob("*.warc.gz")))],
                       cwd=bare_dir, check=True, capture_output=True)
        port = free_port()
        bare = subprocess.Popen([str(tools / "wayback"), "--bind", "127.0.0.1", "--port", str(port), "-d", str(bare_dir)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/")
            bare_row = measure(f"http://127.0.0.1:{port}/bare/", urls)
        finally:
            bare.terminate()
            bare.wait()
    lines = [f"Sample web at scale {args.scale} ({len(articles):,} articles archived), {args.requests} article "
             "replays (`mp_`), 4 client threads, one pywb process unless `--workers`. Command: "
             "`python bench/replay.py`.", "",
             "| server | requests/s | p50 ms | p95 ms | latency vs bare (p50) |", "|---|---|---|---|---|"]
    for name, (rps, p50, p95) in (("`aidnews replay` (project CDXJ, config)", aidnews_row),
                                  ("`aidnews replay --workers 2` (uwsgi)", rows[2]),
                                  ("bare pywb (`wb-manager add`, its own index)", bare_row)):
        lines.append(f"| {name} | {rps:.0f} | {p50:.1f} | {p95:.1f} | {p50 / bare_row[1]:.2f}x |")
    lines += ["", "Target: within 1.1x of bare pywb per process, and throughput that grows with `--workers` up to "
              "the core count (2 here; the client threads share those cores).", "",
              f"Start page (`DATA/replay/start.html`) over the same archive ({captures:,} captures), "
              f"{args.page_runs} runs each, timed by the page itself (`data-ready-ms`: navigation start to the "
              "first list drawn; `data-drawn-ms`: the search's start to its matches drawn). \"New browser\" "
              "starts headless Chromium for every load; \"running browser\" keeps one open (bench/chromium.py) as a "
              "user's is. Each search is a 4-character title prefix of a random article. Target: under "
              "200 ms p95.", "", "| page | p50 ms | p95 ms |", "|---|---|---|"]
    lines += [f"| {what} | {p50:.0f} | {worst:.0f} |" for what, p50, worst in start_rows]
    publish("Replay", lines)


if __name__ == "__main__":
    main()
