"""Export the archive as a WACZ 1.1.1 package that ReplayWeb.page, pywb and py-wacz open.

``archive/`` holds the WARC files (whole files that carry the selected captures); ``indexes/`` the
CDXJ index of their captures, plain up to ``zipnum_above`` lines (read whole by ReplayWeb.page) in
``indexes/index.cdx`` (CDXJ lines under the ``.cdx`` name: ReplayWeb.page reads ``.cdx`` and
``.cdxj``, pywb's ``wb-manager add --unpack-wacz`` only ``.cdx`` and ``.cdx.gz``), and above that as
ZipNum: ``indexes/index.cdx.gz``, gzip members of
``block_lines`` lines each, and ``indexes/index.idx``, the first key of every block with its offset,
length and sha256, so a reader fetches only the block a lookup needs. (A single gzip of the whole
index with no ``.idx`` is read by nobody.) ``pages/pages.jsonl`` lists the HTML pages with their
titles and, for articles, their text (py-wacz's ``--text``, ``hasText``), so ReplayWeb.page's search
finds words of the articles. ``datapackage.json`` gives every file's sha256 and size,
``datapackage-digest.json`` the digest of ``datapackage.json``. Files are stored, not deflated:
WARCs are gzip already and readers seek into them.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from archive.catalog import Catalog
from archive.catalog.models import Article, Capture
from archive.cdxj import cdxj_line, replayable

WACZ_VERSION = "1.1.1"
ZIPNUM_ABOVE = 20_000  # index lines; ReplayWeb.page loads a plain index whole into the browser's database
BLOCK_LINES = 1000  # lines per ZipNum block: one lookup reads one block


@dataclass(frozen=True)
class WaczSummary:
    path: Path
    warc_files: int
    captures: int
    pages: int
    index: str = "indexes/index.cdx"  # or "indexes/index.idx" (ZipNum)


def _iso(timestamp: str) -> str:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zipnum(lines: list[str], block_lines: int = BLOCK_LINES) -> tuple[bytes, bytes]:
    """``(index.cdx.gz, index.idx)`` for sorted CDXJ ``lines``, in cdxj-indexer's ZipNum layout."""
    if block_lines < 1:
        raise ValueError(f"block_lines must be >= 1, got {block_lines}")
    data = bytearray()
    idx = ["!meta 0 " + json.dumps({"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"})]
    for start in range(0, len(lines), block_lines):
        block = gzip.compress("".join(line + "\n" for line in lines[start:start + block_lines]).encode("utf-8"),
                              mtime=0)
        key = lines[start].split("{", 1)[0].strip()
        idx.append(key + " " + json.dumps({"offset": len(data), "length": len(block),
                                           "digest": "sha256:" + hashlib.sha256(block).hexdigest()}))
        data += block
    return bytes(data), "".join(line + "\n" for line in idx).encode("utf-8")


def page_entries(captures: list[Capture], articles: dict[str, tuple[str, str]]) -> Iterator[dict[str, str]]:
    """pages.jsonl entries: every archived HTML page (200), with the article's title and text."""
    for c in sorted(captures, key=lambda c: (c.timestamp, c.url)):
        if c.record_type == "response" and c.status == 200 and c.mime == "text/html":
            entry = {"id": uuid.uuid5(uuid.NAMESPACE_URL, c.record_id).hex, "url": c.url, "ts": _iso(c.timestamp)}
            title, text = articles.get(c.record_id, ("", ""))
            if title:
                entry["title"] = title
            if text:
                entry["text"] = text
            yield entry


def export_wacz(catalog: Catalog, warcs: Path, output: Path, source: str | None = None,
                since: datetime | None = None, title: str = "aidnews archive",
                clock: datetime | None = None, zipnum_above: int = ZIPNUM_ABOVE,
                block_lines: int = BLOCK_LINES) -> WaczSummary:
    """Write ``output``; ``source`` and ``since`` select captures (and so the WARC files carried)."""
    query = select(Capture)
    if source:
        query = query.where(Capture.source_id == source)
    if since:
        query = query.where(Capture.timestamp >= since.astimezone(UTC).strftime("%Y%m%d%H%M%S"))
    with catalog.session() as session:
        captures = list(session.scalars(query))
        articles = {r: (t or "", x or "") for r, t, x in session.execute(
            select(Article.record_id, Article.title, Article.text)).all()}
    files = sorted({c.filename for c in captures})
    missing = [f for f in files if not (warcs / f).exists()]
    if missing:
        raise FileNotFoundError(f"WARC file(s) named in the catalog are missing: {', '.join(missing[:3])}")
    index = sorted((cdxj_line(c) for c in captures if replayable(c)), key=lambda line: line.encode("utf-8"))
    pages = list(page_entries(captures, articles))
    header: dict[str, object] = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
    if any("text" in p for p in pages):
        header["hasText"] = True
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
        if len(index) > zipnum_above:
            blocks, idx = zipnum(index, block_lines)
            add("indexes/index.cdx.gz", blocks)
            add("indexes/index.idx", idx)
            index_name = "indexes/index.idx"
        else:
            add("indexes/index.cdx", "".join(line + "\n" for line in index).encode("utf-8"))
            index_name = "indexes/index.cdx"
        add("pages/pages.jsonl", "".join(json.dumps(p, ensure_ascii=False) + "\n"
                                         for p in [header, *pages]).encode("utf-8"))
        created = (clock or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        described: dict[str, object] = {
            "profile": "data-package", "wacz_version": WACZ_VERSION, "title": title, "created": created,
            "modified": created, "software": "aidnews 0.1", "resources": resources,
        }
        if pages:
            described["mainPageURL"] = pages[0]["url"]
            described["mainPageDate"] = pages[0]["ts"]
        package_json = json.dumps(described, ensure_ascii=False, indent=1).encode("utf-8")
        package.writestr("datapackage.json", package_json)
        package.writestr("datapackage-digest.json", json.dumps(
            {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(package_json).hexdigest()}"}))
    partial.replace(output)
    return WaczSummary(output, len(files), len(captures), len(pages), index_name)
