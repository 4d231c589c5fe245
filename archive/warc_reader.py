"""Read WARC files back: iterate response records with their places, load one record."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from archive.errors import WarcReadError
from archive.surt import cdx_timestamp, surt
from archive.warc_writer import OPEN_SUFFIX, RecordRef

CAPTURE_TYPES = ("response", "revisit")


@dataclass(frozen=True)
class StoredResponse:
    """A response record loaded from a WARC file: raw headers and payload bytes."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    payload: bytes
    record_type: str


def warc_files(directory: Path) -> list[Path]:
    """The finished WARC files of ``directory``, sorted by name."""
    return sorted(p for p in directory.glob("*.warc.gz") if p.is_file())


def _timestamp_of(warc_date: str) -> str:
    return cdx_timestamp(datetime.fromisoformat(warc_date.replace("Z", "+00:00")))


def whole_gzip_member(path: Path, offset: int, length: int) -> bool:
    """True when ``[offset, offset + length)`` of ``path`` is one complete gzip member.

    warcio reads a member cut short as a silent end of stream, so a torn last record looks whole to
    it; only the member's own end marker (and CRC) tells. Records are written one member each.
    """
    if not path.name.removesuffix(OPEN_SUFFIX).endswith(".gz"):
        return True
    if offset < 0 or length <= 0:  # warcio lost track of the record's place in damaged bytes
        return False
    with open(path, "rb") as stream:
        stream.seek(offset)
        chunk = stream.read(length)
    inflater = zlib.decompressobj(wbits=31)
    try:
        while chunk and not inflater.eof:
            inflater.decompress(chunk, 1 << 20)
            chunk = inflater.unconsumed_tail
    except zlib.error:
        return False
    return inflater.eof and not inflater.unused_data


def iter_records(path: Path) -> Iterator[RecordRef]:
    """Yield a :class:`RecordRef` for every response and revisit record of ``path``."""
    end = 0  # where the last whole record ends: errors say how far the file is good
    try:
        size = path.stat().st_size
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream, arc2warc=False, check_digests="raise")
            for record in records:
                capture = record.rec_type in CAPTURE_TYPES
                if capture and not record.rec_headers.get_header("WARC-Target-URI"):
                    raise WarcReadError(f"{path}: {record.rec_type} record after offset {end} has no WARC-Target-URI")
                # Read the payload: the digest check runs and the iterator learns the record's length.
                (record.content_stream() if capture else record.raw_stream).read()
                offset, length = records.get_record_offset(), records.get_record_length()
                if offset != end or length <= 0:  # each record starts where the last ended; damage breaks that
                    raise WarcReadError(f"{path}: unreadable WARC data after offset {end} (a record at {offset}, "
                                        f"{length} bytes long)")
                if offset + length == size and not whole_gzip_member(path, offset, length):
                    # the torn tail is reported, never handed out as a capture
                    raise WarcReadError(f"{path}: torn record at offset {offset} ({size - offset} trailing bytes)")
                end = offset + length
                if capture:
                    yield _capture_ref(path, record, offset, length)
    except (ArchiveLoadFailed, EOFError, OSError, ValueError, zlib.error, LookupError, TypeError, AttributeError) as exc:
        # warcio meets damaged bytes with many exception types (a flipped bit can land anywhere)
        raise WarcReadError(f"{path}: unreadable WARC data after offset {end} ({exc})") from exc
    if end != size:
        # Trailing bytes after the last record warcio could read: the start of a torn record.
        raise WarcReadError(f"{path}: torn record at offset {end} ({size - end} trailing bytes)")


def _capture_ref(path: Path, record: ArcWarcRecord, offset: int, length: int) -> RecordRef:
    headers = record.rec_headers
    http = record.http_headers
    url = headers.get_header("WARC-Target-URI")
    date = headers.get_header("WARC-Date")
    status, mime = 0, "unk"
    if http is not None:
        status = int(http.get_statuscode() or 0)
        mime = (http.get_header("Content-Type") or "unk").split(";")[0].strip().lower()
    return RecordRef(
        url=url,
        urlkey=surt(url),
        timestamp=_timestamp_of(date),
        status=status,
        mime=mime or "unk",
        digest=headers.get_header("WARC-Payload-Digest") or "",
        filename=path.name,
        offset=offset,
        length=length,
        record_id=headers.get_header("WARC-Record-ID"),
        record_type=record.rec_type,
        warc_date=date,
    )


def _read_place(path: Path, offset: int, length: int) -> bytes:
    """``length`` bytes at ``offset`` of ``path``, or of ``path.open`` while its writer still has it.

    Captures name a WARC file by its final name from the first record on, but the writer renames
    ``NAME.open`` to ``NAME`` only when it closes the file: what reads records during the crawl
    (the versions pass at spider close, history lookups) finds them under the open name.
    """
    for candidate in (path, path.with_name(path.name + OPEN_SUFFIX), path):  # the rename may fall in between
        try:
            with open(candidate, "rb") as stream:
                stream.seek(offset)
                return stream.read(length)
        except FileNotFoundError:
            continue
    raise FileNotFoundError(f"no such WARC file: {path} (nor {path.name}{OPEN_SUFFIX})")


def load_response(path: Path, offset: int, length: int, decoded: bool = False) -> StoredResponse:
    """Load one record by place: its HTTP headers and payload, as stored or (``decoded``) with
    its Content-Encoding (gzip, deflate, br) undone."""
    try:
        chunk = _read_place(path, offset, length)
        record = next(iter(ArchiveIterator(io.BytesIO(chunk))))
        http = record.http_headers
        payload = record.content_stream().read() if decoded else record.raw_stream.read()
    except (StopIteration, ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        raise WarcReadError(f"{path}@{offset}: cannot load record ({exc})") from exc
    return StoredResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=int(http.get_statuscode() or 0) if http else 0,
        headers=list(http.headers) if http else [],
        payload=payload,
        record_type=record.rec_type,
    )
