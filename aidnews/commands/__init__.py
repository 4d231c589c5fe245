"""One module per ``aidnews`` command: each declares its arguments (``add_parser``) and runs (``run``).

A command module imports its library code inside ``run``, so ``aidnews --help`` and the
commands that need neither Scrapy nor SQLAlchemy start quickly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aidnews.commands.common import Subparsers

# In the order ``aidnews --help`` lists them: module name -> command name.
COMMANDS = {
    "demo": "demo", "crawl": "crawl", "sample_web": "sample-web", "extract": "extract", "index": "index",
    "stats": "stats", "schedule": "schedule", "runs": "runs", "replay": "replay", "serve": "serve", "export": "export",
    "report": "report", "dedupe": "dedupe", "changes": "changes", "search_index": "search-index",
}


def add_all(sub: Subparsers) -> None:
    for module in COMMANDS:
        importlib.import_module(f"aidnews.commands.{module}").add_parser(sub)
