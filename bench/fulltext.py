"""Full-text search: the character-pair index against a LIKE scan and FTS5's default tokenizer.

N articles of about 1,000 characters (sentences of the real seed pages and the labelled
near-duplicate set; a third mixed with random CJK characters, a long tail of rare pairs) go into
a fresh SQLite catalog and a fresh PostgreSQL database. On each:

- index build time, and index size against the article text's size (UTF-8 bytes);
- search latency p50/p95 of ``dedupe.search.search`` (total + a page of 20 with snippets) for
  2-, 4- and 8-character words and a phrase (six characters around a punctuation mark, quoted);
- the same words through ``LIKE '%word%'`` (a count) and, on SQLite, FTS5's default ``unicode61``
  tokenizer (a count of ``MATCH '"word"'``), with recall against the truth (the folded text
  holds the word: what a reader means by "the page contains it");
- SQLite only, the alternative FTS5 layout: an external-content table holding the pair text.

    python bench/fulltext.py [--articles N] [--queries Q] [--like-queries L] [--no-postgres] [--no-sqlite]
                              [--no-alternatives] [--no-write]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from archive.catalog import Catalog, catalog_url_for
from archive.catalog.models import Article, Capture
from archive.catalog.search_index import fts_tokens
from bench.corpus import sentence_texts
from bench.report import publish
from dedupe.search import SearchPage, fold, parse_query, rebuild_index, search

PG_ADMIN = os.environ.get("AIDNEWS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_NAME = "aidnews_bench_fulltext"
CHARS = 1_000
BATCH = 5_000
START = datetime(2024, 1, 1, tzinfo=UTC)
SOURCES = ("tibet_cn", "qianlong", "chinatibet", "mirror")


def corpus(count: int, seed: int = 11) -> Iterator[dict[str, Any]]:
    real = sentence_texts(CHARS, mix_random=False, seed=seed)
    mixed = sentence_texts(CHARS, mix_random=True, seed=seed + 1)
    for n in range(count):
        body = next(mixed if n % 3 == 0 else real)
        # The title is the first sentence (inside the text) and no 来源: the truth is then "the text holds it".
        yield {"n": n, "text": body, "title": body.split("\n", 1)[0][:60], "source": SOURCES[n % len(SOURCES)]}


def load(catalog: Catalog, count: int) -> None:
    rows = corpus(count)
    while batch := list(itertools.islice(rows, BATCH)):
        captures, articles = [], []
        for row in batch:
            n = row["n"]
            record, url = f"<urn:uuid:bench-{n:09d}>", f"http://{row['source']}.example/a/{n}.html"
            moment = START + timedelta(minutes=n)
            captures.append({"record_id": record, "record_type": "response", "url": url, "urlkey": url,
                             "timestamp": moment.strftime("%Y%m%d%H%M%S"), "status": 200, "mime": "text/html",
                             "digest": "sha1:x", "filename": "bench.warc.gz", "offset": n, "length": 1,
                             "source_id": row["source"], "run_id": None})
            articles.append({"record_id": record, "url": url, "source_id": row["source"], "section": "",
                             "title": row["title"], "origin": "", "editor": "", "author": "", "text": row["text"],
                             "published": moment, "captured_at": moment})
        catalog.insert_all([(Capture.__table__, captures, ("record_id",))], new=True)
        catalog.insert_all([(Article.__table__, articles, ("record_id",))], new=True)
        print(f"  loaded {batch[-1]['n'] + 1} articles", file=sys.stderr)


def queries(count: int, seed: int = 5) -> dict[str, list[str]]:
    """Words of 2, 4 and 8 Han characters and quoted phrases, taken from the corpus (each found at least
    once); and the most common words of 2 and 4 characters (those in the most articles: 援藏, 发展, what
    a reader types first), where a search's cost is its count and its page, not finding the few."""
    rng = random.Random(seed)
    sample = [row["text"] for row in itertools.islice(corpus(3_000), 3_000)]
    out: dict[str, list[str]] = {"2 chars": [], "4 chars": [], "8 chars": [], "phrase": []}
    for length in (2, 4):
        frequency: collections.Counter[str] = collections.Counter()
        for body in sample:
            folded = fold(body)
            frequency.update({folded[i:i + length] for i in range(len(folded) - length + 1)
                              if all("\u4e00" <= ch <= "\u9fff" for ch in folded[i:i + length])})
        out[f"common {length} chars"] = [w for w, _ in frequency.most_common(count)]
    while min(len(out[k]) for k in ("2 chars", "4 chars", "8 chars", "phrase")) < count:
        folded = fold(rng.choice(sample))
        at = rng.randrange(len(folded) - 10)
        for name, length in (("2 chars", 2), ("4 chars", 4), ("8 chars", 8)):
            word = folded[at:at + length]
            if len(out[name]) < count and all("\u4e00" <= ch <= "\u9fff" for ch in word) and word not in out[name]:
                out[name].append(word)
        mark = next((i for i in range(at + 3, min(at + 40, len(folded) - 3)) if folded[i] in "，。、：；"), None)
        if mark is not None and len(out["phrase"]) < count:
            phrase = folded[mark - 3:mark + 3]
            if " " not in phrase and phrase not in out["phrase"]:
                out["phrase"].append(phrase)
    return out


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = run()
    return (time.perf_counter() - start) * 1000, value


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def scalar(catalog: Catalog, sql: str, **params: Any) -> Any:
    with catalog.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def truth(catalog: Catalog, word: str) -> int:
    check = "strpos(folded, :w) > 0" if catalog.dialect == "postgresql" else "instr(folded, :w) > 0"
    # Folded text is title \n 来源 \n text; the title is inside the text, so this is "the text holds it".
    return int(scalar(catalog, f"SELECT count(*) FROM search_docs WHERE {check}", w=word))


