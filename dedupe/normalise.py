"""Chinese-aware normalisation: the one place text is made comparable.

repair broken entities -> NFKC -> drop what converters and content farms add
(tag residue, pinyin glosses and runs, conversion residue, doubled punctuation)
-> traditional to simplified -> drop boilerplate lines and spam blocks ->
collapse a body repeated inside one page. Flags say what was found, so the report can tell a mirror
(traditional, pinyin, spam) from a plain syndicated copy. Spam is known by its vocabulary (porn,
gambling) in the page's head or tail, or by a keyword block inside the article; bars above the body are menus.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from dedupe.fingerprint import _compiled

# Pinyin in brackets after a character: 發(fā)展, 字(zi). A gloss with a tone mark may follow
# anything; a toneless one only a Han character, so APP(app) or (AI) stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GLOSS = re.compile(rf"\((?:(?=[a-zü{_TONED}\s']*[{_TONED}])[a-zü{_TONED}\s']{{1,40}}|([a-zü]{{1,7}}))\)")
# What a broken conversion leaves of a character: 當?shù)? (the bracket itself lost to '?').
_CONVERSION_RESIDUE = re.compile(rf"\?[a-zü{_TONED}]{{1,7}}\)\??")
# Tags a converter let through as text, and runs of Latin pinyin with no spaces (no English word is this long).
_TAG = re.compile(r"<[^<>\n]{0,300}>")
# Punctuation a converter doubled or mixed: ,, ,。 ，， (NFKC has already folded full-width commas).
# One pattern for both, so the text is scanned once.
# The lookahead rejects a Han character at once, before either branch is tried (twice as fast on Chinese).
_RUN = re.compile(r"(?=[a-z,.。、;；:：!！?？])(?:[a-z]{20,}|([,.。、;；:：!！?？])[,.。、;；:：!！?？]+)")
_KEYWORD_SEPARATORS = re.compile(r"[,_|｜]")
# Entities that lost their '&' on the way through an aggregator: mdash;mdash;
# Matching any short lowercase run first keeps the scan fast on Chinese text, where Latin is rare.
_BROKEN_ENTITY = re.compile(r"(?=[a-z])(?<![&#A-Za-z0-9])([a-z]{2,6});")
_ENTITY_NAMES = frozenset(
    "mdash ndash hellip ldquo rdquo lsquo rsquo nbsp middot quot amp lt gt times bull deg".split()
)
_BOILERPLATE = re.compile(
    r"^\s*[(（\[]?\s*(来源|稿源|责编|责任编辑|编辑|原标题|作者|记者|通讯员|版权|copyright|©|声明|免责声明|分享到|扫一扫|"
    r"上一篇|下一篇|阅读量|点击量|打印|关闭窗口|字号|相关推荐|相关新闻|栏目排行|栏目热点|发布时间|编者按)",
    re.IGNORECASE,
)
_SPAM_SEPARATORS = re.compile(r"[|｜_]")
_RANKING_ITEM = re.compile(r"^\d{1,2}\s*[.、]\s*\S.{0,30}$")
_SENTENCE_END = re.compile(r"[。！？!?;；]")
# Words of the porn, gambling and "sugar daddy" spam that content farms put around copied articles: each
# is unambiguous on its own (no news sense: 色 or 彩票 alone is not here), in simplified script.
_SPAM_WORDS = (
    "时时彩", "六合彩", "pk拾", "pk10", "北京赛车", "赛车pk", "娱乐城", "百家乐", "真人视讯", "威尼斯人", "老虎机",
    "博彩", "棋牌游戏", "久草", "毛片", "黄片", "黄色片", "一级大片", "无码", "人妻", "乱伦", "偷拍", "小泬", "包养",
    "甜心宝贝", "天天干", "天天射", "天天操", "天天撸", "奇米", "精品视频", "在线视频", "免费观看", "国产精品", "日韩",
    "伦理片", "成人视频", "黄色网站", "约炮", "代孕", "色七七", "操人", "试看", "一级a", "av在线", "福利视频",
)
# The lookahead on first characters lets the regex engine skip most positions (six times faster).
_SPAM_VOCABULARY = re.compile("(?=[" + re.escape("".join(sorted({w[0] for w in _SPAM_WORDS}))) + "])(?:"
                              + "|".join(re.escape(w) for w in _SPAM_WORDS) + ")", re.IGNORECASE)
# Farms put it around the article: its head and tail are searched (the real set's flags are the same for
# any window from 200 to 800 characters, and for the whole page).
SPAM_WINDOW = 500
# What a site's own header and footer menus are made of; a bar list with two of these is a menu, not spam.
_MENU_WORDS = ("关于", "联系我们", "广告服务", "诚聘英才", "网站地图", "设为首页", "加入收藏", "版权", "免责声明",
               "隐私", "投稿", "帮助", "意见反馈", "网站声明", "首页", "登录", "注册")
_MENU_VOCABULARY = re.compile("|".join(_MENU_WORDS))
BODY_LINE = 50  # characters: longer than a headline, as short as a paragraph gets (bench/quality.py)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# First characters a boilerplate line can start with: a cheap test before the regex.
_BOILERPLATE_START = frozenset("([（来稿责编原作记通版cC©声免分扫上下阅点打关字相栏发")


def _is_han(ch: str) -> bool:
    """A character of the CJK ideograph blocks (extension A, unified, compatibility); "" is not."""
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    """The characters the t2s table changes."""
    table = _t2s_table()
    return frozenset(chr(cp) for cp in np.flatnonzero(table != np.arange(len(table), dtype=np.uint32)).tolist())


@lru_cache(maxsize=1)
def _t2s_table() -> npt.NDArray[np.uint32]:
    """Code point -> code point, traditional to simplified, from OpenCC's TSCharacters dictionary.

    A numpy lookup over the whole text runs in microseconds, far faster than
    the phrase-level converter; phrase choices (乾/干) do not matter for
    comparing copies, since both sides go through the same table.
    """
    data = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt").read_text(encoding="utf-8")
    table = np.arange(0x110000, dtype=np.uint32)
    for line in data.splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[ord(parts[0])] = ord(parts[1])
    return table


_SLOW = np.uint32(0xFFFFFFFF)
_SEVERAL = np.uint32(0xFFFFFFFE)


# Blocks whose every character is its own NFKC, has combining class 0 and is never the second half of a
# canonical pair: CJK extension A, CJK unified ideographs, Hangul syllables. Filled in bulk, so building
# the table (at every start) skips most of the BMP; tests/test_dedupe_normalise.py checks against unicodedata.
_STABLE_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xAC00, 0xD7A4))


def _outside_stable_blocks(end: int) -> Iterator[int]:
    start = 0
    for low, high in _STABLE_BLOCKS:
        yield from range(start, low)
        start = high
    yield from range(start, end)


@lru_cache(maxsize=1)
def _nfkc_table() -> tuple[npt.NDArray[np.uint32], dict[str, str], re.Pattern[str]]:
    """BMP code point -> its NFKC when that is one character mapped alone, ``_SEVERAL`` when it is several
    (…, ①: replaced first, through the returned dict and pattern), else ``_SLOW``.

    "Alone" means the character cannot take part in a composition with its
    neighbours: no combining class, not the second half of a canonical pair
    (Hangul jamo included), and the same holds for what it maps to. Text made
    only of such characters is NFKC'd by a table lookup; anything else (a
    combining mark, a decomposition into several characters) takes
    ``unicodedata.normalize``. Chinese text with full-width punctuation and
    compatibility ideographs stays on the fast path.
    """
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo compose
    for cp in _outside_stable_blocks(0x20000):  # canonical pairs exist only below the ideographic supplements
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    table = np.full(0x10000, _SLOW, dtype=np.uint32)
    for start, end in _STABLE_BLOCKS:
        table[start:end] = np.arange(start, end, dtype=np.uint32)
    several: dict[str, str] = {}
    for cp in _outside_stable_blocks(0x10000):
        ch = chr(cp)
        if 0xD800 <= cp < 0xE000 or unicodedata.combining(ch) or cp in seconds:
            continue
        mapped = unicodedata.normalize("NFKC", ch)
        if any(unicodedata.combining(m) or ord(m) in seconds for m in mapped):
            continue
        if len(mapped) == 1:
            table[cp] = ord(mapped)
        elif mapped:
            table[cp] = _SEVERAL
            several[ch] = mapped
    pattern = re.compile("[" + "".join(re.escape(ch) for ch in several) + "]")
    return table, several, pattern


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, by table lookup when every character allows it (see above)."""
    table, several, pattern = _nfkc_table()
    if _compiled is not None:
        mapped = _compiled.map_nfkc(text, table, several)  # one pass in C (tests/test_dedupe_normalise.py)
        return unicodedata.normalize("NFKC", text) if mapped is None else str(mapped)
    return _nfkc_by_numpy(text, table, several, pattern)


