"""SURT keys: the project's own, checked against the ``surt`` package that pywb and cdxj-indexer call.

The package runs in the replay environment (it is AGPL and lives beside pywb), in one child process
that reads JSON-quoted URLs and answers their keys, so hypothesis can ask it thousands of times.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aidnews.replay import replay_venv
from archive.surt import cdx_timestamp, surt, warc_date

EXAMPLES = int(os.environ.get("AIDNEWS_FUZZ_EXAMPLES", "400"))

_REFERENCE = r"""
import json, sys
from pywb.utils.canonicalize import canonicalize
for line in sys.stdin:
    url = json.loads(line)
    try:
        key = canonicalize(url)
    except Exception:
        key = url  # cdxj-indexer's fallback for a URL surt cannot read
    print(json.dumps(key), flush=True)
"""


class Reference:
    def __init__(self) -> None:
        python = replay_venv() / "bin" / "python"
        if not python.exists():
            pytest.skip("the replay environment (pywb, surt) is not installed: make replay-env")
        self.process = subprocess.Popen([str(python), "-c", _REFERENCE], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def __call__(self, url: str) -> str:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(url) + "\n")
        self.process.stdin.flush()
        return str(json.loads(self.process.stdout.readline()))

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def pywb_key() -> Iterator[Reference]:
    reference = Reference()
    yield reference
    reference.close()


def test_surt_reverses_host_and_drops_www() -> None:
    assert surt("http://www.tibet.cn/cn/news/zx/a.html") == "cn,tibet)/cn/news/zx/a.html"


def test_surt_sorts_query_lowercases_and_keeps_odd_port() -> None:
    assert surt("HTTP://M.Tibet.CN:8080/A?b=2&a=1#frag") == "cn,tibet,m:8080)/a?a=1&b=2"


def test_surt_default_port_dropped() -> None:
    assert surt("https://www.qianlong.com:443/") == "com,qianlong)/"


def test_list_pages_have_no_trailing_slash_in_their_key() -> None:
    """pywb asks for ``cn,tibet)/cn/aid_tibet/rw`` whether or not the URL ends in a slash."""
    assert surt("http://www.tibet.cn/cn/aid_tibet/rw/") == "cn,tibet)/cn/aid_tibet/rw"
    assert surt("http://www.tibet.cn/cn/aid_tibet/rw") == "cn,tibet)/cn/aid_tibet/rw"
    assert surt("http://www.tibet.cn/") == "cn,tibet)/"


def test_timestamps_are_utc() -> None:
    moment = datetime(2025, 2, 17, 8, 44, tzinfo=UTC)
    assert cdx_timestamp(moment) == "20250217084400"
    assert warc_date(moment) == "2025-02-17T08:44:00.000000Z"


KNOWN = [
    "http://www.tibet.cn/cn/aid_tibet/news/", "http://m.tibet.cn/cn/news/zx/202108/t20210819_7047251.html",
    "http://www.tibet.cn/cn/zt2024/yz30y/yzyw/", "http://tibet.cn/a?c+d=1", "http://tibet.cn/a?q=c%20d&b",
    "http://tibet.cn/a%2Fb/c%2fd", "http://tibet.cn/%E6%8F%B4%E8%97%8F", "http://tibet.cn/援藏?q=援藏",
    "http://例子.中国/路径/", "http://xn--fiqs8s.xn--fsqu00a/", "http://www2.tibet.cn:80/x/",
    "https://tibet.cn:8443/X/Y/?B=1&a=2#top", "http://tibet.cn", "http://tibet.cn/?", "http://tibet.cn/a?",
    "http://tibet.cn/a/../b/./c//d", "http://tibet.cn/a?jsessionid=0123456789abcdef0123456789ABCDEF&x=1",
    "http://3232235777/", "http://10.1/", "http://0300.0250.1.1/", "http://[::1]:8080/a", "tibet.cn/path",
    "http://http://tibet.cn/x", "http:///tibet.cn/x", "http://user:pw@tibet.cn/x", "http://tibet.cn:/x",
    "http://tibet.cn/a%25zz", "http://tibet.cn/a%2525", "http://tibet.cn/a b", "dns:tibet.cn", "urn:x:y",
    "http://TIBET.cn./a", "http://www.tibet.cn..cn/", "http://tibet.cn/a?b=&a", "http://tibet.cn:99999/",
    "", "http://tibet.cn/\t\na", "  http://tibet.cn/a  ",
]


@pytest.mark.parametrize("url", KNOWN)
def test_known_urls_match_pywb(pywb_key: Reference, url: str) -> None:
    assert surt(url) == pywb_key(url), url


_HOSTS = st.sampled_from(["tibet.cn", "www.tibet.cn", "m.tibet.cn", "WWW.Tibet.CN", "www3.qianlong.com",
                          "eng.tibet.cn", "中国西藏网.中国", "例子.测试", "xn--fiqs8s.cn", "127.0.0.1",
                          "tibet.cn:8080", "tibet.cn:80", "tibet.cn:443", "m.www.tibet.cn"])
_SEGMENT = st.text(st.sampled_from("abcXYZ09_-.~!$&'()*+,;=:@%2FE4援藏 /?"), max_size=8)
_ESCAPE = st.sampled_from(["%2F", "%2f", "%20", "%25", "%E6%8F%B4", "%e6%8f%b4", "%3F", "%23", "%41", "+", "%zz"])
_PATH = st.lists(st.one_of(_SEGMENT, _ESCAPE, st.sampled_from(["", ".", ".."])), max_size=6).map("/".join)
_PAIR = st.tuples(st.text(st.sampled_from("abAB_援%2+ "), max_size=4),
                  st.one_of(st.none(), st.text(st.sampled_from("xyXY09%2F+ =援"), max_size=5)))
_QUERY = st.lists(_PAIR, max_size=4).map(lambda pairs: "&".join(k if v is None else f"{k}={v}" for k, v in pairs))


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(scheme=st.sampled_from(["http", "https", "HTTP"]), host=_HOSTS, path=_PATH, slash=st.booleans(),
       query=st.one_of(st.none(), _QUERY), fragment=st.one_of(st.none(), st.text(max_size=4)))
def test_generated_urls_match_pywb(pywb_key: Reference, scheme: str, host: str, path: str, slash: bool,
                                   query: str | None, fragment: str | None) -> None:
    url = f"{scheme}://{host}/{path}{'/' if slash else ''}"
    if query is not None:
        url += "?" + query
    if fragment is not None:
        url += "#" + fragment
    assert surt(url) == pywb_key(url), url


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(head=st.sampled_from(["http://", "https://", "", "http://tibet.cn/", "http://tibet.cn/a?"]),
       tail=st.text(max_size=30))
def test_any_text_matches_pywb(pywb_key: Reference, head: str, tail: str) -> None:
    url = head + tail
    assert surt(url) == pywb_key(url), url
