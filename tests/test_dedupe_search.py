"""Full-text search (dedupe.search over archive.catalog.search_index), every test on SQLite and PostgreSQL.

The oracle is the definition itself: an article matches when every folded term is a substring of
its folded title, 来源 or text. The index must agree with it exactly (full recall, no extra hits).
"""

from __future__ import annotations

import base64
import datetime
import json
import random
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Article
from dedupe.search import (
    MAX_LIMIT,
    SearchFilters,
    SearchHit,
    fold,
    index_pending,
    index_records,
    parse_query,
    rebuild_index,
    search,
    snippet,
)
from tests import services
from tests.builders import sample_catalog
from tests.services import postgres_url  # noqa: F401  (a fixture)

UTC = datetime.UTC
BACKENDS = ["sqlite", "postgresql"]
NO_FILTERS = SearchFilters()


def _url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return catalog_url_for(tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """The sample web's 222 articles (traditional mirrors, copies, the hostile page), indexed; read-only,
    so built once per backend for the module."""
    with ExitStack() as stack:
        url = None
        if request.param == "postgresql":
            url = stack.enter_context(services.postgres_database())
        catalog = sample_catalog(tmp_path_factory.mktemp("sample"), url)
        rebuild_index(catalog)
        yield catalog
        catalog.close()


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    catalog = Catalog(_url(request, tmp_path))
    yield catalog
    catalog.close()


def add_articles(catalog: Catalog, rows: Sequence[dict[str, Any]], start: int = 0) -> list[str]:
    """Articles (with the capture rows they reference) from ``title``/``text``/... dicts; returns record ids."""
    captures, articles = [], []
    for n, row in enumerate(rows, start):
        record = f"<urn:uuid:search-{n:08d}>"
        url = row.get("url", f"http://{row.get('source', 'tibet_cn')}.example/{n}.html")
        captures.append({"record_id": record, "record_type": "response", "url": url, "urlkey": url,
                         "timestamp": "20250217000000", "status": 200, "mime": "text/html", "digest": "sha1:x",
                         "filename": "x.warc.gz", "offset": n, "length": 1, "source_id": row.get("source", "tibet_cn")})
        articles.append({"record_id": record, "url": url, "source_id": row.get("source", "tibet_cn"),
                         "section": "", "title": row.get("title", ""), "origin": row.get("origin", ""),
                         "text": row.get("text", ""), "published": row.get("published"),
                         "captured_at": row.get("captured", datetime.datetime(2025, 2, 17, tzinfo=UTC))})
    catalog.add_capture_rows(captures)
    catalog.add_articles(articles)
    return [c["record_id"] for c in captures]


_FOLDED: dict[int, list[tuple[int, tuple[str, ...]]]] = {}


def oracle(catalog: Catalog, query: str) -> set[int]:
    terms = parse_query(query)
    if id(catalog) not in _FOLDED or len(_FOLDED[id(catalog)]) != catalog.count(Article):
        _FOLDED[id(catalog)] = [(a.id, (fold(a.title), fold(a.origin), fold(a.text))) for a in catalog.articles()]
    return {i for i, fields in _FOLDED[id(catalog)] if all(any(t in f for f in fields) for t in terms)}


def all_hits(catalog: Catalog, query: str, filters: SearchFilters = NO_FILTERS, limit: int = 50,
             group_clusters: bool = False) -> list[SearchHit]:
    """Every page of a search, following the cursors."""
    hits: list[SearchHit] = []
    cursor = None
    while True:
        page = search(catalog, query, filters, limit=limit, cursor=cursor, group_clusters=group_clusters)
        hits.extend(page.hits)
        cursor = page.next_cursor
        if cursor is None:
            return hits


def han_words(catalog: Catalog, length: int, count: int, seed: int = 7) -> list[str]:
    """Distinct runs of ``length`` Han characters taken from the folded article texts."""
    found: set[str] = set()
    for article in catalog.articles():
        folded = fold(article.text)
        for i in range(len(folded) - length + 1):
            word = folded[i:i + length]
            if all("\u4e00" <= ch <= "\u9fff" for ch in word):
                found.add(word)
    return random.Random(seed).sample(sorted(found), min(count, len(found)))


# -- recall ------------------------------------------------------------------
def test_two_character_words_found_with_full_recall(sample: Catalog) -> None:
    words = han_words(sample, 2, 150)
    assert len(words) == 150
    for word in words:
        expected = oracle(sample, word)
        page = search(sample, word, limit=MAX_LIMIT)
        assert page.total == len(expected), word
        assert {h.article_id for h in all_hits(sample, word)} == expected, word


@pytest.mark.parametrize("length", [1, 3, 4, 5, 8])
def test_words_of_other_lengths_match_the_oracle(sample: Catalog, length: int) -> None:
    for word in han_words(sample, length, 25):
        assert {h.article_id for h in all_hits(sample, word)} == oracle(sample, word), word


def test_built_corpus_full_recall(empty: Catalog) -> None:
    """A corpus built from random Han characters: every 2-character word's total equals a brute-force count."""
    rng = random.Random(3)
    alphabet = "援藏对口支援发展记者西藏日报结硕果的了在是国新闻"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(5, 60))) for _ in range(300)]
    add_articles(empty, [{"text": t} for t in texts])
    index_pending(empty)
    for a in alphabet[:12]:
        for b in alphabet[:12]:
            word = a + b
            assert search(empty, word).total == sum(word in t for t in texts), word


