"""Pairwise precision and recall of a clustering against labelled groups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    predicted_pairs: int
    true_pairs: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total


def _pairs(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for group in groups:
        out.update(combinations(sorted(set(group)), 2))
    return out


def pairwise_score(clusters: Iterable[Iterable[str]], labels: Mapping[str, str]) -> Score:
    """Every pair inside a predicted cluster against every pair sharing a label."""
    by_label: dict[str, list[str]] = {}
    for ident, label in labels.items():
        by_label.setdefault(label, []).append(ident)
    truth = _pairs(by_label.values())
    predicted = _pairs(clusters)
    hits = len(truth & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    return Score(precision, recall, len(predicted), len(truth))
