"""``aidnews schedule``: crawl each source when its cron schedule says, incrementally, never twice at once.

Due: the source's most recent cron time (in its time zone) is later than the start of its last
run in the catalog, or one of its known articles is due for a recheck (its ``[source.recheck]``
ladder, crawler.recheck). Time is :mod:`crawler.clock`'s, so a test can walk the schedule through
simulated weeks; the child crawl is given the same moment (``AIDNEWS_CLOCK``). A due crawl runs in a child process (a Twisted reactor cannot restart), then the
near-duplicate pass and the report are brought up to date. Each source has a lock file held with
``flock`` while its crawl runs, so two runs never overlap and a killed scheduler leaves no stale lock.
"""

from __future__ import annotations

import fcntl
import logging
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from croniter import croniter

from aidnews import self_command
from aidnews.paths import DataPaths
from crawler import clock
from crawler.environment import CLOCK, Environment, child_env
from crawler.recheck import next_wake, plan
from crawler.sources import Source, load_sources

if TYPE_CHECKING:
    from archive.catalog import Catalog

logger = logging.getLogger(__name__)


def last_fire(source: Source, now: datetime) -> datetime:
    """The most recent time at or before ``now`` that the source's cron expression names."""
    local = now.astimezone(ZoneInfo(source.timezone))
    fire: datetime = croniter(source.cron, local).get_prev(datetime)
    return fire


def next_fire(source: Source, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(source.timezone))
    fire: datetime = croniter(source.cron, local).get_next(datetime)
    return fire


def due_sources(sources: Sequence[Source], last_started: dict[str, datetime], now: datetime) -> list[Source]:
    due = []
    for source in sources:
        if not source.cron:
            continue
        started = last_started.get(source.id)
        if started is None or started < last_fire(source, now):
            due.append(source)
    return due


@contextmanager
def source_locks(folder: Path, sources: Sequence[Source]) -> Iterator[list[Source]]:
    """Lock each source; yields the ones this process holds (others are running elsewhere)."""
    folder.mkdir(parents=True, exist_ok=True)
    held = []
    with ExitStack() as stack:
        for source in sources:
            handle = stack.enter_context(open(folder / f"{source.id}.lock", "w"))
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                logger.warning("%s: a run is already in progress; skipped", source.id)
                continue
            held.append(source)
        yield held


@dataclass
class Cycle:
    ran: list[str] = field(default_factory=list)
    unhealthy: dict[str, str] = field(default_factory=dict)
    failed: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.unhealthy else 0


def _aidnews(catalog_url: str, *args: str, now: datetime | None = None) -> subprocess.CompletedProcess[str]:
    # The catalog URL (maybe with a password) goes by environment, not argv, which `ps` shows everyone.
    env = child_env(catalog_url)
    if now is not None:
        env[CLOCK] = now.astimezone(UTC).isoformat()
    return subprocess.run([*self_command(), *args], text=True, capture_output=True, env=env)


def recheck_due(catalog: Catalog, sources: Sequence[Source], now: datetime) -> list[Source]:
    """Sources with at least one known article due for a recheck."""
    return [s for s in sources if plan(s.id, s.recheck, catalog.tracked([s.id]), now).due]


def next_recheck(catalog: Catalog, sources: Sequence[Source]) -> datetime | None:
    """When the next known article of these sources falls due."""
    return next_wake({s.id: s.recheck for s in sources}, list(catalog.tracked([s.id for s in sources])))


def _last_started(catalog: Catalog) -> dict[str, datetime]:
    """Each source's latest run start (runs come newest first)."""
    last: dict[str, datetime] = {}
    for run in catalog.runs(limit=1000):
        if run.source_id and run.source_id not in last:
            last[run.source_id] = run.started_at
    return last


def _crawl_args(paths: DataPaths, sources: Sequence[Source], seeds: Path | None, sample_web: str | None,
                settings: Sequence[str]) -> list[str]:
    args = ["crawl", "--data", str(paths.root), *[s.id for s in sources]]
    if seeds:
        args += ["--seeds", str(seeds)]
    if sample_web:
        args += ["--sample-web", sample_web]
    for setting in ["PROGRESS_ENABLED=0", *settings]:
        args += ["-s", setting]
    return args