def _nfkc_by_numpy(text: str, table: npt.NDArray[np.uint32], several: dict[str, str], pattern: re.Pattern[str]) -> str:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bmp = codes < 0x10000
    if not bmp.all():
        astral = codes[~bmp]
        # Ideographs of extensions B on are stable; compatibility supplements and the rest are not.
        if ((astral < 0x20000) | (astral >= 0x32000) | ((astral >= 0x2F800) & (astral < 0x2FA20))).any():
            return unicodedata.normalize("NFKC", text)
    mapped = codes.copy()
    mapped[bmp] = table[codes[bmp]]
    if (mapped == _SLOW).any():
        return unicodedata.normalize("NFKC", text)
    expand = mapped == _SEVERAL
    if not expand.any():
        return mapped.tobytes().decode("utf-32-le", "surrogatepass")
    # Expansions are made of characters the table maps to themselves, and no character maps to one that
    # expands: map the rest, then expand, in either order the same.
    mapped[expand] = codes[expand]
    return pattern.sub(lambda m: several[m.group()], mapped.tobytes().decode("utf-32-le", "surrogatepass"))


def _simplify(text: str) -> tuple[str, int]:
    """``(simplified text, number of characters changed)``."""
    if _compiled is not None:
        simplified, changed = _compiled.map_codes(text, _t2s_table())
        return str(simplified), int(changed)
    return _simplify_by_numpy(text)


