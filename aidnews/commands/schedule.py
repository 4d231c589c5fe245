"""``aidnews schedule``: crawl each source when its cron schedule says (foreground, or ``--once``)."""

from __future__ import annotations

import argparse
import sys

from aidnews.commands.common import Subparsers, add_crawl_args, add_data_args, paths_of, seeds_of, settings_overrides
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("schedule", help="crawl each source when its cron schedule says (foreground, or --once)")
    add_data_args(p)
    p.add_argument("--once", action="store_true", help="run what is due and exit (for cron or a systemd timer); "
                   "exit 1 when a run failed or a source looks unhealthy")
    add_crawl_args(p)
    p.add_argument("--max-cycles", type=int, default=0, help="stop after N cycles that ran something (0 = never)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aidnews.schedule import run_due, serve
    from crawler.errors import SourceError

    paths = paths_of(args)
    settings_overrides(args.set)  # a bad -s is reported now, not by every scheduled crawl
    paths.root.mkdir(parents=True, exist_ok=True)
    seeds = seeds_of(args)
    try:
        if not args.once:
            return serve(paths, seeds, args.sample_web, args.set, args.max_cycles)
        cycle = run_due(paths, seeds, args.sample_web, args.set)
    except SourceError as exc:
        raise UserError(str(exc)) from exc
    if not cycle.ran:
        print("schedule: nothing due")
    else:
        print(f"schedule: ran {', '.join(cycle.ran)}")
    for source, reason in cycle.unhealthy.items():
        print(f"aidnews: warning: {source}: {reason}", file=sys.stderr)
    return cycle.exit_code
