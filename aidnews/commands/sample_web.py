"""``aidnews sample-web``: serve the bundled offline sample web on 127.0.0.1 until interrupted."""

from __future__ import annotations

import argparse
import signal
from typing import NoReturn

from aidnews.commands.common import Subparsers
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("sample-web", help="serve the bundled offline sample web on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    p.add_argument("--scale", type=int, default=1, help="size multiplier for benchmarks")
    p.set_defaults(func=run)


def _interrupt(*_: object) -> NoReturn:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from sampleweb.server import SampleWebServer
    from sampleweb.site import SampleWeb

    if args.scale < 1:
        raise UserError(f"--scale must be >= 1, got {args.scale}")
    try:
        server = SampleWebServer(SampleWeb(args.scale), args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from exc
    print(f"sample web: {server.url}", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
