"""What the pass keeps per document, in flat arrays: about 200 bytes a document, not its text.

Workers return :class:`Prepared` records; :class:`PreparedSet` folds them into
numpy arrays (fingerprint, length, shingle count, flag bits, anchors) so a
million documents fit in a few hundred MiB. The metadata that picks a
canonical member (:class:`~dedupe.cluster.Member`) is loaded back only for
documents that end up in a pair.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedupe.cluster import Member

FLAG_NAMES = ("traditional", "pinyin", "spam", "broken_entities", "repeated_in_page")
COPY_MARKS = ("traditional", "pinyin", "spam", "repeated_in_page")


@dataclass(frozen=True)
class Prepared:
    """One normalised, fingerprinted document."""

    key: int
    id: str
    fingerprint: int
    chars: int
    shingles: int
    anchors: tuple[int, ...]
    flags: tuple[str, ...]
    member: Member | None = None


def _bits(flags: Iterable[str]) -> int:
    return sum(1 << FLAG_NAMES.index(f) for f in flags if f in FLAG_NAMES)


class PreparedSet:
    """Prepared documents by key (keys arrive in increasing order)."""

    def __init__(self) -> None:
        self._keys = array("q")
        self._fps = array("Q")
        self._chars = array("i")
        self._shingles = array("i")
        self._flags = array("B")
        self.ids: list[str] = []
        self.anchor_keys = array("q")
        self.anchor_values = array("Q")
        self.members: dict[int, Member] = {}
        self._sorted = True

    def add(self, p: Prepared) -> None:
        if self._keys and p.key <= self._keys[-1]:
            self._sorted = False
        self._keys.append(p.key)
        self._fps.append(p.fingerprint)
        self._chars.append(p.chars)
        self._shingles.append(p.shingles)
        self._flags.append(_bits(p.flags))
        self.ids.append(p.id)
        self.anchor_keys.extend([p.key] * len(p.anchors))
        self.anchor_values.extend(p.anchors)
        if p.member is not None:
            self.members[p.key] = p.member

    def __len__(self) -> int:
        return len(self._keys)

    def _index(self, key: int) -> int:
        if not self._sorted:
            raise ValueError("documents must be added in increasing key order")
        keys = np.frombuffer(self._keys, dtype=np.int64)
        at = int(np.searchsorted(keys, key))
        if at >= len(keys) or keys[at] != key:
            raise KeyError(key)
        return at

    def __contains__(self, key: int) -> bool:
        try:
            self._index(key)
        except KeyError:
            return False
        return True

    @property
    def keys(self) -> npt.NDArray[np.int64]:
        return np.frombuffer(self._keys, dtype=np.int64) if self._keys else np.empty(0, dtype=np.int64)

    @property
    def fingerprints(self) -> npt.NDArray[np.uint64]:
        return np.frombuffer(self._fps, dtype=np.uint64) if self._fps else np.empty(0, dtype=np.uint64)

    def fingerprint(self, key: int) -> int:
        return self._fps[self._index(key)]

    def chars(self, key: int) -> int:
        return self._chars[self._index(key)]

    def shingles(self, key: int) -> int:
        return self._shingles[self._index(key)]

    def id(self, key: int) -> str:
        return self.ids[self._index(key)]

    def flags(self, key: int) -> tuple[str, ...]:
        bits = self._flags[self._index(key)]
        return tuple(name for i, name in enumerate(FLAG_NAMES) if bits & (1 << i))

    def repeated(self) -> list[str]:
        bit = 1 << FLAG_NAMES.index("repeated_in_page")
        return sorted(self.ids[i] for i, flags in enumerate(self._flags) if flags & bit)

    def member(self, key: int) -> Member:
        return self.members[key]

    def ensure_members(self, keys: Iterable[int], load: Callable[[list[int]], dict[int, Member]]) -> None:
        """Load canonical-choice metadata for ``keys`` that have none yet."""
        missing = sorted({k for k in keys if k not in self.members})
        if missing:
            self.members.update(load(missing))