# -- script, phrases, syntax -----------------------------------------------------
def test_traditional_query_finds_simplified_and_back(sample: Catalog) -> None:
    traditional = {h.article_id for h in all_hits(sample, "對口支援結碩果")}
    simplified = {h.article_id for h in all_hits(sample, "对口支援结硕果")}
    assert traditional == simplified
    titles = {h.title for h in all_hits(sample, "對口支援結碩果")}
    assert any("對口支援" in t for t in titles) and any("对口支援" in t for t in titles)


def test_phrases_and_terms(empty: Catalog) -> None:
    add_articles(empty, [
        {"text": "援藏 干部 到达 拉萨"},
        {"text": "援藏干部到达拉萨"},
        {"text": "干部 援藏"},
        {"title": "ＡＩ Covid-19 报道", "text": "无关"},
    ])
    index_pending(empty)
    ids = {h.article_id: h for h in all_hits(empty, "援藏")}
    assert len(ids) == 3
    assert len(search(empty, '"援藏 干部"').hits) == 1  # the phrase keeps its space
    assert search(empty, "援藏 干部").total == 3  # terms: both, anywhere
    assert search(empty, '"干部 援藏"').total == 1
    assert search(empty, "ai").total == 1 and search(empty, "COVID-19").total == 1  # width and case folded
    assert search(empty, "vid").total == 1  # latin matches as a substring


def test_hostile_text_is_searched_literally(empty: Catalog) -> None:
    hostile = ['a "quoted" item', "star * here", "x NEAR y", "this OR that", "<script>alert(1)</script>",
               "'; DROP TABLE articles; --", "col:value ^ (paren)", "100% _under_ \\back"]
    add_articles(empty, [{"text": t} for t in hostile] + [{"text": "plain near or text"}])
    index_pending(empty)
    queries = ['"', "*", "NEAR", "OR", "<script>", "alert(1)", "'; DROP TABLE", "col:value", "^", "(paren)",
               '"quoted"', 'a "quoted', "%", "_", "\\", 'NEAR(x y)', "x OR", "AND", "NOT this"]
    for query in queries:
        assert {h.article_id for h in all_hits(empty, query)} == oracle(empty, query), query
    assert search(empty, "OR").total == 2  # "this OR that" and "plain near or text"


