"""``aidnews index``: rebuild catalog captures (and missing articles) from the WARC files."""

from __future__ import annotations

import argparse
import sys

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of, seeds_of
from aidnews.errors import EXIT_FAILED, UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("index", help="rebuild catalog captures (and missing articles) from the WARC files")
    add_data_args(p)
    p.add_argument("--seeds", help="folder of source files (default: seeds/)")
    p.add_argument("--repair", action="store_true",
                   help="first finish .open files and cut torn last records (only when no crawl is running)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.indexer import index_warcs
    from archive.repair import repair_folder
    from crawler.rebuild import rebuild_articles
    from crawler.sources import host_map, load_sources

    paths = paths_of(args)
    if not paths.warcs.is_dir():
        raise UserError(f"no WARC folder at {paths.warcs}")
    if args.repair:
        for repaired in repair_folder(paths.warcs, include_closed=True):
            cut = f"cut a torn last record ({repaired.cut_bytes} bytes)" if repaired.cut_bytes else "complete"
            print(f"repair: {repaired.name}: {cut}")
    elif list(paths.warcs.glob("*.warc.gz.open")):
        print("aidnews: note: .open WARC files are being written or were left by a dead crawl; "
              "when no crawl runs, `aidnews index --repair` finishes them", file=sys.stderr)
    catalog = open_catalog(paths)
    seeds = seeds_of(args)
    sources = load_sources(seeds) if seeds else load_sources()
    report = index_warcs(paths.warcs, catalog, host_map(sources),
                         progress=lambda name, n: print(f"indexed {name} ({n} records so far)", file=sys.stderr))
    rebuilt = rebuild_articles(catalog, paths.warcs, sources)
    from archive.cdxj import write_cdxj

    lines = write_cdxj(catalog, paths.root / "replay" / "indexes" / "index.cdxj")
    print(f"index: {report.files} WARC files, {report.records} records, {rebuilt} articles rebuilt, "
          f"{lines} CDXJ lines")
    for name in report.unreadable:
        print(f"aidnews: warning: {name} is unreadable or torn; its complete records were indexed "
              "(`aidnews index --repair` cuts the torn tail)", file=sys.stderr)
    return EXIT_FAILED if report.unreadable else 0
