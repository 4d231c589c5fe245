"""``aidnews serve`` as a user runs it: the printed URL, pywb behind ``/replay/`` with the banner back to
the app, and SIGTERM / SIGINT stopping the app and every pywb process."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from aidnews.replay import group_members
from tests.builders import web_catalog
from tests.conftest import ROOT
from tests.test_replay_lifecycle import _alive, _family, _port_free, _wait

pytestmark = pytest.mark.slow
SEED = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    web_catalog(folder).close()
    return folder


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            return int(response.status), response.read().decode("utf-8", "replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode("utf-8", "replace"), dict(error.headers)


def start_serve(data: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "aidnews", "serve", "--data", str(data), "--port", "0", *extra],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()  # printed once listening
    found = re.fullmatch(r"serve: (http://127\.0\.0\.1:(\d+)/)\n", line)
    if not found:
        process.kill()
        raise AssertionError(f"unexpected first line {line!r}; stderr: {process.stderr.read() if process.stderr else ''}")
    return process, found.group(1)


@pytest.fixture(scope="module")
def served(data: Path) -> Iterator[str]:
    process, base = start_serve(data)
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def test_prints_its_url_and_serves_the_pages(served: str) -> None:
    status, home, headers = _get(served)
    assert status == 200 and "<h1>aidnews archive</h1>" in home and "content-security-policy" in {k.lower() for k in headers}
    assert _get(f"{served}api/sources")[0] == 200


def test_replay_is_proxied_under_the_same_origin(served: str) -> None:
    status, frame, _ = _get(f"{served}replay/archive/2030/{SEED}")
    assert status == 200 and "replay_iframe" in frame
    port = served.rsplit(":", 1)[1].rstrip("/")
    assert f"http://127.0.0.1:{port}/replay/static/" in frame  # pywb's links name the app, under /replay/
    status, page, _ = _get(f"{served}replay/archive/2030mp_/{SEED}")
    assert status == 200 and "对口支援结硕果" in page and 'href="/replay/archive/' in page
    assert _get(f"{served}replay/static/wb_frame.js")[0] == 200


def test_replay_root_is_the_apps_home(served: str, data: Path) -> None:
    status, _, headers = _get(f"{served}replay/")
    assert status == 303 and (headers.get("location") or headers["Location"]) == "/"
    assert not (data / "replay" / "start.html").exists()  # serve writes no start page: its pages replace it


def test_banner_links_back_to_the_article(served: str) -> None:
    _, frame, _ = _get(f"{served}replay/archive/2030/{SEED}")
    link = re.search(r'id="aidnews-back" href="([^"]+)"', frame)
    assert link, "the project's banner template is in pywb's frame"
    status, _, headers = _get(served.rstrip("/") + link.group(1).replace("&amp;", "&"))
    assert status == 303
    location = headers.get("location") or headers["Location"]
    status, article, _ = _get(served.rstrip("/") + location)
    assert status == 200 and SEED in article and "对口支援结硕果" in article


def test_replay_traversal_refused_through_the_real_proxy(served: str) -> None:
    for path in ("replay/..%2f..%2fconfig.yaml", "replay/static/%2e%2e/%2e%2e/config.yaml",
                 "replay/static/..%252f..%252fconfig.yaml"):
        status, body, _ = _get(served + path)
        assert status in (400, 404) and "collections:" not in body, path


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_app_and_pywb(data: Path, stop_signal: signal.Signals) -> None:
    process, base = start_serve(data)
    port = int(base.rsplit(":", 1)[1].rstrip("/"))
    family = _family(process.pid)
    assert any("uwsgi" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace") for pid in family if _alive(pid))
    assert _get(f"{base}replay/archive/2030mp_/{SEED}")[0] == 200
    process.send_signal(stop_signal)
    try:
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert _wait(lambda: not any(_alive(pid) for pid in family)), [pid for pid in family if _alive(pid)]
    assert not any(group_members(pid) for pid in family if _alive(pid))
    assert _wait(lambda: _port_free(port))