def run_due(paths: DataPaths, seeds: Path | None = None, sample_web: str | None = None,
            settings: Sequence[str] = (), now: datetime | None = None,
            after: Sequence[str] = ("dedupe", "report")) -> Cycle:
    """Run every due source once (one crawl process for all of them), then the ``after`` steps
    (the near-duplicate pass and the report). ``now`` (default: the clock) is the crawl's time too."""
    from archive.catalog import Catalog

    given = now
    now = now or clock.now()  # the scheduler's moment; the child crawl's clock starts there
    sources = load_sources(seeds)
    catalog = Catalog(paths.catalog_url)
    cycle = Cycle()
    due = due_sources(sources, _last_started(catalog), now)
    due += [s for s in recheck_due(catalog, sources, now) if s not in due]
    if not due:
        catalog.close()
        return cycle
    with source_locks(paths.locks, due) as held:
        if not held:
            catalog.close()
            return cycle
        started = now
        # A simulated clock (given, or from AIDNEWS_CLOCK) goes on in the child at this moment.
        simulated = given is not None or bool(Environment.read().clock)
        crawl = _aidnews(paths.catalog_url, *_crawl_args(paths, held, seeds, sample_web, settings),
                         now=now if simulated else None)
        cycle.ran = [s.id for s in held]
        logger.info("crawled %s: %s", ", ".join(cycle.ran), crawl.stdout.strip() or crawl.stderr.strip()[-300:])
        if crawl.returncode != 0:
            cycle.failed = True
            logger.error("crawl of %s failed (exit %d): %s", ", ".join(cycle.ran), crawl.returncode,
                         crawl.stderr.strip()[-500:])
    for step in ([name, "--data", str(paths.root)] for name in after):
        result = _aidnews(paths.catalog_url, *step)
        if result.returncode != 0:
            cycle.failed = True
            logger.error("aidnews %s failed: %s", step[0], result.stderr.strip()[-300:])
    from archive.cdxj import write_cdxj

    write_cdxj(catalog, paths.cdxj)  # replay sees the new captures
    for run in catalog.runs(limit=50):
        if run.source_id in cycle.ran and run.started_at >= started and run.health:
            cycle.unhealthy[run.source_id] = run.health
    catalog.close()
    return cycle


def serve(paths: DataPaths, seeds: Path | None = None, sample_web: str | None = None, settings: Sequence[str] = (),
          max_cycles: int = 0) -> int:
    """Run forever (or ``max_cycles`` cycles that ran something): sleep until a source is due, run it."""
    sources = load_sources(seeds)
    scheduled = [s for s in sources if s.cron]
    if not scheduled and not any(s.recheck.after or s.recheck.then for s in sources):
        print("schedule: no source in seeds/ declares [source.schedule] cron or a [source.recheck] ladder",
              file=sys.stderr)
        return 2
    cycles = 0
    while True:
        try:
            cycle = run_due(paths, seeds, sample_web, settings)
        except Exception:  # a failed run must not stop the scheduler
            logger.exception("scheduled run failed")
            cycle = Cycle(failed=True)
        if cycle.ran:
            cycles += 1
            state = "unhealthy: " + "; ".join(f"{k}: {v}" for k, v in cycle.unhealthy.items()) if cycle.unhealthy else "ok"
            print(f"schedule: {clock.now():%Y-%m-%d %H:%M:%S}Z ran {', '.join(cycle.ran)} "
                  f"({'failed' if cycle.failed else state})", flush=True)
        if max_cycles and cycles >= max_cycles:
            return 0
        now = clock.now()
        wakes = [next_fire(s, now).astimezone(UTC) for s in scheduled]
        wake = min([*wakes, _next_recheck_at(paths, sources) or now + DAY])
        time.sleep(min(max((wake - now).total_seconds(), 0.2), 30))


DAY = timedelta(days=1)


def _next_recheck_at(paths: DataPaths, sources: Sequence[Source]) -> datetime | None:
    from archive.catalog import Catalog
    from archive.errors import CatalogError

    try:
        catalog = Catalog(paths.catalog_url)
    except CatalogError:
        return None
    try:
        return next_recheck(catalog, sources)
    finally:
        catalog.close()