def test_bad_queries_and_cursors_say_what_to_do(sample: Catalog) -> None:
    for query in ["", "   ", '""', "\n\t"]:
        with pytest.raises(ValueError, match="empty query"):
            search(sample, query)
    for bad in ["not-a-cursor", "", "e30", base64.urlsafe_b64encode(json.dumps([10**30, 1, "x"]).encode()).decode()]:
        with pytest.raises(ValueError, match="bad cursor"):
            search(sample, "援藏", cursor=bad)
    other = search(sample, "发展", limit=2).next_cursor
    assert other is not None
    with pytest.raises(ValueError, match="bad cursor"):
        search(sample, "援藏", cursor=other)  # a cursor only continues its own search
    with pytest.raises(ValueError, match="limit"):
        search(sample, "援藏", limit=0)
    if not sample.has_search_table("change_events"):  # before the versions migration (0006) lands
        with pytest.raises(ValueError, match="change_kind"):
            search(sample, "援藏", SearchFilters(change_kind="edited"))


# -- results -------------------------------------------------------------------------
def test_snippets_highlight_every_shown_match(sample: Catalog) -> None:
    for query in ["援藏", "發展 记者", '"对口 支援"', "西藏日报"]:
        terms = parse_query(query)
        for hit in search(sample, query, limit=30).hits:
            assert hit.snippet and len(hit.snippet) <= 162
            for start, end in hit.highlights:
                assert 0 <= start < end <= len(hit.snippet)
                shown = fold(hit.snippet[start:end])  # a whole match, merged matches, or one cut by the window
                assert any(t in shown or shown in t for t in terms), (query, shown)
    shown, spans = snippet("前文" * 100 + "對口支援" + "后文" * 100, ["对口支援"])
    assert [shown[a:b] for a, b in spans] == ["對口支援"]  # the original characters, traditional as written
    assert shown.startswith("…") and shown.endswith("…")


def test_paging_covers_every_hit_once(sample: Catalog) -> None:
    for limit in (1, 7, 50):
        hits = all_hits(sample, "的", limit=limit)
        ids = [h.article_id for h in hits]
        assert len(ids) == len(set(ids)) == search(sample, "的").total == len(oracle(sample, "的"))
    first = search(sample, "援藏", limit=5)
    assert len(first.hits) == 5 and first.next_cursor is not None
    few = search(sample, "西藏日报", limit=MAX_LIMIT)
    assert 0 < few.total < MAX_LIMIT and few.next_cursor is None  # the last page says so


def test_filters(sample: Catalog) -> None:
    everything = {h.article_id: h for h in all_hits(sample, "援藏")}
    articles = {a.id: a for a in sample.articles()}
    source = next(iter(everything.values())).source
    by_source = {h.article_id for h in all_hits(sample, "援藏", SearchFilters(source=source))}
    assert by_source == {i for i in everything if articles[i].source_id == source} and by_source
    day = datetime.date(2024, 9, 3)
    since = {h.article_id for h in all_hits(sample, "援藏", SearchFilters(since=day))}
    until = {h.article_id for h in all_hits(sample, "援藏", SearchFilters(until=day))}
    assert since | until == set(everything)
    for i in since:
        assert (articles[i].published or articles[i].captured_at).date() >= day
    for i in until:
        assert (articles[i].published or articles[i].captured_at).date() <= day
    copies = {h.article_id for h in all_hits(sample, "援藏", SearchFilters(has_copies=True))}
    alone = {h.article_id for h in all_hits(sample, "援藏", SearchFilters(has_copies=False))}
    assert copies and alone and copies | alone == set(everything) and not copies & alone
    assert all(everything[i].cluster_id is not None for i in copies)
    cluster = next(everything[i].cluster_id for i in copies)
    members = {h.article_id for h in all_hits(sample, "援藏", SearchFilters(cluster_id=cluster))}
    assert members == {i for i in everything if everything[i].cluster_id == cluster} and len(members) >= 2
    with pytest.raises(ValueError, match="after until"):
        search(sample, "援藏", SearchFilters(since=day, until=day - datetime.timedelta(days=1)))


