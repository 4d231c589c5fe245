"""``aidnews runs``: list crawl runs with source, times, status, pages, new articles and health."""

from __future__ import annotations

import argparse
import json
from typing import Any

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("runs", help="list crawl runs: source, times, status, pages, new articles, health")
    add_data_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--limit", type=int, default=50, help="the latest N runs (default 50)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    runs = open_catalog(paths_of(args)).runs(limit=args.limit)
    rows: list[dict[str, Any]] = [
        {"id": r.id, "source": r.source_id or r.sources, "spider": r.spider,
         "started": r.started_at.isoformat() if r.started_at else None,
         "finished": r.finished_at.isoformat() if r.finished_at else None, "status": r.status,
         "pages": r.pages, "new_articles": r.articles, "revisits": r.revisits, "errors": r.errors,
         "rechecks_due": r.rechecks_due, "rechecks_done": r.rechecks_done,
         "warc_files": r.warc_files.split() if r.warc_files else [], "health": r.health} for r in runs]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{'id':>5}  {'source':<16} {'started (UTC)':<19}  {'status':<9} {'pages':>6} {'new':>5} {'revisit':>7} "
          f"{'err':>4}  health")
    for r in rows:
        started = (r["started"] or "")[:19].replace("T", " ")
        print(f"{r['id']:>5}  {r['source']:<16} {started:<19}  {r['status']:<9} {r['pages']:>6} {r['new_articles']:>5} "
              f"{r['revisits']:>7} {r['errors']:>4}  {r['health'] or 'ok'}")
    return 0