def cold_search(catalog: Catalog, query: str, group_clusters: bool = False) -> SearchPage:
    """A page of 20 with its total counted: the totals a catalog keeps between searches are dropped first."""
    catalog.forget_search_totals()
    return search(catalog, query, limit=20, group_clusters=group_clusters)


def measure(catalog: Catalog, words: dict[str, list[str]], like_queries: int) -> dict[str, dict[str, Any]]:
    """Per query kind: our p50/p95 and recall, LIKE's, unicode61's (SQLite)."""
    results: dict[str, dict[str, Any]] = {}
    for kind, items in words.items():
        ours, like, u61 = [], [], []
        found = {"ours": [0, 0], "like": [0, 0], "u61": [0, 0]}
        for i, word in enumerate(items):
            query = f'"{word}"' if kind == "phrase" else word
            expected = truth(catalog, parse_query(query)[0])
            ms, page = timed(lambda q=query: cold_search(catalog, q))  # type: ignore[misc]
            ours.append(ms)
            found["ours"][0] += min(page.total, expected)
            found["ours"][1] += expected
            if i < like_queries:
                ms, hits = timed(lambda w=word: scalar(
                    catalog, "SELECT count(*) FROM articles WHERE text LIKE :p", p=f"%{w}%"))
                like.append(ms)
                found["like"][0] += min(int(hits), expected)
                found["like"][1] += expected
            if catalog.dialect == "sqlite":
                phrase = '"' + word.replace('"', '""') + '"'
                ms, hits = timed(lambda p=phrase: scalar(
                    catalog, "SELECT count(*) FROM base_u61 WHERE base_u61 MATCH :m", m=p))
                u61.append(ms)
                found["u61"][0] += min(int(hits), expected)
                found["u61"][1] += expected
        results[kind] = {
            "ours": ours, "like": like, "u61": u61,
            "recall": {k: (v[0] / v[1] if v[1] else 1.0) for k, v in found.items()},
        }
    return results


SWEEP = (0.5, 2, 5, 20, None)  # WALK_RATIO values; None: never walk (every match sorted)


def sweep(catalog: Catalog, words: dict[str, list[str]]) -> dict[str, list[float]]:
    """Search latency (ms, every query kind, plain and grouped) for each WALK_RATIO: the table that
    chose archive.catalog.search_index.WALK_RATIO."""
    from archive.catalog import search_index

    chosen = search_index.WALK_RATIO
    out: dict[str, list[float]] = {}
    try:
        for ratio in SWEEP:
            search_index.WALK_RATIO = 10**18 if ratio is None else ratio
            out["never" if ratio is None else f"{ratio:g}"] = [
                timed(lambda q=(f'"{w}"' if kind == "phrase" else w), g=group: cold_search(  # type: ignore[misc]
                    catalog, q, group_clusters=g))[0]
                for kind, items in words.items() for w in items for group in (False, True)]
    finally:
        search_index.WALK_RATIO = chosen
    return out


