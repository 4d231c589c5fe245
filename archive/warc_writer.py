"""Write HTTP exchanges to rotating WARC/1.1 files, byte for byte.

Policy (what to record) lives with the caller; this module only knows how
to write: a ``warcinfo`` record first in every file, then ``request`` and
``response`` (or ``revisit``) records, one gzip member each, with payload and
block digests. Files are written as ``NAME.open`` and renamed to ``NAME``
when closed, so a ``*.warc.gz`` file is always complete.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import WarcWriteError
from archive.surt import cdx_timestamp, surt, warc_date

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
SOFTWARE = "aidnews/0.1 (warcio)"
# Hop-by-hop framing the HTTP client already undid: the stored body is the
# de-chunked entity, so keeping this header would make readers de-chunk twice.
_DROPPED_RESPONSE_HEADERS = {b"transfer-encoding"}

Header = tuple[bytes, bytes]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


@dataclass(frozen=True)
class WarcConfig:
    """Where and how WARC files are written."""

    directory: Path
    prefix: str = "aidnews"
    max_size: int = 1_000_000_000
    hostname: str = field(default_factory=socket.gethostname)
    operator: str = ""
    description: str = "aidnews crawl"
    user_agent: str = ""
    robots: str = "obey"

    def __post_init__(self) -> None:
        if self.max_size < 1024:
            raise ValueError(f"WARC max_size must be at least 1024 bytes, got {self.max_size}")
        if not self.prefix or "/" in self.prefix:
            raise ValueError(f"WARC prefix must be a non-empty file-name part, got {self.prefix!r}")


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request and its response, as bytes on the wire."""

    url: str
    method: str
    request_headers: Sequence[Header]
    request_body: bytes
    status: int
    reason: str
    response_headers: Sequence[Header]
    body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None
    fetched_at: datetime | None = None
    truncated: str = ""  # WARC-Truncated reason ("disconnect": the connection closed before the whole body)


@dataclass(frozen=True)
class RecordRef:
    """Where one response (or revisit) record sits, in CDX vocabulary."""

    url: str
    urlkey: str
    timestamp: str
    status: int
    mime: str
    digest: str
    filename: str
    offset: int
    length: int
    record_id: str
    record_type: str = "response"
    warc_date: str = ""


def _headers_to_str(headers: Sequence[Header]) -> list[tuple[str, str]]:
    # latin-1 maps every byte to one code point, so header bytes survive.
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]


def _mime_of(headers: Sequence[Header]) -> str:
    for key, value in headers:
        if key.lower() == b"content-type":
            return value.split(b";")[0].strip().decode("latin-1").lower() or "unk"
    return "unk"


