"""Build the report's data from the catalog: summary, per-site table, graph, clusters."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from archive.catalog import Catalog
from archive.catalog.app_reads import SiteCounts
from archive.catalog.models import Article, Capture, Fingerprint, Source, Version
from dedupe.changes import FieldChange, Fields, compare, fields_of
from dedupe.fingerprint import from_hex, shingle_hashes
from dedupe.normalise import normalise
from dedupe.report.diff import paragraph_diff
from dedupe.verify import similarity

SCHEMA = "aidnews-report/1"
BATCH = 500
KIND_LABELS = {
    "traditional": "traditional-script copy",
    "pinyin": "pinyin-annotated",
    "spam": "spam appended",
    "repeated_in_page": "repeated in page",
}


@dataclass(frozen=True)
class ReportOptions:
    """``replay_base``: pywb collection URL (``http://127.0.0.1:8080/archive/``); empty links to WARC places."""

    replay_base: str = ""
    diff_limit: int = 2000  # clusters whose member diffs are embedded (the rest list metrics only)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        if self.diff_limit < 0:
            raise ValueError(f"diff_limit must be >= 0, got {self.diff_limit}")
        if self.replay_base and not self.replay_base.startswith(("http://", "https://", "/", "./", "../")):
            raise ValueError(f"replay_base must be an http(s) URL or a path, got {self.replay_base!r}")


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _iso(value: datetime | None) -> str | None:
    """Times are shown in Asia/Shanghai, the zone the sites publish in."""
    return value.astimezone(SHANGHAI).isoformat() if value else None


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 3600, 2)


class _Texts:
    """Normalised shingles per article, computed once per batch."""

    def __init__(self) -> None:
        self.cache: dict[int, Any] = {}

    def shingles(self, article: Article) -> Any:
        if article.id not in self.cache:
            self.cache[article.id] = shingle_hashes(normalise(article.text).text)
        return self.cache[article.id]


def _member_kinds(article: Article, canonical: Article, site_kind: str, flags: list[str], chars: int,
                  canonical_chars: int) -> list[str]:
    if article.id == canonical.id:
        return ["original"] + (["repeated in page"] if "repeated_in_page" in flags else [])
    kinds = ["mirror" if site_kind == "mirror" else "syndicated"]
    kinds += [label for flag, label in KIND_LABELS.items() if flag in flags]
    if canonical_chars and chars < 0.8 * canonical_chars:
        kinds.append("truncated")
    return kinds


def _replay(capture: Capture | None, options: ReportOptions) -> dict[str, Any] | None:
    if capture is None:
        return None
    link = f"{options.replay_base}{capture.timestamp}/{capture.url}" if options.replay_base else None
    return {"warc": capture.filename, "offset": capture.offset, "length": capture.length,
            "timestamp": capture.timestamp, "url": link}


def build_report(catalog: Catalog, options: ReportOptions | None = None) -> dict[str, Any]:
    """The whole report as a dict; ``clusters`` is a list built in batches from the catalog."""
    options = options or ReportOptions()
    overview = catalog.report_overview()
    sources, cluster_rows = overview.sources, overview.clusters
    per_site, article_total, repeated_total = overview.articles_per_site, overview.articles, overview.repeated_per_site
    far = datetime.max.replace(tzinfo=UTC)
    order = sorted(cluster_rows, key=lambda r: (r[1] or far, r[3]))
    clusters = list(_clusters(catalog, [r[0] for r in order], sources, options))
    sites: dict[str, dict[str, Any]] = {
        sid: {"site": sid, "name": s.name, "kind": s.kind, "articles": per_site.get(sid, 0), "originals": 0,
              "copies_made": 0, "copies_received": 0, "mirrors_with_spam": 0, "repeated_body": repeated_total.get(sid, 0)}
        for sid, s in sorted(sources.items())
    }
    graph: Counter[tuple[str, str]] = Counter()
    copies = 0
    for cluster in clusters:
        origin_site = cluster["canonical"]["site"]
        sites.setdefault(origin_site, {"site": origin_site, "name": origin_site, "kind": "", "articles": 0,
                                       "originals": 0, "copies_made": 0, "copies_received": 0,
                                       "mirrors_with_spam": 0, "repeated_body": 0})
        sites[origin_site]["originals"] += 1
        for member in cluster["members"][1:]:
            copies += 1
            site = member["site"]
            if site in sites:
                sites[site]["copies_made"] += 1
                if "spam appended" in member["kinds"] and sites[site]["kind"] == "mirror":
                    sites[site]["mirrors_with_spam"] += 1
            sites[origin_site]["copies_received"] += 1
            graph[(origin_site, site)] += 1
    return {
        "schema": SCHEMA,
        "generated": options.clock().isoformat(),
        "timelines": timelines(catalog),
        "summary": {
            "sources": len(sources), "articles": article_total, "clusters": len(clusters), "copies": copies,
            "copy_share": round(copies / article_total, 4) if article_total else 0.0,
            "sites": [sites[k] for k in sorted(sites)],
        },
        "graph": [{"from": a, "to": b, "count": n} for (a, b), n in sorted(graph.items())],
        "clusters": clusters,
    }


