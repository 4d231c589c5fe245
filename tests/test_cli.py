"""The `aidnews` command line: demo end to end, extract, and one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sampleweb.site import SampleWeb
from tests.conftest import run_cli


@pytest.mark.slow
def test_demo_runs_end_to_end_and_says_where_things_are(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_cli("demo", "--data", str(data))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "aidnews demo finished" in result.stdout
    assert f"{data}/warcs/" in result.stdout and "catalog.sqlite" in result.stdout
    assert "[tibet_cn]" in result.stderr and "WARC records" in result.stderr  # progress lines
    assert list((data / "warcs").glob("aidnews-*-00*.warc.gz"))
    stats = json.loads(run_cli("stats", "--data", str(data), "--json", check=True).stdout)
    assert stats["articles"] >= 220 and stats["clusters"] > 50


def test_extract_json(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(SampleWeb(1).get("www.qianlong.com", "/yz/2024/0903/8312000.shtml").body)  # type: ignore[union-attr]
    result = run_cli("extract", str(page), "--url", "http://www.qianlong.com/yz/2024/0903/8312000.shtml", "--json")
    data = json.loads(result.stdout)
    assert list(data) == ["title", "published", "source", "author", "text"]
    assert data["title"] == "对口援藏30年|援藏路上的坚守与创新" and data["source"] == "千龙网"


@pytest.mark.parametrize(("args", "message"), [
    (["extract", "/nonexistent/page.html"], "cannot read /nonexistent/page.html"),
    (["stats", "--data", "/nonexistent/data"], "no data folder at /nonexistent/data"),
    (["index", "--data", "/nonexistent/data"], "no WARC folder"),
    (["crawl", "--data", "{tmp}", "nosuchsource"], "unknown source(s): nosuchsource"),
    (["crawl", "--data", "{tmp}", "-s", "NOEQUALS"], "-s expects NAME=VALUE"),
    (["sample-web", "--scale", "0"], "--scale must be >= 1"),
    (["dedupe", "--input", "x.jsonl", "--k", "99"], "k must be between 0 and 15"),
])
def test_user_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_help_for_every_command() -> None:
    for command in ("demo", "crawl", "sample-web", "extract", "index", "stats", "dedupe"):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and "usage: aidnews" in result.stdout


def test_bad_seed_file_is_reported_before_crawling(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[source]\nid = 'x'\n", encoding="utf-8")
    result = run_cli("crawl", "--data", str(tmp_path / "d"), "--seeds", str(tmp_path))
    assert result.returncode == 2 and re.search(r"broken\.toml:1: missing field 'kind'", result.stderr), result.stderr
    assert not (tmp_path / "d" / "warcs").exists() or not list((tmp_path / "d" / "warcs").iterdir())
