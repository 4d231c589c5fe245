"""``aidnews report``: the dedupe report, who copied whom, as HTML, JSON or CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from aidnews.commands.common import Subparsers, add_data_args, open_catalog, paths_of
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("report", help="write the dedupe report: who copied whom (HTML, JSON or CSV)")
    add_data_args(p)
    p.add_argument("--format", choices=("html", "json", "csv"), default="html")
    p.add_argument("--output", help="file to write (default: DATA/reports/report.FORMAT)")
    p.add_argument("--replay-base", help="replay collection URL for capture links, e.g. http://127.0.0.1:8080/archive/")
    p.add_argument("--diff-limit", type=int, default=2000, help="clusters whose side-by-side diffs are embedded")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dedupe.report import ReportOptions, build_report, write_csv, write_html, write_json

    paths = paths_of(args)
    try:
        options = ReportOptions(replay_base=args.replay_base or "", diff_limit=args.diff_limit)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    output = Path(args.output) if args.output else paths.reports / f"report.{args.format}"
    report = build_report(open_catalog(paths), options)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if args.format == "html":
            write_html(report, output)
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                (write_json if args.format == "json" else write_csv)(report, out)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"report: {report['summary']['clusters']} clusters, {report['summary']['copies']} copies -> {output}")
    return 0
