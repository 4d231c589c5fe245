"""WACZ export: the plain index for small archives, ZipNum (index.cdx.gz + index.idx) for large ones,
pages with article text, hashes; validated by py-wacz."""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aidnews.replay import replay_venv
from archive.catalog import Catalog, catalog_url_for
from archive.cdxj import cdxj_lines
from archive.wacz import export_wacz, zipnum
from tests.helpers import START, exchange, pinned_writer

ARTICLE = "http://www.tibet.cn/cn/aid_tibet/news/202502/t20250217_7766001.html"
CLOCK = datetime(2025, 3, 1, tzinfo=UTC)


def _catalog(tmp_path: Path) -> Catalog:
    catalog = Catalog(catalog_url_for(tmp_path))
    writer = pinned_writer(tmp_path / "warcs")
    urls = [ARTICLE, "http://www.tibet.cn/cn/aid_tibet/news/", "http://www.tibet.cn/cn/news/zx/?page=2",
            "http://www.qianlong.com/yz/2024/0903/8312000.shtml", "http://www.tibet.cn/css/main.css"]
    refs = []
    for url in urls:
        kind = b"text/css" if url.endswith(".css") else b"text/html; charset=utf-8"
        refs.append(writer.write_exchange(exchange(url, f"<html>{url}</html>".encode(), [(b"Content-Type", kind)])))
    writer.close()
    catalog.add_captures(refs, source_id="tibet_cn")
    catalog.add_articles([{
        "record_id": refs[0].record_id, "url": ARTICLE, "source_id": "tibet_cn", "section": "aid_tibet",
        "title": "对口支援结硕果 砥砺前行再出发", "published": START, "origin": "西藏日报", "editor": "", "author": "",
        "text": "在2024年第44届雅砻物交会上,湖北省援藏干部化身带货主播", "captured_at": START}])
    return catalog


def _read(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in package.infolist())
        return {name: package.read(name) for name in package.namelist()}


def _check_package(files: dict[str, bytes]) -> None:
    described = json.loads(files["datapackage.json"])
    assert described["wacz_version"] == "1.1.1" and described["profile"] == "data-package"
    listed = {r["path"]: r for r in described["resources"]}
    assert set(listed) == set(files) - {"datapackage.json", "datapackage-digest.json"}
    for name, resource in listed.items():
        assert resource["hash"] == "sha256:" + hashlib.sha256(files[name]).hexdigest()
        assert resource["bytes"] == len(files[name])
    digest = json.loads(files["datapackage-digest.json"])
    assert digest["hash"] == "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest()


def test_small_archive_has_a_plain_index_and_pages_with_text(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    summary = export_wacz(catalog, tmp_path / "warcs", tmp_path / "a.wacz", clock=CLOCK)
    files = _read(tmp_path / "a.wacz")
    assert summary.index == "indexes/index.cdx" and "indexes/index.idx" not in files
    assert files["indexes/index.cdx"].decode().splitlines() == cdxj_lines(catalog)
    _check_package(files)
    header, *pages = [json.loads(line) for line in files["pages/pages.jsonl"].decode().splitlines()]
    assert header == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": True}
    assert len(pages) == 4 and summary.pages == 4  # the HTML pages; not the stylesheet
    article = next(p for p in pages if p["url"] == ARTICLE)
    assert article["title"] == "对口支援结硕果 砥砺前行再出发" and "雅砻物交会" in article["text"]
    assert all("text" not in p for p in pages if p["url"] != ARTICLE)  # list pages: no article text


def test_large_archive_has_a_zipnum_index(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path)
    summary = export_wacz(catalog, tmp_path / "warcs", tmp_path / "z.wacz", clock=CLOCK, zipnum_above=3,
                          block_lines=2)
    files = _read(tmp_path / "z.wacz")
    assert summary.index == "indexes/index.idx" and "indexes/index.cdx" not in files
    _check_package(files)
    meta, *blocks = files["indexes/index.idx"].decode().splitlines()
    assert meta == '!meta 0 {"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}'
    data, lines = files["indexes/index.cdx.gz"], cdxj_lines(catalog)
    assert len(blocks) == 3 and gzip.decompress(data).decode().splitlines() == lines  # 5 lines, 2 a block
    end = 0
    for n, block in enumerate(blocks):
        key, stamp, fields = block.split(" ", 2)
        place = json.loads(fields)
        assert place["offset"] == end
        member = data[place["offset"]:place["offset"] + place["length"]]
        assert place["digest"] == "sha256:" + hashlib.sha256(member).hexdigest()
        assert gzip.decompress(member).decode().splitlines() == lines[2 * n:2 * n + 2]
        assert lines[2 * n].startswith(f"{key} {stamp} ")
        end += place["length"]
    assert end == len(data)


def test_zipnum_blocks_must_hold_a_line() -> None:
    with pytest.raises(ValueError, match="block_lines"):
        zipnum(["a 1 {}"], 0)


@pytest.mark.parametrize("zipnum_above", [20_000, 0])
def test_py_wacz_validates_both_layouts(tmp_path: Path, zipnum_above: int) -> None:
    wacz = replay_venv() / "bin" / "wacz"
    if not wacz.exists():
        pytest.skip("py-wacz (in the replay environment) is missing: make replay-env")
    export_wacz(_catalog(tmp_path), tmp_path / "warcs", tmp_path / "v.wacz", clock=CLOCK, zipnum_above=zipnum_above)
    check = subprocess.run([str(wacz), "validate", "-f", str(tmp_path / "v.wacz")], capture_output=True, text=True)
    assert check.returncode == 0 and "valid" in check.stdout, check.stdout + check.stderr
