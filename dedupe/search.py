"""Chinese full-text search over the catalog: folding, query syntax, snippets, paging, indexing.

Text and queries are folded the same way (:func:`fold`): NFKC, traditional to simplified
(``dedupe.normalise``), lower case, every run of whitespace or control characters as one space.
So 對口支援 finds 对口支援 and ＡＩ finds ai. The index (``archive.catalog.search_index``) holds the
pairs of adjacent word characters of every article's folded title, 来源 and text; a term is found
by its pairs and, where pairs do not decide it, by an exact substring check on the folded text.
A Chinese word of any length is found with full recall.

Query syntax: whitespace-separated terms are ANDed; ``"..."`` is a phrase (its folded text must
occur as written, spaces included). Everything else is literal: punctuation, ``*``, ``OR``,
``NEAR`` and markup are characters to find, never operators; an unpaired ``"`` is a character too.
Latin and digits match as case-insensitive substrings (``art`` finds ``start``).

Results are articles (one URL with all its versions), newest first (published, else captured),
then by id; pages are keyset cursors, so a page never repeats or skips a hit while the index grows.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from archive.catalog.models import CHANGE_KINDS
from archive.catalog.search_index import HitRow, SearchDoc, SearchSource, SearchWhere
from dedupe.normalise import nfkc, to_simplified

if TYPE_CHECKING:
    from archive.catalog import Catalog

logger = logging.getLogger(__name__)

MAX_LIMIT = 200
SNIPPET_CHARS = 160  # about three lines of a result list
SNIPPET_LEAD = 40  # characters of context before the first match
INDEX_BATCH = 1_000
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_PHRASE = re.compile(r'"([^"]*)"')


@dataclass(frozen=True)
class SearchFilters:
    source: str | None = None  # source id
    since: datetime.date | None = None  # published (or first captured) on/after
    until: datetime.date | None = None  # ... on/before
    has_copies: bool | None = None  # in a cluster with other members
    cluster_id: int | None = None
    change_kind: str | None = None  # edited/taken_down/... once versions land; before: ValueError if given


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    url: str
    title: str
    source: str
    snippet: str  # plain text (NOT escaped: the app escapes)
    highlights: tuple[tuple[int, int], ...]  # [start, end) spans of matches inside snippet
    published: str | None
    cluster_id: int | None
    also_on: int  # other sites in its cluster ("also on 5 sites")


@dataclass(frozen=True)
class SearchPage:
    total: int  # matching ARTICLES (an article = one URL with all its versions)
    hits: tuple[SearchHit, ...]
    next_cursor: str | None  # opaque; None on the last page


# -- folding -------------------------------------------------------------
def fold(text: str) -> str:
    """Script-, width- and case-insensitive form of ``text``; whitespace runs become one space."""
    return _SPACE.sub(" ", to_simplified(nfkc(text)).lower()).strip()


@lru_cache(maxsize=65_536)
def _fold_char(ch: str) -> str:
    # Per character, for mapping a match back onto the original text (a snippet's highlights).
    # unicodedata.normalize is what nfkc computes (dedupe.normalise); for one character it is cheaper.
    folded = to_simplified(unicodedata.normalize("NFKC", ch)).lower()
    return " " if _SPACE.fullmatch(folded) else folded


def _folded_with_map(original: str) -> tuple[str, list[int] | range]:
    """``original`` folded, and for each folded character its index in ``original``.

    Most text folds character for character (the lengths agree): then the fold of the whole text
    is used, whitespace kept one for one; otherwise each character is folded alone (slower)."""
    whole = to_simplified(nfkc(original)).lower()
    if len(whole) == len(original):
        return _SPACE.sub(lambda m: " " * len(m.group()), whole), range(len(original))
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(original):
        folded = _fold_char(ch)
        if folded == " " and (not out or out[-1] == " "):
            continue
        for c in folded:
            out.append(c)
            where.append(i)
    return "".join(out), where


def document(source: SearchSource) -> SearchDoc:
    """The index row of an article: its folded fields, one per line (no term spans two of them)."""
    moment = source.published or source.captured_at
    fields = [source.title, source.origin, source.text, *source.versions]
    return SearchDoc(source.article_id, int(moment.timestamp()) if moment else 0,
                     "\n".join(fold(f) for f in fields))


# -- query -----------------------------------------------------------------
def parse_query(query: str) -> list[str]:
    """The folded terms of ``query``: phrases in double quotes, other terms split at whitespace."""
    terms: list[str] = []
    rest: list[str] = []
    last = 0
    for match in _PHRASE.finditer(query):
        rest.append(query[last:match.start()])
        terms.append(fold(match.group(1)))
        last = match.end()
    rest.append(query[last:])
    for part in rest:
        terms.extend(fold(word) for word in part.split())
    kept = list(dict.fromkeys(t for t in terms if t))
    if not kept:
        raise ValueError("empty query: give at least one word to search for (terms are ANDed, \"...\" is a phrase)")
    return kept


def _where(filters: SearchFilters, catalog: Catalog) -> SearchWhere:
    if filters.change_kind is not None:
        if not catalog.has_search_table("change_events"):
            raise ValueError("change_kind filter: this catalog keeps no versions yet, so there are no changes to "
                             "filter by; leave change_kind out")
        if filters.change_kind not in CHANGE_KINDS:
            raise ValueError(f"change_kind must be one of {', '.join(CHANGE_KINDS)}, got {filters.change_kind!r}")
    if filters.since and filters.until and filters.since > filters.until:
        raise ValueError(f"since ({filters.since}) is after until ({filters.until})")
    return SearchWhere(
        source_id=filters.source,
        since_ts=_day_start(filters.since) if filters.since else None,
        until_ts=_day_start(filters.until + datetime.timedelta(days=1)) if filters.until else None,
        has_copies=filters.has_copies, cluster_id=filters.cluster_id, change_kind=filters.change_kind)


def _day_start(day: datetime.date) -> int:
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp())


def _query_key(terms: Sequence[str], filters: SearchFilters, group_clusters: bool) -> str:
    """A short digest of what was asked: a cursor only continues the search it came from."""
    asked = json.dumps([list(terms), {k: str(v) for k, v in asdict(filters).items()}, group_clusters],
                       ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(asked.encode()).hexdigest()[:12]


def _encode_cursor(sort_ts: int, article_id: int, key: str) -> str:
    raw = json.dumps([sort_ts, article_id, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, key: str) -> tuple[int, int]:
    bad = "bad cursor: pass the next_cursor of the previous page unchanged, with the same query and filters"
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_ts, article_id, asked = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(bad) from exc
    if not (isinstance(sort_ts, int) and isinstance(article_id, int) and asked == key
            and max(abs(sort_ts), abs(article_id)) < 2**62):  # beyond BIGINT the database, not we, would refuse
        raise ValueError(bad)
    return sort_ts, article_id


def search(catalog: Catalog, query: str, filters: SearchFilters = SearchFilters(), *, limit: int = 20,
           cursor: str | None = None, group_clusters: bool = False) -> SearchPage:
    """One page of the articles matching ``query`` (see the module docstring for the syntax).

    ``ValueError`` (with what to do) for an empty query, a bad cursor, a limit outside
    1..``MAX_LIMIT`` or a filter this catalog cannot apply. ``group_clusters``: one hit per
    cluster (placed by its newest matching member, showing its earliest); ``total`` still counts articles.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    terms = parse_query(query)
    where = _where(filters, catalog)
    key = _query_key(terms, filters, group_clusters)
    after = _decode_cursor(cursor, key) if cursor is not None else None
    total, rows = catalog.search_articles(terms, where, after=after, limit=limit + 1, group_clusters=group_clusters)
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r.shown_id or r.article_id for r in rows]
    shown = catalog.search_hits(ids)
    hits = tuple(_hit(shown[i], terms) for i in ids if i in shown)
    next_cursor = _encode_cursor(rows[-1].sort_ts, rows[-1].article_id, key) if more else None
    return SearchPage(total=total, hits=hits, next_cursor=next_cursor)


