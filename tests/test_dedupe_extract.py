"""Extraction: site selectors from seeds/, general rules without them, decoding of GB pages."""

from __future__ import annotations

import pytest

from crawler.sources import load_sources
from dedupe.decode import decode_html
from dedupe.extract import Selectors, clean_title, extract, extract_html, parse_published
from sampleweb.corpus import AGGREGATOR, MIRROR, QIANLONG, TIBET
from sampleweb.site import SampleWeb

WEB = SampleWeb(1)
SOURCES = {s.hosts[0]: s for s in load_sources()}
SEED_TIBET = "/cn/aid_tibet/news/202502/t20250217_7766001.html"
SEED_QIANLONG = "/yz/2024/0903/8312000.shtml"


def _page(host: str, path: str) -> bytes:
    page = WEB.get(host, path)
    assert page is not None
    return page.body


@pytest.mark.parametrize("selectors", [True, False], ids=["site-selectors", "general-rules"])
def test_tibet_seed_article(selectors: bool) -> None:
    sel = SOURCES[TIBET].selectors if selectors else None
    found = extract(_page(TIBET, SEED_TIBET), "http://www.tibet.cn" + SEED_TIBET, "text/html; charset=utf-8", sel)
    assert found.title == "对口支援结硕果 砥砺前行再出发"
    assert found.published == "2025-02-17T08:44:00+08:00"
    assert found.source == "西藏日报"
    assert found.editor == "贾春玲"
    assert found.text.startswith("在2024年第44届雅砻物交会上")
    assert "版权声明" not in found.text and "责编" not in found.text


@pytest.mark.parametrize("selectors", [True, False], ids=["site-selectors", "general-rules"])
def test_qianlong_seed_article_is_gbk(selectors: bool) -> None:
    body = _page(QIANLONG, SEED_QIANLONG)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    sel = SOURCES[QIANLONG].selectors if selectors else None
    found = extract(body, None, "text/html; charset=gbk", sel)
    assert found.title == "对口援藏30年|援藏路上的坚守与创新"
    assert found.published == "2024-09-03T11:54:03+08:00"
    assert found.source == "千龙网"
    assert found.text.startswith("1994年,中央第三次西藏工作座谈会")


def test_aggregator_copy_names_its_origin() -> None:
    copy = next(a for a in WEB.articles if a.host == AGGREGATOR and a.copy_of and "8312000" in a.copy_of)
    found = extract(_page(AGGREGATOR, copy.path), None, "text/html; charset=utf-8", SOURCES[AGGREGATOR].selectors)
    assert found.source == "千龙网" and found.title == "对口援藏30年|援藏路上的坚守与创新"
    assert "mdash;mdash;" in found.text  # extraction keeps the page's text; normalisation repairs it
    assert "栏目排行" not in found.text


def test_mirror_copy_is_traditional() -> None:
    found = extract(_page(MIRROR, SEED_TIBET), None, None, SOURCES[MIRROR].selectors)
    assert found.title == "對口支援結碩果 砥礪前行再出發"
    assert found.source == "西藏日報"


def test_hostile_text_stays_text() -> None:
    found = extract(_page(TIBET, "/cn/aid_tibet/news/202501/t20250101_9000002.html"), None, None,
                    SOURCES[TIBET].selectors)
    assert found.title.startswith("<script>alert(1)</script>")
    assert "<img src=x onerror=alert(2)>" in found.text


def test_lying_meta_charset_trusts_the_bytes() -> None:
    body = "<html><head><meta charset='gb2312'><title>援藏</title></head><body><p>对口援藏三十年</p></body></html>".encode()
    text, encoding = decode_html(body)
    assert encoding == "utf-8" and "对口援藏三十年" in text


def test_undeclared_gb_bytes_decode_as_gb18030() -> None:
    body = "<html><body><p>对口援藏三十年成果丰硕</p></body></html>".encode("gbk")
    text, encoding = decode_html(body)
    assert encoding == "gb18030" and "成果丰硕" in text


@pytest.mark.parametrize("raw", [b"", b"\x00\x01\x02binary\xff", b"<html><body><div>", b"%PDF-1.4 \x00\x00"])
def test_broken_or_binary_input_gives_empty_fields_not_errors(raw: bytes) -> None:
    found = extract(raw)
    assert isinstance(found.text, str)


def test_parse_published_and_title() -> None:
    assert parse_published("发布时间：2024年9月3日 11:54") == "2024-09-03T11:54:00+08:00"
    assert parse_published("2020-02-19") == "2020-02-19T00:00:00+08:00"
    assert parse_published("2024-09-03T11:54:03Z") == "2024-09-03T11:54:03+00:00"
    assert parse_published("no date") is None
    assert clean_title("对口支援结硕果_中国西藏网") == "对口支援结硕果"
    assert extract_html("<title>x</title>", selectors=Selectors(body="][bad")).title == "x"
