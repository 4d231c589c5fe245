"""Export the archive as a WACZ 1.1.1 package that other tools (ReplayWeb.page, pywb) open.

archive/ holds the WARC files (whole files that carry the selected captures), indexes/ an index of
their captures (CDXJ in indexes/index.cdx.gz), pages/pages.jsonl the article pages with titles, datapackage.json every file's
sha256 and size, datapackage-digest.json the digest of datapackage.json. Files are stored, not
deflated: WARCs are gzip already and readers seek into them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from archive.catalog import Catalog
from archive.catalog.models import Article, Capture
from archive.cdxj import cdxj_line, replayable

WACZ_VERSION = "1.1.1"


@dataclass(frozen=True)
class WaczSummary:
    path: Path
    warc_files: int
    captures: int
    pages: int


def _iso(timestamp: str) -> str:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_wacz(catalog: Catalog, warcs: Path, output: Path, source: str | None = None,
                since: datetime | None = None, title: str = "aidnews archive",
                clock: datetime | None = None) -> WaczSummary:
    """Write ``output``; ``source`` and ``since`` select captures (and so the WARC files carried)."""
    query = select(Capture)
    if source:
        query = query.where(Capture.source_id == source)
    if since:
        query = query.where(Capture.timestamp >= since.astimezone(UTC).strftime("%Y%m%d%H%M%S"))
    with catalog.session() as session:
        captures = list(session.scalars(query))
        titles = dict(session.execute(select(Article.record_id, Article.title)).all())
    files = sorted({c.filename for c in captures})
    missing = [f for f in files if not (warcs / f).exists()]
    if missing:
        raise FileNotFoundError(f"WARC file(s) named in the catalog are missing: {', '.join(missing[:3])}")
    index = sorted((cdxj_line(c) for c in captures if replayable(c)), key=lambda line: line.encode("utf-8"))
    pages = [{"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}]
    for c in sorted(captures, key=lambda c: (c.timestamp, c.url)):
        if c.record_type == "response" and c.status == 200 and c.mime == "text/html":
            entry = {"id": uuid.uuid5(uuid.NAMESPACE_URL, c.record_id).hex, "url": c.url, "ts": _iso(c.timestamp)}
            if titles.get(c.record_id):
                entry["title"] = titles[c.record_id]
            pages.append(entry)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    resources = []
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as package:
        def add(name: str, data: bytes | None = None, source_path: Path | None = None) -> None:
            digest = hashlib.sha256()
            if source_path is not None:
                package.write(source_path, name)
                size = source_path.stat().st_size
                with open(source_path, "rb") as stream:
                    for block in iter(lambda: stream.read(1 << 20), b""):
                        digest.update(block)
            else:
                assert data is not None
                package.writestr(name, data)
                size = len(data)
                digest.update(data)
            resources.append({"name": Path(name).name, "path": name, "hash": f"sha256:{digest.hexdigest()}",
                              "bytes": size})

        for name in files:
            add(f"archive/{name}", source_path=warcs / name)
        # CDXJ lines, gzipped, under the name WACZ readers look for (pywb unpacks *.cdx / *.cdx.gz).
        add("indexes/index.cdx.gz", gzip.compress("".join(line + "\n" for line in index).encode("utf-8"), mtime=0))
        add("pages/pages.jsonl", "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages).encode("utf-8"))
        created = (clock or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        package_json = json.dumps({
            "profile": "data-package", "wacz_version": WACZ_VERSION, "title": title, "created": created,
            "modified": created, "software": "aidnews 0.1", "mainPageURL": pages[1]["url"] if len(pages) > 1 else "",
            "resources": resources,
        }, ensure_ascii=False, indent=1).encode("utf-8")
        package.writestr("datapackage.json", package_json)
        package.writestr("datapackage-digest.json", json.dumps(
            {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(package_json).hexdigest()}"}))
    partial.replace(output)
    return WaczSummary(output, len(files), len(captures), len(pages) - 1)
