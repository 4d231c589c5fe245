"""Documents for benchmarks, with planted near-duplicates.

- :func:`write_jsonl`: generated aid news from the sample web's templates;
- :func:`write_sentence_jsonl`: sentences of real pages (the seed pages, and the real near-duplicate
  set when it is there) with full-width punctuation, or those sentences mixed with random characters
  from the whole CJK block, rare extensions included (``mix_random=True``).
"""

from __future__ import annotations

import json
import random
import re
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


def write_with_copies(path: Path, texts: Iterator[str], count: int, copy_share: float = 0.1, seed: int = 1) -> Path:
    """``count`` JSONL documents for ``aidnews dedupe --input``: ``texts``, each followed by a lightly edited
    copy (a note in front, the last 5% cut) with probability ``copy_share``."""
    rng = random.Random(seed + 1)
    with open(path, "w", encoding="utf-8") as out:
        written = 0
        for text in texts:
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


def write_jsonl(path: Path, count: int, chars: int, copy_share: float = 0.1, seed: int = 1) -> Path:
    """Generated articles (:func:`articles`) plus lightly edited copies."""
    return write_with_copies(path, articles(count, chars, seed), count, copy_share, seed)

ROOT = Path(__file__).resolve().parent.parent
SEED_PAGES = ROOT / "tests" / "data" / "seed_pages"
REAL_SET = ROOT.parent / "shared" / "neardup-real" / "labelled.jsonl"
_FULL_WIDTH = str.maketrans({",": "，", ":": "：", "(": "（", ")": "）", ";": "；", "!": "！", "?": "？"})
# CJK unified ideographs, extension A, and a slice of extension B (astral, rare).
_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF))


def real_sentences() -> list[str]:
    """Sentences of real pages, with full-width punctuation as the sites print it."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEED_PAGES.glob("*.txt"))]
    if REAL_SET.exists():
        texts += [json.loads(line)["text"] for line in REAL_SET.read_text(encoding="utf-8").splitlines()]
    sentences = {s.strip().translate(_FULL_WIDTH) for t in texts for s in re.split(r"(?<=[。！？])", t)}
    return sorted(s for s in sentences if len(s) >= 12)


def _random_cjk(rng: random.Random, count: int) -> str:
    out = []
    for _ in range(count):
        low, high = _CJK_RANGES[0] if rng.random() < 0.8 else rng.choice(_CJK_RANGES[1:])
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def sentence_texts(chars: int, mix_random: bool = False, seed: int = 1) -> Iterator[str]:
    """Endless texts of about ``chars`` characters drawn from :func:`real_sentences`."""
    rng = random.Random(seed)
    pool = real_sentences()
    while True:
        parts: list[str] = []
        length = 0
        while length < chars:
            part = rng.choice(pool)
            if mix_random:
                part += _random_cjk(rng, rng.randint(5, 40)) + "。"
            parts.append(part)
            length += len(part)
        yield "\n".join(parts)[:chars]


def write_sentence_jsonl(path: Path, count: int, chars: int, mix_random: bool = False, copy_share: float = 0.1,
                         seed: int = 1) -> Path:
    """``count`` documents of :func:`sentence_texts`; a tenth are copies."""
    return write_with_copies(path, sentence_texts(chars, mix_random, seed), count, copy_share, seed)
