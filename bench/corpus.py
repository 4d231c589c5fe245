"""Synthetic documents for benchmarks: realistic generated aid news, with planted near-duplicates."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

from sampleweb import corpus
from sampleweb import vocabulary as v


def articles(count: int, chars: int, seed: int = 1) -> Iterator[str]:
    """``count`` generated articles of about ``chars`` characters (paragraphs kept)."""
    rng = random.Random(seed)
    for _ in range(count):
        paragraphs: list[str] = []
        length = 0
        while length < chars:
            (paragraph,) = corpus._paragraphs(rng, 1, v.SENTENCES, v.FIELDS)
            paragraphs.append(paragraph)
            length += len(paragraph) + 1
        yield "\n".join(paragraphs)[:chars]


def write_jsonl(path: Path, count: int, chars: int, copy_share: float = 0.1, seed: int = 1) -> Path:
    """A JSONL file for ``aidnews dedupe --input``: originals plus lightly edited copies."""
    rng = random.Random(seed + 1)
    with open(path, "w", encoding="utf-8") as out:
        written = 0
        for text in articles(count, chars, seed):
            if written >= count:
                break
            out.write(json.dumps({"id": f"d{written}", "url": f"http://bench.example/{written}", "text": text},
                                 ensure_ascii=False) + "\n")
            written += 1
            if written < count and rng.random() < copy_share:
                copy = "编者按:转载。\n" + text[: int(len(text) * 0.95)]
                out.write(json.dumps({"id": f"d{written}", "url": f"http://copy.example/{written}", "text": copy},
                                     ensure_ascii=False) + "\n")
                written += 1
    return path
