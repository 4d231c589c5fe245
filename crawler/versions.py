"""The versions pass: from an article URL's captures to its versions and change events.

Reads the captures catalogued since the last pass (``version_passes`` keeps the watermark) and,
URL by URL in time order, walks a small state machine kept in ``version_scans``:

- a 200 whose extracted fields (dedupe.changes) differ from the current version's is a new
  version and an ``edited`` event; the same fields after cleaning widget noise are nothing;
- 404 and 410, a soft-404 page, an empty or placeholder body, and a redirect to the home page, a
  section page or somewhere that is not this article are ``taken_down`` (``how`` says which);
- a redirect to another article URL whose text is the current version's is ``moved``;
- an answering page after a takedown is ``restored``; a revisit record (304, or the same bytes)
  means "as the last 200 response was";
- an article that answers while its source's list pages, fetched in the same crawl (the same
  WARC file) and covering every list page that used to link it, no longer link it is ``unlisted``;
- other statuses (5xx, 403, timeouts leave nothing) change nothing: a flaky server is not a takedown.

Everything comes from the WARC records the captures name, so ``aidnews index`` into an empty
catalog rebuilds the same versions and events as the crawls wrote. It runs when a spider closes
and in :func:`crawler.reconcile.reconcile`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from archive.catalog import Catalog
from archive.catalog.changes_store import CaptureRow
from archive.catalog.models import Version
from archive.errors import WarcReadError
from archive.warc_reader import StoredResponse, load_response
from crawler.articles import SHORT_FIELD, extract_article
from crawler.sources import Source
from dedupe.changes import Fields, compare, fields_of, summary_of, takedown_of

logger = logging.getLogger(__name__)
HOME_PATHS = ("", "/", "/index.html", "/index.htm", "/index.shtml", "/index.php")
CHUNK = 500  # URLs per write: memory stays flat on a rebuild of a large archive


@dataclass
class PassResult:
    captures: int = 0
    versions: int = 0
    events: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    changed_urls: set[str] = field(default_factory=set)  # URLs given a new version: their search entry is stale


@dataclass
class _Listing:
    """One crawl's list pages of a source (one WARC file): which were fetched, which articles they link."""

    lists: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)


_HREF = re.compile(r"""href\s*=\s*["']([^"'#]+)""", re.IGNORECASE)


@dataclass
class _Page:
    """What one capture showed: a live version, a takedown (``how``), a redirect, or nothing to say."""

    kind: str  # "live", "down", "redirect", "same" (a revisit), "ignore"
    how: str = ""
    fields: Fields | None = None
    extracted: dict[str, str] = field(default_factory=dict)
    location: str = ""


