"""Keep passwords in connection URLs (``postgresql://user:secret@host/db``) out of logs and output.

``redact_url`` is for URLs we print ourselves; ``RedactingFilter`` catches the ones a library puts
in a log message or a traceback's text.
"""

from __future__ import annotations

import logging
import re

# scheme://user:password@  (the user part may be empty: redis://:password@host)
_CREDENTIALS = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<secret>[^@\s/]+)(?=@)", re.IGNORECASE)
MASK = "***"


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _CREDENTIALS.sub(lambda m: m.group("head") + MASK, text)


class RedactingFilter(logging.Filter):
    """A handler filter that rewrites each record's message with passwords masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_url(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_url(formatted)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
