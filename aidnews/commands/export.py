"""``aidnews export wacz``: the archive as a WACZ package (ReplayWeb.page, pywb)."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("export", help="export the archive as a WACZ package (ReplayWeb.page, pywb)")
    p.add_argument("format", choices=("wacz",))
    add_data_args(p)
    p.add_argument("--output", required=True, help="the .wacz file to write")
    p.add_argument("--source", help="only this source's captures (and the WARC files holding them)")
    p.add_argument("--since", help="only captures from this date (ISO 8601, UTC when no zone)")
    p.set_defaults(func=run)


def _since(value: str | None) -> datetime | None:
    from datetime import UTC

    if not value:
        return None
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(f"--since expects a date like 2025-02-17, got {value!r}") from None
    return since if since.tzinfo else since.replace(tzinfo=UTC)


def run(args: argparse.Namespace) -> int:
    from archive.wacz import export_wacz

    paths = paths_of(args)
    since = _since(args.since)
    try:
        summary = export_wacz(open_catalog(paths), paths.warcs, Path(args.output), args.source, since)
    except OSError as exc:  # FileNotFoundError included
        raise UserError(str(exc)) from exc
    print(f"export: {summary.path}: {summary.warc_files} WARC files, {summary.captures} captures, {summary.pages} pages")
    return 0