def test_group_clusters_one_hit_per_cluster(sample: Catalog) -> None:
    everything = all_hits(sample, "援藏")
    grouped = all_hits(sample, "援藏", limit=7, group_clusters=True)
    page = search(sample, "援藏", group_clusters=True)
    assert page.total == len(everything)  # total still counts articles
    clusters = [h.cluster_id for h in grouped if h.cluster_id is not None]
    assert len(clusters) == len(set(clusters)) and clusters
    assert len(grouped) == len({h.cluster_id for h in everything if h.cluster_id is not None}) + sum(
        h.cluster_id is None for h in everything)
    assert all(h.also_on >= 0 for h in grouped) and any(h.also_on > 0 for h in grouped)


# -- keeping the index ---------------------------------------------------------------
def test_incremental_equals_rebuild(empty: Catalog) -> None:
    records = add_articles(empty, [{"text": "援藏干部", "title": "第一"}, {"text": "對口支援"}])
    assert index_records(empty, records[:1]) == 1
    assert search(empty, "援藏").total == 1 and search(empty, "对口").total == 0  # not indexed yet
    index_records(empty, records[1:])
    more = add_articles(empty, [{"text": "发展援藏", "origin": "西藏日报"}], start=2)
    index_records(empty, more)
    queries = ["援藏", "对口", "西藏日报", "第一", "发展"]
    incremental = [all_hits(empty, q) for q in queries]
    assert [len(h) for h in incremental] == [2, 1, 1, 1, 1]
    rebuild_index(empty)
    assert [all_hits(empty, q) for q in queries] == incremental
    assert index_pending(empty) == 0


def test_reindexing_an_article_replaces_its_terms(empty: Catalog) -> None:
    from archive.catalog.search_index import SearchDoc

    add_articles(empty, [{"text": "援藏干部"}])
    index_pending(empty)
    (article,) = empty.articles()
    empty.put_search_docs([SearchDoc(article.id, 0, fold("对口支援"))])
    assert search(empty, "援藏").total == 0 and search(empty, "对口").total == 1
    assert empty.search_doc_count() == 1


def test_a_total_is_counted_once_until_a_write_can_change_it(empty: Catalog) -> None:
    # Paging through a query, or asking it again, reuses its total; the index, the clusters and the change
    # events each bump search_state in the transaction that writes them, and the next search counts again.
    from sqlalchemy import event

    records = add_articles(empty, [{"text": f"对口支援项目{n}", "url": f"http://a.example/{n}.html"} for n in range(5)])
    index_records(empty, records)
    counted: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "count(*)" in statement:
            counted.append(statement)

    def counts(query: str, filters: SearchFilters = NO_FILTERS, **kw: Any) -> tuple[int, int]:
        before = len(counted)
        total = search(empty, query, filters, **kw).total
        return total, len(counted) - before

    event.listen(empty.engine, "before_cursor_execute", count)
    try:
        first = search(empty, "对口支援", limit=2)
        assert first.total == 5 and counted
        assert counts("对口支援", limit=2, cursor=first.next_cursor) == (5, 0)  # the next page
        assert counts("对口支援") == (5, 0) and counts("支援项目") == (5, 1)  # another query is counted
        index_records(empty, add_articles(empty, [{"text": "对口支援新闻"}], start=5))
        assert counts("对口支援") == (6, 1)
        copies = SearchFilters(has_copies=True)
        assert counts("对口支援", copies)[0] == 0
        ids = sorted(a.id for a in empty.articles())[:2]
        empty.replace_clusters([(ids[0], ids)])
        assert counts("对口支援", copies) == (2, 1)
        edited = SearchFilters(change_kind="edited")
        assert counts("对口支援", edited)[0] == 0
        empty.store_versions(None, 0, [], [{
            "url": "http://a.example/3.html", "source_id": "tibet_cn", "kind": "edited", "how": "",
            "before_record": records[3], "after_record": records[3], "detected": "20250218000000",
            "summary": "edited", "fields": "{}"}], [])
        assert counts("对口支援", edited) == (1, 1)
    finally:
        event.remove(empty.engine, "before_cursor_execute", count)


