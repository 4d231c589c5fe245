"""The sample web: a proxy for its own hosts only, with the awkward web and a ground truth."""

from __future__ import annotations

import gzip
import json
import urllib.request
from collections import Counter

from sampleweb.corpus import AGGREGATOR, MIRROR, QIANLONG, TIBET, ground_truth
from sampleweb.server import running
from sampleweb.site import SampleWeb


def _get(proxy: str, url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_proxy_answers_for_its_hosts_and_refuses_others() -> None:
    with running() as server:
        status, _, body = _get(server.url, f"http://{TIBET}/robots.txt")
        assert status == 200 and b"Disallow: /cn/private/" in body
        assert _get(server.url, "http://example.com/")[0] == 403
        status, headers, body = _get(server.url, f"http://{TIBET}/cn/aid_tibet/news/", {"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip" and "createPageHTML" in gzip.decompress(body).decode()
        status, headers, body = _get(server.url, f"http://{QIANLONG}/yz/index.shtml")
        assert "gbk" in headers["Content-Type"] and "援藏" in body.decode("gbk")
        assert _get(server.url, f"http://{TIBET}/cn/news/zx/error.html")[0] == 500
        assert _get(server.url, f"http://{TIBET}/missing")[0] == 404


def test_content_and_ground_truth() -> None:
    web = SampleWeb(1)
    hosts = Counter(a.host for a in web.articles)
    assert len(web.articles) >= 200 and set(hosts) == {TIBET, QIANLONG, AGGREGATOR, MIRROR}
    truth = ground_truth(1)["pages"]
    copies = [p for p in truth if p["copy_of"]]
    urls = {p["url"] for p in truth}
    assert copies and all(p["copy_of"] in urls for p in copies)
    flags = Counter(f for p in truth for f in p["flags"])
    for flag in ("traditional", "pinyin", "spam", "repeated-in-page", "truncated", "standard-lead", "series"):
        assert flags[flag] > 0, flag
    mirror = next(a for a in web.articles if a.host == MIRROR)
    assert mirror.copy_of and mirror.copy_of.endswith(mirror.path)  # mirrors reuse the original's path


def test_scale_grows_the_site() -> None:
    one, two = len(SampleWeb(1).articles), len(SampleWeb(2).articles)
    assert two - 2 == 2 * (one - 2)  # everything doubles but the hostile page and its one copy


def test_ground_truth_endpoint() -> None:
    with running() as server:
        with urllib.request.urlopen(server.url + "/_ground_truth.json", timeout=10) as response:
            assert json.loads(response.read())["scale"] == 1
