"""``aidnews index``: rebuild catalog captures (and missing articles) from the WARC files, the CDXJ, and the
search index."""

from __future__ import annotations

import argparse
import sys

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of, seeds_of
from aidnews.commands.search_index import Progress
from aidnews.errors import EXIT_FAILED, UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("index", help="rebuild catalog captures (and missing articles) from the WARC files")
    add_data_args(p)
    p.add_argument("--seeds", help="folder of source files (default: seeds/)")
    p.add_argument("--repair", action="store_true",
                   help="first finish .open files and cut torn last records (only when no crawl is running)")
    p.set_defaults(func=run)


def _progress(name: str, records: int) -> None:
    print(f"indexed {name} ({records} records so far)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from crawler.reconcile import reconcile
    from crawler.sources import load_sources
    from dedupe.search import rebuild_index

    paths = paths_of(args)
    if not paths.warcs.is_dir():
        raise UserError(f"no WARC folder at {paths.warcs}")
    sources = load_sources(seeds_of(args))
    catalog = open_catalog(paths)
    if not args.repair and list(paths.warcs.glob("*.warc.gz.open")):
        print("aidnews: note: .open WARC files are being written or were left by a dead crawl; "
              "when no crawl runs, `aidnews index --repair` finishes them", file=sys.stderr)
    done = reconcile(paths.warcs, catalog, sources, repair="all" if args.repair else "no", cdxj=paths.cdxj,
                     progress=_progress)
    searchable = rebuild_index(catalog, Progress())
    catalog.close()
    for repaired in done.repaired:
        cut = f"cut a torn last record ({repaired.cut_bytes} bytes)" if repaired.cut_bytes else "complete"
        print(f"repair: {repaired.name}: {cut}")
    print(f"index: {done.files} WARC files, {done.records} records, {done.articles} articles rebuilt, "
          f"{done.cdxj_lines} CDXJ lines, {searchable} articles in the search index")
    for name in done.unreadable:
        print(f"aidnews: warning: {name} is unreadable or torn; its complete records were indexed "
              "(`aidnews index --repair` cuts the torn tail)", file=sys.stderr)
    return EXIT_FAILED if done.unreadable else 0
