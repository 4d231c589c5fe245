"""The full-text search index's tables and SQL: character pairs of already-folded text.

:class:`SearchIndex` is mixed into :class:`archive.catalog.Catalog`. It takes text folded by
``dedupe.search`` (the archive imports no dedupe) and owns the index scheme: a word character is
one for which ``str.isalnum`` holds; a document is indexed by every pair of adjacent word
characters (a "bigram") and, on SQLite, by the last character of each run of them, so that every
word character starts a token and a one-character query is a prefix query. A query term
(also folded) is found by the pairs it contains (all of them, ANDed) and then, unless those pairs
decide it exactly (a two-character word), by an exact substring check on the folded text.

SQLite keeps the pairs in a contentless FTS5 table (``search_fts``, rowid = article id);
PostgreSQL in a ``text[]`` column under a GIN index (``terms @> ARRAY[...]``). pg_trgm cannot
find a two-character word and pg_bigm is not installed. Both filter, order and page the same way
(by the integer ``sort_ts``, then article id, newest first), so the same query returns the same
articles on both. Deleting a contentless FTS5 row means giving back the tokens it was inserted with,
recomputed here from the stored folded text: a change to :func:`fts_tokens` needs a rebuild
(``aidnews search-index --rebuild``) before the next incremental write.

Totals are kept per process by (``search_state.generation``, terms, filters): every write that can
change a total bumps the generation in its transaction (:func:`search_changed`), so paging through a
query does not count its matches again.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, inspect, text
from sqlalchemy.orm import Session

BATCH = 500  # ids per IN (...) list
# The walk (common matches): used when total^2 >= WALK_RATIO * limit * articles, i.e. when reading
# about limit * articles / total index rows costs less than sorting every match; it starts with
# WALK_BATCH rows, doubles up to WALK_BATCH_MAX, and gives up for the sorted plan after reading
# WALK_BUDGET times the rows it expected (at least WALK_MIN_BUDGET), as when the matches cluster in
# older articles. Chosen from bench/fulltext.py's sweep (docs/benchmarks.md).
WALK_RATIO = 2
WALK_BATCH = 100
WALK_BATCH_MAX = 2_000
WALK_BUDGET = 8
WALK_MIN_BUDGET = 2_000
TOTALS_KEPT = 512  # (generation, query) -> total: the queries of a morning, well under a megabyte


@dataclass(frozen=True)
class SearchDoc:
    """One article's row of the index: ``folded`` is its folded fields joined by newlines."""

    article_id: int
    sort_ts: int
    folded: str


@dataclass(frozen=True)
class SearchSource:
    """What the index is built from: an article's fields (the caller folds them)."""

    article_id: int
    title: str
    origin: str
    text: str
    published: datetime | None
    captured_at: datetime | None
    versions: tuple[str, ...] = ()  # texts of its other versions, once the catalog keeps versions


@dataclass(frozen=True)
class SearchWhere:
    """Filters in catalog terms: ``since_ts``/``until_ts`` bound ``sort_ts`` (``until_ts`` excluded)."""

    source_id: str | None = None
    since_ts: int | None = None
    until_ts: int | None = None
    has_copies: bool | None = None
    cluster_id: int | None = None
    change_kind: str | None = None  # an article with a change event of this kind (catalogs with versions)


@dataclass(frozen=True)
class SearchRow:
    article_id: int  # with sort_ts, the row's place in the order (and the cursor)
    sort_ts: int
    cluster_id: int | None
    shown_id: int | None = None  # grouped by cluster: the member a hit shows (its earliest matching one)


@dataclass(frozen=True)
class HitRow:
    """An article as a hit shows it: ``also_on`` = other sites among its cluster's members."""

    article_id: int
    url: str
    title: str
    source_id: str
    origin: str
    text: str
    published: datetime | None
    cluster_id: int | None
    also_on: int


_RUN = re.compile(r"[^\W_]+")  # \w is str.isalnum() plus "_": without "_", a run of word characters
# Every pair of adjacent word characters, overlapping, in one scan in C (a loop over the runs made a dict
# per run: a thousand of them per article); and the last character of each run.
_PAIR = re.compile(r"(?=([^\W_]{2}))")
_RUN_END = re.compile(r"[^\W_](?![^\W_])")


