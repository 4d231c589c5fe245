"""``aidnews search-index``: bring the full-text search index up to date with the catalog, or rebuild it."""

from __future__ import annotations

import argparse
import sys
import time

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("search-index", help="index the articles the search index lacks (or, with --rebuild, all)")
    add_data_args(p)
    p.add_argument("--rebuild", action="store_true", help="empty the index and index every article again")
    p.set_defaults(func=run)


class Progress:
    """Progress lines on stderr, at most one every few seconds (a million articles take minutes)."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self.last >= self.every:
            self.last = now
            print(f"search-index: {done} of {total} articles indexed", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from dedupe.search import index_pending, rebuild_index

    catalog = open_catalog(paths_of(args))
    try:
        done = (rebuild_index if args.rebuild else index_pending)(catalog, Progress())
        held = catalog.search_doc_count()
    finally:
        catalog.close()
    print(f"search-index: {done} article(s) {'reindexed' if args.rebuild else 'added'}, {held} in the index")
    return 0
