"""Options and helpers that several commands share, declared once."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from aidnews.errors import UserError
from aidnews.paths import DataPaths

if TYPE_CHECKING:
    from archive.catalog import Catalog

# What ``add_subparsers`` returns; each command module adds its parser to it.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="data folder (default: $AIDNEWS_DATA or ./data)")
    parser.add_argument("--catalog",
                        help="catalog URL (default: $AIDNEWS_CATALOG_URL or sqlite:///DATA/catalog.sqlite)")


def add_crawl_args(parser: argparse.ArgumentParser) -> None:
    """``--seeds``, ``--sample-web`` and ``-s``: the options of every command that crawls."""
    parser.add_argument("--seeds", help="folder of source files (default: seeds/)")
    parser.add_argument("--sample-web", metavar="URL", help="route every request through the sample web at URL")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable)")


def paths_of(args: argparse.Namespace) -> DataPaths:
    return DataPaths.resolve(args.data, args.catalog)


def seeds_of(args: argparse.Namespace) -> Path | None:
    return Path(args.seeds) if args.seeds else None


def settings_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``-s NAME=VALUE`` pairs as a dict; a pair without ``=`` is a user error."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"-s expects NAME=VALUE, got {pair!r}")
        out[key] = value
    return out


def open_catalog(paths: DataPaths) -> Catalog:
    """The data folder's catalog; a missing folder or an unreachable database is a user error."""
    from archive.catalog import Catalog
    from archive.errors import CatalogError

    if paths.catalog_url.startswith("sqlite:") and not paths.root.exists():
        raise UserError(f"no data folder at {paths.root} (run `aidnews crawl` or `aidnews demo` first)")
    try:
        return Catalog(paths.catalog_url)
    except CatalogError as exc:
        raise UserError(str(exc)) from exc
