"""Versions and change events end to end: ``aidnews schedule`` walks simulated weeks of the sample web's
timeline (sampleweb/timeline.py) with an injected clock, and every event of the ground truth is found with
the right kind within one ladder step, and nothing else (widget noise included). Then: the versions and
events rebuilt from the WARC files alone equal the crawl's, conditional GET was used wherever the server
offered a validator, an edited article stays one article, and a SIGKILL during a recheck run loses no event.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from aidnews.paths import DataPaths
from aidnews.schedule import next_recheck, run_due
from archive.catalog import Catalog
from archive.warc_reader import warc_files
from crawler.clock import parse_moment
from crawler.recheck import Ladder
from crawler.sources import load_sources
from sampleweb.process import SampleWebProcess, spawn
from sampleweb.timeline import START, STORIES, ground_truth, stored_ground_truth, url_of
from tests.conftest import BIN, ROOT, run_cli
from tests.services import postgres_url  # noqa: F401 - fixture

pytestmark = pytest.mark.slow
SEEDS = ROOT / "sampleweb" / "timeline_seeds"
HORIZON = START + timedelta(days=30, hours=1)
ONE_STEP_SLACK = timedelta(minutes=5)  # a crawl takes seconds; the wake-up is at the due moment


def _set_clock(server: str, moment: datetime) -> None:
    with urllib.request.urlopen(f"{server}/_clock?at={moment:%Y-%m-%dT%H:%M:%SZ}", timeout=10) as reply:
        assert json.load(reply)["now"] == f"{moment:%Y-%m-%dT%H:%M:%SZ}"


@dataclass
class Walk:
    data: Path
    server: str
    wakes: list[datetime]

    @property
    def catalog_url(self) -> str:
        return f"sqlite:///{self.data / 'catalog.sqlite'}"


@pytest.fixture(scope="module")
def timeline_web() -> Iterator[SampleWebProcess]:
    server = spawn(1)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def walk(timeline_web: SampleWebProcess, tmp_path_factory: pytest.TempPathFactory) -> Walk:
    """The scheduler through a month of simulated time: it wakes when a recheck falls due."""
    data = tmp_path_factory.mktemp("timeline")
    paths = DataPaths.resolve(str(data))
    sources = load_sources(SEEDS)
    now, wakes = START, []
    while now <= HORIZON:
        _set_clock(timeline_web.url, now)
        cycle = run_due(paths, SEEDS, timeline_web.url, ["LOG_LEVEL=WARNING"], now=now, after=("dedupe",))
        assert cycle.ran == ["timeline"] and not cycle.failed, (now, cycle)
        wakes.append(now)
        catalog = Catalog(paths.catalog_url)
        wake = next_recheck(catalog, sources)
        catalog.close()
        assert wake is not None
        now = max(wake, now + timedelta(minutes=1))
    return Walk(data, timeline_web.url, wakes)


def _events(catalog_url: str) -> list[dict[str, Any]]:
    catalog = Catalog(catalog_url)
    try:
        return catalog.event_records()
    finally:
        catalog.close()


def test_the_ground_truth_file_is_the_timeline() -> None:
    assert stored_ground_truth() == ground_truth()
    kinds = {(e["kind"], e["how"]) for e in ground_truth()}
    assert {("edited", ""), ("taken_down", "http_404"), ("taken_down", "http_410"), ("taken_down", "soft_404"),
            ("taken_down", "redirect_home"), ("restored", ""), ("moved", "redirect"), ("unlisted", "")} <= kinds


def test_every_event_is_found_with_its_kind_and_nothing_else(walk: Walk) -> None:
    found = {(e["url"], e["kind"], e["how"]) for e in _events(walk.catalog_url)}
    truth = {(str(e["url"]), str(e["kind"]), str(e["how"])) for e in ground_truth()}
    hits = found & truth
    precision, recall = len(hits) / len(found), len(hits) / len(truth)
    assert (precision, recall) == (1.0, 1.0), {"missed": truth - found, "spurious": found - truth}


def test_edits_name_the_fields_that_changed(walk: Walk) -> None:
    by_url = {(e["url"], e["kind"]): e for e in _events(walk.catalog_url)}
    for truth in ground_truth():
        if truth["kind"] == "edited":
            event = by_url[(truth["url"], "edited")]
            assert sorted(event["fields"]) == sorted(truth["fields"]), event  # type: ignore[arg-type]
            for change in event["fields"].values():
                assert change["diff"] and change["before"] != change["after"]
    removed = by_url[(url_of(next(s.path for s in STORIES if s.key == "sentence")), "edited")]
    assert [op for op, _ in removed["fields"]["body"]["diff"]] == ["-"]  # one sentence removed, nothing added


def test_each_event_is_found_within_one_ladder_step(walk: Walk) -> None:
    ladder = load_sources(SEEDS)[0].recheck
    detected = {(e["url"], e["kind"]): parse_moment(e["detected"]) for e in _events(walk.catalog_url)}
    for truth in ground_truth():
        at = parse_moment(str(truth["at"]))
        due = ladder.next_due(START, at)
        assert due is not None
        moment = detected[(str(truth["url"]), str(truth["kind"]))]
        assert at <= moment <= due + ONE_STEP_SLACK, (truth, moment, due)


def test_before_and_after_name_warc_records(walk: Walk) -> None:
    for event in _events(walk.catalog_url):
        for side in ("before", "after"):
            ref = event[side]
            assert ref["filename"].endswith(".warc.gz") and ref["length"] > 0, event
        assert event["before"]["timestamp"] < event["after"]["timestamp"]


def test_widget_noise_makes_no_version(walk: Walk) -> None:
    catalog = Catalog(walk.catalog_url)
    versions = catalog.versions()
    catalog.close()
    count = {url: sum(1 for v in versions if v.url == url) for url in {v.url for v in versions}}
    stories = {s.key: url_of(s.path) for s in STORIES}
    assert count[stories["noise"]] == 1 and count[stories["steady"]] == 1
    assert count[stories["title"]] == 2 and count[stories["sentence"]] == 2  # noisy pages that were edited


def test_the_ladder_drove_the_wakes(walk: Walk) -> None:
    # The first crawl, the six ladder steps of the first articles, and the moved article's own ladder.
    first = [START + step for step in Ladder().after]
    assert all(any(abs(w - due) < timedelta(minutes=2) for w in walk.wakes) for due in first), walk.wakes
    catalog = Catalog(walk.catalog_url)
    runs = catalog.runs(limit=100)
    catalog.close()
    assert sum(r.rechecks_due for r in runs) == sum(r.rechecks_done for r in runs) > 0


def test_conditional_get_wherever_validators_were_offered(walk: Walk) -> None:
    """Every request for a page whose last 200 carried an ETag sent If-None-Match (its request record
    says so, or the server's 304 does: a revisit record is archived without its request); unchanged pages
    were answered 304 and archived as revisit records."""
    sent: dict[str, str | None] = {}  # response record id -> the If-None-Match its request carried
    exchanges = []  # (url, record id, type, status, ETag) of responses and revisits, in fetch order
    for path in warc_files(walk.data / "warcs"):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                if "/cn/timeline/" not in url:
                    continue  # the timeline's lists and articles (robots.txt is the robots middleware's)
                if record.rec_type == "request":
                    sent[record.rec_headers.get_header("WARC-Concurrent-To")] = dict(
                        record.http_headers.headers).get("If-None-Match")
                elif record.rec_type in ("response", "revisit"):
                    exchanges.append((url, record.rec_headers.get_header("WARC-Record-ID"), record.rec_type,
                                      record.http_headers.get_statuscode(), record.http_headers.get_header("ETag")))
    etags: dict[str, str] = {}  # the validator of each URL's latest 200
    asked = not_modified = 0
    for url, record_id, kind, status, etag in exchanges:
        if url in etags:
            if record_id in sent:
                assert sent[record_id] == etags[url], (url, record_id)
            else:  # a revisit record comes without its request; the sample web answers 304 only to a match
                assert (kind, status) == ("revisit", "304"), (url, record_id)
            asked += 1
        if kind == "response" and status == "200" and etag:
            etags[url] = etag
        not_modified += kind == "revisit" and status == "304"
    steady = url_of(next(s.path for s in STORIES if s.key == "steady"))
    catalog = Catalog(walk.catalog_url)
    steady_captures = [c for c in catalog.captures() if c.url == steady]
    rechecks = sum(r.rechecks_done for r in catalog.runs(limit=100))
    catalog.close()
    assert asked >= rechecks > 0 and not_modified >= len(Ladder().after)
    assert [c.record_type for c in steady_captures].count("revisit") == len(steady_captures) - 1


def test_an_edited_article_stays_one_article(walk: Walk) -> None:
    catalog = Catalog(walk.catalog_url)
    articles = catalog.articles()
    catalog.close()
    urls = [a.url for a in articles]
    assert len(urls) == len(set(urls)) == len(STORIES) + 1  # the moved article's new address is the one more


def _comparable(catalog_url: str) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    catalog = Catalog(catalog_url)
    versions = [(v.url, v.number, v.record_id, v.timestamp, v.title, v.published, v.origin, v.editor, v.text,
                 v.hashes) for v in catalog.versions()]
    events = catalog.event_records()
    catalog.close()
    return versions, events


def test_versions_and_events_survive_a_rebuild_from_the_warcs(walk: Walk, tmp_path: Path) -> None:
    shutil.copytree(walk.data / "warcs", tmp_path / "warcs")
    run_cli("index", "--data", str(tmp_path), "--seeds", str(SEEDS), check=True)
    rebuilt = _comparable(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    crawled = _comparable(walk.catalog_url)
    assert rebuilt == crawled and len(crawled[1]) == len(ground_truth())


def _crawl(data: Path, server: str, moment: datetime, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "AIDNEWS_CLOCK": f"{moment:%Y-%m-%dT%H:%M:%SZ}"}
    return subprocess.Popen([str(BIN / "aidnews"), "crawl", "--data", str(data), "--seeds", str(SEEDS),
                             "--sample-web", server, "-s", "PROGRESS_ENABLED=0", "-s", "LOG_LEVEL=WARNING", *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sigkill_during_a_recheck_run_loses_no_event(timeline_web: SampleWebProcess, walk: Walk,
                                                        tmp_path: Path) -> None:
    first, recheck = START, START + timedelta(hours=6)
    _set_clock(timeline_web.url, first)
    assert _crawl(tmp_path, timeline_web.url, first).wait(timeout=300) == 0
    _set_clock(timeline_web.url, recheck)
    slow = _crawl(tmp_path, timeline_web.url, recheck, "-s", "DOWNLOAD_DELAY=0.4")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # killed once a few rechecks are archived, most still to come
        open_files = list((tmp_path / "warcs").glob("*.warc.gz.open"))
        if open_files and open_files[0].stat().st_size > 12_000:
            break
        time.sleep(0.1)
    slow.send_signal(signal.SIGKILL)
    slow.wait(timeout=30)
    assert list((tmp_path / "warcs").glob("*.warc.gz.open")), "the kill came too late to test anything"
    assert _crawl(tmp_path, timeline_web.url, recheck + timedelta(minutes=5)).wait(timeout=300) == 0
    _set_clock(timeline_web.url, walk.wakes[-1])  # leave the shared server as the walk left it
    found = {(e["url"], e["kind"], e["how"]) for e in _events(f"sqlite:///{tmp_path / 'catalog.sqlite'}")}
    expected = {(str(e["url"]), str(e["kind"]), str(e["how"])) for e in ground_truth()
                if parse_moment(str(e["at"])) <= recheck}
    assert found == expected and len(expected) == 4


def test_the_report_shows_each_article_s_timeline(walk: Walk, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run_cli("report", "--data", str(walk.data), "--format", "json", "--output", str(out), check=True)
    report = json.loads(out.read_text(encoding="utf-8"))
    timelines = {t["url"]: t for t in report["timelines"]}
    for truth in ground_truth():
        assert truth["kind"] in [e["kind"] for e in timelines[str(truth["url"])]["events"]], truth
    title = timelines[url_of(next(s.path for s in STORIES if s.key == "title"))]
    assert [v["number"] for v in title["versions"]] == [1, 2] and list(title["versions"][1]["changed"]) == ["title"]
    noise = url_of(next(s.path for s in STORIES if s.key == "noise"))
    assert noise not in timelines  # one version, no event
    html = tmp_path / "report.html"
    run_cli("report", "--data", str(walk.data), "--format", "html", "--output", str(html), check=True)
    assert "巡回义诊活动" in html.read_text(encoding="utf-8")


def test_aidnews_changes_filters_and_prints_json(walk: Walk) -> None:
    everything = json.loads(run_cli("changes", "--data", str(walk.data), "--json", check=True).stdout)
    assert len(everything) == len(ground_truth())
    for event in everything:
        assert {"kind", "url", "detected", "before", "after", "fields"} <= set(event)
    edits = json.loads(run_cli("changes", "--data", str(walk.data), "--json", "--kind", "edited", check=True).stdout)
    assert {e["kind"] for e in edits} == {"edited"} and all(e["fields"] for e in edits)
    late = json.loads(run_cli("changes", "--data", str(walk.data), "--json", "--since", "2025-03-05",
                              "--source", "timeline", check=True).stdout)
    assert late and all(e["detected"] >= "2025-03-05" for e in late)
    assert len(late) == sum(1 for e in everything if e["detected"] >= "2025-03-05")
    text = run_cli("changes", "--data", str(walk.data), check=True).stdout
    assert f"changes: {len(everything)} event(s)" in text
    bad = run_cli("changes", "--data", str(walk.data), "--since", "last week")
    assert bad.returncode == 2 and "--since wants" in bad.stderr


def test_a_rebuild_into_postgresql_finds_the_same(walk: Walk, tmp_path: Path, postgres_url: str) -> None:  # noqa: F811
    shutil.copytree(walk.data / "warcs", tmp_path / "warcs")
    run_cli("index", "--data", str(tmp_path), "--catalog", postgres_url, "--seeds", str(SEEDS), check=True)
    assert _comparable(postgres_url) == _comparable(walk.catalog_url)
