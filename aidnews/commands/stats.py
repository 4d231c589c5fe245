"""``aidnews stats``: count WARC files, records, captures and articles."""

from __future__ import annotations

import argparse
import json

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("stats", help="count WARC files, records, captures and articles")
    add_data_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archive.stats import data_stats

    paths = paths_of(args)
    stats = data_stats(paths.warcs, open_catalog(paths))
    if args.json:
        print(json.dumps(stats, indent=1, sort_keys=True))
    else:
        width = max(map(len, stats))
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0
