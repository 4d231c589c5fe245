"""Search through the app (``/api/search`` and the search page), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from archive.catalog import Catalog
from dedupe.search import fold
from tests.builders import web_catalog
from tests.services import postgres_module_url  # noqa: F401 - a fixture
from tests.web import HOSTILE, client

SEED = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TestClient]]:
    data: Path = tmp_path_factory.mktemp(f"search-{request.param}")
    url = request.getfixturevalue("postgres_module_url") if request.param == "postgresql" else f"sqlite:///{data / 'catalog.sqlite'}"
    web_catalog(data, url).close()
    with client(url) as test_client:
        yield url, test_client


def _all(web: TestClient, **query: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    results, cursor, total = [], None, -1
    while True:
        answer = web.get("/api/search", params={**query, "limit": "7", **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        total = body["total"]
        results += body["results"]
        cursor = body["next_cursor"]
        if cursor is None:
            return total, results


def test_two_character_word_found_with_full_recall(backend: tuple[str, TestClient]) -> None:
    url, web = backend
    expected = {a.id for a in Catalog(url, migrate=False).articles()
                if "援藏" in fold(a.text) or "援藏" in fold(a.title) or "援藏" in fold(a.origin)}
    total, results = _all(web, q="援藏")
    assert total == len(expected) == len(results) and {r["article_id"] for r in results} == expected
    for key in ("article_id", "url", "title", "source", "snippet"):
        assert all(key in r for r in results)
    assert all(r["snippet"][s:e] == "援藏" for r in results for s, e in r["highlights"] if fold(r["snippet"][s:e]) == "援藏")


def test_traditional_query_finds_the_simplified_original(backend: tuple[str, TestClient]) -> None:
    _, web = backend
    total, results = _all(web, q="對口支援結碩果")
    urls = {r["url"] for r in results}
    assert SEED in urls and total == len(results)
    assert any("mirror" in r["source"] for r in results)  # and the traditional mirror copy


def test_same_answers_on_both_catalogs(backend: tuple[str, TestClient], tmp_path_factory: pytest.TempPathFactory) -> None:
    _, web = backend
    answers = {q: _all(web, q=q) for q in ("援藏", '"对口支援"', "西藏日报", "安全")}
    store = tmp_path_factory.getbasetemp() / "search-answers.txt"
    text = repr({q: (t, [r["article_id"] for r in rs]) for q, (t, rs) in answers.items()})
    if store.exists():  # the second backend compares with the first
        assert store.read_text(encoding="utf-8") == text
    else:
        store.write_text(text, encoding="utf-8")


def test_search_page_marks_matches_and_groups_clusters(backend: tuple[str, TestClient]) -> None:
    _, web = backend
    page = web.get("/search", params={"q": "对口支援"}).text
    assert "<mark>对口支援</mark>" in page and 'id="total"' in page
    assert "also on " in page and ("sites</a>" in page or "site</a>" in page)
    grouped = web.get("/api/search", params={"q": "对口支援", "group": "true", "limit": "200"}).json()
    plain = web.get("/api/search", params={"q": "对口支援", "limit": "200"}).json()
    assert len(grouped["results"]) < len(plain["results"])
    clusters = [r["cluster_id"] for r in grouped["results"] if r["cluster_id"] is not None]
    assert len(clusters) == len(set(clusters))


def test_search_escapes_the_hostile_page_and_the_query(backend: tuple[str, TestClient]) -> None:
    _, web = backend
    page = web.get("/search", params={"q": "恶意标记"}).text
    assert HOSTILE not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    assert "&lt;script&gt;" in page
    echo = web.get("/search", params={"q": '"><script>alert(3)</script>'}).text
    assert "<script>alert(3)" not in echo


def test_filters_and_bad_input(backend: tuple[str, TestClient]) -> None:
    _, web = backend
    total, results = _all(web, q="援藏", source="tibet_mirror")
    assert results and all(r["source"] == "tibet_mirror" for r in results)
    assert web.get("/api/search").status_code == 400
    for wordless in (" ", '""', "\u3000 \t"):  # a query needs a word: these have none
        answer = web.get("/api/search", params={"q": wordless})
        assert answer.status_code == 400 and "empty query" in answer.json()["error"], answer.text
    assert web.get("/api/search", params={"q": "援藏", "cursor": "garbage"}).status_code == 400
    assert web.get("/api/search", params={"q": "援藏", "since": "2025-13-01"}).status_code == 400
    assert web.get("/search", params={"q": "援藏", "cursor": "garbage"}).status_code == 400


def test_change_kind_filter_and_text_of_later_versions(backend: tuple[str, TestClient]) -> None:
    from tests.builders import EDITED_PARAGRAPH, changed_sample_urls

    _, web = backend
    edited, gone = changed_sample_urls()
    _, results = _all(web, q="援藏", change="edited")
    assert [r["url"] for r in results] == [edited]
    _, results = _all(web, q="援藏", change="taken_down")
    assert [r["url"] for r in results] == [gone]
    # The edit's added paragraph is only in version 2: search covers every version
    _, results = _all(web, q=f'"{EDITED_PARAGRAPH[3:15]}"')
    assert [r["url"] for r in results] == [edited]
    bad = web.get("/api/search", params={"q": "援藏", "change": "deleted"})
    assert bad.status_code == 400 and "taken_down" in bad.json()["error"]
    page = web.get("/search", params={"q": "援藏", "change": "edited"}).text
    assert page.count('class="hit"') == 1
