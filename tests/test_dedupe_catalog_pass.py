"""The catalog pass finds the same pairs by per-article lookups and by bulk band joins, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import dedupe.catalog_pass as catalog_pass
from archive.catalog import Catalog
from archive.catalog.models import Cluster, ClusterMember, DedupePair
from tests.builders import sample_catalog
from tests.services import postgres_url  # noqa: F401 - fixture


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
