"""64-bit simhash over character n-grams, vectorised with numpy.

Features are the distinct character n-grams (default 4) of the text with
punctuation and spaces removed; each feature counts once, so a lead or a
block repeated inside a page cannot outweigh the rest of the article.
Feature hashes are a polynomial over code points finished with splitmix64.

Two implementations give identical values: a C extension (dedupe/_simhash.c,
built by setup.py when a compiler exists) and a numpy path used without it.
The ``simhash`` package is the reference: given the same features and
:func:`feature_hash` as its ``hashfunc``, ``simhash.Simhash`` returns the
same value (tests/test_dedupe_fingerprint.py). It is far slower because it
hashes each feature in Python (see docs/benchmarks.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from types import ModuleType

import numpy as np
import numpy.typing as npt

_compiled: ModuleType | None
try:  # the optional C extension (setup.py); same values as the numpy path
    import dedupe._simhash as _compiled
except ImportError:  # pragma: no cover - installs without a C compiler
    _compiled = None

COMPILED = _compiled is not None
NGRAM = 4
_PRIME = np.uint64(1_000_003)
_MASK64 = (1 << 64) - 1
_NON_WORD = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]")
U64 = npt.NDArray[np.uint64]

# BIT_TABLE[v, j] = bit j of byte value v: turns per-byte histograms into per-bit counts.
_BIT_TABLE = ((np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1).astype(np.float64)


@lru_cache(maxsize=1)
def _word_bmp() -> npt.NDArray[np.bool_]:
    """is_word[cp] for the Basic Multilingual Plane, matching the regex ``\\w`` minus ``_``."""
    table = np.array([bool(_WORD.match(chr(cp))) for cp in range(0x10000)], dtype=np.bool_)
    return table


_ASTRAL_END = 0x32400  # past CJK extension H: the planes where rare ideographs live


@lru_cache(maxsize=1)
def _word_astral() -> npt.NDArray[np.bool_]:
    """is_word[cp - 0x10000] up to the end of the ideographic planes; built the first time a text needs it."""
    return np.array([bool(_WORD.match(chr(cp))) for cp in range(0x10000, _ASTRAL_END)], dtype=np.bool_)


def compact_codes(text: str) -> U64:
    """Code points of the letters and digits of ``text``, as uint64 (the vectorised :func:`compact`)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = codes < 0x10000
    keep = np.ones(len(codes), dtype=np.bool_)
    keep[bmp] = _word_bmp()[codes[bmp]]
    if not bmp.all():  # astral characters: the ideographic planes by table, anything above by the regex
        astral = np.flatnonzero(~bmp)
        ideographic = astral[codes[astral] < _ASTRAL_END]
        keep[ideographic] = _word_astral()[codes[ideographic] - 0x10000]
        for i in astral[codes[astral] >= _ASTRAL_END]:
            keep[i] = bool(_WORD.match(chr(int(codes[i]))))
    return codes[keep].astype(np.uint64)


def compact(text: str) -> str:
    """Letters and digits only: punctuation, spaces and line breaks do not make two copies differ."""
    return _NON_WORD.sub("", text)


def _splitmix64(z: U64) -> U64:
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def shingle_hashes(text: str, n: int = NGRAM, distinct: bool = True) -> U64:
    """64-bit hashes of the character n-grams of ``text`` (sorted and distinct by default)."""
    if n < 1:
        raise ValueError(f"n-gram size must be >= 1, got {n}")
    return shingle_hashes_of_codes(compact_codes(text), n, distinct)


def shingle_hashes_of_codes(codes: U64, n: int = NGRAM, distinct: bool = True) -> U64:
    """:func:`shingle_hashes` for code points already compacted by :func:`compact_codes`."""
    if len(codes) == 0:
        return np.empty(0, dtype=np.uint64)
    n = min(n, len(codes))  # a very short text is one feature
    count = len(codes) - n + 1
    with np.errstate(over="ignore"):
        h = codes[:count].copy()
        for j in range(1, n):
            h = h * _PRIME + codes[j:j + count]
        h = _splitmix64(h)
    if not distinct:
        return h
    h.sort()
    keep = np.empty(len(h), dtype=np.bool_)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


def simhash_of_hashes(hashes: U64) -> int:
    """Majority vote per bit over feature hashes (weight 1 each)."""
    if len(hashes) == 0:
        return 0
    as_bytes = hashes.view(np.uint8).reshape(-1, 8)
    # One histogram of (byte position, byte value), then bits = histogram @ table.
    index = as_bytes.astype(np.intp) + (np.arange(8, dtype=np.intp) * 256)[None, :]
    histogram = np.bincount(index.ravel(), minlength=2048).reshape(8, 256).astype(np.float64)
    counts = (histogram @ _BIT_TABLE).ravel()  # counts[8*byte + bit] = features with that bit set
    bits = counts * 2 > len(hashes)
    return int(np.packbits(bits, bitorder="little").view("<u8")[0])


def simhash_stats(text: str, n: int = NGRAM) -> tuple[int, int, int]:
    """``(simhash, distinct n-grams, letters and digits kept)`` of ``text``; compiled when built."""
    if n < 1:
        raise ValueError(f"n-gram size must be >= 1, got {n}")
    if _compiled is not None:
        value, distinct, kept = _compiled.simhash_text(text, n)
        return value, distinct, kept
    codes = compact_codes(text)
    hashes = shingle_hashes_of_codes(codes, n)
    return simhash_of_hashes(hashes), len(hashes), len(codes)


def simhash(text: str, n: int = NGRAM) -> int:
    """The 64-bit simhash of ``text``."""
    return simhash_stats(text, n)[0]


def simhash_numpy(text: str, n: int = NGRAM) -> int:
    """The numpy path of :func:`simhash`, used when the C extension is not built."""
    return simhash_of_hashes(shingle_hashes(text, n))


def simhash_many(texts: Iterable[str], n: int = NGRAM) -> U64:
    """Fingerprints of many texts, as a uint64 array."""
    return np.fromiter((simhash(t, n) for t in texts), dtype=np.uint64)


# -- reference path (pure Python), for checking against the simhash package ---------
def features(text: str, n: int = NGRAM) -> list[str]:
    """The distinct n-gram strings whose hashes :func:`shingle_hashes` computes."""
    chars = compact(text)
    if not chars:
        return []
    n = min(n, len(chars))
    return sorted({chars[i:i + n] for i in range(len(chars) - n + 1)})


def feature_hash(feature: str | bytes) -> int:
    """The 64-bit hash of one feature, computed in Python (same value as the numpy path)."""
    if isinstance(feature, bytes):
        feature = feature.decode("utf-8")
    h = 0
    for ch in feature:
        h = (h * 1_000_003 + ord(ch)) & _MASK64
    z = (h + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def to_hex(value: int) -> str:
    """16-char zero-padded hex: SQLite INTEGER cannot hold unsigned 64-bit."""
    return f"{value & _MASK64:016x}"


def from_hex(text: str) -> int:
    if not re.fullmatch(r"[0-9a-fA-F]{16}", text):
        raise ValueError(f"fingerprint must be 16 hex digits, got {text!r}")
    return int(text, 16)


def bands(value: int, count: int = 4) -> Sequence[int]:
    """Split a fingerprint into ``count`` equal bit blocks, low block first."""
    width = 64 // count
    mask = (1 << width) - 1
    return [(value >> (width * i)) & mask for i in range(count)]
