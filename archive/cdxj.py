"""A sorted CDXJ index of the catalog's captures, in the form pywb reads and cdxj-indexer writes.

``urlkey timestamp {"url", "mime", "status", "digest", "length", "offset", "filename"}`` per line,
sorted as bytes (pywb binary-searches the file; an unsorted index makes most lookups miss). Each line
is the one cdxj-indexer (py-wacz's indexer) writes for the same record, byte for byte, except where
docs/formats.md says: 304 revisits are left out, and a missing or upper-case Content-Type is the
catalog's lower-cased ``mime`` (``unk`` when there was none).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select

from archive.catalog import Catalog
from archive.catalog.models import Capture


def cdxj_line(c: Capture) -> str:
    fields = {
        "url": c.url,
        "mime": "warc/revisit" if c.record_type == "revisit" else c.mime,
        "status": str(c.status),
        "digest": c.digest,
        "length": str(c.length),
        "offset": str(c.offset),
        "filename": c.filename,
    }
    return f"{c.urlkey} {c.timestamp} {json.dumps(fields)}"


def replayable(c: Capture) -> bool:
    """A 304 revisit only says "not modified": it has no payload, and pywb would replay it as a bare
    304, so replay shows the capture before it instead (the record stays in the WARC and catalog)."""
    return not (c.record_type == "revisit" and c.status == 304)


def cdxj_lines(catalog: Catalog) -> list[str]:
    with catalog.session() as session:
        lines = [cdxj_line(c) for c in session.scalars(select(Capture)) if replayable(c)]
    lines.sort(key=lambda line: line.encode("utf-8"))
    return lines


def write_cdxj(catalog: Catalog, path: Path) -> int:
    """Write the index atomically (a replay reading it never sees half a file); returns the line count."""
    lines = cdxj_lines(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(partial, path)
    return len(lines)
