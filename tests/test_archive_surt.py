from datetime import UTC, datetime

from archive.surt import cdx_timestamp, surt, warc_date


def test_surt_reverses_host_and_drops_www() -> None:
    assert surt("http://www.tibet.cn/cn/news/zx/a.html") == "cn,tibet)/cn/news/zx/a.html"


def test_surt_sorts_query_lowercases_and_keeps_odd_port() -> None:
    assert surt("HTTP://M.Tibet.CN:8080/A?b=2&a=1#frag") == "cn,tibet,m:8080)/a?a=1&b=2"


def test_surt_default_port_dropped() -> None:
    assert surt("https://www.qianlong.com:443/") == "com,qianlong)/"


def test_timestamps_are_utc() -> None:
    moment = datetime(2025, 2, 17, 8, 44, tzinfo=UTC)
    assert cdx_timestamp(moment) == "20250217084400"
    assert warc_date(moment) == "2025-02-17T08:44:00.000000Z"