def runs(folded: str) -> list[str]:
    """The runs of word characters in ``folded``."""
    return _RUN.findall(folded)


def bigrams(folded: str) -> list[str]:
    """The distinct pairs of adjacent word characters, in order of first appearance."""
    return list(dict.fromkeys(_PAIR.findall(folded)))


def fts_tokens(folded: str) -> str:
    """SQLite's token text: the pairs, and the last character of each run (a one-character query's prefix)."""
    seen: dict[str, None] = dict.fromkeys(_PAIR.findall(folded))
    for last in _RUN_END.findall(folded):
        seen.setdefault(last, None)
    return " ".join(seen)


def search_changed(connection: Connection) -> None:
    """Bump ``search_state.generation`` in the caller's transaction: it writes what can change a total
    (the index, the clusters, the change events). First in the transaction, so that concurrent
    writers queue on this one row before they lock anything else."""
    connection.execute(text("UPDATE search_state SET generation = generation + 1"))


class _Totals:
    """Totals already counted, by (generation, terms, filters); the app searches from a thread pool."""

    def __init__(self, size: int = TOTALS_KEPT) -> None:
        self._items: OrderedDict[tuple[Any, ...], int] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: tuple[Any, ...]) -> int | None:
        with self._lock:
            total = self._items.get(key)
            if total is not None:
                self._items.move_to_end(key)
            return total

    def put(self, key: tuple[Any, ...], total: int) -> None:
        with self._lock:
            self._items[key] = total
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class _Plan:
    terms: tuple[str, ...]  # the folded terms: a match holds each as a substring (the definition)
    tokens: tuple[str, ...]  # pairs every match holds
    prefixes: tuple[str, ...]  # SQLite: single characters, as prefix queries
    checks: tuple[str, ...]  # folded terms the pairs do not decide: substring checks


def _plan(terms: Sequence[str], dialect: str) -> _Plan:
    tokens: dict[str, None] = {}
    prefixes: dict[str, None] = {}
    checks: dict[str, None] = {}
    for term in terms:
        term_runs = runs(term)
        for run in term_runs:
            if len(run) == 1:
                if dialect == "sqlite":
                    prefixes.setdefault(run, None)
            elif dialect == "postgresql":
                # Pairs that cover the run, not every pair: GIN's planner prices each key, and with
                # seven it chose a sequential scan over arrays it must detoast (the check stays exact).
                tokens.update(dict.fromkeys(run[i:i + 2] for i in (*range(0, len(run) - 1, 2), len(run) - 2)))
            else:
                tokens.update(dict.fromkeys(bigrams(run)))
        exact = term_runs == [term] and (len(term) == 2 or (len(term) == 1 and dialect == "sqlite"))
        if not exact:
            checks.setdefault(term, None)
    return _Plan(tuple(terms), tuple(tokens), tuple(prefixes), tuple(checks))


