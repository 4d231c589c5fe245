"""How fast a 100,000-cluster HTML report opens in headless Chromium (Debian's package).

    python bench/report_page.py [--clusters 100000]

Builds a synthetic report (3 members a cluster, metrics only: diffs are embedded for the first
--diff-limit clusters of real reports, none here), writes the page and times Chromium from start to
a screenshot of the rendered page, against an empty report in the same run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.chromium import FLAGS, chromium_binary  # noqa: E402
from bench.report import publish  # noqa: E402
from dedupe.report.writers import render_html  # noqa: E402


def synthetic(clusters: int) -> dict:  # type: ignore[type-arg]
    sites = [{"site": s, "name": s, "kind": k, "articles": 0, "originals": 0, "copies_made": 0, "copies_received": 0,
              "mirrors_with_spam": 0, "repeated_body": 0} for s, k in (("origin", "origin"), ("agg", "aggregator"), ("mirror", "mirror"))]

    def member(i: int, site: str, kinds: list[str]) -> dict:  # type: ignore[type-arg]
        return {"article": i, "site": site, "site_name": site, "url": f"http://{site}.example/a/{i}.html",
                "title": f"援藏新闻标题第{i}篇", "origin": "中国西藏网", "published": "2025-01-01T08:00:00+08:00",
                "captured": "2025-01-02T08:00:00+08:00", "delay_hours": 24.0, "distance": 2, "similarity": 0.9,
                "kinds": kinds, "replay": {"warc": "aidnews-x.warc.gz", "offset": i, "length": 1000,
                                           "timestamp": "20250102000000", "url": None}}

    items = []
    for c in range(clusters):
        members = [member(3 * c, "origin", ["original"]), member(3 * c + 1, "agg", ["syndicated"]),
                   member(3 * c + 2, "mirror", ["mirror", "traditional-script copy"])]
        items.append({"id": c, "canonical": members[0], "members": members})
    return {"schema": "aidnews-report/1", "generated": "2025-01-01T00:00:00+00:00", "graph": [],
            "summary": {"sources": 3, "articles": 3 * clusters, "clusters": clusters, "copies": 2 * clusters,
                        "copy_share": 0.667, "sites": sites}, "clusters": items}


def open_seconds(path: Path) -> float:
    """Chromium start to a screenshot of the rendered page (a DOM dump would time its own serialisation)."""
    binary = chromium_binary()
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={profile}/shot.png",
                        "--window-size=1280,1600", path.as_uri()], capture_output=True, text=True, timeout=300, check=True)
        seconds = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=100_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for count in (0, args.clusters):
            path = Path(tmp) / f"report-{count}.html"
            start = time.perf_counter()
            path.write_text(render_html(synthetic(count)), encoding="utf-8")
            write = time.perf_counter() - start
            rows.append((count, path.stat().st_size / 1e6, write, open_seconds(path)))
    lines = ["Command: `python bench/report_page.py`. Opening = Chromium start to a screenshot of the rendered page "
             "(the script has parsed the data and drawn the first 25 clusters).", "",
             "| clusters | HTML MB | write seconds | open seconds |", "|---|---|---|---|"]
    lines += [f"| {c:,} | {mb:.1f} | {w:.1f} | {o:.1f} |" for c, mb, w, o in rows]
    lines += ["", f"The {args.clusters:,}-cluster page opens {rows[1][3] - rows[0][3]:.1f} s slower than an empty one "
              "(JSON parse and the first page); later pages render on demand."]
    publish("Report size", lines)


if __name__ == "__main__":
    main()
