"""Finish WARC files a dead process left open: cut a torn last record, give the file its final name.

Only for a data folder no crawl is writing to (``aidnews index --repair``).
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.warc_reader import whole_gzip_member
from archive.warc_writer import OPEN_SUFFIX

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repaired:
    name: str
    cut_bytes: int  # bytes removed after the last complete record


def complete_length(path: Path) -> int:
    """Bytes of ``path`` up to the end of its last complete record."""
    end = 0
    last = (0, 0)
    try:
        with open(path, "rb") as stream:
            records = ArchiveIterator(stream, check_digests="raise")
            for record in records:
                record.content_stream().read()
                offset, length = records.get_record_offset(), records.get_record_length()
                if offset != end or length <= 0:
                    break  # warcio lost track of where records are: keep what came before
                last = (offset, length)
                end = offset + length
    except Exception as exc:  # a torn tail raises one of many errors; keep what was complete
        logger.info("%s: stops being readable after byte %d (%s)", path.name, end, exc)
    if last[1] and not whole_gzip_member(path, *last):
        end = last[0]  # warcio read a member cut short as if it ended there
    return end


def repair_file(path: Path) -> Repaired:
    """Truncate ``path`` to its complete records (and rename a ``.open`` file to its final name)."""
    size = path.stat().st_size
    keep = complete_length(path)
    if keep < size:
        with open(path, "r+b") as stream:
            stream.truncate(keep)
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    if final != path:
        os.replace(path, final)
    return Repaired(final.name, size - keep)


def _abandoned(path: Path) -> bool:
    """True when no live writer holds the file (writers keep an exclusive lock on their .open file)."""
    with open(path, "rb") as stream:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
    return True


def repair_folder(directory: Path, include_closed: bool = False) -> list[Repaired]:
    """Repair every abandoned ``.open`` file (and, with ``include_closed``, every torn ``.warc.gz``).

    A file a running crawl is writing is left alone, so this is safe beside a live crawl."""
    targets = [p for p in sorted(directory.glob(f"*.warc.gz{OPEN_SUFFIX}")) if _abandoned(p)]
    if include_closed:
        targets += [p for p in sorted(directory.glob("*.warc.gz")) if complete_length(p) != p.stat().st_size]
    return [repair_file(p) for p in targets]
