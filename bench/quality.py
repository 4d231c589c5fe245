"""Pairwise precision/recall on the labelled set: aidnews vs the simhash package vs MinHash LSH.

    python bench/quality.py            # prints the table and writes it into docs/benchmarks.md
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import baselines  # noqa: E402
from bench.report import publish  # noqa: E402
from dedupe.engine import find_duplicates  # noqa: E402
from dedupe.evaluate import Score, pairwise_score  # noqa: E402
from dedupe.jsonl import JsonlSource  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "neardup" / "labelled.jsonl"


def texts_and_labels(path: Path = LABELLED) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(id, extracted text) for the baselines (they get the same text aidnews extracts), and labels."""
    source = JsonlSource(path)
    docs = [(d.id, d.text) for d in source]
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        labels[row["id"]] = row["group"]
    return docs, labels


def evaluate(path: Path = LABELLED) -> dict[str, tuple[Score, float]]:
    docs, labels = texts_and_labels(path)
    out = {}
    start = time.perf_counter()
    result = find_duplicates(JsonlSource(path))
    out["aidnews"] = (pairwise_score([c.members for c in result.clusters], labels), time.perf_counter() - start)
    start = time.perf_counter()
    out["simhash package (k=3)"] = (pairwise_score(baselines.simhash_package(docs), labels), time.perf_counter() - start)
    start = time.perf_counter()
    out["datasketch MinHash LSH (0.5)"] = (pairwise_score(baselines.minhash_lsh(docs), labels), time.perf_counter() - start)
    return out


def main() -> None:
    results = evaluate()
    docs, labels = texts_and_labels()
    lines = [f"Labelled set: `tests/data/neardup/labelled.jsonl`, {len(docs)} documents, "
             f"{len({*labels.values()})} groups. Command: `python bench/quality.py`.", "",
             "| method | precision | recall | F1 | predicted pairs | true pairs | seconds |",
             "|---|---|---|---|---|---|---|"]
    for name, (score, seconds) in results.items():
        lines.append(f"| {name} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} | "
                     f"{score.predicted_pairs} | {score.true_pairs} | {seconds:.2f} |")
    publish("Near-duplicate quality", lines)


if __name__ == "__main__":
    main()