def _simplify_by_numpy(text: str) -> tuple[str, int]:
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = _t2s_table()[codes]
    changed = int(np.count_nonzero(mapped != codes))
    if not changed:
        return text, 0
    return mapped.tobytes().decode("utf-32-le", "surrogatepass"), changed


def to_simplified(text: str) -> str:
    return _simplify(text)[0]


def repair_entities(text: str) -> str:
    return _repair_entities(text)[0]


def _repair_entities(text: str) -> tuple[str, int]:
    """``(text with entities decoded, number of broken entities repaired)``."""
    broken = 0

    def repair(match: re.Match[str]) -> str:
        nonlocal broken
        if match.group(1) in _ENTITY_NAMES:
            broken += 1
            return "&" + match.group(0)
        return match.group(0)

    if ";" in text:
        text = _BROKEN_ENTITY.sub(repair, text)
    return html.unescape(text), broken


def _is_navigation(line: str) -> bool:
    """Menus, ranking lists and stray labels: short, no sentence punctuation."""
    if line[0].isdigit() and _RANKING_ITEM.match(line):
        return True
    if " " in line:
        tokens = line.split(" ")
        if len(tokens) >= 4 and sum(map(len, tokens)) / len(tokens) <= 4:
            return True
    return len(line) < 8 and not _SENTENCE_END.search(line)


def _is_keyword_block(line: str, first: bool) -> bool:
    """A keyword block: short segments between bars or underscores; on the first line, commas too.

    Content farms put their SEO keywords in front of the copied article, joined
    by commas; in the body, a comma list is prose, so commas count only there.
    """
    if "|" not in line and "｜" not in line and "_" not in line and (not first or "," not in line):
        return False  # most lines: no separator at all, decided without a regex
    pattern = _KEYWORD_SEPARATORS if first else _SPAM_SEPARATORS
    if len(pattern.findall(line)) < 3 or (first and _SENTENCE_END.search(line)):
        return False
    segments = [s for s in pattern.split(line) if s.strip()]
    # Keywords are a few characters each; a caption's comma clauses run longer.
    return sum(len(s) for s in segments) / max(len(segments), 1) < (14 if first else 30)


def _strip_glosses(text: str) -> tuple[str, int]:
    """``(text without pinyin glosses, glosses that annotate rather than repair)``.

    A broken conversion glosses one traditional character it could not map
    (發(fā)); an annotating farm glosses simplified text, words or every character.
    Only the second makes a page pinyin-annotated.
    """
    if _compiled is not None:
        stripped, annotations = _compiled.strip_glosses(text, _t2s_table())  # tests/test_dedupe_normalise.py
        return str(stripped), int(annotations)
    return _strip_glosses_by_regex(text)


