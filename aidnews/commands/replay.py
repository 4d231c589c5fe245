"""``aidnews replay``: arguments, and the foreground wait; pywb itself is :mod:`aidnews.replay`."""

from __future__ import annotations

import argparse
import os
import socket

from aidnews.commands.common import Subparsers, add_data_args, paths_of
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("replay", help="replay the archive in a browser through pywb (its own venv and process)")
    add_data_args(p)
    p.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0 picks a free one)")
    p.add_argument("--workers", type=int, default=1, help="pywb processes on that port (uwsgi), up to the cores")
    p.add_argument("--frameless", action="store_true",
                   help="replay pages alone, without pywb's frame and capture banner (default: framed)")
    p.set_defaults(func=run)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: argparse.Namespace) -> int:
    from aidnews.replay import ReplayError, serve

    paths = paths_of(args)
    if not paths.warcs.is_dir():
        raise UserError(f"no WARC folder at {paths.warcs} (run `aidnews crawl` or `aidnews demo` first)")
    if not 1 <= args.workers <= (os.cpu_count() or 1):
        raise UserError(f"--workers must be between 1 and the {os.cpu_count() or 1} cores, got {args.workers}")
    try:
        return serve(paths, args.port or _free_port(), workers=args.workers, frameless=args.frameless)
    except ReplayError as exc:
        raise UserError(str(exc)) from exc
