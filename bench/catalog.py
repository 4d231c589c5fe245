"""Catalog benchmarks on PostgreSQL (and SQLite as the baseline): write rate and the dedupe pass at 1M articles.

    python bench/catalog.py [--rows 50000] [--articles 1000000]

1. Write rate: captures + articles rows inserted the way the crawl's pipeline
   does (batches of 200, insert-or-ignore), one writer on SQLite (baseline),
   one and four concurrent writer processes on PostgreSQL.
2. The near-duplicate pass over ``--articles`` synthetic articles stored in a
   PostgreSQL catalog (``aidnews dedupe --catalog``: fingerprints, band
   self-joins in SQL, verification, clusters), against the in-memory pass on
   the same documents (``aidnews dedupe --input``) in the same run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import write_jsonl  # noqa: E402
from bench.report import publish  # noqa: E402
from bench.whole_pass import timed  # noqa: E402

BIN = Path(sys.executable).parent
PG = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 200
MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def pg_database() -> tuple[str, str]:
    """A new PostgreSQL database: (name, SQLAlchemy URL)."""
    import psycopg

    name = f"aidnews_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows_for(i: int, url: str, text: str, source: str = "bench") -> tuple[dict[str, object], dict[str, object]]:
    record = f"<urn:uuid:{uuid.UUID(int=i)}>"
    capture = {"record_id": record, "record_type": "response", "url": url, "urlkey": url, "timestamp": "20260101000000",
               "status": 200, "mime": "text/html", "digest": f"sha1:{i:032d}", "filename": "bench.warc.gz",
               "offset": i * 1000, "length": 1000, "source_id": source, "run_id": None}
    article = {"record_id": record, "url": url, "source_id": source, "section": "", "title": f"t{i}",
               "published": None, "origin": "", "editor": "", "author": "", "text": text, "captured_at": MOMENT}
    return capture, article


def write_share(args: tuple[str, int, int, str]) -> tuple[float, float]:
    """One writer: rows ``start..start+count`` in pipeline-sized batches; its (start, end) wall-clock times."""
    from archive.catalog import Catalog

    url, start, count, text = args
    catalog = Catalog(url, migrate=False)
    began = time.time()
    for lo in range(start, start + count, BATCH):
        pairs = [rows_for(i, f"http://bench.example/{i}", text) for i in range(lo, min(lo + BATCH, start + count))]
        catalog.add_capture_rows([c for c, _ in pairs])
        catalog.add_articles([a for _, a in pairs])
    catalog.close()
    return began, time.time()


def write_rate(url: str, rows: int, writers: int) -> float:
    """Rows (a capture and an article each) per second with ``writers`` processes."""
    from archive.catalog import Catalog

    Catalog(url).close()  # migrate once
    text = "对口援藏" * 250
    share = rows // writers
    # Timed inside the writers, from the first one's start to the last one's end (not process start-up).
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        spans = pool.map(write_share, [(url, w * share, share, text) for w in range(writers)])
    return share * writers / (max(end for _, end in spans) - min(start for start, _ in spans))


def load_articles(url: str, jsonl: Path) -> float:
    """Store every document of ``jsonl`` as a capture + article; seconds taken."""
    from archive.catalog import Catalog

    catalog = Catalog(url)
    catalog.upsert_sources([{"id": "bench", "name": "bench.example", "kind": "site", "hosts": ""},
                            {"id": "copy", "name": "copy.example", "kind": "site", "hosts": ""}])
    start = time.perf_counter()
    batch: list[tuple[dict[str, object], dict[str, object]]] = []
    with open(jsonl, encoding="utf-8") as lines:
        for i, line in enumerate(lines):
            doc = json.loads(line)
            batch.append(rows_for(i, doc["url"], doc["text"], "copy" if "copy." in doc["url"] else "bench"))
            if len(batch) == 5000:
                catalog.add_capture_rows([c for c, _ in batch])
                catalog.add_articles([a for _, a in batch])
                batch = []
    catalog.add_capture_rows([c for c, _ in batch])
    catalog.add_articles([a for _, a in batch])
    catalog.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--articles", type=int, default=1_000_000)
    opts = parser.parse_args()
    lines = [f"Write rate: {opts.rows:,} captures + {opts.rows:,} articles of 1,000 characters, inserted in batches "
             f"of {BATCH} (the crawl pipeline's default) with insert-or-ignore. Command: `python bench/catalog.py`.", "",
             "| catalog | writer processes | rows/s (capture + article) | vs SQLite |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        base = write_rate(f"sqlite:///{tmp}/write.sqlite", opts.rows, 1)
        lines.append(f"| SQLite, WAL (baseline) | 1 | {base:,.0f} | 1.00x |")
        print(lines[-1], flush=True)
        for writers in (1, 4):
            name, url = pg_database()
            rate = write_rate(url, opts.rows, writers)
            drop(name)
            lines.append(f"| PostgreSQL | {writers} | {rate:,.0f} | {rate / base:.2f}x |")
            print(lines[-1], flush=True)

        jsonl = write_jsonl(Path(tmp) / "articles.jsonl", opts.articles, 1000)
        memory_s, memory_mb, _ = timed([str(BIN / "aidnews"), "dedupe", "--input", str(jsonl), "--output", f"{tmp}/mem.json"])
        print("in memory", memory_s, memory_mb, flush=True)
        name, url = pg_database()
        load_s = load_articles(url, jsonl)
        print("loaded", load_s, flush=True)
        pass_s, pass_mb, _ = timed([str(BIN / "aidnews"), "dedupe", "--catalog", url])
        again_s, _, _ = timed([str(BIN / "aidnews"), "dedupe", "--catalog", url])
        clusters = _clusters(url)
        drop(name)
    lines += ["", f"Near-duplicate pass over {opts.articles:,} synthetic articles of about 1,000 characters "
              "(10% lightly edited copies) stored in PostgreSQL; same documents through the in-memory evaluation "
              "interface as the baseline.", "",
              "| pass | seconds | articles/s | peak MiB (largest process) | vs in-memory |", "|---|---|---|---|---|",
              f"| `aidnews dedupe --input` (in memory, baseline) | {memory_s:.0f} | {opts.articles / memory_s:,.0f} | "
              f"{memory_mb:.0f} | 1.00x |",
              f"| `aidnews dedupe --catalog` PostgreSQL, first pass ({clusters:,} clusters) | {pass_s:.0f} | "
              f"{opts.articles / pass_s:,.0f} | {pass_mb:.0f} | {memory_s / pass_s:.2f}x |",
              f"| `aidnews dedupe --catalog` PostgreSQL, again with nothing new | {again_s:.1f} | - | - | - |",
              "", f"Loading the {opts.articles:,} captures + articles into PostgreSQL took {load_s:.0f} s "
              f"({opts.articles / load_s:,.0f} rows/s, batches of 5,000)."]
    publish("Catalog on PostgreSQL", lines)


def _clusters(url: str) -> int:
    from archive.catalog import Catalog
    from archive.catalog.models import Cluster

    return Catalog(url, migrate=False).count(Cluster)


if __name__ == "__main__":
    main()
