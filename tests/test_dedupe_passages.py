"""Passage samples and alignment: what a copy keeps of an article when each copy adds different junk."""

from __future__ import annotations

import itertools
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.passages import MIN_PIECE, align, comparable, comparable_codes, passage_samples, text_samples
from dedupe.verify import VerifyConfig, shares_passage

ARTICLE = ("新华社拉萨9月28日电 近年来,山东省寿光市对口支援日喀则市,在白朗县建成蔬菜大棚1200余座,"
           "带动当地农牧民增收致富。援藏干部与当地群众同吃同住同劳动,把蔬菜种植技术送到田间地头。"
           "如今,白朗县的蔬菜不仅供应日喀则市场,还销往拉萨等地,成为群众增收的重要产业。"
           "2023年,寿光市又派出12名农技专家,手把手教农户育苗、施肥和防治病虫害,合作社社员人均年收入突破3万元。")


def _junk(seed: int, length: int) -> str:
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(length))


def test_comparable_keeps_han_and_digits_and_where_they_sit() -> None:
    codes, offsets = comparable("援藏,, 30年(nián)。ABC 𠀀")
    assert "".join(map(chr, codes.tolist())) == "援藏30年𠀀"
    assert offsets.tolist() == [0, 1, 5, 6, 7, 19]


def test_samples_do_not_depend_on_what_surrounds_the_passage() -> None:
    article = comparable_codes(ARTICLE)
    a = passage_samples(comparable_codes(_junk(1, 400) + ARTICLE + _junk(2, 300)))
    b = passage_samples(comparable_codes(_junk(3, 200) + ARTICLE))
    own = passage_samples(article)
    assert len(own) >= 3
    assert set(own.tolist()) <= set(np.intersect1d(a, b).tolist())


def test_alignment_finds_the_shared_passage_in_both_texts() -> None:
    head_a, head_b = _junk(4, 300), _junk(5, 120)
    a, b = comparable_codes(head_a + ARTICLE + _junk(6, 200)), comparable_codes(head_b + ARTICLE)
    alignment = align(a, b)
    longest = alignment.longest
    assert longest is not None
    article = len(comparable_codes(ARTICLE))
    assert abs(longest.a_start - 300) <= 4 and abs(longest.b_start - 120) <= 4
    assert longest.chars >= article - 8
    assert shares_passage(alignment, VerifyConfig())


def test_swapped_words_and_inserted_keywords_stay_inside_one_passage() -> None:
    spun = ARTICLE.replace("重要", "关键").replace("建成", "建起").replace("如今", "当下热门推荐如今")
    alignment = align(comparable_codes(ARTICLE), comparable_codes(spun))
    assert len(alignment.passages) == 1 and alignment.share > 0.9


def test_a_shared_lead_is_not_a_copy() -> None:
    lead = "1994年,中央第三次西藏工作座谈会作出分片负责、对口支援、定期轮换的重大决策。"
    alignment = align(comparable_codes(lead + _junk(7, 600)), comparable_codes(lead + _junk(8, 600)))
    assert alignment.longest is not None and alignment.longest.chars < MIN_PIECE * 2
    assert not shares_passage(alignment, VerifyConfig())


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E30), max_size=300),
       st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4E30), max_size=300))
def test_passages_are_ordered_in_both_texts_and_inside_them(first: str, second: str) -> None:
    a, b = comparable_codes(first), comparable_codes(second)
    alignment = align(a, b)
    assert 0.0 <= alignment.share <= 1.0
    for p in alignment.passages:
        assert 0 <= p.a_start < p.a_end <= len(a) and 0 <= p.b_start < p.b_end <= len(b)
    for before, after in itertools.pairwise(alignment.passages):
        assert before.a_start < after.a_start and before.b_start < after.b_start


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0x4E00, 0x9FA5), min_size=4, max_size=300, unique=True))
def test_a_text_of_distinct_characters_aligns_whole_with_itself(points: list[int]) -> None:
    codes = np.array(points, dtype=np.uint64)
    alignment = align(codes, codes)
    assert len(alignment.passages) == 1 and alignment.share == (1.0 if len(points) >= MIN_PIECE else 0.0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("援藏干部30年,。(a)𠀀豈㐀 \n") | st.characters(), max_size=400),
       st.integers(2, 12), st.integers(1, 40))
def test_compiled_samples_equal_the_numpy_path(text: str, gram: int, rate: int) -> None:
    expected = passage_samples(comparable_codes(text), gram, rate)
    assert np.array_equal(text_samples(text, gram, rate), expected)
