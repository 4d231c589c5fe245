"""Versions and changes in ``aidnews serve``: the API, the Atom feed, Home, the Changes page and an
article's versions with their diffs, over the sample catalog after a second visit that found an
edit and a takedown (tests.builders.recrawl_with_changes)."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.builders import EDITED_PARAGRAPH, changed_sample_urls, web_catalog
from tests.web import client

EDITED, GONE = changed_sample_urls()
ADDED = unicodedata.normalize("NFKC", EDITED_PARAGRAPH)  # the versions pass compares NFKC text
ATOM = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data = tmp_path_factory.mktemp("changes")
    web_catalog(data).close()
    with client(f"sqlite:///{data / 'catalog.sqlite'}") as test_client:
        yield test_client


def _article_id(web: TestClient, url: str) -> int:
    return int(web.get("/api/replay-info", params={"url": url}).json()["article_id"])


def test_changes_are_newest_first_with_their_diffs(web: TestClient) -> None:
    first = web.get("/api/changes", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = web.get("/api/changes", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    events = first["items"] + second["items"]
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    by_kind = {e["kind"]: e for e in events}
    assert set(by_kind) == {"edited", "taken_down"}
    edit, gone = by_kind["edited"], by_kind["taken_down"]
    assert edit["url"] == EDITED and edit["article_id"] == _article_id(web, EDITED)
    assert ["+", ADDED] in edit["fields"]["body"]["diff"]
    assert edit["fields"]["title"]["after"].endswith("(更新)")
    assert gone["url"] == GONE and gone["how"] == "http_404" and gone["fields"] == {}
    for side in ("before", "after"):
        assert edit[side]["replay"] == f"/replay/archive/{edit[side]['timestamp']}/{EDITED}"
    assert edit["before"]["timestamp"] < edit["after"]["timestamp"]


def test_kind_and_source_filters(web: TestClient) -> None:
    assert [e["kind"] for e in web.get("/api/changes", params={"kind": "taken_down"}).json()["items"]] == ["taken_down"]
    assert web.get("/api/changes", params={"kind": "moved"}).json()["items"] == []
    assert web.get("/api/changes", params={"source": "tibet_mirror"}).json()["items"] == []
    bad = web.get("/api/changes", params={"kind": "deleted"})
    assert bad.status_code == 400 and "edited" in bad.json()["error"]


def test_an_article_shows_its_versions_with_diffs(web: TestClient) -> None:
    article_id = _article_id(web, EDITED)
    history = web.get(f"/api/articles/{article_id}/versions").json()
    assert history["url"] == EDITED and [v["number"] for v in history["versions"]] == [1, 2]
    first, second = history["versions"]
    assert first["changed"] == {} and set(second["changed"]) == {"body", "title"}
    assert second["replay"] == f"/replay/archive/{second['timestamp']}/{EDITED}"
    assert [c["kind"] for c in history["changes"]] == ["edited"]
    assert web.get(f"/api/articles/{article_id}").json()["versions"] == history["versions"]
    page = web.get(f"/articles/{article_id}").text
    assert 'id="versions"' in page and "version 2" in page and ADDED in page
    taken = web.get(f"/api/articles/{_article_id(web, GONE)}/versions").json()
    assert len(taken["versions"]) == 1 and [c["how"] for c in taken["changes"]] == ["http_404"]
    assert web.get("/api/articles/999999/versions").status_code == 404


def test_home_and_the_changes_page_list_edits_and_takedowns(web: TestClient) -> None:
    home = web.get("/").text
    assert "Latest edits and takedowns" in home and 'id="latest-changes"' in home
    assert "taken down" in home and EDITED in home and "<b>2</b> changes" in home
    page = web.get("/changes", params={"kind": "edited"})
    assert page.status_code == 200 and EDITED in page.text and GONE not in page.text
    assert web.get("/changes", params={"kind": "nonsense"}).status_code == 400


def test_the_changes_feed_carries_each_diff(web: TestClient) -> None:
    answer = web.get("/feeds/changes.atom")
    assert answer.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(answer.content).findall("a:entry", ATOM)
    contents = {e.findtext("a:title", "", ATOM): e.findtext("a:content", "", ATOM) for e in entries}
    assert set(contents) == {f"edited: {EDITED}", f"taken_down: {GONE}"}
    assert f"+ {ADDED}" in contents[f"edited: {EDITED}"]
    assert "http_404" in contents[f"taken_down: {GONE}"]
    links = [e.find("a:link", ATOM).get("href") for e in entries]  # type: ignore[union-attr]
    assert all(link.startswith("http://127.0.0.1:8080/articles/") for link in links)
    only = ET.fromstring(web.get("/feeds/changes.atom", params={"kind": "edited"}).content)
    assert len(only.findall("a:entry", ATOM)) == 1
