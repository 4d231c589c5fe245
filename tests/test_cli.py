"""The `aidnews` command line: demo end to end, extract, one-line errors and --help, mostly in-process."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aidnews import __version__, self_command
from aidnews.cli import build_parser, main
from aidnews.commands import COMMANDS
from aidnews.errors import EXIT_USAGE
from sampleweb.site import SampleWeb
from tests.conftest import run_cli


@pytest.mark.slow
def test_demo_runs_end_to_end_and_says_where_things_are(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_cli("demo", "--data", str(data))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "aidnews demo finished" in result.stdout
    assert f"{data}/warcs/" in result.stdout and "catalog.sqlite" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].split() == ["open", "the", "app", "aidnews", "serve", "--data", str(data),
                                                           "(http://127.0.0.1:8080/:", "search,", "clusters,", "API,",
                                                           "replay)"]  # the demo ends with the command that opens it
    assert "[tibet_cn]" in result.stderr and "WARC records" in result.stderr  # progress lines
    # Progress and the summary, not Scrapy's log: that is in DATA/logs/, and the summary says where.
    assert "scrapy" not in result.stderr and "DEBUG" not in result.stderr and "WARNING" not in result.stderr
    assert len(result.stderr.splitlines()) < 30, result.stderr
    [log] = (data / "logs").glob("crawl-*.log")
    assert f"crawl log       {log}" in result.stdout
    assert "Dumping Scrapy stats" in log.read_text(encoding="utf-8")
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


USER_ERRORS = [
    (["extract", "/nonexistent/page.html"], "cannot read /nonexistent/page.html"),
    (["stats", "--data", "/nonexistent/data"], "no data folder at /nonexistent/data"),
    (["index", "--data", "/nonexistent/data"], "no WARC folder"),
    (["crawl", "--data", "{tmp}", "nosuchsource"], "unknown source(s): nosuchsource"),
    (["crawl", "--data", "{tmp}", "-s", "NOEQUALS"], "-s expects NAME=VALUE"),
    (["schedule", "--data", "{tmp}", "--once", "-s", "NOEQUALS"], "-s expects NAME=VALUE"),
    (["sample-web", "--scale", "0"], "--scale must be >= 1"),
    (["export", "wacz", "--data", "{tmp}", "--output", "x.wacz", "--since", "yesterday"], "--since expects a date"),
    (["dedupe", "--input", "x.jsonl", "--k", "99"], "k must be between 0 and 15"),
]


@pytest.mark.parametrize(("args", "message"), USER_ERRORS)
def test_user_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                  message: str) -> None:
    assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.strip().count("\n") == 0


def test_user_error_is_one_line_in_a_subprocess(tmp_path: Path) -> None:
    result = run_cli("stats", "--data", str(tmp_path / "missing"))
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "no data folder at" in result.stderr and "Traceback" not in result.stderr


def test_every_command_is_registered_and_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    registered = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert sorted(registered) == sorted(COMMANDS.values()) and len(registered) == 15
    for command in COMMANDS.values():
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert f"usage: aidnews {command}" in capsys.readouterr().out


def test_crawl_and_schedule_share_the_crawl_options(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("crawl", "schedule"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "--seeds SEEDS" in out and "--sample-web URL" in out and "-s NAME=VALUE, --set NAME=VALUE" in out


def test_children_start_the_package_entry_point() -> None:
    assert self_command() == [sys.executable, "-m", "aidnews"]
    result = subprocess.run([*self_command(), "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"aidnews {__version__}"


def test_bad_seed_file_is_reported_before_crawling(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[source]\nid = 'x'\n", encoding="utf-8")
    result = run_cli("crawl", "--data", str(tmp_path / "d"), "--seeds", str(tmp_path))
    assert result.returncode == 2 and re.search(r"broken\.toml:1: missing field 'kind'", result.stderr), result.stderr
    assert not (tmp_path / "d" / "warcs").exists() or not list((tmp_path / "d" / "warcs").iterdir())
