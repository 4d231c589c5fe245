"""Replay speed: `aidnews replay` (pywb with the project's CDXJ and config) against bare pywb
(`wb-manager add` copying and indexing the same WARC files itself), same archive, same requests.

    python bench/replay.py [--scale 90]     # scale 90 is about 20,000 article pages

Requests per second and p50/p95 latency for article pages (``mp_`` replay: the rewritten page,
no frame), 4 client threads, one pywb process each.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aidnews.paths import DataPaths  # noqa: E402
from aidnews.replay import COLLECTION, replay_venv, start, wait_until_up  # noqa: E402
from aidnews.start_page import write_start_page  # noqa: E402
from archive.catalog import Catalog  # noqa: E402
from bench.report import publish  # noqa: E402
from bench.report_page import open_seconds  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=90)
    parser.add_argument("--requests", type=int, default=1000)
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
        begin = time.perf_counter()
        page = write_start_page(paths, f"http://127.0.0.1:8080/{COLLECTION}/")
        build = time.perf_counter() - begin
        opened = sorted(open_seconds(page) for _ in range(7))
        empty = page.with_name("empty.html")
        empty.write_text("<!DOCTYPE html><html><body>empty</body></html>", encoding="utf-8")
        baseline = statistics.median(open_seconds(empty) for _ in range(7))
        start_row = (build, statistics.median(opened) - baseline, opened[-1] - baseline, page.stat().st_size / 1e6)
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
    build, median, worst, size = start_row
    lines += ["", "Target: within 1.1x of bare pywb per process, and throughput that grows with `--workers` up to "
              "the core count (2 here; the client threads share those cores).", "",
              f"Start page (`DATA/replay/start.html`, {size:.1f} MB: every capture as data, the first 200 "
              f"matches drawn, search in the page): built in {build:.2f} s; in headless Chromium it takes "
              f"{median * 1000:.0f} ms (median of 7; worst {worst * 1000:.0f} ms) longer to open than an empty "
              "page, measured from start to screenshot. Searching redraws at most 200 items, with no request "
              "to any server."]
    publish("Replay", lines)


if __name__ == "__main__":
    main()
