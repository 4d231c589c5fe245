"""``aidnews changes``: the change events of archived articles (edited, taken_down, moved, restored, unlisted)."""

from __future__ import annotations

import argparse
import json
import re

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of
from aidnews.errors import UserError
from archive.catalog.models import CHANGE_KINDS


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("changes", help="list change events: edited, taken_down, moved, restored, unlisted")
    add_data_args(p)
    p.add_argument("--since", metavar="DATE", help="events detected at or after DATE (YYYY-MM-DD or an ISO time, UTC)")
    p.add_argument("--kind", choices=CHANGE_KINDS, help="only events of this kind")
    p.add_argument("--source", metavar="ID", help="only events of this source")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array (kind, how, url, detected, summary, before, after, fields)")
    p.set_defaults(func=run)


def cdx_prefix(text: str) -> str:
    """``2025-03-03`` or ``2025-03-03T06:00:00Z`` -> a CDX timestamp prefix (``20250303060000``)."""
    found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:Z|\+00:?00)?)?", text.strip())
    if not found:
        raise UserError(f"--since wants YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (UTC), got {text!r}")
    return "".join(part or "" for part in found.groups())


def run(args: argparse.Namespace) -> int:
    since = cdx_prefix(args.since) if args.since else ""
    catalog = open_catalog(paths_of(args))
    try:
        events = catalog.event_records(since, args.kind or "", args.source or "")
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(events, ensure_ascii=False, indent=1))
        return 0
    if not events:
        print("changes: no events")
        return 0
    for e in events:
        print(f"{e['detected'][:19].replace('T', ' ')}  {e['kind']:<10} {e['url']}  {e['summary']}")
    print(f"changes: {len(events)} event(s)")
    return 0
