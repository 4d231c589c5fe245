"""Small builders shared by tests."""

from __future__ import annotations

import gzip
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.warc_writer import HttpExchange, WarcConfig, WarcFileWriter

START = datetime(2025, 2, 17, 0, 44, 0, tzinfo=UTC)


def pinned_writer(directory: Path, max_size: int = 1_000_000) -> WarcFileWriter:
    """A writer whose clock, record ids and hostname are fixed, for golden bytes."""
    ticks = itertools.count()
    ids = itertools.count(1)
    return WarcFileWriter(
        WarcConfig(directory=directory, prefix="test", max_size=max_size, hostname="testhost",
                   user_agent="aidnews-test"),
        clock=lambda: START + timedelta(seconds=next(ticks)),
        record_id=lambda: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>",
    )


GBK_BODY = "<html><head><meta charset='gbk'><title>援藏</title></head><body>对口援藏30年</body></html>".encode("gbk")
GZIP_BODY = gzip.compress("<html><body>对口支援结硕果</body></html>".encode(), mtime=0)


def exchange(url: str, body: bytes, headers: list[tuple[bytes, bytes]] | None = None, status: int = 200,
             moment: datetime | None = None) -> HttpExchange:
    return HttpExchange(
        url=url, method="GET",
        request_headers=[(b"Host", b"www.tibet.cn"), (b"User-Agent", b"aidnews-test"), (b"Accept-Encoding", b"gzip")],
        request_body=b"", status=status, reason="OK" if status == 200 else "",
        response_headers=headers or [(b"Content-Type", b"text/html; charset=utf-8"),
                                     (b"Content-Length", str(len(body)).encode())],
        body=body, ip_address="127.0.0.1", fetched_at=moment,
    )
