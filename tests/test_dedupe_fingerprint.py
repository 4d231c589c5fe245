"""Fingerprints: agreement with the simhash package, n-gram features, hex storage."""

from __future__ import annotations

import numpy as np
import pytest
import simhash as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.fingerprint import (
    bands,
    feature_hash,
    features,
    from_hex,
    hamming,
    shingle_hashes,
    simhash,
    simhash_many,
    to_hex,
)
from sampleweb.corpus import build

TEXTS = ["\n".join(a.paragraphs) for a in build(1)[:30]]


@pytest.mark.parametrize("text", TEXTS[:10])
def test_agrees_with_the_simhash_package_on_the_same_features(text: str) -> None:
    expected = reference.Simhash(features(text), f=64, hashfunc=feature_hash).value
    assert simhash(text) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_agreement_holds_for_any_text(text: str) -> None:
    feats = features(text)
    expected = reference.Simhash(feats, f=64, hashfunc=feature_hash).value if feats else 0
    assert simhash(text) == expected


def test_numpy_hashes_equal_python_hashes() -> None:
    text = "对口援藏30年援藏路上的坚守与创新"
    assert sorted(feature_hash(f) for f in features(text)) == shingle_hashes(text).tolist()


def test_features_are_character_ngrams_not_whitespace_tokens() -> None:
    assert features("援藏 工作,队", n=2) == sorted({"援藏", "藏工", "工作", "作队"})


def test_punctuation_and_spaces_do_not_change_the_fingerprint() -> None:
    assert simhash("对口支援,结硕果!砥砺前行") == simhash("对口支援 结硕果\n砥砺前行")


def test_near_texts_are_near_and_different_texts_are_far() -> None:
    a, b = TEXTS[1], TEXTS[2]
    assert hamming(simhash(a), simhash(a + "编者按。")) <= 3
    assert hamming(simhash(a), simhash(b)) > 12


def test_many_matches_one_by_one() -> None:
    assert simhash_many(TEXTS).tolist() == [simhash(t) for t in TEXTS]


def test_hex_round_trip_and_bands() -> None:
    value = 0xFFFF_0000_1234_ABCD
    assert to_hex(value) == "ffff00001234abcd" and from_hex(to_hex(value)) == value
    assert to_hex(5) == "0000000000000005"
    assert bands(value) == [0xABCD, 0x1234, 0x0000, 0xFFFF]
    with pytest.raises(ValueError, match="16 hex digits"):
        from_hex("123")


def test_empty_and_short_texts() -> None:
    assert simhash("") == 0
    assert len(shingle_hashes("援藏")) == 1
    assert shingle_hashes("", distinct=False).dtype == np.uint64
    with pytest.raises(ValueError, match="n-gram"):
        shingle_hashes("abc", 0)


def test_compiled_and_numpy_paths_agree() -> None:
    from dedupe import fingerprint

    if not fingerprint.COMPILED:
        pytest.skip("C extension not built (no compiler); the numpy path is in use")
    samples = [*TEXTS, "", "援", "援藏", "a_b c", "𠀀𠀁𠀂𠀃𠀄 Ünïcödé ٣٤٥ ⅫⅩ", "对口" * 500]
    for text in samples:
        for n in (1, 2, 4, 6):
            hashes = shingle_hashes(text, n) if compact_len(text) else np.empty(0, dtype=np.uint64)
            assert fingerprint.simhash_stats(text, n) == (fingerprint.simhash_numpy(text, n), len(hashes), compact_len(text))


def compact_len(text: str) -> int:
    from dedupe.fingerprint import compact

    return len(compact(text))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200), st.integers(1, 6))
def test_compiled_agrees_on_any_text(text: str, n: int) -> None:
    from dedupe import fingerprint

    assert fingerprint.simhash(text, n) == fingerprint.simhash_numpy(text, n)


def test_extension_is_built_in_ci() -> None:
    import os

    from dedupe import fingerprint

    if os.environ.get("CI"):
        assert fingerprint.COMPILED, "CI machines have a C compiler: the extension must build"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("援藏a1_，。 ") + ["\U00020000", "\U0002A6E0", "\U00031350", "\U0001F600",
                                                            "\U000E0100", "\U0001D7CE"]), max_size=60)
       | st.text(max_size=40))
def test_compact_codes_are_the_code_points_of_compact(text: str) -> None:
    from dedupe.fingerprint import compact, compact_codes

    assert compact_codes(text).tolist() == [ord(ch) for ch in compact(text)]
