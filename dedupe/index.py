"""Band index over 64-bit fingerprints: k+1 blocks, so any pair within Hamming distance k shares a block.

The API follows datasketch's LSH: build with the parameters, ``insert``,
``query``; plus :meth:`BandIndex.all_pairs`, the vectorised self-join used by
batch dedupe.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def popcount64(values: U64) -> npt.NDArray[np.uint8]:
    """Set bits per element (numpy >= 2 has it built in)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values)
    out = np.zeros(values.shape, dtype=np.uint8)  # pragma: no cover - numpy < 2
    v = values.copy()
    while v.any():
        out += (v & np.uint64(1)).astype(np.uint8)
        v >>= np.uint64(1)
    return out


class BandIndex:
    """Candidates for Hamming distance <= ``k`` among 64-bit fingerprints."""

    def __init__(self, k: int = 3) -> None:
        if not 0 <= k <= 15:
            raise ValueError(f"k must be between 0 and 15 (k+1 bands of 64/(k+1) bits), got {k}")
        self.k = k
        self.bands = k + 1
        self.widths = [64 // self.bands + (1 if i < 64 % self.bands else 0) for i in range(self.bands)]
        self.shifts = [sum(self.widths[:i]) for i in range(self.bands)]
        self._ids: list[I64] = []
        self._fps: list[U64] = []
        self._tables: list[dict[int, list[int]]] | None = None

    def band_keys(self, fps: U64) -> list[U64]:
        return [
            (fps >> np.uint64(shift)) & np.uint64((1 << width) - 1)
            for shift, width in zip(self.shifts, self.widths, strict=True)
        ]

    def insert_many(self, ids: npt.ArrayLike, fps: npt.ArrayLike) -> None:
        ids_a = np.asarray(ids, dtype=np.int64)
        fps_a = np.asarray(fps, dtype=np.uint64)
        if ids_a.shape != fps_a.shape:
            raise ValueError(f"ids and fingerprints differ in length: {ids_a.shape} vs {fps_a.shape}")
        self._ids.append(ids_a)
        self._fps.append(fps_a)
        self._tables = None

    def insert(self, key: int, fp: int) -> None:
        self.insert_many([key], [fp])

    def __len__(self) -> int:
        return sum(len(a) for a in self._ids)

    @property
    def ids(self) -> I64:
        return np.concatenate(self._ids) if self._ids else np.empty(0, dtype=np.int64)

    @property
    def fingerprints(self) -> U64:
        return np.concatenate(self._fps) if self._fps else np.empty(0, dtype=np.uint64)

    def query(self, fp: int, max_distance: int | None = None) -> list[int]:
        """Ids whose fingerprint is within ``max_distance`` (default k) of ``fp``."""
        limit = self.k if max_distance is None else max_distance
        if self._tables is None:
            self._build_tables()
        assert self._tables is not None
        ids, fps = self.ids, self.fingerprints
        found: set[int] = set()
        for table, key in zip(self._tables, self.band_keys(np.array([fp], dtype=np.uint64)), strict=True):
            for row in table.get(int(key[0]), ()):
                if (int(fps[row]) ^ fp).bit_count() <= limit:
                    found.add(int(ids[row]))
        return sorted(found)

    def _build_tables(self) -> None:
        tables: list[dict[int, list[int]]] = []
        for keys in self.band_keys(self.fingerprints):
            table: dict[int, list[int]] = {}
            for row, key in enumerate(keys.tolist()):
                table.setdefault(key, []).append(row)
            tables.append(table)
        self._tables = tables

    def all_pairs(self, max_distance: int | None = None, max_bucket: int = 2000) -> Iterator[tuple[I64, I64, npt.NDArray[np.uint8]]]:
        """Every pair within ``max_distance`` (default k), as arrays ``(id_a, id_b, distance)`` per band.

        A pair may come from several bands; callers deduplicate. Buckets larger
        than ``max_bucket`` (a template shared by thousands of pages) are
        truncated to keep the self-join linear; the dropped pairs are counted in
        :attr:`truncated_buckets`.
        """
        limit = self.k if max_distance is None else max_distance
        ids, fps = self.ids, self.fingerprints
        self.truncated_buckets = 0
        for keys in self.band_keys(fps):
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
            sizes = np.diff(np.append(starts, len(keys)))
            for a, b in _pairs_in_buckets(starts, sizes, max_bucket):
                ra, rb = order[a], order[b]
                distance = popcount64(fps[ra] ^ fps[rb])
                keep = distance <= limit
                yield ids[ra[keep]], ids[rb[keep]], distance[keep]
            self.truncated_buckets += int((sizes > max_bucket).sum())


def _pairs_in_buckets(starts: I64, sizes: I64, max_bucket: int, chunk: int = 4_000_000) -> Iterator[tuple[I64, I64]]:
    """Positions (i, j), i < j, of all pairs inside each bucket, generated by offset, in chunks."""
    sizes = np.minimum(sizes, max_bucket)
    multi = sizes > 1
    starts, sizes = starts[multi], sizes[multi]
    if len(starts) == 0:
        return
    # Pairs at offset d inside a bucket: (s+i, s+i+d) for i < size-d. Walk d = 1..max size.
    for d in range(1, int(sizes.max())):
        live = sizes > d
        if not live.any():
            break
        s, n = starts[live], sizes[live] - d
        total = int(n.sum())
        for lo in range(0, total, chunk):
            hi = min(total, lo + chunk)
            bucket = np.repeat(np.arange(len(s)), n)[lo:hi]
            first = np.concatenate(([0], np.cumsum(n)[:-1]))
            i = np.arange(lo, hi) - first[bucket]
            a = s[bucket] + i
            yield a, a + d
