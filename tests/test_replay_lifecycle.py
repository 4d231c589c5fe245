"""``aidnews replay`` stops every child on every stop signal; framed and frameless replay; the start page
served by the replay server itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aidnews.paths import DataPaths
from aidnews.replay import COLLECTION, group_members, start, stop, wait_until_up
from tests.conftest import ROOT, Crawled

pytestmark = pytest.mark.slow
SEED = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"
TITLE = "对口支援结硕果 砥砺前行再出发"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return int(response.status), response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode("utf-8", "replace")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _family(pid: int) -> set[int]:
    """``pid``'s descendants, and every member of their process groups (uwsgi's workers)."""
    family: set[int] = set()
    todo = _children(pid)
    while todo:
        child = todo.pop()
        if child not in family:
            family.add(child)
            todo += _children(child)
            family.update(group_members(os.getpgid(child)) if _alive(child) else [])
    return family


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _wait(predicate: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def _replay(argv: list[str], port: int) -> tuple[subprocess.Popen[str], set[int]]:
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", seconds=90)
        family = _family(process.pid)
    except BaseException:
        process.kill()
        raise
    assert family, "pywb runs as a child of aidnews replay"
    return process, family


def _assert_all_stopped(process: subprocess.Popen[str], family: set[int], port: int) -> None:
    try:
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    _wait(lambda: not any(_alive(pid) for pid in family))
    survivors = [pid for pid in family if _alive(pid)]
    for pid in survivors:  # leave nothing behind for the next test, then fail
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"children still running after the stop: {survivors}"
    assert _wait(lambda: _port_free(port)), f"port {port} still taken"


@pytest.mark.parametrize(("stop_signal", "workers"), [
    (signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2), (signal.SIGINT, 2),
])
def test_aidnews_replay_stops_every_child(crawled: Crawled, stop_signal: signal.Signals, workers: int) -> None:
    port = _free_port()
    process, family = _replay([sys.executable, "-m", "aidnews", "replay", "--data", str(crawled.data),
                               "--port", str(port), "--workers", str(workers)], port)
    if workers > 1:
        assert len(family) > workers, family  # uwsgi's master and its workers
    assert _get(f"http://127.0.0.1:{port}/{COLLECTION}/2030mp_/{SEED}")[0] == 200
    process.send_signal(stop_signal)
    _assert_all_stopped(process, family, port)


_SERVE = """
import sys
from aidnews.paths import DataPaths
from aidnews.replay import serve
sys.exit(serve(DataPaths.resolve(sys.argv[1], None), int(sys.argv[2]), workers=int(sys.argv[3]),
               frameless=sys.argv[4] == "1"))
"""


@pytest.mark.parametrize(("stop_signal", "workers"), [
    (signal.SIGTERM, 1), (signal.SIGHUP, 1), (signal.SIGINT, 2), (signal.SIGTERM, 2),
])
def test_serve_stops_every_child(crawled: Crawled, stop_signal: signal.Signals, workers: int) -> None:
    port = _free_port()
    process, family = _replay([sys.executable, "-c", _SERVE, str(crawled.data), str(port), str(workers), "0"], port)
    assert process.stdout is not None
    assert f"http://127.0.0.1:{port}/" in process.stdout.readline()  # printed once it is up and listening
    process.send_signal(stop_signal)
    _assert_all_stopped(process, family, port)
    assert process.returncode == 0


def test_a_killed_replay_takes_pywb_with_it(crawled: Crawled) -> None:
    """SIGKILL leaves no handler to run: the kernel tells pywb its parent died."""
    port = _free_port()
    process, family = _replay([sys.executable, "-c", _SERVE, str(crawled.data), str(port), "1", "0"], port)
    process.kill()
    process.wait(timeout=30)
    assert _wait(lambda: not any(_alive(pid) for pid in family)), [pid for pid in family if _alive(pid)]
    assert _wait(lambda: _port_free(port))


@pytest.fixture(scope="module")
def framed(crawled: Crawled) -> Iterator[str]:
    process, base = start(DataPaths(crawled.data, crawled.catalog_url), _free_port())
    yield base
    stop(process)


def test_framed_replay_with_banner_by_default(framed: str) -> None:
    status, top = _get(f"{framed}{COLLECTION}/2030/{SEED}")
    assert status == 200 and "replay_iframe" in top and "vueui.js" in top  # the frame, with pywb's banner
    assert TITLE not in top
    status, inner = _get(f"{framed}{COLLECTION}/2030mp_/{SEED}")
    assert status == 200 and TITLE in inner


def test_banner_shows_the_capture_in_a_browser(framed: str, tmp_path: Path) -> None:
    from tests.browser import load

    page = load(f"{framed}{COLLECTION}/2030/{SEED}", screenshot=tmp_path / "framed.png")
    assert 'id="replay_iframe"' in page.dom and "app" in page.dom
    assert (tmp_path / "framed.png").stat().st_size > 10_000


def test_start_page_is_the_replay_servers_home(framed: str) -> None:
    status, home = _get(framed)
    assert status == 200 and "<title>aidnews archive</title>" in home and "/static/captures/summary.js" in home
    assert "pywb" not in home.lower().split("<script")[0]  # not pywb's collection list
    status, summary = _get(f"{framed}static/captures/summary.js")
    assert status == 200 and summary.startswith("var AIDNEWS_SUMMARY = ")
    assert _get(f"{framed}static/captures/all.js")[0] == 200


def test_start_page_served_draws_captures_in_a_browser(framed: str) -> None:
    from tests.browser import load

    page = load(framed)
    assert "latest captures of" in page.dom and f'href="{framed}{COLLECTION}/' in page.dom
    assert "对口支援结硕果" in page.dom


def test_frameless_replay(crawled: Crawled, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "warcs").symlink_to(crawled.warcs)
    (data / "catalog.sqlite").write_bytes((crawled.data / "catalog.sqlite").read_bytes())
    process, base = start(DataPaths(data, f"sqlite:///{data / 'catalog.sqlite'}"), _free_port(), frameless=True)
    try:
        status, page = _get(f"{base}{COLLECTION}/2030/{SEED}")
        assert status == 200 and TITLE in page and "replay_iframe" not in page
    finally:
        stop(process)
    assert "framed_replay: false" in (data / "replay" / "config.yaml").read_text(encoding="utf-8")
