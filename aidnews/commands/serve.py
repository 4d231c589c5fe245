"""``aidnews serve``: arguments; the app and its lifecycle are :mod:`aidnews.web.server`."""

from __future__ import annotations

import argparse

from aidnews.commands.common import Subparsers, add_data_args, paths_of
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("serve", help="one read-only web app: search, articles, clusters, sites, API, feeds, replay")
    add_data_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; any other needs --token)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    p.add_argument("--token", help="require this token (HTTP basic password or Bearer); default $AIDNEWS_SERVE_TOKEN")
    p.add_argument("--no-replay", action="store_true", help="do not start pywb behind /replay/")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aidnews.web.errors import WebError
    from aidnews.web.server import ServeOptions, serve
    from crawler.environment import serve_token

    paths = paths_of(args)
    if paths.catalog_url.startswith("sqlite:") and not paths.root.exists():
        raise UserError(f"no data folder at {paths.root} (run `aidnews crawl` or `aidnews demo` first)")
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535, got {args.port}")
    token = serve_token(args.token)
    try:
        return serve(paths, ServeOptions(host=args.host, port=args.port, token=token, replay=not args.no_replay))
    except WebError as exc:
        raise UserError(str(exc)) from exc
