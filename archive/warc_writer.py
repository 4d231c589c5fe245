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
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.errors import WarcWriteError
from archive.surt import cdx_timestamp, surt, warc_date

logger = logging.getLogger(__name__)

OPEN_SUFFIX = ".open"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
_REMEMBERED = 10_000  # responses remembered for revisits in the same crawl
# WARC bytes one writer reads to find revisits' originals when the caller does not say where they are
SCAN_BUDGET = 4_000_000_000
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
    is_part_of: str = ""  # warcinfo isPartOf: the collection these files belong to (default: the prefix)

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
        # (url, payload digest) -> (record id, WARC-Date) of responses written lately: what a revisit refers to
        self._originals: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()
        self._scanned: dict[str, dict[tuple[str, str], list[tuple[str, str]]]] = {}
        self._scan_left = SCAN_BUDGET
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
            "isPartOf": self.config.is_part_of or self.config.prefix,
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
        # warcio reads a request's status line as "METHOD rest": the HTTP version goes in the line itself.
        http_request = StatusAndHeaders(
            f"{exchange.method} {request_target(exchange.url)} {exchange.protocol}",
            _headers_to_str(exchange.request_headers), is_http_request=True,
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
        self, exchange: HttpExchange, refers_to_uri: str, refers_to_date: str, digest: str,
        *, refers_to: str = "", original: tuple[str, int, int] | None = None,
    ) -> RecordRef:
        """Write a ``revisit`` record: identical payload digest, or (a 304) server-not-modified.

        The record names the capture it revisits by URI, by ``WARC-Refers-To`` (its record id) and by
        ``WARC-Refers-To-Date`` (its exact ``WARC-Date``). Both are read from that record when it can be
        found: written by this writer lately, at ``original`` (file name, offset, length in the WARC
        folder), or else looked up in the folder's files by URI, digest and ``refers_to_date`` (which
        may be given to the second). A 304 carries no payload, so it has no ``WARC-Payload-Digest``
        (as Heritrix writes it; see docs/formats.md).
        """
        moment = exchange.fetched_at or self.clock()
        writer = self._ensure_file(moment)
        found = self._original(refers_to_uri, refers_to_date, digest, original)
        if found:
            refers_to = refers_to or found[0]
            refers_to_date = found[1]
        headers = {"WARC-Record-ID": self.record_id(), "WARC-Date": warc_date(moment)}
        if exchange.ip_address:
            headers["WARC-IP-Address"] = exchange.ip_address
        not_modified = exchange.status == 304
        headers["WARC-Profile"] = SERVER_NOT_MODIFIED if not_modified else IDENTICAL_PAYLOAD
        if refers_to:
            headers["WARC-Refers-To"] = refers_to
        headers["WARC-Refers-To-Target-URI"] = refers_to_uri
        headers["WARC-Refers-To-Date"] = _normal_date(refers_to_date)
        if not not_modified:
            headers["WARC-Payload-Digest"] = digest
        http_response = StatusAndHeaders(
            f"{exchange.status} {exchange.reason}".strip(),
            _headers_to_str(exchange.response_headers),
            protocol=exchange.protocol,
        )
        record = writer.create_warc_record(
            exchange.url, "revisit", payload=io.BytesIO(b""), length=0, http_headers=http_response,
            warc_headers_dict=headers,
        )
        return self._write(writer, record, exchange, moment, "revisit")

    # -- the records revisits refer to ---------------------------------------
    def _original(self, uri: str, date: str, digest: str,
                  place: tuple[str, int, int] | None) -> tuple[str, str] | None:
        """(record id, WARC-Date) of the response a revisit refers to, or None when it cannot be found."""
        known = self._originals.get((uri, digest))
        if known and _same_moment(known[1], date):
            return known
        if place is not None:
            found = _record_identity(self.config.directory / place[0], place[1], place[2])
            if found and (not digest or found[2] == digest):
                return found[0], found[1]
        return self._scan(uri, date, digest)

    def _scan(self, uri: str, date: str, digest: str) -> tuple[str, str] | None:
        """Look in the folder's WARC files that opened before ``date`` (newest first), each read once."""
        try:
            moment = _parse_date(date)
        except ValueError:
            return None
        stamp = moment.strftime("%Y%m%d%H%M%S")
        candidates = []
        for path in self.config.directory.glob(f"{self.config.prefix}-*.warc.gz"):
            parts = path.name.split("-")
            if len(parts) >= 3 and parts[-3].isdigit() and parts[-3] <= stamp:
                candidates.append((parts[-3], path))
        for _, path in sorted(candidates, reverse=True):
            if path.name not in self._scanned:
                size = path.stat().st_size
                if size > self._scan_left:
                    if self._scan_left >= 0:
                        logger.warning("revisits: %s WARC bytes read to find originals; later revisits without "
                                       "their original's place keep the date they were given", SCAN_BUDGET)
                        self._scan_left = -1
                    return None
                self._scan_left -= size
                self._scanned[path.name] = _file_identities(path)
            for record_id, record_date in self._scanned[path.name].get((uri, digest), []):
                if _same_moment(record_date, date):
                    return record_id, record_date
        logger.debug("revisit of %s: no record of %s with digest %s in %s", uri, date, digest, self.config.directory)
        return None

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
        ref = RecordRef(
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
        if kind == "response":
            self._originals[(ref.url, ref.digest)] = (ref.record_id, ref.warc_date)
            if len(self._originals) > _REMEMBERED:
                self._originals.popitem(last=False)
        return ref


def request_target(url: str) -> str:
    """The request line's target: path and query as sent, without the fragment."""
    rest = url.split("://", 1)[-1].split("#", 1)[0]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    target = rest[cut:]
    return target if target.startswith("/") else "/" + target


def _parse_date(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _normal_date(value: str) -> str:
    try:
        moment = _parse_date(value)
    except ValueError:
        return value
    # to the second when given so (an unknown original keeps the precision it came with)
    return warc_date(moment) if moment.microsecond else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _same_moment(record_date: str, wanted: str) -> bool:
    """True when ``record_date`` is ``wanted``, or ``wanted`` is it to the second."""
    try:
        have, want = _parse_date(record_date), _parse_date(wanted)
    except ValueError:
        return False
    return have == want or (not want.microsecond and have.replace(microsecond=0) == want)


def _record_identity(path: Path, offset: int, length: int) -> tuple[str, str, str] | None:
    """(record id, WARC-Date, payload digest) of the record at ``offset`` of ``path``."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            chunk = stream.read(length)
        record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
    except (OSError, StopIteration, ArchiveLoadFailed, ValueError, EOFError):
        return None
    headers = record.rec_headers
    return (headers.get_header("WARC-Record-ID") or "", headers.get_header("WARC-Date") or "",
            headers.get_header("WARC-Payload-Digest") or "")


def _file_identities(path: Path) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(url, payload digest) -> [(record id, WARC-Date)] of the response records of one WARC file."""
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    try:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                headers = record.rec_headers
                key = (headers.get_header("WARC-Target-URI") or "", headers.get_header("WARC-Payload-Digest") or "")
                found.setdefault(key, []).append((headers.get_header("WARC-Record-ID") or "",
                                                  headers.get_header("WARC-Date") or ""))
    except (OSError, ArchiveLoadFailed, ValueError, EOFError) as exc:
        logger.warning("%s: cannot read it for revisit references (%s)", path, exc)
    return found
