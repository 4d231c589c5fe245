"""Replay through the real pywb process (its own venv), over the crawled sample web."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from aidnews.paths import DataPaths
from aidnews.replay import COLLECTION, start, stop
from aidnews.start_page import capture_rows, write_start_page
from archive.catalog import Catalog
from archive.cdxj import cdxj_lines, replayable
from archive.warc_reader import load_response
from tests.browser import FLAGS, chromium
from tests.conftest import Crawled

pytestmark = pytest.mark.slow
SEED = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"
GBK = "http://www.qianlong.com/yz/2024/0903/8312000.shtml"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def replay(crawled: Crawled) -> Iterator[str]:
    process, base = start(DataPaths(crawled.data, crawled.catalog_url), _free_port())
    yield f"{base}{COLLECTION}/"
    stop(process)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_cdxj_is_sorted_and_complete(crawled: Crawled) -> None:
    catalog = Catalog(crawled.catalog_url)
    lines = cdxj_lines(catalog)
    assert lines == sorted(lines, key=lambda line: line.encode("utf-8"))
    assert len(lines) == len([c for c in catalog.captures() if replayable(c)])
    key, stamp, fields = lines[0].split(" ", 2)
    assert re.fullmatch(r"\d{14}", stamp) and {"url", "offset", "length", "filename"} <= set(json.loads(fields))


def test_seed_article_and_gbk_page_replay(replay: str, crawled: Crawled) -> None:
    status, body = _get(f"{replay}2030mp_/{SEED}")
    assert status == 200 and "对口支援结硕果 砥砺前行再出发" in body.decode("utf-8")
    status, raw = _get(f"{replay}2030id_/{GBK}")
    capture = next(c for c in Catalog(crawled.catalog_url).captures() if c.url == GBK)
    stored = load_response(crawled.warcs / capture.filename, capture.offset, capture.length)
    assert status == 200 and raw == stored.payload  # id_: the archived bytes, GBK as sent
    assert "援藏路上的坚守与创新" in raw.decode("gbk")


def test_requisites_from_the_archive_and_404_for_the_rest(replay: str) -> None:
    assert _get(f"{replay}2030mp_/http://www.tibet.cn/css/main.css")[0] == 200
    assert _get(f"{replay}2030mp_/http://www.tibet.cn/images/logo.png")[0] == 200
    assert _get(f"{replay}2030mp_/http://www.tibet.cn/never-archived.html")[0] == 404
    assert _get(f"{replay}2030mp_/http://example.com/")[0] == 404


def test_start_page_links_into_replay(replay: str, crawled: Crawled) -> None:
    from tests.browser import load

    path = write_start_page(DataPaths(crawled.data, crawled.catalog_url), replay)
    raw = path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in raw  # page titles travel as escaped JSON
    page = load(path.as_uri())
    assert f'href="{replay}' in page.dom and "对口支援结硕果" in page.dom and "千龙网" in page.dom
    assert 'href="../reports/report.html#cluster=' in page.dom  # captures that are copies link to their cluster
    assert "latest captures of" in page.dom


def test_start_page_search_and_month_load_their_data_on_demand(replay: str, crawled: Crawled) -> None:
    from tests.browser import load

    path = write_start_page(DataPaths(crawled.data, crawled.catalog_url), replay)
    data = path.parent / "static" / "captures"
    months = sorted(p.stem for p in data.glob("2*.js"))
    assert (data / "all.js").exists() and months
    found = load(path.as_uri() + "#q=" + quote("对口支援结硕果"))
    assert "captures match" in found.dom and 'href="' + replay in found.dom and "对口支援结硕果" in found.dom
    none = load(path.as_uri() + "#q=" + quote("no such capture anywhere"))
    assert "0 captures match" in none.dom
    month = load(path.as_uri() + f"#month={months[-1]}")
    assert f"captures in {months[-1][:4]}-{months[-1][4:]}" in month.dom
    rows, _ = capture_rows(DataPaths(crawled.data, crawled.catalog_url))
    for query in ("QIANLONG", "援藏", "/t2025", "l\n"):  # case-blind URL, title, URL path, a newline
        expected = sum(query.lower() in r["u"].lower() or query.lower() in r["h"].lower() for r in rows)
        shown = load(path.as_uri() + "#q=" + quote(query))
        assert f"{expected} captures match" in shown.dom, query


def test_browser_requests_stay_on_the_replay_server(replay: str, tmp_path: Path) -> None:
    binary = chromium()
    log = tmp_path / "netlog.json"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", f"--log-net-log={log}",
                        f"--screenshot={tmp_path / 'replay.png'}", f"{replay}2030/{SEED}"],
                       capture_output=True, text=True, timeout=120)
    netlog = json.loads(log.read_text(encoding="utf-8"))
    start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    # Requests a document started carry its origin as initiator; the browser's own service traffic
    # (update checks, sign-in) and the navigation itself carry "not an origin".
    from_page = {e["params"]["url"] for e in netlog["events"]
                 if e["type"] == start_job and "params" in e
                 and e["params"].get("initiator") not in (None, "not an origin")}
    origin = replay.split("/" + COLLECTION)[0]
    assert any("cs_/http://www.tibet.cn/css/main.css" in u for u in from_page), sorted(from_page)
    assert all(u.startswith(origin) for u in from_page), sorted(u for u in from_page if not u.startswith(origin))
    assert (tmp_path / "replay.png").stat().st_size > 5000


@pytest.mark.parametrize("path", [
    "2030/http://www.tibet.cn/../../../../etc/passwd",
    "2030/http://www.tibet.cn/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "2030id_/file:///etc/passwd",
    "../../../../etc/passwd",
    "..%2f..%2f..%2f..%2fetc%2fpasswd",
])
def test_path_traversal_reads_nothing_outside(replay: str, path: str) -> None:
    status, body = _get(replay + path)
    assert b"root:x:0:0" not in body, (status, path)


def test_static_traversal_reads_nothing_outside(replay: str) -> None:
    origin = replay.split("/" + COLLECTION)[0]
    for path in ("/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                 "/static/..%2f..%2f..%2f..%2fetc%2fpasswd"):
        status, body = _get(origin + path)
        assert b"root:x:0:0" not in body, path


@pytest.mark.parametrize("path", [
    "2030/http://evil.example/", "2030/http:/evil.example", "2030///evil.example/", "*/http://evil.example/",
    "2030/http://www.tibet.cn@evil.example/", "2030/%2F%2Fevil.example",
])
def test_no_redirect_leaves_the_replay_server(replay: str, path: str) -> None:
    """pywb redirects between timestamps of one capture; never to another host."""
    origin = urllib.parse.urlsplit(replay)

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoFollow)
    try:
        with opener.open(replay + path, timeout=30) as response:
            location = response.headers.get("Location")
    except urllib.error.HTTPError as error:
        location = error.headers.get("Location")
    if location:
        target = urllib.parse.urlsplit(urllib.parse.urljoin(replay + path, location))
        assert (target.hostname, target.port) == (origin.hostname, origin.port), location


def test_bound_to_loopback_only(replay: str) -> None:
    port = int(replay.split(":")[2].split("/")[0])
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    others = [a for a in addresses if not a.startswith("127.") and ":" not in a]
    if not others:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex((others[0], port)) != 0


def test_wacz_export_validates_and_replays(crawled: Crawled, tmp_path: Path) -> None:
    from aidnews.replay import replay_venv, wait_until_up
    from tests.conftest import run_cli

    bin_dir = replay_venv() / "bin"
    out = tmp_path / "archive.wacz"
    result = run_cli("export", "wacz", "--data", str(crawled.data), "--output", str(out))
    assert result.returncode == 0, result.stderr
    check = subprocess.run([str(bin_dir / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True)
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
    only = tmp_path / "qianlong.wacz"
    run_cli("export", "wacz", "--data", str(crawled.data), "--output", str(only), "--source", "qianlong", check=True)
    import zipfile

    with zipfile.ZipFile(only) as package:
        pages = package.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]
    assert pages and all("qianlong.com" in json.loads(p)["url"] for p in pages)
    # Round trip: pywb unpacks each package (plain index, and ZipNum) into a collection and replays from it.
    from archive.wacz import export_wacz

    zipnum = tmp_path / "zipnum.wacz"
    export_wacz(Catalog(crawled.catalog_url), crawled.warcs, zipnum, zipnum_above=0, block_lines=25)
    with zipfile.ZipFile(zipnum) as package:
        assert {"indexes/index.idx", "indexes/index.cdx.gz"} <= set(package.namelist())
    for name, package_path in (("fromwacz", out), ("fromzipnum", zipnum)):
        subprocess.run([str(bin_dir / "wb-manager"), "init", name], cwd=tmp_path, check=True, capture_output=True)
        subprocess.run([str(bin_dir / "wb-manager"), "add", "--unpack-wacz", name, str(package_path)], cwd=tmp_path,
                       check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([str(bin_dir / "wayback"), "--bind", "127.0.0.1", "--port", str(port), "-d", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/")
        for name in ("fromwacz", "fromzipnum"):
            status, body = _get(f"http://127.0.0.1:{port}/{name}/2030mp_/{SEED}")  # mp_: the page, not the frame
            assert status == 200 and "对口支援结硕果 砥砺前行再出发" in body.decode("utf-8"), name
            status, _ = _get(f"http://127.0.0.1:{port}/{name}/2030mp_/http://www.tibet.cn/cn/aid_tibet/rw/")
            assert status == 200, name
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_export_errors_are_one_line(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    result = run_cli("export", "wacz", "--data", str(tmp_path / "none"), "--output", str(tmp_path / "x.wacz"))
    assert result.returncode == 2 and "no data folder" in result.stderr


def test_revisit_records_replay_the_original_payload(sample_web, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import run_cli

    # The second crawl refetches without conditional requests: the same bytes come back with a 200 and
    # are archived as identical-payload revisit records, which replay must resolve to the first payload.
    run_cli("crawl", "--data", str(tmp_path), "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0", check=True)
    run_cli("crawl", "--data", str(tmp_path), "--sample-web", sample_web.url, "-s", "PROGRESS_ENABLED=0",
            "-s", "REVISIT_ARTICLES_DAYS=0.000001", "-s", "CONDITIONAL_REQUESTS=0", check=True)
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    revisit = next(c for c in catalog.captures() if c.record_type == "revisit" and c.url == SEED)
    assert revisit.status == 200
    process, base = start(DataPaths(tmp_path, catalog.url), _free_port())
    try:
        status, body = _get(f"{base}{COLLECTION}/{revisit.timestamp}mp_/{SEED}")
        assert status == 200 and "对口支援结硕果 砥砺前行再出发" in body.decode("utf-8")
    finally:
        stop(process)


def test_several_pywb_processes_on_one_port(crawled: Crawled) -> None:
    process, base = start(DataPaths(crawled.data, crawled.catalog_url), _free_port(), workers=2)
    try:
        for _ in range(6):
            status, body = _get(f"{base}{COLLECTION}/2030mp_/{SEED}")
            assert status == 200 and "对口支援结硕果 砥砺前行再出发" in body.decode("utf-8")
    finally:
        stop(process)
