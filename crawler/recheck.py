"""The recheck ladder: when a known article is fetched again, and which rechecks a run makes.

A source's ``[source.recheck]`` table says ``after = ["1h", "6h", "1d", "3d", "7d", "30d"]``
(counted from the article's first capture), ``then = "30d"`` (after the last step, every 30
days; ``"never"`` stops), and ``max_per_run`` (the most rechecks one run makes; 0 = no cap).
A recheck is due when the ladder's next step after the article's latest capture has come: a
crawler that was down for a week makes one recheck, not one per missed step.

Edits and deletions come early (most deletions within a day of posting), so the ladder is dense
at first and thins out. The planner reads only the catalog: what was captured when, so a rerun
after a killed crawl does not repeat the rechecks the killed run made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from archive.catalog.changes_store import Tracked

Mode = Literal["due", "all", "none"]
MODES: tuple[Mode, ...] = ("due", "all", "none")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
DEFAULT_AFTER = ("1h", "6h", "1d", "3d", "7d", "30d")
DEFAULT_THEN = "30d"
DEFAULT_MAX_PER_RUN = 1000
# A recheck falling due within this much of the run's start is made now: a scheduler that wakes at
# the due moment starts its crawl a few seconds later, and must not wait a whole ladder step more.
SLACK = timedelta(minutes=1)


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"15m"``, ``"6h"``, ``"3d"``, ``"2w"``."""
    found = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not found:
        raise ValueError(f"not a duration: {text!r} (a number and s, m, h, d or w, for example \"6h\")")
    return timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])


@dataclass(frozen=True)
class Ladder:
    after: tuple[timedelta, ...] = field(default_factory=lambda: tuple(parse_duration(d) for d in DEFAULT_AFTER))
    then: timedelta | None = field(default_factory=lambda: parse_duration(DEFAULT_THEN))  # None: never
    max_per_run: int = DEFAULT_MAX_PER_RUN

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> Ladder:
        """From a decoded ``[source.recheck]`` table; a ``ValueError`` names the bad field."""
        unknown = set(table) - {"after", "then", "max_per_run"}
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))} (known: after, then, max_per_run)")
        after_texts = table.get("after", list(DEFAULT_AFTER))
        if not isinstance(after_texts, list) or not all(isinstance(t, str) for t in after_texts):
            raise ValueError("field 'after' must be a list of durations such as [\"1h\", \"1d\"]")
        try:
            after = tuple(parse_duration(t) for t in after_texts)
        except ValueError as exc:
            raise ValueError(f"field 'after': {exc}") from None
        if any(b <= a for a, b in zip(after, after[1:], strict=False)) or any(a <= timedelta(0) for a in after):
            raise ValueError("field 'after' must be positive durations in increasing order")
        then_text = table.get("then", DEFAULT_THEN)
        if not isinstance(then_text, str):
            raise ValueError("field 'then' must be a duration such as \"30d\", or \"never\"")
        try:
            then = None if then_text == "never" else parse_duration(then_text)
        except ValueError as exc:
            raise ValueError(f"field 'then': {exc}") from None
        cap = table.get("max_per_run", DEFAULT_MAX_PER_RUN)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise ValueError(f"field 'max_per_run' must be a whole number >= 0, got {cap!r}")
        return cls(after, then, cap)

    def next_due(self, first: datetime, last: datetime) -> datetime | None:
        """When the article first captured at ``first`` and last fetched at ``last`` is next due."""
        for step in self.after:
            if first + step > last:
                return first + step
        return None if self.then is None else last + self.then


def cdx_moment(timestamp: str) -> datetime:
    """A 14-digit CDX timestamp as a UTC datetime (sliced: strptime would be most of a plan's time)."""
    t = timestamp
    return datetime(int(t[0:4]), int(t[4:6]), int(t[6:8]), int(t[8:10]), int(t[10:12]), int(t[12:14]), tzinfo=UTC)


@dataclass(frozen=True)
class Plan:
    """The rechecks of one source in one run: ``urls`` (most overdue first) of ``due`` due ones."""

    source_id: str
    urls: tuple[str, ...]
    due: int

    @property
    def capped(self) -> int:
        return self.due - len(self.urls)


def plan(source_id: str, ladder: Ladder, tracked: Iterable[Tracked], now: datetime, mode: Mode = "due") -> Plan:
    """Which of a source's known articles to recheck now."""
    if mode == "none":
        return Plan(source_id, (), 0)
    overdue: list[tuple[timedelta, str]] = []
    for item in tracked:
        if mode == "all":
            overdue.append((timedelta(0), item.url))
            continue
        due = ladder.next_due(cdx_moment(item.first), cdx_moment(item.last))
        if due is not None and due <= now + SLACK:
            overdue.append((now - due, item.url))
    overdue.sort(key=lambda o: (-o[0], o[1]))
    cap = ladder.max_per_run if mode == "due" and ladder.max_per_run else len(overdue)
    return Plan(source_id, tuple(url for _, url in overdue[:cap]), len(overdue))


def next_wake(ladders: dict[str, Ladder], tracked: Sequence[Tracked]) -> datetime | None:
    """The earliest moment any tracked article falls due (for ``aidnews schedule``)."""
    moments = [due for item in tracked if item.source_id in ladders
               for due in [ladders[item.source_id].next_due(cdx_moment(item.first), cdx_moment(item.last))]
               if due is not None]
    return min(moments, default=None)