def sqlite_sizes(catalog: Catalog) -> dict[str, int]:
    with catalog.engine.connect() as connection:
        rows = connection.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")).all()
    by_name = {r[0]: int(r[1]) for r in rows}
    return {
        "fts": sum(v for k, v in by_name.items() if k.startswith("search_fts")),
        "docs": sum(v for k, v in by_name.items() if k.startswith(("search_docs", "ix_search_docs"))),
        "ext": sum(v for k, v in by_name.items() if k.startswith(("ext_fts", "ext_docs"))),
        "u61": sum(v for k, v in by_name.items() if k.startswith("base_u61")),
    }


def build_sqlite_alternatives(catalog: Catalog, external: bool = True) -> dict[str, float]:
    """FTS5 with external content (the pair text stored in a table; ``external``) and the unicode61 baseline."""
    times: dict[str, float] = {}
    if external:
        times["ext"] = build_external_pairs(catalog)
    start = time.perf_counter()
    with catalog.engine.begin() as connection:
        connection.execute(text("CREATE VIRTUAL TABLE base_u61 USING fts5(text, content='articles', content_rowid='id')"))
        connection.execute(text("INSERT INTO base_u61 (base_u61) VALUES ('rebuild')"))
    times["u61"] = time.perf_counter() - start
    return times


def build_external_pairs(catalog: Catalog) -> float:
    """The alternative layout: FTS5 over a stored pair text (external content); seconds to build."""
    with catalog.engine.begin() as connection:
        connection.execute(text("CREATE TABLE ext_docs (id INTEGER PRIMARY KEY, terms TEXT)"))
        connection.execute(text("CREATE VIRTUAL TABLE ext_fts USING fts5(terms, content='ext_docs', "
                                "content_rowid='id', tokenize='ascii', detail=none, columnsize=0)"))
    start = time.perf_counter()
    last = 0
    while True:
        with catalog.engine.begin() as connection:
            rows = connection.execute(text("SELECT article_id, folded FROM search_docs WHERE article_id > :l "
                                           "ORDER BY article_id LIMIT 5000"), {"l": last}).all()
            if not rows:
                break
            params = [{"i": r[0], "t": fts_tokens(r[1])} for r in rows]
            connection.execute(text("INSERT INTO ext_docs (id, terms) VALUES (:i, :t)"), params)
            connection.execute(text("INSERT INTO ext_fts (rowid, terms) VALUES (:i, :t)"), params)
            last = rows[-1][0]
    with catalog.engine.begin() as connection:
        connection.execute(text("INSERT INTO ext_fts (ext_fts) VALUES ('optimize')"))
    return time.perf_counter() - start


def run_backend(name: str, url: str, count: int, words: dict[str, list[str]], like_queries: int,
                alternatives: bool = True) -> dict[str, Any]:
    print(f"{name}: loading {count} articles", file=sys.stderr)
    catalog = Catalog(url)
    load(catalog, count)
    if catalog.dialect == "postgresql":
        with catalog.engine.begin() as connection:
            connection.execute(text("ANALYZE articles"))
    text_bytes = int(scalar(catalog, "SELECT sum(octet_length(text)) FROM articles" if catalog.dialect == "postgresql"
                            else "SELECT sum(length(CAST(text AS BLOB))) FROM articles"))
    print(f"{name}: building the index", file=sys.stderr)
    start = time.perf_counter()
    rebuild_index(catalog, lambda done, total: print(f"  indexed {done} of {total}", file=sys.stderr)
                  if done % 50_000 == 0 or done == total else None)
    build = time.perf_counter() - start
    out: dict[str, Any] = {"build": build, "text_bytes": text_bytes}
    if catalog.dialect == "postgresql":
        out["sizes"] = {
            "gin": int(scalar(catalog, "SELECT pg_relation_size('ix_search_docs_terms')")),
            "docs": int(scalar(catalog, "SELECT pg_total_relation_size('search_docs')"))
            - int(scalar(catalog, "SELECT pg_relation_size('ix_search_docs_terms')")),
        }
    else:
        out["alt_build"] = build_sqlite_alternatives(catalog, external=alternatives)
        out["sizes"] = sqlite_sizes(catalog)
    print(f"{name}: searching", file=sys.stderr)
    search(catalog, words["2 chars"][0])  # warm the caches once, as a running app has them
    out["results"] = measure(catalog, words, like_queries)
    out["sweep"] = sweep(catalog, words)
    catalog.close()
    return out


def mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def table(count: int, runs: dict[str, dict[str, Any]], queries_per_kind: int, like_queries: int) -> list[str]:
    lines = [f"{count:,} articles of about {CHARS:,} characters (sentences of real pages; a third mixed with "
             f"random CJK). {queries_per_kind} queries per kind (LIKE: the first {like_queries}), each taken from the "
             "corpus; recall against the folded text holding the word. Search = `dedupe.search.search` "
             "(the total and a page of 20 with snippets); baselines = a count only.", ""]
    if count < 1_000_000:
        lines += [f"Run at {count:,} articles on both catalogs in one run; the 1,000,000-article runs take one catalog "
                  "at a time and have their own sections (`python bench/fulltext.py --articles 1000000 "
                  "--no-postgres`, or `--no-sqlite`).", ""]
    lines += ["| catalog | query | pairs index p50 / p95 ms | recall | LIKE scan p50 / p95 ms | recall | "
              "FTS5 unicode61 p50 / p95 ms | recall |", "|---|---|---|---|---|---|---|---|"]
    for name, run in runs.items():
        for kind, r in run["results"].items():
            def cell(values: list[float]) -> str:
                return f"{statistics.median(values):,.1f} / {pct(values, 0.95):,.1f}" if values else "n/a"
            u61 = (cell(r["u61"]), f"{r['recall']['u61']:.3f}") if r["u61"] else ("n/a", "n/a")
            lines.append(f"| {name} | {kind} | {cell(r['ours'])} | {r['recall']['ours']:.3f} | {cell(r['like'])} | "
                         f"{r['recall']['like']:.3f} | {u61[0]} | {u61[1]} |")
    from archive.catalog.search_index import WALK_RATIO

    lines += ["", "Walk or sort: a page of a query with `total` matches among N articles is found by walking the "
              "articles newest first when total² ≥ WALK_RATIO × (page size + 1) × N, else by sorting every match. "
              "Latency of every query above (plain and grouped by cluster) for each WALK_RATIO "
              f"(chosen: {WALK_RATIO}):", "",
              "| catalog | WALK_RATIO | p50 ms | p95 ms | max ms |", "|---|---|---|---|---|"]
    for name, run in runs.items():
        for ratio, values in run["sweep"].items():
            lines.append(f"| {name} | {ratio} | {statistics.median(values):,.1f} | {pct(values, 0.95):,.1f} | "
                         f"{max(values):,.1f} |")
    lines += ["", "| catalog | index | build s | size | size / article text |", "|---|---|---|---|---|"]
    for name, run in runs.items():
        text_bytes, sizes = run["text_bytes"], run["sizes"]
        if name == "SQLite":
            rows = [("pairs, contentless FTS5 (chosen) + folded text", run["build"], sizes["fts"] + sizes["docs"]),
                    ("  of which the FTS5 index", None, sizes["fts"]),
                    ("FTS5 unicode61 (baseline, external content)", run["alt_build"]["u61"], sizes["u61"])]
            if "ext" in run["alt_build"]:
                rows.insert(2, ("pairs, external-content FTS5 (pair text stored) + folded text", run["alt_build"]["ext"],
                                sizes["ext"] + sizes["docs"]))
        else:
            rows = [("pairs, text[] + GIN (chosen) + folded text", run["build"], sizes["gin"] + sizes["docs"]),
                    ("  of which the GIN index", None, sizes["gin"])]
        for label, seconds, size in rows:
            built = f"{seconds:,.0f}" if seconds is not None else ""
            lines.append(f"| {name} | {label} | {built} | {mb(size)} | {size / text_bytes:.2f} |")
    lines.append(f"\nArticle text: {mb(runs[next(iter(runs))]['text_bytes'])} (UTF-8).")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20, help="queries per kind")
    parser.add_argument("--like-queries", type=int, default=5, help="of those, how many the LIKE scan runs")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (its own section of the doc)")
    parser.add_argument("--no-alternatives", action="store_true",
                        help="SQLite: skip the external-content layout (compared at 100,000; the baselines stay)")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    words = queries(args.queries)
    runs: dict[str, dict[str, Any]] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="aidnews-fulltext-") as tmp:
            runs["SQLite"] = run_backend("SQLite", catalog_url_for(Path(tmp)), args.articles, words, args.like_queries,
                                         alternatives=not args.no_alternatives)
    if not args.no_postgres:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{PG_NAME}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        try:
            runs["PostgreSQL"] = run_backend("PostgreSQL", f"{base}/{PG_NAME}", args.articles, words, args.like_queries)
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
    lines = table(args.articles, runs, args.queries, args.like_queries)
    if args.no_write:
        print("\n".join(lines))
    else:
        only = "" if len(runs) == 2 else f", {' and '.join(runs)} only"
        publish(f"Full-text search{only} (bench/fulltext.py)", lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
