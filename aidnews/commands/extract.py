"""``aidnews extract``: argument parsing only; the command is :mod:`aidnews.extract_cmd`."""

from __future__ import annotations

import argparse

from aidnews.commands.common import Subparsers
from aidnews.errors import UserError


def add_parser(sub: Subparsers) -> None:
    from aidnews.extract_cmd import add_arguments

    p = sub.add_parser("extract", help="extract title, time, 来源 and text from HTML pages or a WARC file")
    add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aidnews.extract_cmd import ExtractUsageError
    from aidnews.extract_cmd import run as extract

    try:
        return extract(args)
    except ExtractUsageError as exc:
        raise UserError(str(exc)) from exc
