"""``aidnews crawl``: the sources in seeds/ into WARC files and the catalog, alone or with a Redis frontier."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime

from aidnews.commands.common import (
    Subparsers,
    add_crawl_args,
    add_data_args,
    paths_of,
    seeds_of,
    settings_overrides,
)
from aidnews.errors import EXIT_FAILED, UserError
from crawler.environment import Environment


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("crawl", help="crawl the sources in seeds/ into WARC files and the catalog")
    add_data_args(p)
    p.add_argument("sources", nargs="*", help="source ids (default: all)")
    add_crawl_args(p)
    p.add_argument("--recheck", choices=("due", "all", "none"), default="due",
                   help="known articles to fetch again for edits and takedowns: what each source's "
                        "[source.recheck] ladder says is due (default), all of them now, or none")
    p.add_argument("--redis", metavar="URL", default=Environment.read().redis_url or None,
                   help="share the frontier and duplicate filter in Redis (redis://HOST:PORT/DB; default $AIDNEWS_REDIS_URL)")
    p.add_argument("--workers", type=int, default=1, help="crawler processes on this machine (with --redis)")
    p.add_argument("--join", action="store_true", help="join a running distributed crawl as one worker")
    p.add_argument("--worker-id", help="this worker's name (default: host-pid); goes into its WARC file names")
    p.add_argument("--redis-prefix", default="aidnews", help="Redis key prefix of the crawl (default: aidnews)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.redis and not args.join:
        return _run_distributed(args)
    from aidnews.crawl import RedisOptions, run_crawl
    from crawler.errors import SourceError

    paths = paths_of(args)
    overrides = {"RECHECK_MODE": args.recheck, **settings_overrides(args.set)}
    if args.workers != 1 and not args.redis:
        raise UserError("--workers needs --redis (workers share a Redis frontier)")
    redis = RedisOptions(args.redis, args.redis_prefix, args.worker_id or "") if args.redis else None
    log_file = paths.crawl_log(datetime.now(UTC))
    if redis:  # workers share the data folder: one log each
        log_file = log_file.with_name(f"{log_file.stem}-{redis.worker or os.getpid()}.log")
    try:
        result = run_crawl(paths, args.sources, args.sample_web, overrides, seeds_of(args), redis, log_file)
    except SourceError as exc:
        raise UserError(str(exc)) from exc
    stats_written = True
    try:
        result.write_stats(paths.crawl_stats)
    except OSError as exc:  # a full or read-only disk: report the crawl's outcome first, then fail
        print(f"aidnews: cannot write {paths.crawl_stats}: {exc}", file=sys.stderr)
        stats_written = False
    print(f"crawl: {result.total('response_received_count')} pages, {result.total('item_scraped_count')} articles, "
          f"{len(result.warc_files)} WARC files, {result.failed_fetches} failed fetches, {result.errors} errors "
          f"(stats: {paths.crawl_stats}, log: {log_file})")
    if result.failed:
        print(f"aidnews: crawl stopped early: {', '.join(result.failed)}", file=sys.stderr)
        return EXIT_FAILED
    return 0 if stats_written else EXIT_FAILED  # a scheduled job must notice a disk that is full


def _run_distributed(args: argparse.Namespace) -> int:
    from aidnews.distributed import run_distributed

    paths = paths_of(args)
    settings_overrides(args.set)  # a bad -s is reported before any worker starts
    try:
        result = run_distributed(paths, args.redis, args.workers, args.redis_prefix, args.sources,
                                 args.sample_web, args.set, seeds_of(args))
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    failed = {name: code for name, code in result.exit_codes.items() if code != 0}
    print(f"crawl: {len(result.exit_codes)} workers ({len(failed)} failed), {result.captures_indexed} records "
          f"indexed, {result.articles_rebuilt} articles rebuilt from WARCs, "
          f"{result.repaired} WARC files finished after a dead worker")
    return EXIT_FAILED if len(failed) == len(result.exit_codes) else 0
