"""General body and 来源 rules on pages built for each failure class, and the batch `aidnews extract`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dedupe.extract import extract
from dedupe.extract_body import BodyConfig, clean_lines
from dedupe.extract_source import byline_outlet, credited_outlet

DATA = Path(__file__).parent / "data" / "extract_general"
AIDNEWS = str(Path(sys.executable).parent / "aidnews")


def _page(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_comment_thread_related_list_and_share_bar_are_left_out() -> None:
    found = extract(_page("comments_related.html"))
    assert found.title == "山南市新建三所学校投入使用"
    assert found.source == "新华社"  # bare outlet on the byline, no 来源 label
    assert found.text.startswith("新学期开学之际")
    assert found.text.endswith("冬天也有暖气。")
    for furniture in ("相关新闻", "拉萨市中小学", "网友评论", "支持！", "免责声明", "字号", "微博"):
        assert furniture not in found.text


def test_feed_stops_at_the_next_story() -> None:
    found = extract(_page("feed_runon.html"))
    assert found.source == "中国青年报"  # "石佳/中国青年报 2023-05-12"
    assert found.text.endswith("一年多收入好几万元。")
    assert "招聘会" not in found.text and "地铁" not in found.text


def test_reported_credit_names_the_source() -> None:
    found = extract(_page("reported_credit.html"))
    assert found.title == "援藏医疗队完成首例高原心脏手术"
    assert found.published == "2021-08-19T10:20:00+08:00"
    assert found.source == "西藏日报"
    assert "热门推荐" not in found.text and "打印" not in found.text


def test_source_rules_on_lines() -> None:
    assert byline_outlet(["新华社 2020-01-03 18:13", "字号 超大 大 标准 小"]) == "新华社"
    assert byline_outlet(["2019-03-18 23:59 聯合報 記者陳嘉寧／桃園機場報導"]) == "聯合報"
    assert byline_outlet(["打印 关闭", "相关新闻"]) == ""
    assert credited_outlet("（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行今天清晨發生大火。") == "中央社"
    assert credited_outlet("本文来源于澎湃新闻，转载请注明。\n正文") == "澎湃新闻"
    assert credited_outlet("第一段。\n最后一段。（新华社）") == "新华社"


def test_boundaries_and_widget_lines() -> None:
    text = "分享到\nFacebook\n正文第一段，说明了事情的经过和结果。\n正文第二段，记者采访了当事人。\n相关阅读\n别的新闻"
    assert clean_lines(text, BodyConfig(boundary_after=10)) == "正文第一段，说明了事情的经过和结果。\n正文第二段，记者采访了当事人。"
    with pytest.raises(ValueError, match="link_density"):
        BodyConfig(link_density=0)


def test_batch_jsonl_one_line_per_page_and_error_for_a_missing_file(tmp_path: Path) -> None:
    names = [str(DATA / n) for n in ("comments_related.html", "feed_runon.html")]
    result = subprocess.run([AIDNEWS, "extract", *names, str(tmp_path / "missing.html"), "--jsonl"],
                            capture_output=True, text=True)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in rows] == names
    assert set(rows[0]) == {"file", "title", "published", "source", "author", "text"}
    assert result.returncode == 1 and "missing.html" in result.stderr and "Traceback" not in result.stderr


def test_batch_from_a_warc_file(tmp_path: Path) -> None:
    warc = tmp_path / "pages.warc.gz"
    with warc.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for i, name in enumerate(("comments_related.html", "reported_credit.html")):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            url = f"http://news.example.cn/a/{i}.html"
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(_page(name)),
                                                          http_headers=headers))
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://news.example.cn/x.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG"), http_headers=image))
    result = subprocess.run([AIDNEWS, "extract", "--warc", str(warc), "--jsonl"], capture_output=True, text=True,
                            check=True)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"] for r in rows] == ["http://news.example.cn/a/0.html", "http://news.example.cn/a/1.html"]
    assert rows[1]["source"] == "西藏日报" and rows[0]["date"]
    bad = subprocess.run([AIDNEWS, "extract", "--warc", str(warc)], capture_output=True, text=True)
    assert bad.returncode != 0 and "--jsonl" in bad.stderr and "Traceback" not in bad.stderr
