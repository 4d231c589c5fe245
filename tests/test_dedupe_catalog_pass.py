"""The catalog pass finds the same pairs by per-article lookups and by bulk band joins, on both databases."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import dedupe.catalog_pass as catalog_pass
import dedupe.engine
from archive.catalog import Catalog
from archive.catalog.models import Cluster, ClusterMember, DedupePair
from tests.builders import sample_catalog
from tests.services import postgres_url  # noqa: F401 - fixture

_REAL_VERIFY_SLICE = dedupe.engine._verify_slice


def _outcome(catalog: Catalog) -> tuple[set[tuple[int, int, int, str]], set[frozenset[int]]]:
    with catalog.session() as session:
        pairs = {(p.a, p.b, p.distance, p.kind) for p in session.scalars(select(DedupePair))}
        members: dict[int, set[int]] = {}
        for member in session.scalars(select(ClusterMember)):
            members.setdefault(member.cluster_id, set()).add(member.article_id)
        assert session.scalar(select(Cluster.id).limit(1)) is not None
    return pairs, {frozenset(m) for m in members.values()}


def _both_ways(data: Path, url: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    per_article = _outcome(sample_catalog(data / "a", url))
    assert len(per_article[0]) > 50
    monkeypatch.setattr(catalog_pass, "BULK_LOOKUPS", 0)
    catalog = Catalog(url) if url else Catalog(f"sqlite:///{data / 'a' / 'catalog.sqlite'}")
    catalog_pass.run_catalog_pass(catalog, rebuild=True)
    assert _outcome(catalog) == per_article


def test_bulk_joins_equal_per_article_lookups_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _both_ways(tmp_path, None, monkeypatch)


def test_bulk_joins_equal_per_article_lookups_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            postgres_url: str) -> None:  # noqa: F811
    _both_ways(tmp_path, postgres_url, monkeypatch)


def _recording_slice(bounds: tuple[int, int]) -> Any:
    """engine._verify_slice, noting which process ran it (pickled by name into the workers)."""
    with open(os.environ["SLICE_PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\n")
    return _REAL_VERIFY_SLICE(bounds)


def _verified_in_forked_workers(data: Path, url: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification split across forked workers (each opening its own connections) stores what one process does."""
    import dedupe.engine as engine
    from dedupe.engine import DedupeConfig

    one_process = _outcome(sample_catalog(data / "a", url))
    monkeypatch.setattr(engine, "PARALLEL_VERIFY", 1)
    monkeypatch.setattr(engine, "VERIFY_SLICE", 7)  # many slices: each worker loads texts many times
    monkeypatch.setattr(engine, "_verify_slice", _recording_slice)
    monkeypatch.setenv("SLICE_PIDS", str(data / "pids"))
    catalog = Catalog(url) if url else Catalog(f"sqlite:///{data / 'a' / 'catalog.sqlite'}")
    catalog_pass.run_catalog_pass(catalog, DedupeConfig(workers=2), rebuild=True)
    pids = set((data / "pids").read_text().split())
    assert len(pids) == 2 and str(os.getpid()) not in pids  # the slices ran in two workers
    assert _outcome(catalog) == one_process
    assert catalog.count(DedupePair) == len(one_process[0])  # the parent's connections still work


def test_forked_verification_equals_one_process_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _verified_in_forked_workers(tmp_path, None, monkeypatch)


def test_forked_verification_equals_one_process_on_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              postgres_url: str) -> None:  # noqa: F811
    _verified_in_forked_workers(tmp_path, postgres_url, monkeypatch)


def test_a_second_pass_over_nothing_new_changes_nothing(tmp_path: Path) -> None:
    catalog = sample_catalog(tmp_path)
    before = _outcome(catalog)
    summary = catalog_pass.run_catalog_pass(catalog)
    assert summary["new_articles"] == 0 and summary["new_pairs"] == 0
    assert _outcome(catalog) == before


def test_catalog_forgets_and_replaces_dedupe_results_in_one_transaction(tmp_path: Path) -> None:
    from archive.catalog.models import Fingerprint, PassageSample

    catalog = sample_catalog(tmp_path)
    pairs, clusters = _outcome(catalog)
    first = next(iter(clusters))
    catalog.replace_clusters([(min(first), sorted(first))])
    assert _outcome(catalog) == (pairs, {first})
    catalog.forget_dedupe()
    for model in (Fingerprint, PassageSample, DedupePair, Cluster, ClusterMember):
        assert catalog.count(model) == 0
    catalog_pass.run_catalog_pass(catalog)
    assert _outcome(catalog) == (pairs, clusters)


