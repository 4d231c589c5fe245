"""The ``aidnews`` command line: a thin layer over library calls.

User errors print one line (``aidnews: error: ...``) and exit non-zero.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aidnews import __version__
from aidnews.paths import DataPaths

EXIT_USAGE = 2
EXIT_FAILED = 1


class UserError(Exception):
    """An error the user can fix; printed as one line."""


def _data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="data folder (default: $AIDNEWS_DATA or ./data)")
    parser.add_argument("--catalog", help="catalog URL (default: $AIDNEWS_CATALOG_URL or sqlite:///DATA/catalog.sqlite)")


def _settings_overrides(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(f"-s expects NAME=VALUE, got {pair!r}")
        out[key] = value
    return out


def cmd_sample_web(args: argparse.Namespace) -> int:
    from sampleweb.server import SampleWebServer
    from sampleweb.site import SampleWeb

    if args.scale < 1:
        raise UserError(f"--scale must be >= 1, got {args.scale}")
    try:
        server = SampleWebServer(SampleWeb(args.scale), args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from exc
    print(f"sample web: {server.url}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from aidnews.crawl import RedisOptions, run_crawl
    from crawler.errors import SourceError

    paths = DataPaths.resolve(args.data, args.catalog)
    overrides = _settings_overrides(args.set)
    if args.redis and not args.join:
        from aidnews.distributed import run_distributed

        try:
            result = run_distributed(paths, args.redis, args.workers, args.redis_prefix, args.sources,
                                     args.sample_web, args.set)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        failed = {name: code for name, code in result.exit_codes.items() if code != 0}
        print(f"crawl: {len(result.exit_codes)} workers ({len(failed)} failed), {result.captures_indexed} records "
              f"indexed, {result.articles_rebuilt} articles rebuilt from WARCs, "
              f"{result.repaired} WARC files finished after a dead worker")
        return EXIT_FAILED if len(failed) == len(result.exit_codes) else 0
    if args.workers != 1 and not args.redis:
        raise UserError("--workers needs --redis (workers share a Redis frontier)")
    redis = RedisOptions(args.redis, args.redis_prefix, args.worker_id or "") if args.redis else None
    try:
        result = run_crawl(paths, args.sources, args.sample_web, overrides,
                           Path(args.seeds) if args.seeds else None, redis)
    except SourceError as exc:
        raise UserError(str(exc)) from exc
    try:
        result.write_stats(paths.crawl_stats)
    except OSError as exc:  # a full or read-only disk: the crawl's own outcome matters more
        print(f"aidnews: cannot write {paths.crawl_stats}: {exc}", file=sys.stderr)
    print(f"crawl: {result.total('response_received_count')} pages, {result.total('item_scraped_count')} articles, "
          f"{len(result.warc_files)} WARC files, {result.failed_fetches} failed fetches, {result.errors} errors "
          f"(stats: {paths.crawl_stats})")
    if result.failed:
        print(f"aidnews: crawl stopped early: {', '.join(result.failed)}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from aidnews.demo import run_demo

    return run_demo(DataPaths.resolve(args.data, args.catalog), scale=args.scale)


def cmd_extract(args: argparse.Namespace) -> int:
    from aidnews.extract_cmd import ExtractUsageError, run

    try:
        return run(args)
    except ExtractUsageError as exc:
        raise UserError(str(exc)) from exc


def _open_catalog(paths: DataPaths):  # type: ignore[no-untyped-def]
    from archive.catalog import Catalog
    from archive.errors import CatalogError

    if paths.catalog_url.startswith("sqlite:") and not paths.root.exists():
        raise UserError(f"no data folder at {paths.root} (run `aidnews crawl` or `aidnews demo` first)")
    try:
        return Catalog(paths.catalog_url)
    except CatalogError as exc:
        raise UserError(str(exc)) from exc


def cmd_index(args: argparse.Namespace) -> int:
    from archive.indexer import index_warcs
    from archive.repair import repair_folder
    from crawler.rebuild import rebuild_articles
    from crawler.sources import host_map, load_sources

    paths = DataPaths.resolve(args.data, args.catalog)
    if not paths.warcs.is_dir():
        raise UserError(f"no WARC folder at {paths.warcs}")
    if args.repair:
        for repaired in repair_folder(paths.warcs, include_closed=True):
            cut = f"cut a torn last record ({repaired.cut_bytes} bytes)" if repaired.cut_bytes else "complete"
            print(f"repair: {repaired.name}: {cut}")
    elif list(paths.warcs.glob("*.warc.gz.open")):
        print("aidnews: note: .open WARC files are being written or were left by a dead crawl; "
              "when no crawl runs, `aidnews index --repair` finishes them", file=sys.stderr)
    catalog = _open_catalog(paths)
    sources = load_sources()
    report = index_warcs(paths.warcs, catalog, host_map(sources),
                         progress=lambda name, n: print(f"indexed {name} ({n} records so far)", file=sys.stderr))
    rebuilt = rebuild_articles(catalog, paths.warcs, sources)
    from archive.cdxj import write_cdxj

    lines = write_cdxj(catalog, paths.root / "replay" / "indexes" / "index.cdxj")
    print(f"index: {report.files} WARC files, {report.records} records, {rebuilt} articles rebuilt, "
          f"{lines} CDXJ lines")
    for name in report.unreadable:
        print(f"aidnews: warning: {name} is unreadable or torn; its complete records were indexed "
              "(`aidnews index --repair` cuts the torn tail)", file=sys.stderr)
    return EXIT_FAILED if report.unreadable else 0


def cmd_stats(args: argparse.Namespace) -> int:
    from archive.stats import data_stats

    paths = DataPaths.resolve(args.data, args.catalog)
    stats = data_stats(paths.warcs, _open_catalog(paths))
    if args.json:
        print(json.dumps(stats, indent=1, sort_keys=True))
    else:
        width = max(map(len, stats))
        for key, value in stats.items():
            print(f"{key:<{width}}  {value}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from dedupe.report import ReportOptions, build_report, write_csv, write_html, write_json

    paths = DataPaths.resolve(args.data, args.catalog)
    try:
        options = ReportOptions(replay_base=args.replay_base or "", diff_limit=args.diff_limit)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    output = Path(args.output) if args.output else paths.reports / f"report.{args.format}"
    catalog = _open_catalog(paths)
    report = build_report(catalog, options)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if args.format == "html":
            write_html(report, output)
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                (write_json if args.format == "json" else write_csv)(report, out)
    except OSError as exc:
        raise UserError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"report: {report['summary']['clusters']} clusters, {report['summary']['copies']} copies -> {output}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from aidnews.schedule import run_due, serve
    from crawler.errors import SourceError

    paths = DataPaths.resolve(args.data, args.catalog)
    paths.root.mkdir(parents=True, exist_ok=True)
    seeds = Path(args.seeds) if args.seeds else None
    try:
        if not args.once:
            return serve(paths, seeds, args.sample_web, args.set, args.max_cycles)
        cycle = run_due(paths, seeds, args.sample_web, args.set)
    except SourceError as exc:
        raise UserError(str(exc)) from exc
    if not cycle.ran:
        print("schedule: nothing due")
    else:
        print(f"schedule: ran {', '.join(cycle.ran)}")
    for source, reason in cycle.unhealthy.items():
        print(f"aidnews: warning: {source}: {reason}", file=sys.stderr)
    return cycle.exit_code


def cmd_runs(args: argparse.Namespace) -> int:
    paths = DataPaths.resolve(args.data, args.catalog)
    runs = _open_catalog(paths).runs(limit=args.limit)
    rows = [{"id": r.id, "source": r.source_id or r.sources, "spider": r.spider,
             "started": r.started_at.isoformat() if r.started_at else None,
             "finished": r.finished_at.isoformat() if r.finished_at else None, "status": r.status,
             "pages": r.pages, "new_articles": r.articles, "revisits": r.revisits, "errors": r.errors,
             "warc_files": r.warc_files.split() if r.warc_files else [], "health": r.health} for r in runs]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    print(f"{'id':>5}  {'source':<16} {'started (UTC)':<19}  {'status':<9} {'pages':>6} {'new':>5} {'revisit':>7} {'err':>4}  health")
    for r in rows:
        started = (r["started"] or "")[:19].replace("T", " ")
        print(f"{r['id']:>5}  {r['source']:<16} {started:<19}  {r['status']:<9} {r['pages']:>6} {r['new_articles']:>5} "
              f"{r['revisits']:>7} {r['errors']:>4}  {r['health'] or 'ok'}")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    import socket

    from aidnews.replay import COLLECTION, ReplayError, start
    from aidnews.start_page import write_start_page

    paths = DataPaths.resolve(args.data, args.catalog)
    if not paths.warcs.is_dir():
        raise UserError(f"no WARC folder at {paths.warcs} (run `aidnews crawl` or `aidnews demo` first)")
    port = args.port
    if port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    try:
        process, base = start(paths, port, workers=args.workers)
    except ReplayError as exc:
        raise UserError(str(exc)) from exc
    page = write_start_page(paths, f"{base}{COLLECTION}/")
    print(f"replay: {base}", flush=True)
    print(f"replay: start page {page}; permalinks {base}{COLLECTION}/<timestamp>/<url> (raw bytes: <timestamp>id_)",
          flush=True)
    try:
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from archive.wacz import export_wacz

    paths = DataPaths.resolve(args.data, args.catalog)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            raise UserError(f"--since expects a date like 2025-02-17, got {args.since!r}") from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    try:
        summary = export_wacz(_open_catalog(paths), paths.warcs, Path(args.output), args.source, since)
    except (FileNotFoundError, OSError) as exc:
        raise UserError(str(exc)) from exc
    print(f"export: {summary.path}: {summary.warc_files} WARC files, {summary.captures} captures, {summary.pages} pages")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aidnews", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"aidnews {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="serve the sample web, crawl it, dedupe, and say where everything is")
    _data_args(p)
    p.add_argument("--scale", type=int, default=1, help="sample web size (about 220 articles per unit)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl the sources in seeds/ into WARC files and the catalog")
    _data_args(p)
    p.add_argument("sources", nargs="*", help="source ids (default: all)")
    p.add_argument("--sample-web", metavar="URL", help="route every request through the sample web at URL")
    p.add_argument("--seeds", help="folder of source files (default: seeds/)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting")
    p.add_argument("--redis", metavar="URL", default=os.environ.get("AIDNEWS_REDIS_URL"),
                   help="share the frontier and duplicate filter in Redis (redis://HOST:PORT/DB; default $AIDNEWS_REDIS_URL)")
    p.add_argument("--workers", type=int, default=1, help="crawler processes on this machine (with --redis)")
    p.add_argument("--join", action="store_true", help="join a running distributed crawl as one worker")
    p.add_argument("--worker-id", help="this worker's name (default: host-pid); goes into its WARC file names")
    p.add_argument("--redis-prefix", default="aidnews", help="Redis key prefix of the crawl (default: aidnews)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("sample-web", help="serve the bundled offline sample web on 127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    p.add_argument("--scale", type=int, default=1, help="size multiplier for benchmarks")
    p.set_defaults(func=cmd_sample_web)

    p = sub.add_parser("extract", help="extract title, time, 来源 and text from HTML pages or a WARC file")
    from aidnews.extract_cmd import add_arguments as _extract_arguments

    _extract_arguments(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("index", help="rebuild catalog captures (and missing articles) from the WARC files")
    _data_args(p)
    p.add_argument("--repair", action="store_true",
                   help="first finish .open files and cut torn last records (only when no crawl is running)")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("stats", help="count WARC files, records, captures and articles")
    _data_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("schedule", help="crawl each source when its cron schedule says (foreground, or --once)")
    _data_args(p)
    p.add_argument("--once", action="store_true", help="run what is due and exit (for cron or a systemd timer); "
                   "exit 1 when a run failed or a source looks unhealthy")
    p.add_argument("--seeds", help="folder of source files (default: seeds/)")
    p.add_argument("--sample-web", metavar="URL", help="crawl through the sample web at URL")
    p.add_argument("--max-cycles", type=int, default=0, help="stop after N cycles that ran something (0 = never)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="crawl setting")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("runs", help="list crawl runs: source, times, status, pages, new articles, health")
    _data_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("replay", help="replay the archive in a browser through pywb (its own venv and process)")
    _data_args(p)
    p.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (0 picks a free one)")
    p.add_argument("--workers", type=int, default=1, help="pywb processes on that port (uwsgi), up to the cores")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("export", help="export the archive as a WACZ package (ReplayWeb.page, pywb)")
    p.add_argument("format", choices=("wacz",))
    _data_args(p)
    p.add_argument("--output", required=True, help="the .wacz file to write")
    p.add_argument("--source", help="only this source's captures (and the WARC files holding them)")
    p.add_argument("--since", help="only captures from this date (ISO 8601, UTC when no zone)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="write the dedupe report: who copied whom (HTML, JSON or CSV)")
    _data_args(p)
    p.add_argument("--format", choices=("html", "json", "csv"), default="html")
    p.add_argument("--output", help="file to write (default: DATA/reports/report.FORMAT)")
    p.add_argument("--replay-base", help="replay collection URL for capture links, e.g. http://127.0.0.1:8080/archive/")
    p.add_argument("--diff-limit", type=int, default=2000, help="clusters whose side-by-side diffs are embedded")
    p.set_defaults(func=cmd_report)

    from aidnews.dedupe_cmd import add_dedupe_parser

    add_dedupe_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from archive import redact

    redact.install()  # no catalog or Redis password in any log line
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except BrokenPipeError:
        # The reader went away (`aidnews extract big.html | head`): not an error. Point stdout at
        # /dev/null so the interpreter's last flush does not complain either.
        _silence_stdout()
        return 0
    except UserError as exc:
        print(f"aidnews: error: {redact.redact_url(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # errors of our packages are user-facing; anything else is a bug
        from archive.errors import ArchiveError
        from crawler.errors import SourceError
        from dedupe.errors import DedupeError

        if isinstance(exc, ArchiveError | DedupeError | SourceError):
            print(f"aidnews: error: {redact.redact_url(str(exc))}", file=sys.stderr)
            return EXIT_FAILED
        import traceback

        print(redact.redact_url(traceback.format_exc()), file=sys.stderr, end="")  # a bug: show where
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("aidnews: interrupted", file=sys.stderr)
        return 130


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test's StringIO): nothing will flush
        pass


if __name__ == "__main__":
    sys.exit(main())
