"""Page render p95 of ``aidnews serve`` (home, search, article, cluster) at archive scale, on SQLite.

    python bench/serve.py [--articles 1000000] [--clusters 100000] [--requests 60] [--keep DIR]

Builds a catalog that looks like a real one (four sources; articles with Chinese titles and text,
each with its capture row; clusters of an original, a syndicated copy and a mirror copy; crawl runs),
indexes it for search (``dedupe.search.index_pending``, timed), starts ``aidnews serve --no-replay``
on it and times full HTTP answers of each page over loopback, for random articles and clusters. The
baseline is the same pages over a 1,000-article catalog built the same way in the same run: the
ratio says what scale costs.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import publish  # noqa: E402

BIN = Path(sys.executable).parent
SOURCES = [("tibet_cn", "中国西藏网", "site", "www.tibet.cn"), ("qianlong", "千龙网", "site", "www.qianlong.com"),
           ("tianxia_finance", "天下金融网", "aggregator", "www.txjrw.example"),
           ("tibet_mirror", "镜像站", "mirror", "www.tibet-mirror.example")]
WORDS = ["援藏", "对口支援", "西藏日报", "拉萨", "林芝", "日喀则", "干部", "医疗", "教育", "产业", "项目", "资金", "乡村振兴",
         "基础设施", "群众", "工作队", "发展", "记者", "建设", "合作", "民生", "就业", "生态", "文化", "旅游", "高原"]
QUERIES = ["援藏", "对口支援", "乡村振兴 医疗", '"工作队"']
START = datetime(2024, 1, 1, tzinfo=UTC)


def _text(rng: random.Random, words: int) -> str:
    return "".join(rng.choice(WORDS) + rng.choice("，。、的在和") for _ in range(words))


def build(folder: Path, articles: int, clusters: int, seed: int = 7) -> str:
    """The catalog (migrated by the project's own code, rows written with sqlite3 for speed)."""
    from archive.catalog import Catalog
    from archive.surt import surt

    url = f"sqlite:///{folder / 'catalog.sqlite'}"
    Catalog(url).close()  # the schema, at head
    rng = random.Random(seed)
    db = sqlite3.connect(folder / "catalog.sqlite")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.executemany("INSERT INTO sources (id, name, kind, hosts) VALUES (?, ?, ?, ?)", SOURCES)
    clustered = 3 * clusters
    batch_c, batch_a = [], []
    for i in range(1, articles + 1):
        if i <= clustered:
            source = SOURCES[[0, 2, 3][(i - 1) % 3]]  # the original, a syndicated copy, a mirror copy
            story = (i - 1) // 3
        else:
            source = SOURCES[i % 2]
            story = i
        srng = random.Random(story)
        title = f"{srng.choice(WORDS)}{srng.choice(WORDS)}：{_text(srng, 4)}第{story}篇"
        body = "\n".join(_text(srng, 18) for _ in range(3))
        when = START + timedelta(minutes=story * 3 + (i - 1) % 3 * 90)
        host = source[3]
        page = f"http://{host}/cn/aid_tibet/news/{when:%Y%m}/t{when:%Y%m%d}_{i}.html"
        record = f"<urn:uuid:{uuid.UUID(int=i)}>"
        stamp = f"{when:%Y%m%d%H%M%S}"
        batch_c.append((i, record, "response", page, surt(page), stamp, 200, "text/html", f"sha1:{i:032d}",
                        f"aidnews-{i // 50_000:05d}.warc.gz", i * 900, 900, source[0]))
        batch_a.append((i, record, page, source[0], "aid_tibet/news", title, when.replace(tzinfo=None).isoformat(" "),
                        "西藏日报", "", "", body, when.replace(tzinfo=None).isoformat(" ")))
        if len(batch_a) == 20_000 or i == articles:
            db.executemany("INSERT INTO captures (id, record_id, record_type, url, urlkey, timestamp, status, mime, digest, "
                           "filename, \"offset\", length, source_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", batch_c)
            db.executemany("INSERT INTO articles (id, record_id, url, source_id, section, title, published, origin, editor, "
                           "author, text, captured_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch_a)
            batch_c, batch_a = [], []
    db.executemany("INSERT INTO clusters (id, canonical_id) VALUES (?, ?)",
                   ((c + 1, 3 * c + 1) for c in range(clusters)))
    db.executemany("INSERT INTO cluster_members (article_id, cluster_id) VALUES (?, ?)",
                   ((3 * c + k + 1, c + 1) for c in range(clusters) for k in range(3)))
    db.executemany("INSERT INTO fingerprints (article_id, simhash, band0, band1, band2, band3, chars, shingles, "
                   "repeated_in_page, flags, samples) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   ((3 * c + k + 1, f"{rng.getrandbits(64):016x}", 0, 0, 0, 0, 160, 150, 0,
                     "traditional,spam" if k == 2 else "", 0) for c in range(clusters) for k in range(3)))
    for n, (sid, *_rest) in enumerate(SOURCES):
        for r in range(5):
            started = (START + timedelta(days=r)).replace(tzinfo=None).isoformat(" ")
            db.execute("INSERT INTO crawl_runs (spider, sources, started_at, finished_at, status, pages, articles, errors, "
                       "warc_files, source_id, revisits, article_links, health) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       ("configured", sid, started, started, "finished", 500, 100, 0, "", sid, 0, 100,
                        "no article links on the list pages" if n == 3 and r == 4 else ""))
    db.commit()
    db.execute("ANALYZE")
    db.close()
    catalog = Catalog(url, migrate=False)
    catalog.recount_site_links()  # as the catalog pass stores them with its clusters
    catalog.close()
    return url


