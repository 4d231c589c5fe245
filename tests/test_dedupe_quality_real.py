"""The quality floors on the real near-duplicate set (../shared/neardup-real), against the named baselines.

The set is real page snapshots (syndicated copies, content-farm mirrors,
spun copies, hard negatives); bench/quality.py prints the same figures.
"""

from __future__ import annotations

import pytest

from bench import baselines
from bench.quality import REAL, aidnews, tag_recall, texts_and_labels
from dedupe.evaluate import pairwise_score

pytestmark = pytest.mark.skipif(not REAL.exists(), reason=f"the real near-duplicate set is absent: {REAL}")


def test_floors_and_better_than_every_baseline() -> None:
    docs, labels = texts_and_labels(REAL)
    assert len(docs) >= 100
    ours = pairwise_score(aidnews(REAL), labels)
    assert ours.precision >= 0.98 and ours.recall >= 0.95, ours
    for name, clusters in {
        "simhash package": baselines.simhash_package(docs),
        "t2s + MinHash 0.3": baselines.minhash_lsh(docs, 0.3, ngram=5, t2s=True),
        "t2s + MinHash 0.5": baselines.minhash_lsh(docs, 0.5, ngram=5, t2s=True),
    }.items():
        theirs = pairwise_score(clusters, labels)
        assert ours.f1 > theirs.f1, (name, ours, theirs)


def test_every_kind_of_noise_is_found() -> None:
    """Recall per noise tag: no kind of copying is left behind (a floor per tag, not per document)."""
    for tag, (found, total) in tag_recall(REAL, aidnews(REAL)).items():
        assert found / total >= 0.75, (tag, found, total)


def test_unsure_groups_count_neither_way() -> None:
    _, labels = texts_and_labels(REAL)
    assert labels and not any(group.startswith("unsure-") for group in labels.values())


def test_the_spam_kind_holds_on_real_pages() -> None:
    from bench.quality import FLAG_TAGS, noise_tags, texts_and_labels
    from dedupe.normalise import normalise

    tags = noise_tags(REAL)
    docs, _ = texts_and_labels(REAL)
    tagged = {i for i, _ in docs if set(tags.get(i, [])) & set(FLAG_TAGS["spam"])}
    flagged = {i for i, text in docs if normalise(text).spam}
    assert len(flagged & tagged) >= 0.9 * len(flagged)  # a menu or a byline is not spam
    assert len(flagged & tagged) >= 0.6 * len(tagged)