def test_sqlite_and_postgresql_return_the_same(tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    lite = sample_catalog(tmp_path / "lite")
    pg = sample_catalog(tmp_path / "pg", postgres_url)
    rebuild_index(lite)
    rebuild_index(pg)
    queries = han_words(lite, 2, 20) + han_words(lite, 4, 10) + ["对口支援 发展", '"援藏 30"', "的", "OR", "<script>"]
    for query in queries:
        for group in (False, True):
            assert all_hits(lite, query, limit=9, group_clusters=group) == all_hits(
                pg, query, limit=9, group_clusters=group), query
    lite.close()
    pg.close()


# The versions branch's tables (migration 0006, columns as it creates them), made here when the
# catalog lacks them, so the versions side of search is tested before and after that branch lands.
_VERSIONS = ("CREATE TABLE IF NOT EXISTS versions (id INTEGER PRIMARY KEY, url TEXT NOT NULL, source_id VARCHAR(64), "
             "number INTEGER NOT NULL, record_id VARCHAR(64) NOT NULL UNIQUE, timestamp VARCHAR(14) NOT NULL, "
             "title TEXT NOT NULL DEFAULT '', published VARCHAR(32) NOT NULL DEFAULT '', origin VARCHAR(200) NOT NULL "
             "DEFAULT '', editor VARCHAR(200) NOT NULL DEFAULT '', text TEXT NOT NULL DEFAULT '', hashes TEXT NOT NULL "
             "DEFAULT '')")
_EVENTS = ("CREATE TABLE IF NOT EXISTS change_events (id INTEGER PRIMARY KEY, url TEXT NOT NULL, source_id VARCHAR(64), "
           "kind VARCHAR(16) NOT NULL, how VARCHAR(32) NOT NULL DEFAULT '', before_record VARCHAR(64) NOT NULL, "
           "after_record VARCHAR(64) NOT NULL, detected VARCHAR(14) NOT NULL, summary TEXT NOT NULL DEFAULT '', "
           "fields TEXT NOT NULL DEFAULT '{}')")


def test_every_version_is_indexed_and_change_kind_filters(empty: Catalog) -> None:
    from sqlalchemy import text

    from dedupe.search import index_urls

    add_articles(empty, [{"text": "今天的援藏干部名单", "url": "http://a.example/1.html"},
                         {"text": "援藏新闻", "url": "http://a.example/2.html"}])
    with empty.engine.begin() as connection:
        connection.execute(text(_VERSIONS))
        connection.execute(text(_EVENTS))
        for number, body in enumerate(["昨天的援藏干部名单被删改", "今天的援藏干部名单"], 1):
            connection.execute(text(
                "INSERT INTO versions (id, url, source_id, number, record_id, timestamp, title, text) "
                "VALUES (:n, 'http://a.example/1.html', 'tibet_cn', :n, :r, '20250217000000', '名单', :t)"),
                {"n": number, "r": f"<urn:uuid:v{number}>", "t": body})
        connection.execute(text(
            "INSERT INTO change_events (id, url, source_id, kind, before_record, after_record, detected) "
            "VALUES (1, 'http://a.example/1.html', 'tibet_cn', 'edited', '<urn:uuid:v1>', '<urn:uuid:v2>', "
            "'20250218000000')"))
    catalog = Catalog(empty.url)  # a catalog opened after the tables exist
    try:
        index_pending(catalog)
        (hit,) = search(catalog, "删改").hits  # only in the first version's text
        assert hit.url == "http://a.example/1.html"
        assert search(catalog, "援藏").total == 2  # still one article per URL, with all its versions
        assert [h.url for h in search(catalog, "援藏", SearchFilters(change_kind="edited")).hits] == [hit.url]
        assert search(catalog, "援藏", SearchFilters(change_kind="taken_down")).total == 0
        with pytest.raises(ValueError, match="change_kind must be one of"):
            search(catalog, "援藏", SearchFilters(change_kind="rewritten"))
        with catalog.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO versions (id, url, source_id, number, record_id, timestamp, text) "
                "VALUES (3, 'http://a.example/2.html', 'tibet_cn', 1, '<urn:uuid:v3>', '20250219000000', '后来加的段落')"))
        assert search(catalog, "段落").total == 0
        assert index_urls(catalog, ["http://a.example/2.html"]) == 1  # what the versions pass calls
        assert search(catalog, "段落").total == 1
    finally:
        catalog.close()