# -- snippets ----------------------------------------------------------------
def snippet(text: str, terms: Sequence[str], size: int = SNIPPET_CHARS) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around the first match of any folded term, and the spans of every match in it."""
    folded, where = _folded_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term)
        while start >= 0:
            end = start + len(term)
            spans.append((where[start], where[end - 1] + 1))
            start = folded.find(term, start + 1)
    spans.sort()
    first = spans[0][0] if spans else 0
    begin = max(0, min(first - SNIPPET_LEAD, len(text) - size))
    end = min(len(text), begin + size)
    lead = "…" if begin > 0 else ""
    body = text[begin:end].replace("\r", " ").replace("\n", " ").replace("\t", " ")
    shown: list[tuple[int, int]] = []
    for a, b in spans:
        a, b = max(a, begin), min(b, end)
        if a >= b:
            continue
        a, b = a - begin + len(lead), b - begin + len(lead)
        if shown and a <= shown[-1][1]:
            shown[-1] = (shown[-1][0], max(shown[-1][1], b))
        else:
            shown.append((a, b))
    return lead + body + ("…" if end < len(text) else ""), tuple(shown)


def _hit(row: HitRow, terms: Sequence[str]) -> SearchHit:
    # The body around a match; a match only in the title or the 来源 shows that field instead.
    text = next((f for f in (row.text, row.title, row.origin) if any(t in fold(f) for t in terms)), row.text)
    shown, highlights = snippet(text, terms)
    return SearchHit(
        article_id=row.article_id, url=row.url, title=row.title, source=row.source_id, snippet=shown,
        highlights=highlights, published=row.published.isoformat() if row.published else None,
        cluster_id=row.cluster_id, also_on=row.also_on)


# -- indexing ----------------------------------------------------------------
def index_articles(catalog: Catalog, ids: Iterable[int]) -> int:
    """Index (or re-index) these articles; returns how many."""
    wanted = list(ids)
    done = 0
    for start in range(0, len(wanted), INDEX_BATCH):
        sources = catalog.search_sources(wanted[start:start + INDEX_BATCH])
        catalog.put_search_docs([document(s) for s in sources])
        done += len(sources)
    return done


def index_records(catalog: Catalog, record_ids: Sequence[str]) -> int:
    """Index the articles of these WARC records (what a crawl just wrote)."""
    return index_articles(catalog, catalog.article_ids_for_records(record_ids))


def index_urls(catalog: Catalog, urls: Sequence[str]) -> int:
    """Index again the articles of these URLs: the versions pass calls it for the URLs it added versions to."""
    return index_articles(catalog, catalog.article_ids_for_urls(urls))


def index_pending(catalog: Catalog, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every article the index does not hold yet."""
    done = _index_all(catalog, catalog.unindexed_article_ids(), progress)
    catalog.ensure_search_index()  # a rebuild stopped half-way leaves PostgreSQL without its GIN index
    return done


def rebuild_index(catalog: Catalog, progress: Callable[[int, int], None] | None = None) -> int:
    """Empty the index and index every article again."""
    catalog.clear_search_index()
    done = _index_all(catalog, catalog.all_article_ids(), progress)
    catalog.optimize_search_index()
    return done


def _index_all(catalog: Catalog, ids: Sequence[int], progress: Callable[[int, int], None] | None) -> int:
    done = 0
    for start in range(0, len(ids), INDEX_BATCH):
        done += index_articles(catalog, ids[start:start + INDEX_BATCH])
        if progress is not None:
            progress(done, len(ids))
    logger.info("search index: %d article(s) indexed", done)
    return done