def _version_fields(version: Version) -> Fields:
    return fields_of(version.title, version.text, version.origin, version.published or None, version.editor)


def _cdx_iso(timestamp: str) -> str:
    return (f"{timestamp[:4]}-{timestamp[4:6]}-{timestamp[6:8]}T{timestamp[8:10]}:{timestamp[10:12]}:"
            f"{timestamp[12:14]}Z")


def timelines(catalog: Catalog, urls: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every article URL (of ``urls``, if given) that has more than one version or a change event: its
    versions, each with what changed since the one before, and its events (takedowns, moves,
    restorations, unlisting)."""
    events = catalog.event_records(urls=urls)
    by_url: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_url[event["url"]].append({k: event[k] for k in ("kind", "how", "detected", "summary")})
    versions: dict[str, list[Version]] = defaultdict(list)
    for version in catalog.versions(urls):
        versions[version.url].append(version)
    out = []
    for url in sorted(set(by_url) | {u for u, vs in versions.items() if len(vs) > 1}):
        out.append({"url": url, "site": versions[url][0].source_id if versions.get(url) else None,
                    "versions": version_rows(versions.get(url, [])), "events": by_url.get(url, [])})
    return out


def version_rows(versions: Sequence[Version]) -> list[dict[str, Any]]:
    """One URL's versions, oldest first, each with what changed since the one before (field -> diff)."""
    rows: list[dict[str, Any]] = []
    previous: Fields | None = None
    for version in versions:
        fields = _version_fields(version)
        changes: dict[str, FieldChange] = compare(previous, fields) if previous is not None else {}
        rows.append({"number": version.number, "captured": _cdx_iso(version.timestamp), "timestamp": version.timestamp,
                     "title": version.title,
                     "changed": {name: [list(op) for op in c.diff] for name, c in changes.items()}})
        previous = fields
    return rows


def _copied_versions(catalog: Catalog, canonical: Article,
                     copies: list[tuple[Article, Capture | None]]) -> dict[int, dict[str, Any]]:
    """For each copy: the canonical's version current at the copy's first capture, and the fields the
    canonical changed after it (an edit made after the copy)."""
    versions = catalog.versions([canonical.url])
    if len(versions) < 2:
        return {}
    latest = _version_fields(versions[-1])
    out = {}
    for article, capture in copies:
        when = capture.timestamp if capture else ""
        current = [v for v in versions if v.timestamp <= when] or versions[:1]
        copied = current[-1]
        out[article.id] = {"copied_version": copied.number,
                           "edited_since_copy": sorted(compare(_version_fields(copied), latest))}
    return out


def _clusters(catalog: Catalog, ids: list[int], sources: dict[str, Source], options: ReportOptions) -> Iterator[dict[str, Any]]:
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        batch = catalog.cluster_batch(chunk)
        canon, pairs = batch.canonical, batch.pairs
        members: dict[int, list[tuple[Article, Capture | None, Fingerprint | None]]] = defaultdict(list)
        for cluster_id, article, capture, fingerprint in batch.members:
            members[cluster_id].append((article, capture, fingerprint))
        texts = _Texts()
        for position, cluster_id in enumerate(chunk, start):
            cluster = _cluster(cluster_id, canon[cluster_id], members[cluster_id], pairs, sources, texts, options,
                               with_diff=position < options.diff_limit)
            rows = {article.id: (article, capture) for article, capture, _ in members[cluster_id]}
            canonical = rows[canon[cluster_id]][0]
            copied = _copied_versions(catalog, canonical, [r for k, r in rows.items() if k != canonical.id])
            for member in cluster["members"]:
                member.update(copied.get(member["article"], {}))
            yield cluster


def _cluster(cluster_id: int, canonical_id: int, rows: list[tuple[Article, Capture | None, Fingerprint | None]],
             pairs: dict[tuple[int, int], tuple[int, float]], sources: dict[str, Source], texts: _Texts,
             options: ReportOptions, with_diff: bool) -> dict[str, Any]:
    by_id = {article.id: (article, capture, fp) for article, capture, fp in rows}
    canonical, _, canonical_fp = by_id[canonical_id]
    canonical_chars = canonical_fp.chars if canonical_fp else len(canonical.text)
    far = datetime.max.replace(tzinfo=UTC)
    ordered = [by_id[canonical_id]] + sorted(
        (r for r in rows if r[0].id != canonical_id), key=lambda r: (r[0].published or far, r[0].url))
    out = []
    for article, capture, fp in ordered:
        flags = fp.flags.split(",") if fp and fp.flags else []
        source = sources.get(article.source_id)
        entry: dict[str, Any] = {
            "article": article.id, "site": article.source_id, "site_name": source.name if source else article.source_id,
            "url": article.url, "title": article.title, "origin": article.origin,
            "published": _iso(article.published), "captured": _iso(article.captured_at),
            "delay_hours": _hours(article.published or article.captured_at, canonical.published or canonical.captured_at),
            "distance": None, "similarity": None,
            "kinds": _member_kinds(article, canonical, source.kind if source else "", flags,
                                   fp.chars if fp else len(article.text), canonical_chars),
            "replay": _replay(capture, options),
        }
        if article.id != canonical_id:
            key = (min(article.id, canonical_id), max(article.id, canonical_id))
            if fp and canonical_fp:
                entry["distance"] = (from_hex(fp.simhash) ^ from_hex(canonical_fp.simhash)).bit_count()
            if key in pairs:
                entry["similarity"] = round(pairs[key][1], 4)
            else:
                entry["similarity"] = round(similarity(texts.shingles(article), texts.shingles(canonical)).jaccard, 4)
            if with_diff:
                entry["diff"] = paragraph_diff(canonical.text, article.text)
        out.append(entry)
    return {"id": cluster_id, "canonical": out[0], "members": out}


def clusters_by_id(catalog: Catalog, ids: list[int], options: ReportOptions | None = None,
                   sources: dict[str, Source] | None = None) -> list[dict[str, Any]]:
    """Some clusters in the report's shape (``id``, ``canonical``, ``members`` with kinds, delays,
    distances, similarity and, up to ``options.diff_limit``, the side-by-side diff), in the order of
    ``ids``: what the web app's cluster pages show, one page of clusters at a time."""
    options = options or ReportOptions()
    if sources is None:
        sources = {s.id: s for s in catalog.sources()}
    return list(_clusters(catalog, ids, sources, options))


def site_summary(counts: SiteCounts) -> dict[str, Any]:
    """The report's ``summary`` (per-site table) and ``graph`` from counts the catalog aggregated in
    SQL (:meth:`~archive.catalog.app_reads.AppReads.site_counts`): the same figures as
    :func:`build_report`, without reading every cluster."""
    sources = counts.sources
    sites: dict[str, dict[str, Any]] = {
        sid: {"site": sid, "name": s.name, "kind": s.kind, "articles": counts.articles_per_site.get(sid, 0),
              "originals": 0, "copies_made": 0, "copies_received": 0, "mirrors_with_spam": 0,
              "repeated_body": counts.repeated_per_site.get(sid, 0)}
        for sid, s in sorted(sources.items())
    }
    graph: Counter[tuple[str, str]] = Counter()
    clusters = copies = 0
    for (origin_site, site, is_canonical, spam), n in sorted(counts.members.items()):
        sites.setdefault(origin_site, {"site": origin_site, "name": origin_site, "kind": "", "articles": 0,
                                       "originals": 0, "copies_made": 0, "copies_received": 0,
                                       "mirrors_with_spam": 0, "repeated_body": 0})
        if is_canonical:
            clusters += n
            sites[origin_site]["originals"] += n
            continue
        copies += n
        if site in sites:
            sites[site]["copies_made"] += n
            if spam and sites[site]["kind"] == "mirror":
                sites[site]["mirrors_with_spam"] += n
        sites[origin_site]["copies_received"] += n
        graph[(origin_site, site)] += n
    articles = sum(counts.articles_per_site.values())
    return {
        "summary": {
            "sources": len(sources), "articles": articles, "clusters": clusters, "copies": copies,
            "copy_share": round(copies / articles, 4) if articles else 0.0,
            "sites": [sites[k] for k in sorted(sites)],
        },
        "graph": [{"from": a, "to": b, "count": n} for (a, b), n in sorted(graph.items())],
    }