def test_a_bulk_pass_holds_no_samples_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Samples are read back from the catalog by the bulk lookup; held as Python ints they cost gigabytes."""
    from dedupe.engine import DedupeConfig

    catalog = sample_catalog(tmp_path)
    catalog.forget_dedupe()
    monkeypatch.setattr(catalog_pass, "BULK_LOOKUPS", 5)
    monkeypatch.setattr(catalog_pass, "WRITE_BATCH", 20)
    new, _ = catalog_pass._fingerprint_new(catalog, catalog_pass.CatalogSource(catalog), DedupeConfig(), None)
    assert len(new) > 20 and not any(p.anchors for p in new)


@pytest.mark.parametrize("per_slice", [10_000_000, 300])
def test_postgresql_counts_shared_samples_as_the_rule_says(tmp_path: Path, postgres_url: str,  # noqa: F811
                                                           monkeypatch: pytest.MonkeyPatch, per_slice: int) -> None:
    """The sample rows counted in numpy keep exactly the pairs the rule names, with some articles new and
    some already stored (pairs of two new articles and of a new and an old one), in one slice or many."""
    import archive.catalog.dedupe_tables as dedupe_tables
    from archive.catalog.dedupe_tables import SampleRule

    monkeypatch.setattr(dedupe_tables, "PAIRS_PER_SLICE", per_slice)
    from archive.catalog.models import Fingerprint, PassageSample

    catalog = sample_catalog(tmp_path, postgres_url)
    rule = SampleRule(max_docs=40, min_shared=2, min_ratio=0.12)
    with catalog.session() as session:
        held = [(s, a) for s, a in session.execute(select(PassageSample.sample, PassageSample.article_id))]
        counts = {a: n for a, n in session.execute(select(Fingerprint.article_id, Fingerprint.samples))}
    keys = sorted(counts)[::2]
    holders: dict[int, list[int]] = {}
    for sample, article in held:
        holders.setdefault(sample, []).append(article)
    shared: dict[tuple[int, int], int] = {}
    for ids in holders.values():
        if 2 <= len(ids) <= rule.max_docs:
            for i, a in enumerate(sorted(ids)):
                for b in sorted(ids)[i + 1:]:
                    shared[(a, b)] = shared.get((a, b), 0) + 1
    new = set(keys)
    expected = {(a, b) for (a, b), n in shared.items() if (a in new or b in new) and n >= rule.min_shared
                and n >= rule.min_ratio * min(counts[a], counts[b])}
    _, rows = catalog.bulk_neighbours(keys, 12, rule)
    kept = {(min(r[0], r[1]), max(r[0], r[1])) for r in rows
            if r[2] >= rule.min_shared and r[2] >= rule.min_ratio * min(r[3], r[4])}
    assert expected and kept == expected
    assert all((r[3], r[4]) == (counts[r[0]], counts[r[1]]) for r in rows)


def _samples_lose_their_key(url: str) -> None:
    """Migration 0008 drops passage_samples' foreign key (a cost per row) and keeps every row."""
    from sqlalchemy import inspect, text

    catalog = Catalog(url, migrate=False)
    catalog.upgrade("0007")
    catalog.upsert_sources([{"id": "a", "name": "a.example", "kind": "site", "hosts": ""}])
    with catalog.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO captures (record_id, record_type, url, urlkey, timestamp, status, mime, digest, filename, "
            "\"offset\", length) VALUES ('<urn:uuid:1>', 'response', 'http://a.example/', 'example,a)/', "
            "'20250217000000', 200, 'text/html', 'sha1:X', 'f.warc.gz', 0, 1)"))
        connection.execute(text(
            "INSERT INTO articles (id, record_id, url, source_id, section, title, origin, editor, author, text, captured_at) "
            "VALUES (1, '<urn:uuid:1>', 'http://a.example/', 'a', '', 't', '', '', '', 'x', '2025-02-17 00:00:00')"))
        connection.execute(text("INSERT INTO passage_samples (sample, article_id) VALUES (7, 1), (9, 1)"))
    assert inspect(catalog.engine).get_foreign_keys("passage_samples")
    catalog.upgrade("head")
    assert not inspect(catalog.engine).get_foreign_keys("passage_samples")
    with catalog.engine.connect() as connection:
        assert connection.execute(text("SELECT sample, article_id FROM passage_samples ORDER BY sample")).all() == [
            (7, 1), (9, 1)]
    catalog.close()


def test_samples_lose_their_key_on_sqlite(tmp_path: Path) -> None:
    _samples_lose_their_key(f"sqlite:///{tmp_path / 'catalog.sqlite'}")


def test_samples_lose_their_key_on_postgresql(postgres_url: str) -> None:  # noqa: F811
    _samples_lose_their_key(postgres_url)
