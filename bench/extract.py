"""Extraction quality and speed on shared/realweb: aidnews vs trafilatura alone, side by side.

Metrics (the quality gate of tests/test_dedupe_extract_realweb.py): title exact ignoring
whitespace, published date correct, 来源 found, must-contain / must-not-contain snippets, mean body
F1 over character multisets.

    python bench/extract.py [REALWEB_DIR]
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from dedupe.decode import decode_html  # noqa: E402
from dedupe.extract import extract  # noqa: E402

REALWEB = ROOT.parent / "shared" / "realweb"
Fields = dict[str, str | None]


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def body_f1(got: str, expected: str) -> float:
    a, b = Counter(_squash(got)), Counter(_squash(expected))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def expected_date(row: dict[str, object]) -> str | None:
    match = re.match(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", str(row.get("published_full") or row.get("published") or ""))
    return f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}" if match else None


@dataclass
class Scores:
    pages: int = 0
    titles: int = 0
    dates: int = 0
    dated: int = 0
    sources: int = 0
    sourced: int = 0
    snippets_ok: int = 0
    f1: list[float] = field(default_factory=list)
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, float]:
        return {
            "title": self.titles / self.pages, "published": self.dates / max(self.dated, 1),
            "source": self.sources / max(self.sourced, 1), "snippets": self.snippets_ok / self.pages,
            "body_f1": sum(self.f1) / max(len(self.f1), 1), "pages_per_s": self.pages / self.seconds,
        }


def score(extractor: Callable[[bytes, str | None], Fields], root: Path = REALWEB) -> Scores:
    rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    scores = Scores()
    for row in rows:
        body = (root / row["file"]).read_bytes()
        start = time.perf_counter()
        got = extractor(body, row.get("url"))
        scores.seconds += time.perf_counter() - start
        scores.pages += 1
        text = got.get("text") or ""
        problems = []
        if _squash(got.get("title")) == _squash(row["title"]):
            scores.titles += 1
        else:
            problems.append(f"title {got.get('title')!r}")
        date = expected_date(row)
        if date:
            scores.dated += 1
            if (got.get("published") or "")[:10] == date:
                scores.dates += 1
            else:
                problems.append(f"published {got.get('published')!r} != {date}")
        if row.get("source"):
            scores.sourced += 1
            if _squash(row["source"]) and _squash(row["source"]) in _squash(got.get("source")):
                scores.sources += 1
            else:
                problems.append(f"source {got.get('source')!r} != {row['source']!r}")
        missing = [s for s in row.get("expected_contains", []) if s not in text]
        present = [s for s in row.get("expected_excludes", []) if s in text]
        if not missing and not present:
            scores.snippets_ok += 1
        else:
            problems.append(f"snippets missing {missing[:2]} present {present[:2]}")
        if row.get("text"):
            scores.f1.append(body_f1(text, row["text"]))
            if scores.f1[-1] < 0.8:
                problems.append(f"body F1 {scores.f1[-1]:.2f}")
        if problems:
            scores.misses.append(f"{row['file']}: " + "; ".join(problems))
    return scores


def aidnews(body: bytes, url: str | None) -> Fields:
    found = extract(body, url)
    return {"title": found.title, "published": found.published, "source": found.source, "text": found.text}


def trafilatura_alone(body: bytes, url: str | None) -> Fields:
    import trafilatura

    html, _encoding = decode_html(body)
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, as_dict=True) or {}
    return {"title": doc.get("title"), "published": doc.get("date"), "source": None, "text": doc.get("text") or ""}


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REALWEB
    results = {"aidnews extract": score(aidnews, root), "trafilatura 2.x alone (w3lib decoding)": score(trafilatura_alone, root)}
    lines = [f"{results['aidnews extract'].pages} real pages of `shared/realweb/`. Command: `python bench/extract.py`.", "",
             "| extractor | title exact | published date | 来源 found | snippets | body F1 | pages/s |",
             "|---|---|---|---|---|---|---|"]
    for name, scores in results.items():
        row = scores.as_row()
        lines.append(f"| {name} | {row['title']:.2f} | {row['published']:.2f} | {row['source']:.2f} | "
                     f"{row['snippets']:.2f} | {row['body_f1']:.3f} | {row['pages_per_s']:.0f} |")
    lines += ["", "Floors pinned by the test: title >= 0.95, date >= 0.95, 来源 >= 0.90, every snippet, body F1 >= 0.93."]
    table = "\n".join(lines)
    print(table)
    for miss in results["aidnews extract"].misses:
        print("  aidnews miss:", miss)
    write_section("Article extraction", table)


if __name__ == "__main__":
    main()
