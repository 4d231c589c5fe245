"""Project settings: prefixed names (old ones still work, with a warning), the environment read in one
module, one default catalog URL, one set of retry defaults."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from scrapy.settings import Settings

from aidnews.crawl import crawl_settings
from aidnews.paths import DataPaths
from archive.catalog import catalog_url_for, store
from crawler import environment
from crawler.locations import RENAMED, apply_renamed, catalog_url, sample_web_url, sources_dir

ROOT = Path(__file__).resolve().parent.parent


def _project() -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def test_every_project_setting_is_prefixed() -> None:
    scrapy_defaults = set(Settings().attributes)
    ours = {name for name in _project().attributes if name not in scrapy_defaults}
    prefixes = ("AIDNEWS_", "WARC_", "CATALOG_", "INCREMENTAL_", "SAFETY_", "PROGRESS_", "RECONCILE_", "RECHECK_",
                "VERSIONS_")
    assert ours and not [name for name in ours if not name.startswith(prefixes)]
    assert not set(RENAMED) & ours


def test_old_names_move_to_the_new_ones_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = _project()
    settings.set("SOURCES_DIR", str(tmp_path), priority="cmdline")
    settings.set("SAMPLE_WEB_URL", "http://127.0.0.1:9", priority="cmdline")
    with caplog.at_level(logging.WARNING, logger="crawler.locations"):
        apply_renamed(settings)
        apply_renamed(settings)  # a second pass (the spider's) finds nothing left
    assert sources_dir(settings) == tmp_path and sample_web_url(settings) == "http://127.0.0.1:9"
    assert settings.get("SOURCES_DIR") is None
    assert [r.getMessage() for r in caplog.records] == [
        "setting SOURCES_DIR is now called AIDNEWS_SOURCES_DIR; please rename it",
        "setting SAMPLE_WEB_URL is now called AIDNEWS_SAMPLE_WEB_URL; please rename it",
    ]


def test_crawl_settings_rename_old_overrides(tmp_path: Path) -> None:
    paths = DataPaths(tmp_path, catalog_url_for(tmp_path))
    settings = crawl_settings(paths, None, {"REVISIT_ARTICLES_DAYS": "2"}, None)
    assert settings.getfloat("INCREMENTAL_REVISIT_ARTICLES_DAYS") == 2


def test_default_catalog_url_is_one_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(environment.CATALOG_URL, raising=False)
    monkeypatch.setenv(environment.DATA, str(tmp_path))
    settings = _project()
    settings.set("AIDNEWS_DATA", str(tmp_path))
    assert catalog_url(settings) == DataPaths.resolve(None).catalog_url == catalog_url_for(tmp_path)
    monkeypatch.setenv(environment.CATALOG_URL, "postgresql+psycopg://db/aidnews")
    assert catalog_url(settings) == DataPaths.resolve(None).catalog_url == "postgresql+psycopg://db/aidnews"
    assert DataPaths.resolve(None, "sqlite:///x.sqlite").catalog_url == "sqlite:///x.sqlite"


def test_retry_defaults_are_the_library_ones() -> None:
    settings = _project()
    assert settings.getint("CATALOG_RETRIES") == store.RETRIES
    assert settings.getfloat("CATALOG_RETRY_BACKOFF") == store.BACKOFF


def test_environment_is_read_in_one_module() -> None:
    readers = []
    for package in ("aidnews", "crawler", "archive", "dedupe", "sampleweb"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"os\.environ(\.get)?\(?\[?[\"']AIDNEWS_", text):
                readers.append(str(path.relative_to(ROOT)))
    # aidnews/replay.py reads AIDNEWS_REPLAY_VENV, which only replay uses.
    assert sorted(readers) in ([], ["aidnews/replay.py"])
