"""The named baselines the near-duplicate engine is measured against.

- ``simhash_package``: ``simhash.Simhash(text)`` with the package's default
  features (lower-cased character 4-grams of word characters), ``SimhashIndex(k=3)``
  and union-find over the pairs it returns.
- ``minhash_lsh``: datasketch MinHash (128 permutations) over character
  n-gram shingles (4 by default), ``MinHashLSH(threshold=0.5)``, union-find;
  with ``t2s=True`` the text goes through OpenCC's traditional-to-simplified
  converter first (the baseline issue 15 names: t2s + 5-grams at 0.3 and 0.5).
"""

from __future__ import annotations

from collections.abc import Sequence

from dedupe.cluster import components


def simhash_package(docs: Sequence[tuple[str, str]], k: int = 3) -> list[list[str]]:
    from simhash import Simhash, SimhashIndex

    hashes = [(ident, Simhash(text)) for ident, text in docs]
    index = SimhashIndex(hashes, k=k)
    edges = []
    for ident, value in hashes:
        for other in index.get_near_dups(value):
            if other != ident:
                edges.append((min(ident, other), max(ident, other)))
    return components(edges)


def minhash_lsh(docs: Sequence[tuple[str, str]], threshold: float = 0.5, num_perm: int = 128, ngram: int = 4,
                t2s: bool = False) -> list[list[str]]:
    from datasketch import MinHash, MinHashLSH

    from dedupe.fingerprint import compact

    convert = None
    if t2s:
        import opencc

        convert = opencc.OpenCC("t2s").convert
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches = {}
    for ident, text in docs:
        chars = compact(convert(text) if convert else text)
        sketch = MinHash(num_perm=num_perm, seed=1)
        sketch.update_batch([chars[i:i + ngram].encode("utf-8") for i in range(max(1, len(chars) - ngram + 1))])
        sketches[ident] = sketch
        lsh.insert(ident, sketch)
    edges = []
    for ident, sketch in sketches.items():
        for other in lsh.query(sketch):
            if other != ident:
                edges.append((min(ident, other), max(ident, other)))
    return components(edges)
