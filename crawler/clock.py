"""The crawl's clock: real time, or a simulated one that tests inject.

The recheck planner, the schedule, the WARC writer and the catalog's run rows all ask
:func:`now`. ``AIDNEWS_CLOCK=2025-03-03T01:00:00Z`` (read by :mod:`crawler.environment`) makes a
process's clock start at that moment and run on at the real pace, so a test can walk a crawler
through weeks of a changing site in minutes and the captures still sort in fetch order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crawler.environment import Environment

Clock = Callable[[], datetime]


def parse_moment(text: str) -> datetime:
    """An ISO 8601 moment (``Z`` or an offset; a naive one is UTC) as an aware datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r} (for example 2025-03-03T01:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def simulated(start: datetime) -> Clock:
    """A clock that reads ``start`` now and advances with the monotonic clock."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def real() -> datetime:
    return datetime.now(UTC)


def _from_environment() -> Clock:
    text = Environment.read().clock
    return simulated(parse_moment(text)) if text else real


_CLOCK: Clock = _from_environment()


def now() -> datetime:
    """The current moment of this process's clock (UTC)."""
    return _CLOCK()


def set_clock(clock: Clock | None) -> None:
    """Replace the process clock (``None``: back to what the environment says)."""
    global _CLOCK
    _CLOCK = clock or _from_environment()
