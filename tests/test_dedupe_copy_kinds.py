"""Built pages, one per kind of real copying the issue tracker measured (issue 15), and the hard negatives.

Bodies come from the two real seed pages; the noise around them is built here:
each test names the general property of copying it checks.
"""

from __future__ import annotations

import random
import re

from dedupe.engine import Document, ListSource, find_duplicates
from dedupe.normalise import to_simplified
from tests.conftest import DATA


def _body(name: str) -> str:
    text = (DATA / "seed_pages" / name).read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 40]
    return to_simplified("\n".join(paragraphs))


TIBET = _body("000_6d0a7fbf67f7b8ba.txt")
AGGREGATOR = _body("004_172dae86971851fd.txt")


def _filler(seed: int, chars: int) -> str:
    """Another article's text with a pinyin gloss after every character, as content farms pad a page."""
    rng = random.Random(seed)
    start = rng.randrange(0, len(AGGREGATOR) - chars)
    piece = re.sub(r"\s", "", AGGREGATOR[start:start + chars])
    return "".join(f"{ch}({rng.choice(['zi', 'de', 'shi', 'guo', 'ren'])})" for ch in piece)


def _clusters(*texts: str) -> list[list[str]]:
    docs = [Document(i, f"p{i}", t, url=f"http://site{i}.example/a.html") for i, t in enumerate(texts)]
    return [c.members for c in find_duplicates(ListSource(docs)).clusters]


def test_windows_of_one_long_article_that_share_a_few_hundred_characters() -> None:
    opening = TIBET[:1200]
    middle = TIBET[800:2000]  # 400 characters in common with the opening
    a = "首页 > 新闻 > 正文\n" + opening + "\n版权所有 本网站所刊登的新闻均为原创"
    b = "您的位置:资讯中心\n" + middle + "\n关于我们 | 联系方式 | 网站地图 | 免责声明"
    assert _clusters(a, b) == [["p0", "p1"]]


def test_content_farm_copies_with_different_filler_larger_than_the_article() -> None:
    article = TIBET[:650]
    a = "成人视频在线观看,免费午夜影院,高清无码专区,一级视频网站\n" + article + "\n" + _filler(1, 700)
    b = "热门手游排行_最新电影在线看_限时秒杀特价_网购返利平台\n" + _filler(2, 700) + "\n" + article
    assert _clusters(a, b) == [["p0", "p1"]]


def test_spun_copy_with_swapped_words_and_spliced_keywords() -> None:
    """A spinner swaps a word every few characters: whole-text ratios fall apart, the passage holds."""
    article = TIBET[:900]
    rng = random.Random(3)
    swaps = "展开关键推进加强提升促进实施落实"
    spun = "".join(rng.choice(swaps) if i % 9 == 4 and "\u4e00" <= ch <= "\u9fff" else ch
                   for i, ch in enumerate(article))
    spun = spun.replace("。", "。最新资讯推荐")
    result = find_duplicates(ListSource([Document(0, "p0", article), Document(1, "p1", spun)]))
    (pair,) = result.pairs
    assert pair.kind == "passage" and pair.similarity < 0.5 and pair.passage is not None


def test_two_articles_that_open_with_one_series_intro_stay_apart() -> None:
    intro = ("编者按:对口援藏30年来,各对口支援省市和中央企业坚持把保障和改善民生作为援藏工作的出发点和落脚点,"
             "一批批援藏干部人才接续奋斗,为西藏经济社会发展注入强大动力。本网推出系列报道,讲述援藏故事。")
    assert _clusters(intro + "\n" + TIBET[:1000], intro + "\n" + AGGREGATOR[:1000]) == []


def test_two_articles_that_share_a_stock_lead_and_a_footer_stay_apart() -> None:
    lead = "1994年,中央第三次西藏工作座谈会作出对口援藏、分片负责、定期轮换的重大决策。"
    footer = "\n责任编辑:张三 本网站所刊登的各种新闻、信息和各种专题专栏资料,均为版权所有,未经协议授权禁止下载使用。"
    assert _clusters(lead + TIBET[1000:1800] + footer, lead + AGGREGATOR[1000:1800] + footer) == []
