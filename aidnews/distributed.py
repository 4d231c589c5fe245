"""``aidnews crawl --redis URL --workers N``: N worker processes on one Redis frontier, then reconcile.

The coordinator starts a fresh crawl (clears the prefix's keys), runs N
workers (``aidnews crawl --redis URL --join``), waits for them, finishes WARC
files a killed worker left open, and indexes captures and any articles whose
catalog rows a killed worker never flushed. Other machines join with
``--join`` while it runs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aidnews import self_command
from aidnews.paths import DataPaths
from crawler.environment import child_env


@dataclass
class DistributedResult:
    exit_codes: dict[str, int]
    repaired: int
    captures_indexed: int
    articles_rebuilt: int


def clear_frontier(redis_url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    return len(keys)


def worker_command(paths: DataPaths, prefix: str, worker: str, sources: Sequence[str],
                   sample_web: str | None, overrides: Sequence[str], seeds: Path | None = None) -> list[str]:
    """One local worker's command line; the catalog and Redis URLs go in :func:`worker_env`."""
    command = [*self_command(), "crawl", "--data", str(paths.root),
               "--redis-prefix", prefix, "--join", "--worker-id", worker, *sources]
    if seeds:
        command += ["--seeds", str(seeds)]
    if sample_web:
        command += ["--sample-web", sample_web]
    for setting in overrides:
        command += ["-s", setting]
    return command


def worker_env(paths: DataPaths, redis_url: str) -> dict[str, str]:
    # By environment, not argv: a command line is visible to every user of the machine, and both
    # URLs may hold passwords.
    return child_env(paths.catalog_url, redis_url)


def run_distributed(paths: DataPaths, redis_url: str, workers: int, prefix: str = "aidnews",
                    sources: Sequence[str] = (), sample_web: str | None = None,
                    overrides: Sequence[str] = (), seeds: Path | None = None) -> DistributedResult:
    from archive.catalog import Catalog
    from crawler.reconcile import reconcile
    from crawler.sources import load_sources

    if workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    Catalog(paths.catalog_url).close()  # migrate once, before the workers race to do it
    clear_frontier(redis_url, prefix)
    processes = {
        f"w{i}": subprocess.Popen(worker_command(paths, prefix, f"w{i}", sources, sample_web, overrides, seeds),
                                  env=worker_env(paths, redis_url))
        for i in range(1, workers + 1)
    }
    codes = {name: process.wait() for name, process in processes.items()}
    catalog = Catalog(paths.catalog_url)
    try:
        done = reconcile(paths.warcs, catalog, load_sources(seeds))
    finally:
        catalog.close()
    return DistributedResult(codes, len(done.repaired), done.records, done.articles)
