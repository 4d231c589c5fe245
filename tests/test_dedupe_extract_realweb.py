"""Quality gate of `aidnews extract` on the real Chinese news pages of shared/realweb/ and shared/realweb2/.

The floors sit a little under the figures of docs/benchmarks.md (bench/extract.py prints the misses).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.extract import REALWEB, REALWEB2, aidnews, body_f1, score

# set -> (title, date, 来源, snippets, body F1)
FLOORS = {
    REALWEB: (0.97, 0.97, 0.95, 1.0, 0.95),
    REALWEB2: (0.97, 0.97, 0.90, 1.0, 0.95),
}


@pytest.mark.parametrize("root", list(FLOORS), ids=[r.name for r in FLOORS])
def test_floors(root: Path) -> None:
    if not (root / "manifest.jsonl").exists():
        pytest.skip(f"{root} is absent (the real pages sit beside the repository, in ../shared/{root.name}/)")
    scores = score(aidnews, root)
    row = scores.as_row()
    report = "\n".join(scores.misses)
    title, date, source, snippets, f1 = FLOORS[root]
    assert row["title"] >= title, report
    assert row["published"] >= date, report
    assert row["source"] >= source, report
    assert row["snippets"] >= snippets, report
    assert row["body_f1"] >= f1, report


def test_cli_extract_json_on_a_gb_page() -> None:
    if not (REALWEB / "manifest.jsonl").exists():
        pytest.skip(f"{REALWEB} is absent (the real pages sit beside the repository, in ../shared/realweb/)")
    rows = [json.loads(line) for line in (REALWEB / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    row = next(r for r in rows if r["encoding"] != "utf-8" and r.get("text"))
    result = subprocess.run([str(Path(sys.executable).parent / "aidnews"), "extract", str(REALWEB / row["file"]), "--json"],
                            capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    assert set(data) == {"title", "published", "source", "author", "text"}
    assert body_f1(data["text"], row["text"]) >= 0.8
