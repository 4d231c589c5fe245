"""WARC writing: contract of design.md, golden bytes, rotation, torn-record safety."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.errors import WarcReadError, WarcWriteError
from archive.warc_reader import iter_records, load_response
from archive.warc_writer import HttpExchange, WarcConfig, WarcFileWriter
from tests.helpers import GBK_BODY, GZIP_BODY, exchange, pinned_writer

GOLDEN = Path(__file__).parent / "data" / "golden" / "exchange.warc.gz"


def _write_sample(directory: Path) -> Path:
    writer = pinned_writer(directory)
    writer.write_exchange(exchange("http://www.qianlong.com/yz/1.shtml", GBK_BODY,
                                   [(b"Content-Type", b"text/html; charset=gbk")]))
    writer.write_exchange(exchange("http://www.tibet.cn/cn/a.html", GZIP_BODY,
                                   [(b"Content-Type", b"text/html"), (b"Content-Encoding", b"gzip")]))
    writer.close()
    (path,) = directory.glob("*.warc.gz")
    return path


def test_golden_bytes(tmp_path: Path) -> None:
    path = _write_sample(tmp_path)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_bytes(path.read_bytes())
    assert path.name == "test-20250217004400-00001-testhost.warc.gz"
    assert path.read_bytes() == GOLDEN.read_bytes()


def test_contract_warcinfo_first_linked_records_digests(tmp_path: Path) -> None:
    path = _write_sample(tmp_path)
    with open(path, "rb") as stream:
        records = list((r.rec_type, dict(r.rec_headers.headers), r.content_stream().read()) for r in ArchiveIterator(stream))
    assert records[0][0] == "warcinfo"
    assert all(h["WARC-Type"] and h.get("WARC-Block-Digest") for _, h, _ in records)
    responses = [h for t, h, _ in records if t == "response"]
    requests = [h for t, h, _ in records if t == "request"]
    assert len(responses) == len(requests) == 2
    ids = {h["WARC-Record-ID"] for h in responses}
    assert {h["WARC-Concurrent-To"] for h in requests} == ids
    assert all(h["WARC-Payload-Digest"].startswith("sha1:") and h["WARC-IP-Address"] == "127.0.0.1" for h in responses)
    assert records[0][1]["WARC-Filename"] == path.name


def test_bodies_round_trip_byte_for_byte(tmp_path: Path) -> None:
    path = _write_sample(tmp_path)
    refs = list(iter_records(path))
    assert [r.url for r in refs] == ["http://www.qianlong.com/yz/1.shtml", "http://www.tibet.cn/cn/a.html"]
    assert load_response(path, refs[0].offset, refs[0].length).payload == GBK_BODY
    assert load_response(path, refs[1].offset, refs[1].length).payload == GZIP_BODY


def test_a_record_loads_by_its_final_name_while_the_file_is_still_open(tmp_path: Path) -> None:
    # A capture names the file its writer will rename to at close; a reader during the crawl (the
    # versions pass at spider close, a history lookup) must find the record all the same.
    writer = pinned_writer(tmp_path)
    ref = writer.write_exchange(exchange("http://www.tibet.cn/cn/a.html", GBK_BODY))
    assert not (tmp_path / ref.filename).exists() and (tmp_path / f"{ref.filename}.open").exists()
    assert load_response(tmp_path / ref.filename, ref.offset, ref.length).payload == GBK_BODY
    writer.close()
    assert load_response(tmp_path / ref.filename, ref.offset, ref.length).payload == GBK_BODY


def test_a_missing_warc_file_is_a_read_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(WarcReadError, match="gone.warc.gz"):
        load_response(tmp_path / "gone.warc.gz", 0, 10)


def test_warcio_check_passes(tmp_path: Path) -> None:
    path = _write_sample(tmp_path)
    result = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_refs_match_reader_offsets(tmp_path: Path) -> None:
    writer = pinned_writer(tmp_path)
    written = [writer.write_exchange(exchange(f"http://www.tibet.cn/{i}.html", b"x" * i)) for i in range(1, 6)]
    writer.close()
    read = list(iter_records(tmp_path / written[0].filename))
    assert [(r.offset, r.length, r.record_id, r.digest) for r in read] == [
        (w.offset, w.length, w.record_id, w.digest) for w in written
    ]


def test_rotation_and_open_suffix(tmp_path: Path) -> None:
    writer = pinned_writer(tmp_path, max_size=2048)
    for i in range(6):
        writer.write_exchange(exchange(f"http://www.tibet.cn/{i}.html", os.urandom(1500)))
        assert list(tmp_path.glob("*.open")), "the file being written carries .open"
    writer.close()
    assert not list(tmp_path.glob("*.open"))
    files = sorted(p.name for p in tmp_path.glob("*.warc.gz"))
    assert len(files) >= 3 and files == sorted(writer.files_written)
    for name in files:  # each rotated file starts with its own warcinfo
        with open(tmp_path / name, "rb") as stream:
            assert next(iter(ArchiveIterator(stream))).rec_type == "warcinfo"


def test_write_error_truncates_the_torn_record(tmp_path: Path) -> None:
    writer = pinned_writer(tmp_path)
    writer.write_exchange(exchange("http://www.tibet.cn/ok.html", b"fine"))
    assert writer._file is not None
    good_size = writer._file.tell()

    class Full:
        """A disk that takes part of one write, then is full."""

        def __init__(self, inner: BinaryIO) -> None:
            self.inner, self.calls = inner, 0

        def write(self, data: bytes) -> int:
            self.calls += 1
            if self.calls > 1:
                raise OSError(28, "No space left on device")
            return int(self.inner.write(bytes(data[: len(data) // 2])))

        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(self.inner, name)

    real = writer._file
    assert real is not None
    writer._file = Full(real)  # type: ignore[assignment]
    with pytest.raises(WarcWriteError, match="No space left"):
        writer.write_exchange(exchange("http://www.tibet.cn/torn.html", b"y" * 5000))
    assert real.tell() == good_size
    writer._file = real
    writer.close()
    (path,) = tmp_path.glob("*.warc.gz")
    assert path.stat().st_size == good_size
    assert [r.url for r in iter_records(path)] == ["http://www.tibet.cn/ok.html"]


def test_config_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_size"):
        WarcConfig(directory=tmp_path, max_size=10)
    with pytest.raises(ValueError, match="prefix"):
        WarcConfig(directory=tmp_path, prefix="a/b")


def test_unwritable_directory_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "warcs"
    writer = pinned_writer(target)
    target.rmdir()
    target.write_text("not a folder")  # root ignores permissions, so break the path itself
    with pytest.raises(WarcWriteError, match="cannot create WARC file"):
        writer.write_exchange(exchange("http://www.tibet.cn/x.html", b"x"))


def _records(directory: Path) -> list[tuple[str, dict[str, str], bytes]]:
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            out += [(r.rec_type, dict(r.rec_headers.headers), r.raw_stream.read()) for r in ArchiveIterator(stream)]
    return out


def test_request_lines_carry_the_http_version(tmp_path: Path) -> None:
    from archive.warc_writer import request_target

    path = _write_sample(tmp_path)
    with open(path, "rb") as stream:
        lines = [r.http_headers.protocol + " " + r.http_headers.statusline
                 for r in ArchiveIterator(stream) if r.rec_type == "request"]
    assert lines == ["GET /yz/1.shtml HTTP/1.1", "GET /cn/a.html HTTP/1.1"]
    assert request_target("http://tibet.cn") == "/"
    assert request_target("http://tibet.cn?a=1#x") == "/?a=1"
    assert request_target("http://tibet.cn/a/b.html?q=%E6#top") == "/a/b.html?q=%E6"


def test_warcinfo_names_operator_and_collection(tmp_path: Path) -> None:
    writer = WarcFileWriter(WarcConfig(tmp_path, operator="Aid Archive <archive@example.org>", is_part_of="aid-2025"))
    writer.write_exchange(exchange("http://www.tibet.cn/cn/a.html", b"x"))
    writer.close()
    info = _records(tmp_path)[0][2].decode("utf-8")
    assert "operator: Aid Archive <archive@example.org>\r\n" in info and "isPartOf: aid-2025\r\n" in info
    assert "isPartOf: test\r\n" in _records_of_sample(tmp_path / "sample")[0][2].decode("utf-8")  # default: prefix


def _records_of_sample(directory: Path) -> list[tuple[str, dict[str, str], bytes]]:
    _write_sample(directory)
    return _records(directory)


def _not_modified(url: str, moment: datetime | None = None) -> HttpExchange:
    return replace(exchange(url, b"", [(b"ETag", b'"v1"')], status=304, moment=moment), reason="Not Modified")


def test_revisits_refer_to_the_exact_original(tmp_path: Path) -> None:
    url = "http://www.tibet.cn/cn/aid_tibet/news/"
    first = pinned_writer(tmp_path)
    original = first.write_exchange(exchange(url, b"<html>list</html>", moment=datetime(2025, 2, 17, 0, 44, 0, 123456,
                                                                                         tzinfo=UTC)))
    same_crawl = first.write_revisit(_not_modified(url), url, "2025-02-17T00:44:00Z", original.digest)
    first.close()
    # a later crawl: its writer never saw the original and is told its date to the second (the catalog's)
    later = WarcFileWriter(replace(first.config, prefix="test"), clock=lambda: datetime(2025, 3, 1, tzinfo=UTC))
    scanned = later.write_revisit(_not_modified(url), url, "2025-02-17T00:44:00Z", original.digest)
    body = exchange(url, b"<html>list</html>")
    placed = later.write_revisit(body, url, "2025-02-17T00:44:00Z", original.digest,
                                 original=(original.filename, original.offset, original.length))
    unknown = later.write_revisit(body, "http://www.tibet.cn/never.html", "2025-01-01T00:00:00Z", original.digest)
    later.close()
    revisits = {h["WARC-Record-ID"]: h for t, h, _ in _records(tmp_path) if t == "revisit"}
    for ref in (same_crawl, scanned, placed):
        headers = revisits[ref.record_id]
        assert headers["WARC-Refers-To"] == original.record_id
        assert headers["WARC-Refers-To-Date"] == original.warc_date == "2025-02-17T00:44:00.123456Z"
        assert headers["WARC-Refers-To-Target-URI"] == url
    for ref in (same_crawl, scanned):  # 304: no payload, so no payload digest
        assert "WARC-Payload-Digest" not in revisits[ref.record_id]
        assert revisits[ref.record_id]["WARC-Profile"].endswith("/warc/1.1/revisit/server-not-modified")
        assert ref.digest == ""
    assert revisits[placed.record_id]["WARC-Payload-Digest"] == original.digest
    assert revisits[placed.record_id]["WARC-Profile"].endswith("/warc/1.1/revisit/identical-payload-digest")
    assert "WARC-Refers-To" not in revisits[unknown.record_id]
    assert revisits[unknown.record_id]["WARC-Refers-To-Date"] == "2025-01-01T00:00:00Z"
    for path in tmp_path.glob("*.warc.gz"):
        result = subprocess.run([str(Path(sys.executable).parent / "warcio"), "check", str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