class WarcFileWriter:
    """Append exchanges to WARC files, rotating at ``config.max_size``.

    ``clock``, ``record_id`` and ``config.hostname`` are injectable so tests
    can pin them and compare golden bytes.
    """

    def __init__(
        self,
        config: WarcConfig,
        clock: Callable[[], datetime] = _utc_now,
        record_id: Callable[[], str] = _new_record_id,
    ) -> None:
        self.config = config
        self.clock = clock
        self.record_id = record_id
        self._serial = 0
        self._file: BinaryIO | None = None
        self._pending = io.BytesIO()  # one record, serialised before it touches the file
        self._writer: WARCWriter | None = None
        self._filename = ""
        self.files_written: list[str] = []
        self.records_written = 0
        config.directory.mkdir(parents=True, exist_ok=True)

    # -- file lifecycle -------------------------------------------------
    @property
    def current_filename(self) -> str:
        return self._filename

    def _open_next(self, moment: datetime) -> None:
        self._serial += 1
        stamp = moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        host = self.config.hostname.replace("-", "_").replace("/", "_") or "localhost"
        name = f"{self.config.prefix}-{stamp}-{self._serial:05d}-{host}.warc.gz"
        path = self.config.directory / name
        while path.exists() or path.with_name(name + OPEN_SUFFIX).exists():
            self._serial += 1
            name = f"{self.config.prefix}-{stamp}-{self._serial:05d}-{host}.warc.gz"
            path = self.config.directory / name
        try:
            # Unbuffered: each record reaches the file in one write we can undo, never half in a buffer.
            self._file = open(path.with_name(name + OPEN_SUFFIX), "wb", buffering=0)
            # Held while writing: `aidnews index --repair` only finishes .open files nobody holds,
            # and the kernel drops the lock when a killed writer dies.
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise WarcWriteError(f"cannot create WARC file in {self.config.directory}: {exc}") from exc
        self._writer = WARCWriter(self._pending, gzip=True, warc_version="1.1")
        self._filename = name
        self._write_warcinfo(moment)

    def _write_warcinfo(self, moment: datetime) -> None:
        assert self._writer is not None
        fields = {
            "software": SOFTWARE,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self.config.hostname,
            "operator": self.config.operator,
            "description": self.config.description,
            "robots": self.config.robots,
            "http-header-user-agent": self.config.user_agent,
        }
        body = "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v).encode("utf-8")
        record = self._writer.create_warc_record(
            "",
            "warcinfo",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={
                "WARC-Record-ID": self.record_id(),
                "WARC-Date": warc_date(moment),
                "WARC-Filename": self._filename,
            },
        )
        self._write_raw(self._writer, record)

    def close(self) -> None:
        """Finish the current file and give it its final name.

        If the rename fails (a read-only or full disk), the file stays ``.open`` and complete up to its
        last record: `aidnews index --repair` finishes it later.
        """
        if self._file is None:
            return
        self._file.close()
        final = self.config.directory / self._filename
        self._file = None
        self._writer = None
        try:
            os.replace(final.with_name(self._filename + OPEN_SUFFIX), final)
        except OSError as exc:
            logger.error("cannot rename %s%s to its final name (%s); `aidnews index --repair` finishes it",
                         final, OPEN_SUFFIX, exc)
            return
        self.files_written.append(self._filename)
        logger.info("closed WARC file %s", final)

    def _ensure_file(self, moment: datetime) -> WARCWriter:
        if self._file is not None and self._file.tell() >= self.config.max_size:
            self.close()
        if self._file is None:
            self._open_next(moment)
        assert self._writer is not None
        return self._writer

    # -- records --------------------------------------------------------
    def write_exchange(self, exchange: HttpExchange) -> RecordRef:
        """Write ``request`` + ``response`` records; return the response's place."""
        moment = exchange.fetched_at or self.clock()
        writer = self._ensure_file(moment)
        date = warc_date(moment)
        response_id = self.record_id()
        common = {"WARC-Date": date}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address
        extra = {"WARC-Truncated": exchange.truncated} if exchange.truncated else {}
        response_headers = [
            h for h in exchange.response_headers if h[0].lower() not in _DROPPED_RESPONSE_HEADERS
        ]
        http_response = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            _headers_to_str(response_headers),
            protocol=exchange.protocol,
        )
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            warc_headers_dict={"WARC-Record-ID": response_id, **common, **extra},
            http_headers=http_response,
        )
        ref = self._write(writer, response, exchange, moment, "response")
        path = exchange.url.split("://", 1)[-1].partition("/")
        request_line = f"{exchange.method} /{path[2]}"
        http_request = StatusAndHeaders(
            request_line, _headers_to_str(exchange.request_headers), protocol=exchange.protocol,
            is_http_request=True,
        )
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            warc_headers_dict={
                "WARC-Record-ID": self.record_id(),
                "WARC-Concurrent-To": response_id,
                **common,
            },
            http_headers=http_request,
        )
        self._write_raw(writer, request)
        return ref

    def write_revisit(
        self, exchange: HttpExchange, refers_to_uri: str, refers_to_date: str, digest: str
    ) -> RecordRef:
        """Write a ``revisit`` record: identical payload digest, or (a 304) server-not-modified."""
        moment = exchange.fetched_at or self.clock()
        writer = self._ensure_file(moment)
        headers = {"WARC-Record-ID": self.record_id(), "WARC-Date": warc_date(moment)}
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        http_response = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            _headers_to_str(exchange.response_headers),
            protocol=exchange.protocol,
        )
        record = writer.create_revisit_record(
            exchange.url, digest, refers_to_uri, refers_to_date,
            http_headers=http_response, warc_headers_dict=headers,
        )
        if exchange.status == 304:
            record.rec_headers.replace_header("WARC-Profile", SERVER_NOT_MODIFIED)
        return self._write(writer, record, exchange, moment, "revisit")

    def _write_raw(self, writer: WARCWriter, record: object) -> tuple[int, int]:
        assert self._file is not None
        offset = self._file.tell()
        self._pending.seek(0)
        self._pending.truncate()
        writer.write_record(record)
        data = self._pending.getbuffer()
        length = len(data)
        try:
            written = 0
            while written < len(data):  # an unbuffered write may be partial
                written += self._file.write(data[written:]) or 0
        except OSError as exc:
            # Cut the torn record so the file ends on a record boundary (and a full disk gets its space back).
            try:
                self._file.truncate(offset)
                self._file.seek(offset)
            except OSError:
                pass
            raise WarcWriteError(f"cannot write WARC record to {self._filename}: {exc}") from exc
        finally:
            data.release()
        self.records_written += 1
        return offset, length

    def _write(
        self, writer: WARCWriter, record: object, exchange: HttpExchange, moment: datetime, kind: str
    ) -> RecordRef:
        offset, length = self._write_raw(writer, record)
        rec_headers = record.rec_headers  # type: ignore[attr-defined]
        return RecordRef(
            url=exchange.url,
            urlkey=surt(exchange.url),
            timestamp=cdx_timestamp(moment),
            status=exchange.status,
            mime=_mime_of(exchange.response_headers),
            digest=rec_headers.get_header("WARC-Payload-Digest") or "",
            filename=self._filename,
            offset=offset,
            length=length,
            record_id=rec_headers.get_header("WARC-Record-ID"),
            record_type=kind,
            warc_date=rec_headers.get_header("WARC-Date"),
        )
