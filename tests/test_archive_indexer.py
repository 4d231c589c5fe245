"""Rebuilding captures from WARC files alone; truncated WARCs; stats."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Capture
from archive.errors import WarcReadError
from archive.indexer import index_warcs, source_for_url
from archive.stats import data_stats
from archive.warc_reader import iter_records
from tests.helpers import exchange, pinned_writer


def _warcs(directory: Path, count: int = 4) -> list[str]:
    writer = pinned_writer(directory)
    ids = [writer.write_exchange(exchange(f"http://www.tibet.cn/{i}.html", b"body %d" % i)).record_id for i in range(count)]
    writer.close()
    return ids


def test_index_rebuilds_captures_idempotently(tmp_path: Path) -> None:
    ids = _warcs(tmp_path / "warcs")
    catalog = Catalog(catalog_url_for(tmp_path))
    report = index_warcs(tmp_path / "warcs", catalog, {"www.tibet.cn": "tibet_cn"})
    assert (report.files, report.records) == (1, 4)
    index_warcs(tmp_path / "warcs", catalog)
    captures = catalog.captures()
    assert sorted(c.record_id for c in captures) == sorted(ids)
    assert {c.source_id for c in captures} == {"tibet_cn"}
    assert catalog.count(Capture) == 4
    stats = data_stats(tmp_path / "warcs", catalog)
    assert (stats["warc_files"], stats["records"], stats["captures"]) == (1, 4, 4)


def test_truncated_warc_is_reported_not_crashed(tmp_path: Path) -> None:
    _warcs(tmp_path / "warcs", 3)
    (path,) = (tmp_path / "warcs").glob("*.warc.gz")
    data = path.read_bytes()
    last = list(iter_records(path))[-1]
    path.write_bytes(data[: last.offset + last.length // 2])  # tear the last response record
    with pytest.raises(WarcReadError, match=path.name):
        list(iter_records(path))
    catalog = Catalog(catalog_url_for(tmp_path))
    report = index_warcs(tmp_path / "warcs", catalog)
    assert report.unreadable == [path.name]
    assert report.records == 2  # the complete records before the tear


def test_not_a_warc(tmp_path: Path) -> None:
    (tmp_path / "warcs").mkdir()
    (tmp_path / "warcs" / "x.warc.gz").write_bytes(gzip.compress(b"hello, not a warc"))
    with pytest.raises(WarcReadError):
        list(iter_records(tmp_path / "warcs" / "x.warc.gz"))


def test_source_for_url() -> None:
    assert source_for_url("http://WWW.tibet.cn/a", {"www.tibet.cn": "t"}) == "t"
    assert source_for_url("http://other/a", {"www.tibet.cn": "t"}) is None


def test_a_last_record_missing_only_its_gzip_trailer_is_torn(tmp_path: Path) -> None:
    """warcio reads such a member to its end without complaint; its missing CRC still makes it torn."""
    from archive.repair import repair_file

    _warcs(tmp_path / "warcs", 2)
    (path,) = (tmp_path / "warcs").glob("*.warc.gz")
    whole = path.read_bytes()
    path.write_bytes(whole[:-6])  # part of the last member's CRC and size
    with pytest.raises(WarcReadError, match="torn record at offset"):
        list(iter_records(path))
    repaired = repair_file(path)
    assert 0 < repaired.cut_bytes < len(whole)
    assert len(list(iter_records(path))) == 2  # both responses kept; the torn request record cut
