"""``aidnews demo``: serve the sample web, crawl it, dedupe, and say where everything is."""

from __future__ import annotations

import argparse

from aidnews.commands.common import Subparsers, add_data_args, paths_of


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("demo", help="serve the sample web, crawl it, dedupe, and say where everything is")
    add_data_args(p)
    p.add_argument("--scale", type=int, default=1, help="sample web size (about 220 articles per unit)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aidnews.demo import run_demo

    return run_demo(paths_of(args), scale=args.scale, log_stream=bool(args.verbose or args.log_level))
