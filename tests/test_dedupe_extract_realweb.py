"""Quality gate of `aidnews extract` on the 45 real Chinese news pages of shared/realweb/."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.extract import REALWEB, aidnews, body_f1, score

pytestmark = pytest.mark.skipif(not (REALWEB / "manifest.jsonl").exists(),
                                reason=f"{REALWEB} is absent (it sits beside the repository as shared/realweb)")


def test_floors() -> None:
    scores = score(aidnews)
    row = scores.as_row()
    report = "\n".join(scores.misses)
    assert row["title"] >= 0.95, report
    assert row["published"] >= 0.95, report
    assert row["source"] >= 0.90, report
    assert row["snippets"] == 1.0, report
    assert row["body_f1"] >= 0.93, report


def test_cli_extract_json_on_a_gb_page() -> None:
    rows = [json.loads(line) for line in (REALWEB / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    row = next(r for r in rows if r["encoding"] != "utf-8" and r.get("text"))
    result = subprocess.run([str(Path(sys.executable).parent / "aidnews"), "extract", str(REALWEB / row["file"]), "--json"],
                            capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    assert set(data) == {"title", "published", "source", "author", "text"}
    assert body_f1(data["text"], row["text"]) >= 0.8
