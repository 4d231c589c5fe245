"""Where the command line's log goes: a stderr stream (warnings by default), and a crawl's log file.

A crawl's Scrapy log (INFO: every page, the stats dump) goes to ``DATA/logs/crawl-*.log``; the
stream on stderr keeps the warnings, or, for ``aidnews demo``, nothing while the crawl runs (its
progress line and summary say what happened). ``-v`` / ``--log-level`` bring the stream back.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

STDERR = "aidnews-stderr"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def configure(level: int | str) -> logging.Handler:
    """The stderr stream at ``level`` (a record below it is not shown; files may still get it)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == STDERR]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(STDERR)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(min(handler.level, root.level or logging.WARNING))
    return handler


def level_number(level: int | str) -> int:
    """``"INFO"`` -> 20 (Scrapy's LOG_LEVEL may be either)."""
    if isinstance(level, int):
        return level
    number = logging.getLevelName(str(level).upper())
    return number if isinstance(number, int) else logging.INFO


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Nothing on the stderr stream inside the block (progress lines are printed, not logged)."""
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == STDERR]
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)
