"""Normalisation on the two seed pages and on the awkward cases one by one."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.normalise import nfkc, normalise, repair_entities, to_simplified
from tests.conftest import DATA

SEED_MIRROR = (DATA / "seed_pages" / "000_6d0a7fbf67f7b8ba.txt").read_text(encoding="utf-8")
SEED_AGGREGATOR = (DATA / "seed_pages" / "004_172dae86971851fd.txt").read_text(encoding="utf-8")


def test_mirror_seed_is_simplified_and_spam_is_gone() -> None:
    n = normalise(SEED_MIRROR)
    assert n.traditional and n.spam
    assert "对口支援结硕果" in n.text and "湖北省援藏干部" in n.text
    assert "无码" not in n.text and "版权" not in n.text and "责编" not in n.text


def test_aggregator_seed_body_collapsed_and_entities_repaired() -> None:
    n = normalise(SEED_AGGREGATOR)
    assert n.repeated_in_page and n.broken_entities
    assert n.text.count("一场特殊的手术在拉萨市人民医院进行") == 1
    assert "mdash;" not in n.text and "风储项目——西藏公司" in n.text
    assert "栏目排行" not in n.text and "声明" not in n.text


def test_pinyin_glosses_removed_but_latin_words_kept() -> None:
    n = normalise("我們要發(fā)展經(jīng)濟,推動APP(app)和AI建設。")
    assert n.text == "我们要发展经济,推动APP(app)和AI建设。"
    assert n.traditional and not n.pinyin  # glosses of characters a conversion missed are repairs


def test_toneless_and_word_glosses_mark_a_pinyin_annotated_page() -> None:
    n = normalise("胡(hu)拥(yong)军(jun)对(dui)地处偏远的哨所并不陌生。济南(jǐnán)的老师来了。")
    assert n.pinyin
    assert n.text == "胡拥军对地处偏远的哨所并不陌生。济南的老师来了。"


def test_converter_residue_is_removed() -> None:
    text = "<p></p><br/>當?shù)?農民增收,,帶動就業,。推進產業 zhongguoxizangwangxinwenzhongxin 發展"
    assert normalise(text).text == "当农民增收,带动就业,推进产业 发展"


def test_keyword_header_on_the_first_line_is_spam_but_a_caption_is_not() -> None:
    spam = normalise("成人视频观看,在线免费观看,手机网址无码,一级视频\n援藏干部在拉萨市人民医院开展义诊活动。")
    assert spam.spam and spam.text == "援藏干部在拉萨市人民医院开展义诊活动。"
    caption = "8月20日拍摄的日喀则市南木林县米如村蔬菜种植基地,该基地丰富了当地农产品种类,为农民带来更多就业机会"
    assert not normalise(caption).spam


def test_fullwidth_brackets_are_nfkc_folded_before_pinyin_removal() -> None:
    assert normalise("發（fā）展是第一要務。").text == "发展是第一要务。"


def test_entities() -> None:
    assert repair_entities("风电场mdash;mdash;哲古 hellip;") == "风电场——哲古 …"
    assert repair_entities("a &amp; b") == "a & b"


def test_to_simplified() -> None:
    assert to_simplified("對口支援結碩果") == "对口支援结硕果"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_never_crashes_and_is_idempotent_on_its_output(text: str) -> None:
    once = normalise(text)
    assert normalise(once.text).text == once.text


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
       | st.text(alphabet=st.characters(min_codepoint=0x2000, max_codepoint=0xFFEF, blacklist_categories=("Cs",)),
                 max_size=60))
def test_table_nfkc_equals_unicodedata(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_table_nfkc_on_chinese_with_full_width_marks_and_rare_ideographs() -> None:
    text = "援藏（第三批）：“对口支援”……①②，㈱豈𠀀𪜀\u3000가\u1161e\u0301"
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_lone_surrogates_from_json_escapes_do_not_crash() -> None:
    """JSON allows "\\ud800" escapes; such a text is compared, not refused."""
    assert normalise("援藏\ud800干部（第三批）").text == "援藏\ud800干部(第三批)"


_RUNS_ALPHABET = "abcxyz" * 4 + ",.。、;；:：!！?？" + " \t\u00a0\u3000" + "中文字(zi)A\n"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=_RUNS_ALPHABET, max_size=30), st.just("abcdefghijklmnopqrstuvwxyz")),
                max_size=12).map("".join))
def test_compiled_run_folding_equals_the_regex_path(text: str) -> None:
    from dedupe import normalise as module
    from dedupe.fingerprint import COMPILED

    if not COMPILED:
        pytest.skip("the C extension is not built")
    assert module.fold_runs(text) == module._fold_runs_by_regex(text)


def test_runs_fold_as_documented() -> None:
    from dedupe.normalise import _fold_runs_by_regex, fold_runs

    text = "发展,,。成就  了\t\u3000西藏 zhongguoxizangwangzhongguo 新闻!！"
    for fold in (fold_runs, _fold_runs_by_regex):
        assert fold(text) == "发展,成就 了 西藏 新闻!"


def test_the_blocks_filled_in_bulk_are_stable_under_nfkc() -> None:
    from dedupe.normalise import _STABLE_BLOCKS

    def inside(cp: int) -> bool:
        return any(start <= cp < end for start, end in _STABLE_BLOCKS)

    for start, end in _STABLE_BLOCKS:
        for cp in range(start, end):
            ch = chr(cp)
            assert unicodedata.normalize("NFKC", ch) == ch and not unicodedata.combining(ch)
            assert not unicodedata.decomposition(ch)  # the build's scan of canonical pairs skips these
    for cp in range(0x110000):  # and none of them is the second half of a canonical pair
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            assert not inside(int(parts[1], 16))


_GLOSS_ALPHABET = "()" * 6 + "zixyü" * 3 + "āǎèǚ" + " '\n" + "发發展字A1,"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=_GLOSS_ALPHABET, max_size=20), st.just("(" + "a" * 41 + "ā)"),
                          st.just("發(fā)"), st.just("字(zi)(zi)")), max_size=10).map("".join))
def test_compiled_gloss_stripping_equals_the_regex_path(text: str) -> None:
    from dedupe import normalise as module
    from dedupe.fingerprint import COMPILED

    if not COMPILED:
        pytest.skip("the C extension is not built")
    assert module._strip_glosses(text) == module._strip_glosses_by_regex(text)


# Chinese with full-width marks, expansions (…, ①), compatibility and rare astral ideographs, combining marks.
_MIXED_SCRIPT = st.text(alphabet=st.sampled_from(
    list("援藏干部發展，：“”（）…①㈱豈가\u1161e\u0301\u3000 \n") + ["\U00020000", "\U0002F800", "\U00031350", "\ud800"]),
    max_size=80)


@settings(max_examples=400, deadline=None)
@given(_MIXED_SCRIPT | st.text(max_size=60))
def test_compiled_nfkc_and_simplification_equal_the_numpy_path(text: str) -> None:
    from dedupe import normalise as module
    from dedupe.fingerprint import COMPILED

    if not COMPILED:
        pytest.skip("the C extension is not built")
    table, several, pattern = module._nfkc_table()
    assert module.nfkc(text) == module._nfkc_by_numpy(text, table, several, pattern)
    assert module._simplify(text) == module._simplify_by_numpy(text)