def _strip_glosses_by_regex(text: str) -> tuple[str, int]:
    traditional = _traditional()
    annotations = 0
    dropped_until = -1  # end of the last gloss removed: 字(zi)(zi) glosses a character twice

    def drop(match: re.Match[str]) -> str:
        nonlocal annotations, dropped_until
        start = match.start()
        before = text[start - 1] if start else ""
        if match.group(1) is not None and start != dropped_until and not _is_han(before):
            return match.group(0)  # a toneless word in brackets after Latin or punctuation: (app), (AI)
        dropped_until = match.end()
        if not before or before == ")" or before not in traditional:
            annotations += 1
        return ""

    return _GLOSS.sub(drop, text), annotations


def _strip_noise(text: str) -> tuple[str, int]:
    """Remove tag residue, conversion residue, pinyin runs and glosses; fold punctuation runs."""
    if "<" in text:
        previous = None
        while previous != text:  # <<b>> leaves <> behind: repeat until nothing changes
            previous, text = text, _TAG.sub("", text)
    if "?" in text:
        text = _CONVERSION_RESIDUE.sub("", text)
    annotations = 0
    if "(" in text:
        text, annotations = _strip_glosses(text)
    return fold_runs(text), annotations


def fold_runs(text: str) -> str:
    """Drop runs of latin pinyin, keep the first mark of a punctuation run, one space per run of spaces."""
    if _compiled is not None:
        return str(_compiled.fold_runs(text))  # one pass in C, the same result (tests/test_dedupe_normalise.py)
    return _fold_runs_by_regex(text)


def _fold_runs_by_regex(text: str) -> str:
    text = _RUN.sub(_fold_run, text)
    return _SPACES.sub(" ", text) if " " in text or "\t" in text or "\u00a0" in text or "\u3000" in text else text


def _fold_run(match: re.Match[str]) -> str:
    return match.group(1) or ""  # a punctuation run keeps its first mark; a pinyin run goes


@dataclass(frozen=True)
class Normalised:
    text: str  # one paragraph per line
    traditional: bool = False
    pinyin: bool = False
    spam: bool = False
    broken_entities: bool = False
    repeated_in_page: bool = False
    boilerplate_lines: int = 0

    @property
    def flags(self) -> tuple[str, ...]:
        names = ("traditional", "pinyin", "spam", "broken_entities", "repeated_in_page")
        return tuple(n for n in names if getattr(self, n))


def normalise(text: str) -> Normalised:
    """Normalise article text (already extracted from HTML) for comparison."""
    text, broken = _repair_entities(text)
    text, annotations = _strip_noise(nfkc(text))
    text, changed = _simplify(text)
    # A copy counts as traditional-script when conversion changed a noticeable share of it.
    traditional = changed >= max(3, len(text) // 200)
    kept: list[str] = []
    seen: set[str] = set()
    blocks = 0  # keyword blocks dropped before the first kept line
    body = False  # a kept line as long as a paragraph (BODY_LINE) has been seen
    spam = False
    dropped = repeated = total = 0
    # Without a bar or underscore anywhere, only the first line can be a (comma) keyword block.
    separators = "|" in text or "｜" in text or "_" in text
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        size = len(line)
        # Most lines are prose: long enough, no space, no first character that starts a label,
        # a ranking item or boilerplate; they skip the checks below (each of which needs one of those).
        plain = size >= 8 and " " not in line and line[0] not in _BOILERPLATE_START and not line[0].isdigit()
        first = not (kept or dropped or blocks)
        if (first or (separators and ("|" in line or "｜" in line or "_" in line))) and _is_keyword_block(line, first):
            # Once the body has begun a keyword block is a farm's; above it, it may be the site's menu,
            # toolbar or byline (a title is a kept line too, but short).
            spam = spam or (body and len(_MENU_VOCABULARY.findall(line)) < 2)
            blocks += not kept
            continue
        if not plain and ((size <= 200 and line[0] in _BOILERPLATE_START and _BOILERPLATE.match(line))
                          or _is_navigation(line)):
            dropped += 1
            continue
        total += size
        if size >= 8 and line in seen:
            repeated += size
            continue
        seen.add(line)
        kept.append(line)
        body = body or size >= BODY_LINE
    spam = spam or bool(_SPAM_VOCABULARY.search(text, 0, SPAM_WINDOW)
                        or _SPAM_VOCABULARY.search(text, max(len(text) - SPAM_WINDOW, 0)))
    return Normalised(
        text="\n".join(kept), traditional=traditional, pinyin=annotations >= 3, spam=spam, broken_entities=bool(broken),
        repeated_in_page=total > 0 and repeated >= 0.3 * total, boilerplate_lines=dropped,
    )
