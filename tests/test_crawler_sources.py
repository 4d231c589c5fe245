"""Source files in seeds/: the bundled ones load; bad ones are reported with file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.errors import SourceError
from crawler.sources import host_map, load_sources

GOOD = '''
[source]
id = "demo"
name = "Demo"
kind = "aggregator"
hosts = ["www.demo.example"]
start_urls = ["http://www.demo.example/"]
list_patterns = ['^http://www\\.demo\\.example/$']
article_patterns = ['/a/\\d+\\.html$']
'''


def test_bundled_sources_load() -> None:
    sources = load_sources()
    assert [s.id for s in sources] == ["qianlong", "tianxia_finance", "tibet_cn", "tibet_mirror"]
    tibet = next(s for s in sources if s.id == "tibet_cn")
    assert tibet.spider == "tibet_cn"
    assert tibet.is_article("http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html")
    assert tibet.is_list("http://www.tibet.cn/cn/zt2024/yz30y/yzyw/index_2.html")
    assert not tibet.is_article("http://www.tibet.cn/cn/aid_tibet/news/")
    assert host_map(sources)["www.qianlong.com"] == "qianlong"


@pytest.mark.parametrize(("change", "message"), [
    (("kind = \"aggregator\"", "kind = \"blog\""), "field 'kind' must be one of"),
    (("id = \"demo\"", "id = \"Demo Site\""), "field 'id'"),
    (("hosts = [\"www.demo.example\"]", "hosts = []"), "field 'hosts' must not be empty"),
    (("article_patterns = ['/a/\\d+\\.html$']", "article_patterns = ['(']"), "bad regular expression"),
    (("name = \"Demo\"\n", ""), "missing field 'name'"),
    (("[source]", "[sauce]"), "missing [source] table"),
    (("start_urls = [\"http://www.demo.example/\"]", "start_urls = \"http://x/\""), "field 'start_urls' must be list"),
    (("kind = \"aggregator\"", "kind = \"aggregator\"\n[source.politeness]\nspeed = 3"), "[source.politeness]"),
    (("kind = \"aggregator\"", "kind = \"aggregator\"\n[source.selectors]\nheadline = 'h1'"), "unknown selector"),
])
def test_bad_source_files_name_file_and_field(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    (tmp_path / "demo.toml").write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(SourceError) as info:
        load_sources(tmp_path)
    assert str(tmp_path / "demo.toml") in str(info.value) and message in str(info.value)


def test_invalid_toml_and_duplicates_and_unknown_ids(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(SourceError, match="already defined"):
        load_sources(tmp_path)
    (tmp_path / "b.toml").write_text("[source\n", encoding="utf-8")
    with pytest.raises(SourceError, match="invalid TOML"):
        load_sources(tmp_path)
    (tmp_path / "b.toml").unlink()
    with pytest.raises(SourceError, match="unknown source"):
        load_sources(tmp_path, ["nope"])
    with pytest.raises(SourceError, match="no source files"):
        load_sources(tmp_path / "empty")
