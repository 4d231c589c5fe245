"""``aidnews dedupe``: the evaluation interface (JSONL in, clusters JSON out) and the catalog pass."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from aidnews.commands.common import Subparsers
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("dedupe", help="find repeated bodies and copies across sites")
    p.add_argument("--input", help="JSONL of {id, url, text|html}; without it, the catalog of --data is used")
    p.add_argument("--output", help="write clusters JSON here (default: stdout for --input)")
    p.add_argument("--data", help="data folder (default: $AIDNEWS_DATA or ./data)")
    p.add_argument("--catalog", help="catalog URL")
    p.add_argument("--rebuild", action="store_true", help="forget stored fingerprints, pairs and clusters; redo all")
    p.add_argument("--k", type=int, default=3,
                   help="band index: k+1 bands, every pair within k bits is a candidate (default 3; the catalog "
                        "pass stores 4 bands, so only --input takes another value)")
    p.add_argument("--workers", type=int, default=0,
                   help="fingerprinting and verifying processes (default: one per core)")
    p.set_defaults(func=run)


def _progress(stage: str, count: int) -> None:
    print(f"dedupe: {stage} {count}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from dedupe.engine import DedupeConfig, find_duplicates
    from dedupe.errors import InputError
    from dedupe.jsonl import JsonlSource

    try:
        config = DedupeConfig(k=args.k, workers=args.workers)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if args.input:
        try:
            result = find_duplicates(JsonlSource(Path(args.input)), config, _progress)
        except InputError as exc:
            raise UserError(str(exc)) from exc
        text = json.dumps(result.as_json(), ensure_ascii=False, indent=1) + "\n"
        if args.output:
            try:
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UserError(f"cannot write {args.output}: {exc.strerror}") from exc
            print(f"dedupe: {result.stats['documents']} documents, {len(result.clusters)} clusters, "
                  f"{len(result.pairs)} pairs -> {args.output}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    from aidnews.commands.common import open_catalog, paths_of
    from archive.catalog.dedupe_tables import STORED_BANDS
    from dedupe.catalog_pass import run_catalog_pass

    if args.k != STORED_BANDS - 1:
        raise UserError(f"--k {args.k}: the catalog stores {STORED_BANDS} fingerprint bands, so its pass runs with "
                        f"--k {STORED_BANDS - 1}; other values apply to `aidnews dedupe --input`")
    catalog = open_catalog(paths_of(args))
    summary = run_catalog_pass(catalog, config, rebuild=args.rebuild, progress=_progress)
    print(f"dedupe: {summary['new_articles']} new articles fingerprinted, {summary['new_pairs']} new pairs, "
          f"{summary['clusters']} clusters")
    return 0
