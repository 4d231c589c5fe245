"""Types of the optional C extension built from dedupe/_simhash.c (same values as the numpy path)."""

def simhash_text(text: str, n: int, /) -> tuple[int, int, int]:
    """(simhash, distinct n-grams, letters and digits kept) of ``text``."""


def passage_samples(text: str, gram: int, rate: int, /) -> bytes:
    """Picked gram hashes of the comparable characters of ``text``, as little-endian uint64, unsorted."""


def fold_runs(text: str, /) -> str:
    """``text`` without runs of 20+ [a-z], with one mark per run of ``,.。、;；:：!！?？`` and one space per run of spaces (tabs, no-break and ideographic spaces too)."""


def strip_glosses(text: str, t2s: bytes | memoryview | object, /) -> tuple[str, int]:
    """(``text`` without pinyin glosses, glosses that annotate), ``t2s`` the uint32 traditional-to-simplified table."""


def map_nfkc(text: str, table: bytes | memoryview | object, several: dict[str, str], /) -> str | None:
    """NFKC of ``text`` through the uint32 BMP ``table`` and the ``several`` expansions; None where unicodedata must decide."""


def map_codes(text: str, table: bytes | memoryview | object, /) -> tuple[str, int]:
    """(``text`` with each code point through the uint32 ``table``, characters changed)."""
