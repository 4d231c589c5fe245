"""The versions pass's tables: versions, change events, per-URL scan state, and the recheck planner's reads.

:class:`ChangesStore` is mixed into :class:`archive.catalog.Catalog`. The pass itself (which
captures make a version, which differences make an event) is ``crawler.versions``; this module
only reads and writes rows, each pass's results in one transaction so a killed pass leaves the
tables as they were before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from archive.catalog.driver import conflict_insert
from archive.catalog.models import Article, Capture, ChangeEvent, Version, VersionPass, VersionScan
from archive.catalog.search_index import search_changed

BATCH = 500
R = TypeVar("R", Article, Capture, Version)


class CaptureRow(NamedTuple):
    """What the versions pass reads of a capture."""

    id: int
    url: str
    record_id: str
    record_type: str
    timestamp: str
    status: int
    digest: str
    filename: str
    offset: int
    length: int
    source_id: str | None

    @property
    def position(self) -> str:
        """A capture's place in time, the same whether the catalog was written by a crawl or rebuilt
        from the WARC files (ids differ between the two)."""
        return f"{self.timestamp} {self.filename} {self.offset:015d}"


_CAPTURE_COLUMNS = (Capture.id, Capture.url, Capture.record_id, Capture.record_type, Capture.timestamp,
                    Capture.status, Capture.digest, Capture.filename, Capture.offset, Capture.length,
                    Capture.source_id)


class Tracked(NamedTuple):
    """A URL the recheck ladder follows: when it was first archived as an article, and last fetched."""

    url: str
    source_id: str | None
    first: str  # 14-digit CDX timestamps
    last: str


class ChangesStore:
    """Versions and change events (mixed into Catalog, which provides the methods below)."""

    @property
    def dialect(self) -> str:  # provided by Catalog
        raise NotImplementedError

    def session(self) -> Session:
        raise NotImplementedError

    def _write(self, what: str, write: Any) -> Any:
        raise NotImplementedError

    # -- the pass's reads -------------------------------------------------
    def version_watermark(self) -> int:
        """The last captures.id a versions pass has read (0: none yet)."""
        with self.session() as session:
            return int(session.scalar(select(func.max(VersionPass.upto_capture))) or 0)

    def captures_after(self, capture_id: int, source_ids: Sequence[str]) -> tuple[int, list[CaptureRow]]:
        """``(highest id, captures)``: every response and revisit record of the sources catalogued after
        ``capture_id``, in time order."""
        with self.session() as session:
            top = int(session.scalar(select(func.max(Capture.id))) or 0)
            rows = session.execute(
                select(*_CAPTURE_COLUMNS).where(Capture.id > capture_id, Capture.id <= top,
                                                Capture.source_id.in_(list(source_ids)))
                .order_by(Capture.timestamp, Capture.filename, Capture.offset))
            return top, [CaptureRow(*row) for row in rows]

    def captures_of(self, urls: Sequence[str], upto: str = "99999999999999") -> list[CaptureRow]:
        """Every capture of these URLs up to a timestamp, in time order (a redirect's target)."""
        found: list[CaptureRow] = []
        wanted = sorted(set(urls))
        with self.session() as session:
            for start in range(0, len(wanted), BATCH):
                rows = session.execute(select(*_CAPTURE_COLUMNS).where(
                    Capture.url.in_(wanted[start:start + BATCH]), Capture.timestamp <= upto))
                found.extend(CaptureRow(*row) for row in rows)
        return sorted(found, key=lambda c: c.position)

    def version_states(self, urls: Sequence[str]) -> dict[str, tuple[str, str]]:
        """url -> (position, state JSON) of the URLs the pass has seen."""
        out: dict[str, tuple[str, str]] = {}
        wanted = sorted(set(urls))
        with self.session() as session:
            for start in range(0, len(wanted), BATCH):
                rows = session.execute(select(VersionScan.url, VersionScan.position, VersionScan.state)
                                       .where(VersionScan.url.in_(wanted[start:start + BATCH])))
                out.update({url: (position, state) for url, position, state in rows})
        return out

    # -- the pass's write -------------------------------------------------
    def store_versions(self, upto_capture: int | None, captures: int, versions: Sequence[dict[str, Any]],
                       events: Sequence[dict[str, Any]], scans: Sequence[dict[str, Any]]) -> None:
        """Versions, events and scan states of some URLs, and (``upto_capture`` given: the pass's last
        write) its watermark, in one transaction. A pass killed between two writes is redone from the
        scan states: rows already written are skipped, captures already read are not read again."""

        def write() -> None:
            with self.session() as session, session.begin():
                if events:
                    search_changed(session.connection())  # the "kind of change" filter's totals
                for model, rows, keys in ((Version, versions, ["record_id"]),
                                          (ChangeEvent, events, ["url", "after_record", "kind"])):
                    for start in range(0, len(rows), BATCH):
                        session.execute(conflict_insert(self.dialect, model).on_conflict_do_nothing(index_elements=keys),
                                        list(rows[start:start + BATCH]))
                for start in range(0, len(scans), BATCH):
                    chunk = list(scans[start:start + BATCH])
                    session.execute(delete(VersionScan).where(VersionScan.url.in_([s["url"] for s in chunk])))
                    session.execute(conflict_insert(self.dialect, VersionScan), chunk)
                if upto_capture is not None:
                    session.add(VersionPass(upto_capture=upto_capture, captures=captures, events=len(events)))

        self._write(f"store {len(versions)} version(s) and {len(events)} change event(s)", write)

    # -- reads for commands, the report and the planner -------------------------
    def change_events(self, since: str = "", kind: str = "", source_id: str = "",
                      urls: Sequence[str] = ()) -> list[ChangeEvent]:
        """Events oldest first; ``since`` a 14-digit timestamp (or a prefix of one)."""
        query = _events_where(select(ChangeEvent), kind, source_id, urls)
        if since:
            query = query.where(ChangeEvent.detected >= since)
        with self.session() as session:
            return list(session.scalars(query.order_by(ChangeEvent.detected, ChangeEvent.url, ChangeEvent.kind)))

    def versions(self, urls: Sequence[str] = ()) -> list[Version]:
        """Versions by URL, then number."""
        with self.session() as session:
            query = select(Version).order_by(Version.url, Version.number)
            if urls:
                query = query.where(Version.url.in_(list(urls)))
            return list(session.scalars(query))

    def versions_by_record(self, record_ids: Sequence[str]) -> dict[str, Version]:
        return self._by_record(Version, record_ids)

    def articles_by_record(self, record_ids: Sequence[str]) -> dict[str, Article]:
        """Article rows by their capture's record id (the crawl's own extraction of a first capture)."""
        return self._by_record(Article, record_ids)

    def captures_by_record(self, record_ids: Sequence[str]) -> dict[str, Capture]:
        return self._by_record(Capture, record_ids)

    def _by_record(self, model: type[R], record_ids: Sequence[str]) -> dict[str, R]:
        """Rows of ``model`` (a table with a ``record_id`` column) by record id, read in batches."""
        wanted = sorted(set(record_ids))
        out: dict[str, R] = {}
        column = model.record_id
        with self.session() as session:
            for start in range(0, len(wanted), BATCH):
                out.update({row.record_id: row for row in session.scalars(
                    select(model).where(column.in_(wanted[start:start + BATCH])))})
        return out

    def event_records(self, since: str = "", kind: str = "", source_id: str = "",
                      urls: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Events as plain objects (``aidnews changes --json``, the report): kind, how, url, source,
        detected (ISO), summary, before and after (capture references), fields (for an edit)."""
        return self._event_dicts(self.change_events(since, kind, source_id, urls))

    def changes_page(self, limit: int, before: int | None = None, kind: str = "", source_id: str = "",
                     url: str = "") -> list[dict[str, Any]]:
        """Events newest first, by id (the order the versions pass found them) below ``before``, shaped
        as :meth:`event_records` with their ``id``: the web app's lists, feeds and API (keyset pages)."""
        query = _events_where(select(ChangeEvent), kind, source_id, [url] if url else [])
        if before is not None:
            query = query.where(ChangeEvent.id < before)
        with self.session() as session:
            events = list(session.scalars(query.order_by(ChangeEvent.id.desc()).limit(limit)))
        return [dict(record, id=event.id) for event, record in zip(events, self._event_dicts(events), strict=True)]

    def _event_dicts(self, events: Sequence[ChangeEvent]) -> list[dict[str, Any]]:
        captures = self.captures_by_record([r for e in events for r in (e.before_record, e.after_record)])

        def ref(record_id: str) -> dict[str, Any]:
            c = captures.get(record_id)
            if c is None:
                return {"record_id": record_id}
            return {"record_id": record_id, "url": c.url, "timestamp": c.timestamp, "status": c.status,
                    "record_type": c.record_type, "filename": c.filename, "offset": c.offset, "length": c.length}

        return [{
            "kind": e.kind, "how": e.how, "url": e.url, "source": e.source_id,
            "detected": f"{e.detected[:4]}-{e.detected[4:6]}-{e.detected[6:8]}T{e.detected[8:10]}:"
                        f"{e.detected[10:12]}:{e.detected[12:14]}Z",
            "summary": e.summary, "before": ref(e.before_record), "after": ref(e.after_record),
            "fields": json.loads(e.fields or "{}"),
        } for e in events]

    def tracked(self, source_ids: Sequence[str]) -> Iterator[Tracked]:
        """Every URL with a version, with its first version's and its latest capture's timestamps."""
        with self.session() as session:
            last = (select(Capture.url, func.max(Capture.timestamp).label("last"))
                    .where(Capture.source_id.in_(list(source_ids))).group_by(Capture.url).subquery())
            rows = session.execute(
                select(Version.url, Version.source_id, Version.timestamp, last.c.last)
                .join(last, last.c.url == Version.url)
                .where(Version.number == 1, Version.source_id.in_(list(source_ids))).order_by(Version.url))
            for url, source_id, first, latest in rows:
                yield Tracked(url, source_id, first, latest or first)


_Query = TypeVar("_Query", bound=Select[Any])


def _events_where(query: _Query, kind: str, source_id: str, urls: Sequence[str]) -> _Query:
    """``query`` narrowed to events of this kind, source and these URLs (each when given)."""
    if kind:
        query = query.where(ChangeEvent.kind == kind)
    if source_id:
        query = query.where(ChangeEvent.source_id == source_id)
    if urls:
        query = query.where(ChangeEvent.url.in_(list(urls)))
    return query
