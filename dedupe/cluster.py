"""Union-find over confirmed pairs, a weak-link check, and the choice of canonical member."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", int, str)  # document keys inside the pass, document ids outside it


class UnionFind(Generic[K]):
    def __init__(self) -> None:
        self.parent: dict[K, K] = {}

    def find(self, x: K) -> K:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression, iteratively (chains can be long)
            parent[x], x = root, parent[x]
        return root

    def union(self, a: K, b: K) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> list[list[K]]:
        out: dict[K, list[K]] = {}
        for x in list(self.parent):
            out.setdefault(self.find(x), []).append(x)
        return [sorted(g) for g in out.values()]


def components(edges: Iterable[tuple[K, K]]) -> list[list[K]]:
    uf: UnionFind[K] = UnionFind()
    for a, b in edges:
        uf.union(a, b)
    return [g for g in uf.groups() if len(g) > 1]


@dataclass(frozen=True)
class Member:
    """What canonical selection needs to know of a document."""

    key: int
    site: str  # the site's own name or host
    origin: str  # the 来源 the page states
    published: str | None  # ISO 8601
    captured: str | None
    copy_marks: int  # traditional, pinyin, spam, repeated body...
    chars: int
    label: str  # the external id, last tie-breaker


def choose_canonical(members: Sequence[Member]) -> Member:
    """The page on the site the copies name as 来源; else earliest published; else earliest captured.

    Ties fall to the page with fewer copy marks, then the longer text, then the id.
    """
    origins = {m.origin.strip() for m in members if m.origin.strip()}
    named = [m for m in members if m.site and any(o == m.site or o in m.site or m.site in o for o in origins)]
    pool = named or list(members)

    def key(m: Member) -> tuple[str, str, int, int, str]:
        return (m.published or "9999", m.captured or "9999", m.copy_marks, -m.chars, m.label)

    return min(pool, key=key)


def split_weak(
    group: Sequence[int],
    canonical: int,
    direct: set[tuple[int, int]],
    too_far: Callable[[int, int], bool],
) -> tuple[list[int], list[int]]:
    """Keep members close to the canonical; return ``(kept, split_off)``.

    A member with a confirmed pair to the canonical stays; one joined only
    through a chain stays when it is itself close enough to the canonical.
    """
    kept, dropped = [canonical], []
    for member in group:
        if member == canonical:
            continue
        pair = (min(member, canonical), max(member, canonical))
        if pair in direct or not too_far(member, canonical):
            kept.append(member)
        else:
            dropped.append(member)
    return sorted(kept), sorted(dropped)
