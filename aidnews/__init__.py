"""aidnews: crawl and archive aid news into WARC files, a SQL catalog and a near-duplicate report."""

import sys

__version__ = "0.1.0"


def self_command() -> list[str]:
    """How a child process (a scheduled crawl, a local worker) starts the ``aidnews`` command line:
    the interpreter running now, so the child sees the same environment, and the package's entry point."""
    return [sys.executable, "-m", "aidnews"]
