"""Scheduling: cron due times, locks, scheduled runs on a changing sample web, source health."""

from __future__ import annotations

import fcntl
import json
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aidnews.schedule import due_sources, last_fire, source_locks
from crawler.health import assess
from crawler.sources import load_sources
from sampleweb.process import serving
from tests.conftest import ROOT, run_cli

TIBET = next(s for s in load_sources() if s.id == "tibet_cn")


def _seeds(folder: Path, cron: str = "* * * * * */2", body: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "seeds" / "tibet_cn.toml").read_text(encoding="utf-8")
    text = text.replace('cron = "30 6 * * *"', f'cron = "{cron}"')
    if body:
        text = text.replace('body = "div#text div.TRS_Editor"', f'body = "{body}"')
    (folder / "tibet_cn.toml").write_text(text, encoding="utf-8")
    return folder


def test_due_follows_cron_in_the_sources_time_zone() -> None:
    now = datetime(2025, 2, 17, 23, 0, tzinfo=UTC)  # 07:00 in Shanghai, after the 06:30 slot
    assert last_fire(TIBET, now) == datetime(2025, 2, 18, 6, 30, tzinfo=last_fire(TIBET, now).tzinfo)
    assert due_sources([TIBET], {}, now) == [TIBET]
    assert due_sources([TIBET], {"tibet_cn": datetime(2025, 2, 17, 22, 45, tzinfo=UTC)}, now) == []  # ran 06:45
    assert due_sources([TIBET], {"tibet_cn": datetime(2025, 2, 17, 10, 0, tzinfo=UTC)}, now) == [TIBET]


def test_a_held_lock_skips_the_source(tmp_path: Path) -> None:
    (tmp_path / "locks").mkdir()
    with open(tmp_path / "locks" / "tibet_cn.lock", "w") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run holds it
        with source_locks(tmp_path / "locks", [TIBET]) as held:
            assert held == []
    with source_locks(tmp_path / "locks", [TIBET]) as held:  # released when its holder went away
        assert held == [TIBET]


def test_health_rules() -> None:
    assert assess(100, [98, 101, 99], 20, 0) == []
    assert "far fewer article links" in assess(20, [98, 101, 99], 20, 0)[0]
    assert "selectors stopped matching on 8 of 10" in assess(100, [], 10, 8)[0]


@pytest.mark.slow
def test_scheduled_runs_follow_a_changing_site(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path / "seeds")
    data = tmp_path / "data"
    with serving() as web:
        first = run_cli("schedule", "--once", "--data", str(data), "--seeds", str(seeds), "--sample-web", web.url)
        assert first.returncode == 0 and "ran tibet_cn" in first.stdout, first.stderr[-2000:]
        with urllib.request.urlopen(web.url + "/_publish", timeout=10) as response:
            published = json.loads(response.read())
        loop = run_cli("schedule", "--data", str(data), "--seeds", str(seeds), "--sample-web", web.url,
                       "--max-cycles", "1", timeout=120)
        assert loop.returncode == 0 and "ran tibet_cn (ok)" in loop.stdout, loop.stderr[-2000:]
    runs = json.loads(run_cli("runs", "--data", str(data), "--json", check=True).stdout)
    newest, oldest = runs[0], runs[-1]
    assert len(runs) == 2 and {r["source"] for r in runs} == {"tibet_cn"}
    assert oldest["new_articles"] > 80 and oldest["revisits"] == 0
    assert newest["new_articles"] == len(published["new"]) and newest["revisits"] > 0
    assert newest["warc_files"] and (data / "reports" / "report.html").exists()


@pytest.mark.slow
def test_broken_selectors_flag_the_run_and_fail_once(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path / "seeds", body="div.template-that-changed")
    with serving() as web:
        result = run_cli("schedule", "--once", "--data", str(tmp_path / "data"), "--seeds", str(seeds),
                         "--sample-web", web.url)
    assert result.returncode == 1  # cron mails the operator
    assert "selectors stopped matching" in result.stderr
    runs = json.loads(run_cli("runs", "--data", str(tmp_path / "data"), "--json", check=True).stdout)
    assert "selectors stopped matching" in runs[0]["health"]
