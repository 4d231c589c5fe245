"""``aidnews serve`` in Debian's headless Chromium, driven over DevTools (bench/chromium.py's pipe client):
Chinese searches, an article and its cluster, and replay from the app with the banner's link back.
Screenshots are saved in each test's tmp dir."""

from __future__ import annotations

import base64
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser import chromium
from tests.builders import web_catalog
from tests.test_web_server import SEED, start_serve

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("browse")
    web_catalog(data).close()
    process, base = start_serve(data)
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium()  # skips when chromium is not installed
    from bench.chromium import Browser

    with Browser() as running:
        running.call("Page.enable", session=running.session)
        running.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 1600, "deviceScaleFactor": 1,
                                                             "mobile": False}, running.session)
        yield running


def _open(browser, url: str, ready: str = "true"):  # type: ignore[no-untyped-def]
    """Navigate, and wait for a new document (the old one is marked) that is loaded and ``ready``."""
    browser.evaluate("window.__aidnewsOld = true")
    browser.navigate(url)
    browser.wait_for(f"!window.__aidnewsOld && document.readyState === 'complete' && ({ready}) ? true : null",
                     timeout=90)  # a shared, busy machine


def _shot(browser, path: Path) -> None:  # type: ignore[no-untyped-def]
    data = browser.call("Page.captureScreenshot", {"format": "png"}, browser.session)["data"]
    path.write_bytes(base64.b64decode(data))
    assert path.stat().st_size > 10_000


def _texts(browser, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    return browser.evaluate(f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(e => e.textContent)")


def test_two_character_chinese_search(served: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _open(browser, f"{served}search?q={quote('援藏')}")
    _shot(browser, tmp_path / "search-2-chars.png")
    marks = _texts(browser, "#results mark")
    assert marks.count("援藏") >= len(marks) // 2
    # dedupe.search cuts a snippet at 160 characters even inside a match, and marks the part it kept
    cut = browser.evaluate("Array.from(document.querySelectorAll('#results mark')).filter(m => m.textContent !== '援藏')"
                           ".map(m => m.textContent + '|' + (m.nextSibling ? m.nextSibling.textContent : ''))")
    assert all(c == "援|…" for c in cut), cut
    total = int(_texts(browser, "#total")[0].split()[0])
    assert total >= len(_texts(browser, "#results li.hit")) > 0


def test_traditional_query_finds_the_simplified_original(served: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _open(browser, f"{served}search?q={quote('對口支援結碩果')}")
    _shot(browser, tmp_path / "search-traditional.png")
    titles = _texts(browser, "#results li.hit > a")
    assert any(t.startswith("对口支援结硕果") for t in titles), titles  # the simplified original
    assert _texts(browser, "#results mark")


def test_open_an_article_and_its_cluster(served: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _open(browser, f"{served}go?url={quote(SEED, safe='')}", "document.getElementById('title') ? true : null")
    _shot(browser, tmp_path / "article.png")
    assert _texts(browser, "#title")[0].startswith("对口支援结硕果")
    kinds = _texts(browser, "table.members .kind")
    assert "original" in kinds and "traditional-script copy" in kinds
    cluster = browser.evaluate("document.querySelector('#cluster a').href")
    _open(browser, cluster)
    _shot(browser, tmp_path / "cluster.png")
    assert len(_texts(browser, "table.members tbody tr")) >= 2
    assert _texts(browser, "details.diff table.sbs td.add") or _texts(browser, "details.diff table.sbs td.del")


def test_open_an_article_its_versions_and_its_cluster(served: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import unicodedata

    from tests.builders import EDITED_PARAGRAPH, changed_sample_urls

    edited, _ = changed_sample_urls()
    _open(browser, f"{served}go?url={quote(edited, safe='')}", "document.getElementById('versions') ? true : null")
    _shot(browser, tmp_path / "versions.png")
    assert [t.split()[:2] for t in _texts(browser, "#versions li.version > b")] == [["version", "1"], ["version", "2"]]
    assert unicodedata.normalize("NFKC", EDITED_PARAGRAPH) in " ".join(_texts(browser, "#versions .ops li.add"))
    assert _texts(browser, "#article-changes .kind") == ["edited"]
    cluster = browser.evaluate("(document.querySelector('#cluster a') || {}).href || null")
    assert cluster, "the edited sample article has copies"
    _open(browser, cluster)
    _shot(browser, tmp_path / "versions-cluster.png")
    assert edited in _texts(browser, "table.members small.url")
    _open(browser, f"{served}changes")
    _shot(browser, tmp_path / "changes.png")
    assert sorted(_texts(browser, "#changes .kind")) == ["edited", "taken down"]


def test_replay_from_the_app_and_back_through_the_banner(served: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _open(browser, f"{served}go?url={quote(SEED, safe='')}", "document.querySelector('a.replay') ? true : null")
    article = browser.evaluate("location.href")
    replay = browser.evaluate("document.querySelector('a.replay').href")
    assert replay.startswith(f"{served}replay/archive/")
    _open(browser, replay, "document.getElementById('aidnews-banner') && "
                           "document.getElementById('aidnews-banner').getAttribute('data-copies')")
    browser.wait_for("document.body.innerText.indexOf('Current Capture') >= 0 ? true : null", timeout=90)  # pywb's banner
    _shot(browser, tmp_path / "replay.png")
    copies = _texts(browser, "#aidnews-copies")[0]
    assert "copies on other sites" in copies and not copies.strip().startswith("· 0")
    # the archived page plays inside pywb's frame, from this origin
    browser.wait_for("(function(){var f=document.getElementById('replay_iframe');"
                     "try{return f && f.contentDocument && f.contentDocument.title ? f.contentDocument.title : null}"
                     "catch(e){return null}})()", timeout=90)
    back = browser.evaluate("document.getElementById('aidnews-back').href")
    assert back == article  # the banner's script resolved the article page through /api/replay-info
    browser.evaluate("window.__aidnewsOld = true; document.getElementById('aidnews-back').click()")
    browser.wait_for(f"!window.__aidnewsOld && location.href === {json.dumps(article)} && "
                     "document.getElementById('title') ? true : null")
    _shot(browser, tmp_path / "back.png")
    assert _texts(browser, "#title")[0].startswith("对口支援结硕果")
