"""``aidnews extract``: one page as text or JSON, many pages or a WARC file's responses as JSON lines.

    aidnews extract PAGE.html [--url URL] [--json]
    aidnews extract FILE... --jsonl
    aidnews extract --warc FILE.warc.gz --jsonl

One process extracts every page, so the interpreter and lxml start once. A JSON line holds the
fields of ``--json`` plus ``file`` (or, from a WARC file, ``url`` and ``date``); a page that
cannot be read is one error line on stderr and the run goes on, with exit status 1 at the end.
From a WARC file, the lines a site repeats on many of its pages (its template) are left out of
the bodies (``dedupe.extract_body.drop_template_lines``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from aidnews.commands.common import Subparsers
from aidnews.errors import UserError

logger = logging.getLogger(__name__)


def add_parser(sub: Subparsers) -> None:
    p = sub.add_parser("extract", help="extract title, time, 来源 and text from HTML pages or a WARC file")
    p.add_argument("page", nargs="*", help="HTML files (bytes in any charset)")
    p.add_argument("--url", help="the page's URL (one page only)")
    p.add_argument("--json", action="store_true", help="print one page as JSON")
    p.add_argument("--jsonl", action="store_true", help="print one JSON line per page")
    p.add_argument("--warc", help="extract the HTML responses of this WARC file (with --jsonl)")
    p.set_defaults(func=run)


def _warc_pages(path: Path) -> Iterator[tuple[str, str, str | None, bytes]]:
    """``(url, date, content_type, body)`` of every HTML response record in a WARC file."""
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            if "html" not in content_type.lower():
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            date = record.rec_headers.get_header("WARC-Date") or ""
            yield url, date, content_type, record.content_stream().read()


def _drop_site_templates(rows: list[dict[str, str | None]]) -> None:
    """Drop from each body the lines its site repeats on many of its pages (the template)."""
    from urllib.parse import urlsplit

    from dedupe.extract_body import drop_template_lines

    by_host: dict[str, list[dict[str, str | None]]] = {}
    for row in rows:
        by_host.setdefault(urlsplit(row["url"] or "").hostname or "", []).append(row)
    for host, group in by_host.items():
        if host:
            for row, text in zip(group, drop_template_lines([r["text"] or "" for r in group]), strict=True):
                row["text"] = text


def run(args: argparse.Namespace, out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """Run `aidnews extract` with parsed ``args``; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    pages: list[str] = list(args.page or [])
    if args.warc:
        if not args.jsonl:
            raise UserError("--warc needs --jsonl")
        if pages:
            raise UserError("give either --warc or HTML files, not both")
        return _run_warc(Path(args.warc), out)
    if not pages:
        raise UserError("give an HTML file (or --warc FILE --jsonl)")
    if args.jsonl:
        if args.url and len(pages) > 1:
            raise UserError("--url names one page; give it with one file only")
        return _run_files(pages, args.url, out, err)
    if len(pages) > 1:
        raise UserError("several files need --jsonl")
    return _run_page(Path(pages[0]), args.url, args.json, out)


def _run_warc(path: Path, out: IO[str]) -> int:
    """Every HTML response of a WARC file, one JSON line each, with site templates dropped."""
    from dedupe.extract import extract

    if not path.is_file():
        raise UserError(f"cannot read {path}: no such file")
    rows: list[dict[str, str | None]] = []
    try:
        for url, date, content_type, body in _warc_pages(path):
            rows.append({"url": url, "date": date, **extract(body, url or None, content_type).as_json()})
    except Exception as exc:  # warcio raises many kinds on a damaged file
        raise UserError(f"cannot read {path}: {exc}") from exc
    _drop_site_templates(rows)
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def _run_files(pages: list[str], url: str | None, out: IO[str], err: IO[str]) -> int:
    """One JSON line per file; an unreadable file is one error line and status 1, the others go on."""
    from dedupe.extract import extract

    status = 0
    for name in pages:
        try:
            body = Path(name).read_bytes()
        except OSError as exc:
            err.write(f"aidnews: error: cannot read {name}: {exc.strerror}\n")
            status = 1
            continue
        out.write(json.dumps({"file": name, **extract(body, url).as_json()}, ensure_ascii=False) + "\n")
    return status


def _run_page(path: Path, url: str | None, as_json: bool, out: IO[str]) -> int:
    from dedupe.extract import extract

    try:
        body = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from exc
    found = extract(body, url)
    if as_json:
        out.write(json.dumps(found.as_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        out.write(f"title:     {found.title}\npublished: {found.published}\nsource:    {found.source}\n"
                  f"author:    {found.author}\n\n{found.text}\n")
    return 0
