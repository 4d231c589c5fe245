"""Errors of the ``aidnews`` command line, and its exit statuses.

A :class:`UserError` is something the user can fix: ``main`` prints it as one line
(``aidnews: error: ...``) and exits with :data:`EXIT_USAGE`.
"""

from __future__ import annotations

EXIT_FAILED = 1  # the command ran and failed (a crawl stopped early, a torn WARC file)
EXIT_USAGE = 2  # a user error: bad arguments, a missing folder, an unknown source
EXIT_INTERRUPTED = 130


class UserError(Exception):
    """An error the user can fix; printed as one line."""