class _Pass:
    def __init__(self, catalog: Catalog, warcs: Path, sources: Sequence[Source]) -> None:
        self.catalog = catalog
        self.warcs = warcs
        self.by_id = {s.id: s for s in sources}
        self.versions: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self._version_cache: dict[str, Fields] = {}
        self.listings: dict[tuple[str, str], _Listing] = {}  # (WARC file, source id) -> its list pages
        self.extracted: dict[str, dict[str, str]] = {}  # record id -> fields, from the article rows

    def read_lists(self, captures: Sequence[CaptureRow], source: Source) -> None:
        """Note what the list captures of this batch link to, per crawl (WARC file)."""
        for capture in captures:
            payload = self._list_payload(capture)
            if payload is None:
                continue
            listing = self.listings.setdefault((capture.filename, source.id), _Listing())
            listing.lists.add(capture.url)
            text = payload.decode("utf-8", "replace")
            listing.links.update(link for link in (urljoin(capture.url, h.strip()) for h in _HREF.findall(text))
                                 if source.is_article(link))

    def _list_payload(self, capture: CaptureRow) -> bytes | None:
        if capture.status not in (200, 304):
            return None
        if capture.record_type == "revisit":  # the list as last fetched in full
            earlier = [c for c in self.catalog.captures_of([capture.url], capture.timestamp)
                       if c.record_type == "response" and c.status == 200 and c.position < capture.position]
            if not earlier:
                return None
            capture = earlier[-1]
        stored = self._load(capture)
        return stored.payload if stored else None

    def check_listed(self, capture: CaptureRow, source: Source, state: dict[str, Any]) -> None:
        """After a capture showing the article: is it still on its source's list pages of that crawl?"""
        listing = self.listings.get((capture.filename, source.id))
        if listing is None or state.get("status") != "live":
            return
        if capture.url in listing.links:
            state["listed"] = sorted(listing.lists)
        elif state.get("listed") and set(state["listed"]) <= listing.lists:
            self._event(capture, "unlisted", state["seen_before"], capture.record_id,
                        summary="no longer on " + ", ".join(state["listed"]))
            state["listed"] = []

    # -- reading captures ----------------------------------------------------
    def _load(self, capture: CaptureRow) -> StoredResponse | None:
        try:
            return load_response(self.warcs / capture.filename, capture.offset, capture.length, decoded=True)
        except (WarcReadError, OSError) as exc:
            logger.warning("versions pass: cannot read %s: %s", capture.url, exc)
            return None

    def _extract(self, capture: CaptureRow, source: Source) -> _Page:
        extracted = self.extracted.get(capture.record_id) or self._extract_record(capture, source)
        if extracted is None:
            return _Page("ignore")
        fields = fields_of(extracted["title"], extracted["body"], extracted["origin"], extracted["published"] or None,
                           extracted["editor"])
        how = takedown_of(fields)
        return _Page("down" if how else "live", how, fields, extracted)

    def _extract_record(self, capture: CaptureRow, source: Source) -> dict[str, str] | None:
        stored = self._load(capture)
        if stored is None:
            return None
        content_type = next((v for k, v in stored.headers if k.lower() == "content-type"), None)
        found = extract_article(stored.payload, capture.url, content_type, source)
        published = found.published or ""
        try:
            published = datetime.fromisoformat(published).astimezone(UTC).isoformat() if published else ""
        except ValueError:
            pass  # kept as found; fields_of compares what it can
        return {"title": found.title, "body": found.text, "origin": found.source[:SHORT_FIELD], "published": published,
                "editor": found.editor[:SHORT_FIELD]}

    def use_articles(self, captures: Sequence[CaptureRow]) -> None:
        """The crawl (or the rebuild) extracted a URL's first capture into its article row already, with the
        same extraction: use those fields rather than read and extract the record again."""
        rows = self.catalog.articles_by_record([c.record_id for c in captures if c.status == 200
                                                and c.record_type == "response"])
        for record_id, a in rows.items():
            self.extracted[record_id] = {
                "title": a.title, "body": a.text, "origin": a.origin, "editor": a.editor,
                "published": a.published.astimezone(UTC).isoformat() if a.published else ""}

    def page_of(self, capture: CaptureRow, source: Source) -> _Page:
        if capture.record_type == "revisit":
            return _Page("same")
        status = capture.status
        if status == 200:
            return self._extract(capture, source)
        if status in (404, 410):
            return _Page("down", f"http_{status}")
        if status in (301, 302, 303, 307, 308):
            stored = self._load(capture)
            location = next((v for k, v in (stored.headers if stored else []) if k.lower() == "location"), "")
            return _Page("redirect", location=urljoin(capture.url, location)) if location else _Page("ignore")
        return _Page("ignore")

    def _version_fields(self, record_id: str) -> Fields | None:
        # Versions made in this pass are cached when made; earlier ones are in the catalog.
        if record_id not in self._version_cache:
            row: Version | None = self.catalog.versions_by_record([record_id]).get(record_id)
            if row is None:
                return None
            self._version_cache[record_id] = fields_of(row.title, row.text, row.origin, row.published or None,
                                                       row.editor)
        return self._version_cache[record_id]

    def next_chunk(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The versions and events found since the last call; what was cached for those URLs is dropped."""
        versions, events = self.versions, self.events
        self.versions, self.events = [], []
        self._version_cache.clear()
        self.extracted.clear()
        return versions, events

    def _redirect(self, capture: CaptureRow, source: Source, target: str, state: dict[str, Any]) -> tuple[str, str]:
        """``("moved", target record)`` or ``("down", how)`` for a redirect away from an article."""
        path = urlsplit(target).path
        same_host = urlsplit(target).hostname == urlsplit(capture.url).hostname
        if same_host and path in HOME_PATHS:
            return "down", "redirect_home"
        if source.is_list(target):
            return "down", "redirect_section"
        if not source.is_article(target) or target == capture.url:
            return "down", "redirect_elsewhere"
        responses = [c for c in self.catalog.captures_of([target])
                     if c.record_type == "response" and c.status == 200]
        after = [c for c in responses if c.position >= capture.position]
        chosen = after[0] if after else (responses[-1] if responses else None)
        current = self._version_fields(state.get("version", ""))
        if chosen is None or current is None:
            return "down", "redirect_article"
        page = self._extract(chosen, source)
        if page.kind == "live" and page.fields is not None and page.fields.body == current.body:
            return "moved", chosen.record_id
        return "down", "redirect_article"

    # -- the state machine -----------------------------------------------------
    def _event(self, capture: CaptureRow, kind: str, before: str, after: str, how: str = "",
               changes: dict[str, Any] | None = None, summary: str = "") -> None:
        self.events.append({
            "url": capture.url, "source_id": capture.source_id, "kind": kind, "how": how,
            "before_record": before, "after_record": after, "detected": capture.timestamp,
            "summary": summary or kind.replace("_", " "), "fields": json.dumps(changes or {}, ensure_ascii=False,
                                                                               sort_keys=True),
        })

    def _new_version(self, capture: CaptureRow, page: _Page, state: dict[str, Any]) -> None:
        assert page.fields is not None
        state["number"] = state.get("number", 0) + 1
        self.versions.append({
            "url": capture.url, "source_id": capture.source_id, "number": state["number"],
            "record_id": capture.record_id, "timestamp": capture.timestamp,
            "title": page.extracted["title"], "published": page.extracted["published"] or "",
            "origin": page.extracted["origin"][:200], "editor": page.extracted["editor"][:200],
            "text": page.extracted["body"], "hashes": page.fields.hashes(),
        })
        self._version_cache[capture.record_id] = page.fields
        state["version"] = capture.record_id
        state["hashes"] = page.fields.hashes()

    def _live(self, capture: CaptureRow, page: _Page, state: dict[str, Any]) -> None:
        """A page showing an article (a fresh 200, or a revisit of one)."""
        assert page.fields is not None
        status = state.get("status", "")
        if not status:  # the first version
            self._new_version(capture, page, state)
        elif page.fields.hashes() != state.get("hashes"):
            before = self._version_fields(state["version"])
            changes = compare(before, page.fields) if before is not None else {}
            previous = state["version"]
            self._new_version(capture, page, state)
            if status == "live" and changes:
                self._event(capture, "edited", previous, capture.record_id,
                            changes={k: c.as_json() for k, c in changes.items()}, summary=summary_of(changes))
            elif status != "live":
                self._event(capture, "restored", state["seen"], capture.record_id,
                            changes={k: c.as_json() for k, c in changes.items()},
                            summary="restored, " + summary_of(changes) if changes else "restored")
        elif status != "live":
            self._event(capture, "restored", state["seen"], capture.record_id, summary="restored")
        state["status"], state["how"], state["seen"] = "live", "", capture.record_id

    def _down(self, capture: CaptureRow, how: str, state: dict[str, Any]) -> None:
        if state.get("status") == "live":
            self._event(capture, "taken_down", state["seen"], capture.record_id, how=how,
                        summary=f"taken down ({how.replace('_', ' ')})")
        if state.get("status") in ("live", "moved"):
            state["status"], state["how"] = "taken_down", how
        if state.get("status"):
            state["seen"] = capture.record_id

    def step(self, capture: CaptureRow, source: Source, state: dict[str, Any]) -> None:
        before = state.get("seen", "")
        self._step(capture, source, state)
        if state.get("seen") == capture.record_id and state.get("status") == "live":
            state["seen_before"] = before or capture.record_id
            self.check_listed(capture, source, state)

    def _step(self, capture: CaptureRow, source: Source, state: dict[str, Any]) -> None:
        page = self.page_of(capture, source)
        if page.kind == "same":
            last_ok = state.get("last_ok")
            if not last_ok:
                return
            page = _Page("down", last_ok["how"]) if last_ok["how"] else _Page("same")
            if page.kind == "same":
                if state.get("status") != "live" and state.get("version") == last_ok["version"]:
                    self._event(capture, "restored", state["seen"], capture.record_id, summary="restored")
                    state["status"], state["how"] = "live", ""
                if state.get("status") == "live":
                    state["seen"] = capture.record_id
                return
        if page.kind == "live":
            self._live(capture, page, state)
            state["last_ok"] = {"how": "", "version": state["version"]}
        elif page.kind == "down":
            if capture.status == 200:
                state["last_ok"] = {"how": page.how, "version": state.get("version", "")}
            self._down(capture, page.how, state)
        elif page.kind == "redirect" and state.get("status") == "live":
            verdict, detail = self._redirect(capture, source, page.location, state)
            if verdict == "moved":
                self._event(capture, "moved", state["seen"], detail, how="redirect",
                            summary=f"moved to {page.location}")
                state["status"], state["how"], state["seen"] = "moved", "", capture.record_id
                state["moved_to"] = page.location
            else:
                self._down(capture, detail, state)


def update_versions(catalog: Catalog, warcs: Path, sources: Sequence[Source]) -> PassResult:
    """Read the captures catalogued since the last pass; store the versions and events they show.

    A read that loses its connection (a PostgreSQL restart, a dropped connection) reruns the whole
    pass, with the catalog's retries and backoff, as a write would. That is safe: each chunk stores
    its URLs' scan positions with its versions and events, so a rerun goes on from what was stored.
    The result then counts what the successful run read.
    """
    return catalog.retrying("versions pass", lambda: _run_pass(catalog, warcs, sources))


def _run_pass(catalog: Catalog, warcs: Path, sources: Sequence[Source]) -> PassResult:
    result = PassResult()
    by_host = {h: s for s in sources for h in s.hosts}
    watermark = catalog.version_watermark()
    top, captures = catalog.captures_after(watermark, [s.id for s in sources])
    if top <= watermark:
        return result
    work = _Pass(catalog, warcs, sources)
    per_url: dict[str, list[CaptureRow]] = {}
    lists: dict[str, list[CaptureRow]] = {}
    for capture in captures:
        source = by_host.get((urlsplit(capture.url).hostname or "").lower())
        if source is not None and source.is_article(capture.url):
            per_url.setdefault(capture.url, []).append(capture)
        elif source is not None and source.is_list(capture.url):
            lists.setdefault(source.id, []).append(capture)
    for source in sources:
        work.read_lists(lists.get(source.id, []), source)
    urls = sorted(per_url)
    for start in range(0, max(len(urls), 1), CHUNK):
        chunk = urls[start:start + CHUNK]
        work.use_articles([c for url in chunk for c in per_url[url]])
        states = catalog.version_states(chunk)
        scans = []
        for url in chunk:
            position, text = states.get(url, ("", "{}"))
            state: dict[str, Any] = json.loads(text)
            source = by_host[(urlsplit(url).hostname or "").lower()]
            for capture in per_url[url]:
                if capture.position <= position:
                    continue  # read by an earlier pass (a capture indexed late, older than what was read)
                work.step(capture, source, state)
                position = capture.position
                result.captures += 1
            if state:
                scans.append({"url": url, "source_id": per_url[url][0].source_id, "position": position,
                              "state": json.dumps(state, sort_keys=True)})
        versions, events = work.next_chunk()
        last = start + CHUNK >= len(urls)
        catalog.store_versions(top if last else None, result.captures, versions, events, scans)
        result.versions += len(versions)
        result.changed_urls.update(v["url"] for v in versions)
        result.events += len(events)
        for event in events:
            result.by_kind[event["kind"]] = result.by_kind.get(event["kind"], 0) + 1
    logger.info("versions pass: %d captures read, %d versions, %d events %s", result.captures, result.versions,
                result.events, result.by_kind)
    return result