class SearchIndex:
    """Writes and queries of the search index; the class they are mixed into provides :meth:`session`."""

    def session(self) -> Session:
        raise NotImplementedError

    # -- what to index --------------------------------------------------
    def has_search_table(self, name: str) -> bool:
        """Whether the catalog has ``name`` (``versions`` and ``change_events`` come with migration 0006)."""
        known: dict[str, bool] = self.__dict__.setdefault("_search_tables", {})
        if name not in known:
            with self.session() as session:
                known[name] = inspect(session.connection()).has_table(name)
        return known[name]

    def search_sources(self, ids: Sequence[int]) -> list[SearchSource]:
        """The fields of these articles for indexing, with the fields of every version of their URL."""
        wanted = sorted(set(ids))
        out: list[SearchSource] = []
        versions = self.has_search_table("versions")
        with self.session() as session:
            for start in range(0, len(wanted), BATCH):
                chunk = ", ".join(str(int(i)) for i in wanted[start:start + BATCH])
                rows = session.execute(text(
                    "SELECT id, title, origin, text, published, captured_at, url FROM articles "
                    f"WHERE id IN ({chunk}) ORDER BY id")).all()
                other: dict[str, list[str]] = {}
                if versions:
                    for url, *fields in session.execute(text(
                            "SELECT v.url, v.title, v.origin, v.text FROM versions v JOIN articles a ON a.url = v.url "
                            f"WHERE a.id IN ({chunk}) ORDER BY v.url, v.number")):
                        other.setdefault(url, []).extend(f or "" for f in fields)
                for r in rows:
                    mine = (r[1] or "", r[2] or "", r[3] or "")
                    extra = tuple(dict.fromkeys(f for f in other.get(r[6], ()) if f and f not in mine))
                    out.append(SearchSource(r[0], *mine, _dt(r[4]), _dt(r[5]), extra))
        return out

    def article_ids_for_urls(self, urls: Sequence[str]) -> list[int]:
        """The articles of these URLs (to index again once the versions pass added versions of them)."""
        return self._article_ids_where("url", urls)

    def article_ids_for_records(self, record_ids: Sequence[str]) -> list[int]:
        return self._article_ids_where("record_id", record_ids)

    def _article_ids_where(self, column: str, values: Sequence[str]) -> list[int]:
        """Ids of the articles whose ``column`` (a fixed name, never user input) is one of ``values``."""
        with self.session() as session:
            ids: list[int] = []
            for start in range(0, len(values), BATCH):
                chunk = list(values[start:start + BATCH])
                params = {f"v{i}": v for i, v in enumerate(chunk)}
                marks = ", ".join(f":v{i}" for i in range(len(chunk)))
                ids.extend(int(r[0]) for r in session.execute(
                    text(f"SELECT id FROM articles WHERE {column} IN ({marks})"), params))
            return sorted(ids)

    def unindexed_article_ids(self) -> list[int]:
        """Articles without a row in the index, in id order."""
        with self.session() as session:
            return [int(r[0]) for r in session.execute(text(
                "SELECT a.id FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM search_docs d WHERE d.article_id = a.id) ORDER BY a.id"))]

    def all_article_ids(self) -> list[int]:
        with self.session() as session:
            return [int(r[0]) for r in session.execute(text("SELECT id FROM articles ORDER BY id"))]

    def search_doc_count(self) -> int:
        with self.session() as session:
            return int(session.execute(text("SELECT count(*) FROM search_docs")).scalar() or 0)

    # -- writes ---------------------------------------------------------
    def put_search_docs(self, docs: Sequence[SearchDoc]) -> None:
        """Index these articles (replacing their rows, if any), in one transaction."""
        if not docs:
            return
        with self.session() as session, session.begin():
            connection = session.connection()
            search_changed(connection)
            self._delete_docs(connection, [d.article_id for d in docs])
            if connection.dialect.name == "postgresql":
                # The pairs travel as one space-separated string (a pair holds no space): the driver's
                # array adaptation of a thousand strings per row cost more than the rest of the write.
                connection.execute(text(
                    "INSERT INTO search_docs (article_id, sort_ts, folded, terms) "
                    "VALUES (:a, :s, :f, string_to_array(:t, ' '))"),
                    [{"a": d.article_id, "s": d.sort_ts, "f": d.folded, "t": " ".join(bigrams(d.folded))}
                     for d in docs])
            else:
                connection.execute(text("INSERT INTO search_docs (article_id, sort_ts, folded) VALUES (:a, :s, :f)"),
                                   [{"a": d.article_id, "s": d.sort_ts, "f": d.folded} for d in docs])
                connection.execute(text("INSERT INTO search_fts (rowid, terms) VALUES (:a, :t)"),
                                   [{"a": d.article_id, "t": fts_tokens(d.folded)} for d in docs])

    def _delete_docs(self, connection: Connection, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), BATCH):
            chunk = ", ".join(str(int(i)) for i in ids[start:start + BATCH])
            if connection.dialect.name != "postgresql":
                # A contentless FTS5 row is deleted by giving back the tokens it was inserted with.
                old = connection.execute(text(f"SELECT article_id, folded FROM search_docs WHERE article_id IN ({chunk})"))
                gone = [{"a": r[0], "t": fts_tokens(r[1])} for r in old]
                if gone:
                    connection.execute(text("INSERT INTO search_fts (search_fts, rowid, terms) "
                                            "VALUES ('delete', :a, :t)"), gone)
            connection.execute(text(f"DELETE FROM search_docs WHERE article_id IN ({chunk})"))

    def clear_search_index(self) -> None:
        """Empty the index before a rebuild. PostgreSQL also drops the GIN index: building it once over
        every row is several times faster than growing it row by row (:meth:`ensure_search_index`)."""
        with self.session() as session, session.begin():
            connection = session.connection()
            search_changed(connection)
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP INDEX IF EXISTS ix_search_docs_terms"))
                connection.execute(text("TRUNCATE search_docs"))
            else:
                connection.execute(text("INSERT INTO search_fts (search_fts) VALUES ('delete-all')"))
                connection.execute(text("DELETE FROM search_docs"))

    def ensure_search_index(self) -> None:
        """PostgreSQL: (re)create the GIN index if a rebuild dropped it (searches are right without it, but slow)."""
        with self.session() as session, session.begin():
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(text("CREATE INDEX IF NOT EXISTS ix_search_docs_terms ON search_docs "
                                        "USING gin (terms)"))

    def optimize_search_index(self) -> None:
        """After a rebuild: merge FTS5's segments (SQLite); build the GIN index and refresh the planner's
        statistics (PostgreSQL)."""
        self.ensure_search_index()
        with self.session() as session, session.begin():
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                connection.execute(text("ANALYZE search_docs"))
            else:
                connection.execute(text("INSERT INTO search_fts (search_fts) VALUES ('optimize')"))

    # -- queries --------------------------------------------------------
    def forget_search_totals(self) -> None:
        """Drop the totals this process kept: the next search counts again (benchmarks time the count)."""
        self.__dict__.pop("_search_totals", None)

    def search_articles(self, terms: Sequence[str], where: SearchWhere, *, after: tuple[int, int] | None,
                        limit: int, group_clusters: bool) -> tuple[int, list[SearchRow]]:
        """``(matching articles, one page of them)``: articles whose folded text holds every folded
        term, filtered, newest first (``sort_ts``, then id, descending), after the keyset ``after``;
        with ``group_clusters`` one row per cluster, placed by its newest matching member and showing
        its earliest (``shown_id``).

        Two plans give the same rows. When matches are few, every match is read and sorted; when they
        are common (a frequent word over a million articles), that is most of the table, so the page
        is found by walking the articles newest first and testing them a batch at a time, which reads
        about ``limit`` divided by the share of articles that match."""
        with self.session() as session, session.begin():
            connection = session.connection()
            dialect = connection.dialect.name
            if dialect == "postgresql":
                # The planner does not price detoasting each row's pair array: for a common pair it chose a
                # sequential scan, 500 ms against 4 ms through the GIN index at 15,000 articles (bench/fulltext.py).
                # Off, it still scans when no index applies (a query without word characters).
                connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = _plan(terms, dialect)
            matches, params = _match_sql(plan, where, dialect)
            # Read before counting: a total counted under generation g may then include a write committed
            # after g (as if asked a moment later), never miss one committed before it.
            generation = connection.execute(text("SELECT generation FROM search_state")).scalar()
            totals: _Totals = self.__dict__.setdefault("_search_totals", _Totals())
            key = (generation, plan.terms, where)
            total = totals.get(key)
            if total is None:
                # The count needs no cluster of each match: without that join, a four-character word in 90 %
                # of a million articles is counted in 640 ms instead of 739 (SQLite; a plain scan of every
                # folded text with instr takes 632: reading the text is the floor of an exact count).
                counted, _ = _match_sql(plan, where, dialect, clusters=False)
                total = int(connection.execute(text(_count_sql(plan, where, dialect, counted)), params).scalar() or 0)
                totals.put(key, total)
            span = int(connection.execute(text("SELECT max(article_id) FROM search_docs")).scalar() or 0)
            rows: list[SearchRow] | None = None
            if total and total * total >= WALK_RATIO * limit * span:
                rows = _walk(connection, plan, where, dialect, after, limit, group_clusters,
                             budget=max(WALK_MIN_BUDGET, WALK_BUDGET * limit * span // total))
            if rows is None:
                rows = _sorted_page(connection, matches, params, after, limit, group_clusters)
            if group_clusters:
                rows = _shown_members(connection, plan, where, dialect, rows)
            return total, rows

    def search_hits(self, ids: Sequence[int]) -> dict[int, HitRow]:
        """What the hits of a page show, by article id."""
        if not ids:
            return {}
        marks = ", ".join(str(int(i)) for i in ids)
        with self.session() as session:
            rows = session.execute(text(
                "SELECT a.id, a.url, a.title, a.source_id, a.origin, a.text, a.published, cm.cluster_id, "
                "(SELECT count(DISTINCT o.source_id) FROM cluster_members c2 JOIN articles o ON o.id = c2.article_id "
                " WHERE c2.cluster_id = cm.cluster_id AND o.source_id <> a.source_id) "
                "FROM articles a LEFT JOIN cluster_members cm ON cm.article_id = a.id "
                f"WHERE a.id IN ({marks})"))
            return {int(r[0]): HitRow(int(r[0]), r[1], r[2] or "", r[3], r[4] or "", r[5] or "", _dt(r[6]),
                                      None if r[7] is None else int(r[7]), int(r[8] or 0)) for r in rows}


def _sorted_page(connection: Connection, matches: str, params: dict[str, Any], after: tuple[int, int] | None,
                 limit: int, group_clusters: bool) -> list[SearchRow]:
    """The page from every match, sorted (the plan for queries with few matches). The matches are a
    MATERIALIZED CTE so that PostgreSQL finds them through the GIN index: left to itself it walked
    ``ix_search_docs_sort`` for ``LIMIT``, testing every row's pair array, 3 s for a pair found once
    at 100,000 articles (the walk is ours to choose, :func:`_walk`, when matches are common)."""
    rows_sql = "SELECT id, ts, cid FROM m0"
    if group_clusters:
        rows_sql = ("SELECT id, ts, cid FROM (SELECT id, ts, cid, ROW_NUMBER() OVER "
                    "(PARTITION BY COALESCE(cid, -id) ORDER BY ts DESC, id DESC) AS rn FROM m0) m WHERE rn = 1")
    page_params = dict(params, limit=limit)
    keyset = ""
    if after is not None:
        keyset = (" AND " if group_clusters else " WHERE ") + "(ts < :after_ts OR (ts = :after_ts AND id < :after_id))"
        page_params.update(after_ts=after[0], after_id=after[1])
    rows = connection.execute(text(f"WITH m0 AS MATERIALIZED ({matches}) {rows_sql}{keyset} "
                                   "ORDER BY ts DESC, id DESC LIMIT :limit"), page_params)
    return [SearchRow(int(r[0]), int(r[1]), None if r[2] is None else int(r[2])) for r in rows]


def _walk(connection: Connection, plan: _Plan, where: SearchWhere, dialect: str, after: tuple[int, int] | None,
          limit: int, group_clusters: bool, budget: int) -> list[SearchRow] | None:
    """The page found by walking ``ix_search_docs_sort`` newest first and testing a batch of articles
    at a time (the plan for common matches); None if ``budget`` rows of the index did not fill it
    (the sorted plan is then the cheaper one)."""
    found: list[SearchRow] = []
    position, read, batch = after, 0, WALK_BATCH
    bounds: list[str] = []
    bound_params: dict[str, Any] = {}
    _date_bounds(where, bounds, bound_params)
    while len(found) < limit:
        if read >= budget:
            return None
        conditions = list(bounds)
        step_params: dict[str, Any] = dict(bound_params, n=batch)
        if position is not None:
            conditions.append("(d.sort_ts < :at_ts OR (d.sort_ts = :at_ts AND d.article_id < :at_id))")
            step_params.update(at_ts=position[0], at_id=position[1])
        sql = "SELECT d.article_id, d.sort_ts FROM search_docs d"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        step = [(int(r[0]), int(r[1])) for r in connection.execute(
            text(sql + " ORDER BY d.sort_ts DESC, d.article_id DESC LIMIT :n"), step_params)]
        if not step:
            break
        read += len(step)
        hits = _matching(connection, plan, where, dialect, [i for i, _ in step])
        rows = [SearchRow(i, ts, hits[i]) for i, ts in step if i in hits]
        if group_clusters:
            rows = _newest_of_clusters(connection, plan, where, dialect, rows)
        found.extend(rows)
        position = (step[-1][1], step[-1][0])
        batch = min(batch * 2, WALK_BATCH_MAX)
    return found[:limit]


def _matching(connection: Connection, plan: _Plan, where: SearchWhere, dialect: str,
              ids: Sequence[int]) -> dict[int, int | None]:
    """Which of ``ids`` match (id -> its cluster), tested through each article's own index entry."""
    if not ids:
        return {}
    matches, params = _match_sql(plan, where, dialect, only=ids)
    return {int(r[0]): None if r[2] is None else int(r[2]) for r in connection.execute(text(matches), params)}


def _cluster_members(connection: Connection, cluster_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """cluster id -> its members' (sort_ts, article id), of the members in the index."""
    members: dict[int, list[tuple[int, int]]] = {}
    wanted = sorted(set(cluster_ids))
    for start in range(0, len(wanted), BATCH):
        chunk = ", ".join(str(int(c)) for c in wanted[start:start + BATCH])
        for cid, article_id, ts in connection.execute(text(
                "SELECT cm.cluster_id, d.article_id, d.sort_ts FROM cluster_members cm "
                f"JOIN search_docs d ON d.article_id = cm.article_id WHERE cm.cluster_id IN ({chunk})")):
            members.setdefault(int(cid), []).append((int(ts), int(article_id)))
    return members


def _newest_of_clusters(connection: Connection, plan: _Plan, where: SearchWhere, dialect: str,
                        rows: list[SearchRow]) -> list[SearchRow]:
    """The rows that are their cluster's newest matching member (a row without a cluster stands alone)."""
    members = _cluster_members(connection, [r.cluster_id for r in rows if r.cluster_id is not None])
    if not members:
        return rows
    newer = {r.article_id: [i for ts, i in members.get(r.cluster_id, []) if (ts, i) > (r.sort_ts, r.article_id)]
             for r in rows if r.cluster_id is not None}
    matching = _matching(connection, plan, where, dialect, sorted({i for ids in newer.values() for i in ids}))
    return [r for r in rows if r.cluster_id is None or not any(i in matching for i in newer[r.article_id])]


def _shown_members(connection: Connection, plan: _Plan, where: SearchWhere, dialect: str,
                   rows: list[SearchRow]) -> list[SearchRow]:
    """A grouped page: each cluster's row keeps its place (its newest matching member) and shows its
    earliest matching member, the closest to the original."""
    members = _cluster_members(connection, [r.cluster_id for r in rows if r.cluster_id is not None])
    if not members:
        return rows
    matching = _matching(connection, plan, where, dialect, sorted({i for ms in members.values() for _, i in ms}))
    out = []
    for r in rows:
        found = sorted(m for m in members.get(r.cluster_id, []) if m[1] in matching) if r.cluster_id is not None else []
        out.append(replace(r, shown_id=found[0][1]) if found else r)
    return out


def _count_sql(plan: _Plan, where: SearchWhere, dialect: str, matches: str) -> str:
    """The count of matches: from the index alone when the pairs decide them and nothing filters."""
    if plan.checks or where != SearchWhere() or not (plan.tokens or plan.prefixes):
        return f"SELECT count(*) FROM ({matches}) m"
    if dialect == "postgresql":
        return "SELECT count(*) FROM search_docs d WHERE d.terms @> CAST(:tokens AS text[])"
    return "SELECT count(*) FROM search_fts WHERE search_fts MATCH :match"


def _match_sql(plan: _Plan, where: SearchWhere, dialect: str,
               only: Sequence[int] = (), clusters: bool = True) -> tuple[str, dict[str, Any]]:
    """The SELECT (id, ts, cid) of every matching article, and its parameters. With ``only``, of those
    articles alone, tested by the definition (each term a substring of the folded text) rather than
    through the index: for a few hundred rows that is cheaper than probing the pair index row by row
    (on SQLite, a probe of a one-character prefix expands to every pair it starts). Without
    ``clusters``, ``cid`` is NULL unless a filter needs the clusters anyway (for counting)."""
    params: dict[str, Any] = {}
    conditions: list[str] = []
    source = "search_docs d"
    check = "strpos(d.folded, :check{0}) > 0" if dialect == "postgresql" else "instr(d.folded, :check{0}) > 0"
    checks = plan.terms if only else plan.checks
    if only:
        conditions.append(f"d.article_id IN ({', '.join(str(int(i)) for i in only)})")
    elif dialect == "postgresql":
        if plan.tokens:
            conditions.append("d.terms @> CAST(:tokens AS text[])")
            params["tokens"] = list(plan.tokens)
    elif plan.tokens or plan.prefixes:
        source = "search_fts f JOIN search_docs d ON d.article_id = f.rowid"
        conditions.append("search_fts MATCH :match")
        # Tokens are word characters only, never a quote: quoting makes each one a plain string.
        params["match"] = " ".join([f'"{t}"' for t in plan.tokens] + [f'"{p}"*' for p in plan.prefixes])
    for i, term in enumerate(checks):
        conditions.append(check.format(i))
        params[f"check{i}"] = term
    joined = clusters or where.cluster_id is not None or where.has_copies is not None
    source += _filter_sql(where, conditions, params, clusters=joined)
    cid = "cm.cluster_id" if joined else "NULL"
    sql = f"SELECT d.article_id AS id, d.sort_ts AS ts, {cid} AS cid FROM {source}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return sql, params


def _date_bounds(where: SearchWhere, conditions: list[str], params: dict[str, Any]) -> None:
    """The date range's conditions on ``d.sort_ts`` (``until_ts`` excluded)."""
    if where.since_ts is not None:
        conditions.append("d.sort_ts >= :since_ts")
        params["since_ts"] = where.since_ts
    if where.until_ts is not None:
        conditions.append("d.sort_ts < :until_ts")
        params["until_ts"] = where.until_ts


def _filter_sql(where: SearchWhere, conditions: list[str], params: dict[str, Any], clusters: bool = True) -> str:
    """Add the filters' conditions and parameters; return the joins they need (``clusters``: and the
    join to each article's cluster, which the cluster filters need)."""
    joins = ""
    if where.source_id is not None or where.change_kind is not None:
        joins += " JOIN articles a ON a.id = d.article_id"
    if where.source_id is not None:
        conditions.append("a.source_id = :source_id")
        params["source_id"] = where.source_id
    if where.change_kind is not None:
        conditions.append("EXISTS (SELECT 1 FROM change_events e WHERE e.url = a.url AND e.kind = :change_kind)")
        params["change_kind"] = where.change_kind
    _date_bounds(where, conditions, params)
    if not clusters:
        return joins
    joins += " LEFT JOIN cluster_members cm ON cm.article_id = d.article_id"
    if where.cluster_id is not None:
        conditions.append("cm.cluster_id = :cluster_id")
        params["cluster_id"] = where.cluster_id
    if where.has_copies is not None:
        # A cluster has at least two members (the pass stores no singletons), so membership is "has copies".
        conditions.append("cm.cluster_id IS NOT NULL" if where.has_copies else "cm.cluster_id IS NULL")
    return joins


def _dt(value: Any) -> datetime | None:
    """A datetime column read through ``text()`` (SQLite returns its stored string)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored as naive UTC (models.UtcDateTime)