# -- the two plans -------------------------------------------------------------
def test_the_walk_and_the_sorted_plan_return_the_same(sample: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """Common matches are paged by walking the articles newest first, rare ones by sorting every match
    (archive.catalog.search_index): forced each way, every query, filter, grouping and page size
    gives the same hits, and a walk that runs out of budget falls back to the sorted plan."""
    from archive.catalog import search_index

    sources = sorted({a.source_id for a in sample.articles()})
    cluster = next(h.cluster_id for h in all_hits(sample, "援藏") if h.cluster_id is not None)
    cases: list[tuple[str, SearchFilters]] = [(q, NO_FILTERS) for q in
                                              ["援藏", "对口支援", "的", '"援藏 30"', "对口支援 发展", "OR"]]
    cases += [("援藏", SearchFilters(source=sources[0])), ("援藏", SearchFilters(has_copies=True)),
              ("援藏", SearchFilters(has_copies=False)), ("援藏", SearchFilters(cluster_id=cluster)),
              ("援藏", SearchFilters(since=datetime.date(2024, 10, 1), until=datetime.date(2025, 1, 31)))]
    cases += [(w, NO_FILTERS) for w in han_words(sample, 2, 8)]

    def run(ratio: int, budget: int) -> list[list[SearchHit]]:
        monkeypatch.setattr(search_index, "WALK_RATIO", ratio)
        monkeypatch.setattr(search_index, "WALK_MIN_BUDGET", budget)
        monkeypatch.setattr(search_index, "WALK_BUDGET", 0 if budget < 10 else 8)
        monkeypatch.setattr(search_index, "WALK_BATCH", 3)  # many batches, so batch edges are crossed
        return [all_hits(sample, q, f, limit=limit, group_clusters=group)
                for q, f in cases for limit in (1, 7, 50) for group in (False, True)]

    sorted_plan = run(10**12, 10**9)  # never walks
    assert run(0, 10**9) == sorted_plan  # always walks, never out of budget
    assert run(0, 1) == sorted_plan  # walks, runs out of budget at once, falls back
    assert any(len(hits) > 50 for hits in sorted_plan)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from("中文對口援藏_ ，。\n1a")), max_size=60))
def test_index_terms_are_the_pairs_of_each_run(folded: str) -> None:
    """The one-scan pairs equal the definition: each run of word characters, its adjacent pairs, first
    appearance first; SQLite's tokens add each run's last character (stored tokens must not change)."""
    from archive.catalog.search_index import bigrams, fts_tokens, runs

    pairs: dict[str, None] = {}
    for run in runs(folded):
        pairs.update(dict.fromkeys(run[i:i + 2] for i in range(len(run) - 1)))
    assert bigrams(folded) == list(pairs)
    tokens = dict(pairs)
    for run in runs(folded):
        tokens.setdefault(run[-1], None)
    assert fts_tokens(folded) == " ".join(tokens)
