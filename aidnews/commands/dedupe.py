"""``aidnews dedupe``: argument parsing and running live in :mod:`aidnews.dedupe_cmd`."""

from __future__ import annotations

from aidnews.commands.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    from aidnews.dedupe_cmd import add_dedupe_parser

    add_dedupe_parser(sub)