def index(url: str) -> float:
    from archive.catalog import Catalog
    from dedupe.search import index_pending

    catalog = Catalog(url, migrate=False)
    began = time.perf_counter()
    index_pending(catalog)
    seconds = time.perf_counter() - began
    catalog.close()
    return seconds


def prepare(folder: Path, articles: int, clusters: int) -> tuple[float, float] | None:
    """The catalog in ``folder``, built and indexed unless an earlier run finished it there (``done``);
    returns (build seconds, index seconds) when it was built now."""
    if (folder / "done").exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.sqlite").unlink(missing_ok=True)  # a run stopped half way
    began = time.perf_counter()
    url = build(folder, articles, clusters)
    built = time.perf_counter() - began
    indexed = index(url)
    (folder / "done").touch()
    return built, indexed


def _fresh_queries(count: int) -> list[str]:
    """``count`` distinct queries of two common words, one of three or more characters (so a substring
    check decides it), none of them in QUERIES: each one's total is counted, none is remembered."""
    longer = [w for w in WORDS if len(w) >= 3]
    queries = [f"{a} {b}" for a in longer for b in WORDS if b != a and f"{a} {b}" not in QUERIES]
    random.Random(2).shuffle(queries)
    if count > len(queries):
        raise SystemExit(f"--requests: at most {len(queries) - 2} for distinct queries")
    return queries[:count]


def _get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()
        assert answer.status == 200, url
    return time.perf_counter() - began


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def measure(folder: Path, articles: int, clusters: int, requests: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 (seconds) per page, over ``requests`` requests each (the first two as warm-up)."""
    process = subprocess.Popen([str(BIN / "aidnews"), "serve", "--data", str(folder), "--port", "0", "--no-replay"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.match(r"serve: (http://\S+/)", line)
        assert found, line
        base = found.group(1)
        rng = random.Random(1)
        fresh = iter(_fresh_queries(requests + 2))
        pages = {
            "home": lambda: base,
            # Words in 80-90 % of the articles (the vocabulary is small): the exact total reads most folded texts.
            # Each query asked once: its total is counted (a total is kept until the catalog changes).
            "search, common words, first time": lambda: f"{base}search?q={urllib.parse.quote(next(fresh))}",
            # The same few queries again: their totals are kept (what paging through one query costs).
            "search, common words, again": lambda: f"{base}search?q={urllib.parse.quote(rng.choice(QUERIES))}",
            # A story's title number: one to three articles.
            "search, one story": lambda: f"{base}search?q={urllib.parse.quote(f'第{rng.randint(0, clusters - 1)}篇')}",
            "article": lambda: f"{base}articles/{rng.randint(1, articles)}",
            "cluster": lambda: f"{base}clusters/{rng.randint(1, clusters)}",
            "clusters list": lambda: f"{base}clusters?cursor={rng.randint(0, max(clusters - 60, 0))}",
            "sites": lambda: f"{base}sites",
        }
        out = {}
        for query in QUERIES:  # "again" times queries asked before
            _get(f"{base}search?q={urllib.parse.quote(query)}")
        for name, make in pages.items():
            times = [_get(make()) for _ in range(requests + 2)][2:]
            out[name] = (statistics.median(times), p95(times))
        return out
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--clusters", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the catalogs in DIR and keep them; a later run with the same DIR and sizes "
                             "measures them again without building (the build figures are then not published)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aidnews-serve-bench-") as tmp:
        folder = args.keep or Path(tmp)
        small, big = folder / "small-1000-100", folder / f"big-{args.articles}-{args.clusters}"
        prepare(small, 1_000, 100)
        timings = prepare(big, args.articles, args.clusters)
        size = (big / "catalog.sqlite").stat().st_size
        base = measure(small, 1_000, 100, args.requests)
        scaled = measure(big, args.articles, args.clusters, args.requests)
    how = f"built in {timings[0]:.0f} s, search-indexed in {timings[1]:.0f} s, " if timings else ""
    lines = [f"`aidnews serve` over a SQLite catalog of {args.articles:,} articles and {args.clusters:,} clusters "
             f"({how}{size / 1e9:.2f} GB with the index), "
             f"{args.requests} requests a page over loopback, one at a time, full answer read; baseline: the same "
             "pages over 1,000 articles and 100 clusters in the same run. `python bench/serve.py`",
             "", "| page | p50 (ms) | p95 (ms) | baseline p95 (ms) | ratio p95 / baseline |", "|---|---|---|---|---|"]
    for name, (p50, high) in scaled.items():
        lines.append(f"| {name} | {p50 * 1000:.1f} | {high * 1000:.1f} | {base[name][1] * 1000:.1f} | "
                     f"{high / base[name][1]:.1f} |")
    publish("Web app page render (aidnews serve)", lines)


if __name__ == "__main__":
    main()
