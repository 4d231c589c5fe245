"""``--input docs.jsonl``: one ``{"id", "url", "text"|"html"}`` object per line, read twice, never held whole.

The first pass validates every line and remembers where it starts; texts for
candidate pairs are read back by offset.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dedupe.engine import Document
from dedupe.errors import InputError


def _document(key: int, data: Any, where: str) -> Document:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(data).__name__}")
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        raise InputError(f"{where}: field 'id' must be a non-empty string")
    url = data.get("url", "")
    if not isinstance(url, str):
        raise InputError(f"{where}: field 'url' must be a string")
    text, html = data.get("text"), data.get("html")
    if text is None and html is None:
        raise InputError(f"{where}: needs a 'text' or an 'html' field")
    origin = data.get("source", "")
    published = data.get("published")
    if html is not None:
        if not isinstance(html, str):
            raise InputError(f"{where}: field 'html' must be a string")
        from dedupe.extract import extract_html  # lxml and the extractor load only for HTML input

        found = extract_html(html, url or None)
        text = found.text
        origin = origin or found.source
        published = published or found.published
    if not isinstance(text, str):
        raise InputError(f"{where}: field 'text' must be a string")
    for name, value in (("source", origin), ("site", data.get("site", ""))):
        if not isinstance(value, str):
            raise InputError(f"{where}: field '{name}' must be a string")
    if published is not None and not isinstance(published, str):
        raise InputError(f"{where}: field 'published' must be an ISO 8601 string")
    return Document(key=key, id=ident, text=text, url=url, site=data.get("site", ""), origin=origin,
                    published=published, captured=data.get("captured"))


def _id_hash(ident: str) -> int:
    return int.from_bytes(hashlib.blake2b(ident.encode("utf-8"), digest_size=8).digest(), "big")


class JsonlSource:
    """Documents of a JSONL file. Iterating validates; :meth:`load` re-reads lines by offset."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets = array("q")  # byte offset of each document's line
        self.lines = array("q")  # its line number, for messages

    def _decode(self, raw: bytes, number: int) -> Any:
        where = f"{self.path}:{number}"
        try:
            return json.loads(raw)
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: not UTF-8 ({exc.reason})") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None

    def __iter__(self) -> Iterator[Document]:
        del self.offsets[:], self.lines[:]
        id_hashes = array("Q")
        try:
            stream = open(self.path, "rb")
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from None
        with stream:
            offset = 0
            for number, raw in enumerate(stream, 1):
                start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                doc = _document(len(self.offsets), self._decode(raw, number), f"{self.path}:{number}")
                id_hashes.append(_id_hash(doc.id))
                self.offsets.append(start)
                self.lines.append(number)
                yield doc
        self._check_unique(id_hashes)

    def _check_unique(self, id_hashes: array[int]) -> None:
        """Duplicate ids, found by sorting 8-byte hashes (a set of a million ids costs far more)."""
        if len(id_hashes) < 2:
            return
        hashes = np.frombuffer(id_hashes, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")
        same = np.flatnonzero(hashes[order][1:] == hashes[order][:-1])
        if len(same):
            first, second = int(order[same[0]]), int(order[same[0] + 1])
            a, b = self.load([first, second]).values()
            if a.id == b.id:
                raise InputError(f"{self.path}:{self.lines[second]}: duplicate id {b.id!r} (first on line {self.lines[first]})")

    def load(self, keys: Iterable[int]) -> dict[int, Document]:
        out = {}
        with open(self.path, "rb") as stream:
            for key in sorted(keys):
                stream.seek(self.offsets[key])
                out[key] = _document(key, json.loads(stream.readline()), f"{self.path}@{key}")
        return out
