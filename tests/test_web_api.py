"""The JSON API of ``aidnews serve`` over the sample catalog: pages, cursors, and the report's own figures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from archive.catalog import Catalog
from dedupe.report import ReportOptions, build_report
from tests.builders import web_catalog
from tests.web import client

SEED = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"


@pytest.fixture(scope="module")
def catalog_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    data = tmp_path_factory.mktemp("web")
    web_catalog(data).close()
    return f"sqlite:///{data / 'catalog.sqlite'}"


@pytest.fixture(scope="module")
def api(catalog_url: str) -> Iterator[TestClient]:
    with client(catalog_url) as test_client:
        yield test_client


def _walk(api: TestClient, path: str, limit: int) -> list[dict]:  # type: ignore[type-arg]
    items, cursor = [], None
    while True:
        answer = api.get(path, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_sources_carry_health_and_last_runs(api: TestClient, catalog_url: str) -> None:
    sources = api.get("/api/sources").json()["items"]
    catalog = Catalog(catalog_url, migrate=False)
    assert [s["id"] for s in sources] == [s.id for s in catalog.sources()]
    health = {s["id"]: s["health"] for s in sources}
    broken = sources[-1]["id"]
    assert health[broken] == "failing" and "no article links" in sources[-1]["health_reasons"]
    assert all(h == "ok" for sid, h in health.items() if sid != broken)
    assert all(s["last_runs"] and s["last_runs"][0]["status"] == "finished" for s in sources)


def test_article_pages_cover_every_article_once(api: TestClient, catalog_url: str) -> None:
    items = _walk(api, "/api/articles", 37)
    catalog = Catalog(catalog_url, migrate=False)
    assert [a["id"] for a in items] == sorted(a.id for a in catalog.articles())


def test_cluster_pages_and_copies_pages_walk_to_the_end(api: TestClient, catalog_url: str) -> None:
    catalog = Catalog(catalog_url, migrate=False)
    counts = catalog.table_counts()
    clusters = _walk(api, "/api/clusters", 20)
    assert len(clusters) == counts["clusters"] and len({c["id"] for c in clusters}) == len(clusters)
    assert sum(c["copies"] for c in clusters) == counts["copies"]
    copies = _walk(api, "/api/copies", 15)
    assert len(copies) == counts["copies"]
    ids = [c["article_id"] for c in copies]
    assert ids == sorted(ids, reverse=True)  # newest found first
    one = clusters[0]["id"]
    of_one = api.get("/api/copies", params={"cluster": one}).json()["items"]
    assert {c["cluster_id"] for c in of_one} == {one} and len(of_one) == clusters[0]["copies"]


def test_cluster_is_the_reports_cluster(api: TestClient, catalog_url: str) -> None:
    report = build_report(Catalog(catalog_url, migrate=False), ReportOptions(diff_limit=10_000))
    for expected in report["clusters"][:8]:
        got = api.get(f"/api/clusters/{expected['id']}").json()
        assert [m["article"] for m in got["members"]] == [m["article"] for m in expected["members"]]
        for mine, theirs in zip(got["members"], expected["members"], strict=True):
            for key in ("kinds", "distance", "similarity", "delay_hours", "site"):
                assert mine[key] == theirs[key], (expected["id"], key)
        assert got["members"][1]["diff"] == expected["members"][1]["diff"]
        assert got["members"][1]["replay"]["url"].startswith("/replay/archive/")


def test_sites_are_the_static_reports_summary(api: TestClient, catalog_url: str) -> None:
    """The per-site table and graph come from SQL aggregates; the static report counts cluster by cluster."""
    report = build_report(Catalog(catalog_url, migrate=False))
    got = api.get("/api/sites").json()
    assert got["summary"]["sites"] == report["summary"]["sites"]
    assert got["graph"] == report["graph"]
    for key in ("sources", "articles", "clusters", "copies", "copy_share"):
        assert got["summary"][key] == report["summary"][key], key
    assert report["summary"]["copies"] > 0 and any(s["mirrors_with_spam"] for s in got["summary"]["sites"])


def test_article_has_captures_with_replay_links_and_its_cluster(api: TestClient) -> None:
    info = api.get("/api/replay-info", params={"url": SEED}).json()
    article = api.get(f"/api/articles/{info['article_id']}").json()
    assert article["url"] == SEED and article["title"].startswith("对口支援结硕果")
    assert article["captures"] and article["captures"][0]["replay"] == f"/replay/archive/{article['captures'][0]['timestamp']}/{SEED}"
    assert article["cluster"]["id"] == info["cluster_id"]
    others = [m for m in article["cluster"]["members"] if m["site"] != article["source"]]
    assert info["copies_on_other_sites"] == len(others) > 0
    assert "traditional-script copy" in {k for m in others for k in m["kinds"]}


def test_runs_newest_first_and_unhealthy_filter(api: TestClient) -> None:
    runs = _walk(api, "/api/runs", 2)
    assert [r["id"] for r in runs] == sorted((r["id"] for r in runs), reverse=True)
    bad = api.get("/api/runs", params={"unhealthy": "true"}).json()["items"]
    assert len(bad) == 1 and not bad[0]["healthy"]


@pytest.mark.parametrize(("path", "status"), [
    ("/api/articles?limit=0", 400), ("/api/articles?limit=201", 400), ("/api/articles?cursor=abc", 400),
    ("/api/articles/999999", 404), ("/api/clusters/999999", 404), ("/api/replay-info?url=http://nowhere.example/", 404),
    ("/api/replay-info", 400), ("/api/runs?unhealthy=maybe", 400), ("/api/nothing", 404),
])
def test_bad_requests_are_json_errors(api: TestClient, path: str, status: int) -> None:
    answer = api.get(path)
    assert answer.status_code == status and answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]


def test_openapi_documents_every_api_route(api: TestClient) -> None:
    from starlette.routing import Route

    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    routes = {r.path for r in api.app.routes if isinstance(r, Route) and r.path.startswith("/api/")}  # type: ignore[attr-defined]
    assert routes == set(spec["paths"])


def test_atom_feeds_carry_links_and_diffs(api: TestClient) -> None:
    import xml.etree.ElementTree as ET

    ns = {"a": "http://www.w3.org/2005/Atom"}
    answer = api.get("/feeds/copies.atom")
    assert answer.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(answer.content)
    entries = feed.findall("a:entry", ns)
    assert entries and all(e.find("a:link", ns).get("href").startswith("http://127.0.0.1:8080/articles/")  # type: ignore[union-attr]
                           for e in entries)
    assert any("diff against the original" in (e.findtext("a:content", "", ns)) and
               "\n+ " in (e.findtext("a:content", "", ns)) for e in entries)
    first = api.get("/api/clusters", params={"limit": 1}).json()["items"][0]
    one = first["id"]
    per_cluster = ET.fromstring(api.get("/feeds/copies.atom", params={"cluster": one}).content)
    assert len(per_cluster.findall("a:entry", ns)) == first["copies"] > 0
    assert all(f"clusters/{one}" in e.findtext("a:content", "", ns) for e in per_cluster.findall("a:entry", ns))
    mirror = ET.fromstring(api.get("/feeds/copies.atom", params={"source": "tibet_mirror"}).content)
    titles = [e.findtext("a:title", "", ns) for e in mirror.findall("a:entry", ns)]
    assert titles and all(t.startswith("tibet_mirror: ") for t in titles)
    health = ET.fromstring(api.get("/feeds/health.atom").content)
    titles = [e.findtext("a:title", "", ns) for e in health.findall("a:entry", ns)]
    assert len(titles) == 1 and "no article links" in titles[0]
