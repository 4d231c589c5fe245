"""``aidnews replay``: arguments, and the foreground wait; pywb itself is :mod:`aidnews.replay`."""

from __future__ import annotations

import argparse
import socket

from aidnews.commands.common import Subparsers, add_data_args, paths_of
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("replay", help="replay the archive in a browser through pywb (its own venv and process)")
    add_data_args(p)
    p.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0 picks a free one)")
    p.add_argument("--workers", type=int, default=1, help="pywb processes on that port (uwsgi), up to the cores")
    p.set_defaults(func=run)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(args: argparse.Namespace) -> int:
    from aidnews.replay import COLLECTION, ReplayError, start
    from aidnews.start_page import write_start_page

    paths = paths_of(args)
    if not paths.warcs.is_dir():
        raise UserError(f"no WARC folder at {paths.warcs} (run `aidnews crawl` or `aidnews demo` first)")
    port = args.port or _free_port()
    try:
        process, base = start(paths, port, workers=args.workers)
    except ReplayError as exc:
        raise UserError(str(exc)) from exc
    page = write_start_page(paths, f"{base}{COLLECTION}/")
    print(f"replay: {base}", flush=True)
    print(f"replay: start page {page}; permalinks {base}{COLLECTION}/<timestamp>/<url> (raw bytes: <timestamp>id_)",
          flush=True)
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0
