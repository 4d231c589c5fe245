"""Article extraction from HTML: site selectors first, Chinese news rules, trafilatura last.

Returns title (without the site suffix), published time (ISO 8601,
Asia/Shanghai when the page names no zone), 来源, author, 责编 and the body
text with paragraphs kept, one per line.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from dedupe.decode import decode_html
from dedupe.extract_body import DEFAULT as BODY_DEFAULT
from dedupe.extract_body import BodyConfig, best_container, clean_lines, prune, refine, widget_line
from dedupe.extract_source import byline_outlet, credited_outlet

logger = logging.getLogger(__name__)
# trafilatura logs ERROR for every page it cannot parse ("empty HTML tree"); such a page is ours to
# report (an empty extraction, counted by the crawl), not a crawl error.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
SHANGHAI = ZoneInfo("Asia/Shanghai")

_DATE = re.compile(
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_US_DATE = re.compile(
    r"(?<![\d/])(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)
_ROC_DATE = re.compile(
    r"(?<!\d)(1[0-4]\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
    r"(?:\s*(\d{1,2})\s*[:：时時]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
# A date without its year: "09-30 22:46", "9月30日 10:20" (the year comes from elsewhere on the page).
_NO_YEAR = re.compile(
    r"(?<![\d/-])(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)"
)
_TIME_LABEL = re.compile(
    r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|建立時間|更新时间|更新時間|时间|時間|日期|发表于|發表於)\s*[:：]?\s*(.{8,30})"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-/年.]?\s*\d{1,2})")
# 来源：X, 来源：[ X ], 稿源: X; not 图片来源 (a photo credit).
_SOURCE = re.compile(
    r"(?<!图片)(?<!图)(?:来源于|來源於|来源|來源|稿源|来自|來自|信息来源|文章来源|出处|出處)\s*[:：]\s*[\[【(（]?\s*([^\s|丨/　<>\[\]【】()（）]{2,30})"
)
# A source named right after the time with no label: "2022-02-13 09:57 光明网".
_NAMED_OUTLET = re.compile(
    r"^[\s/|]*([\u4e00-\u9fff·]{2,12}(?:网|报|社|台|刊|频道|新闻|在线|日报|晚报|信报|周刊|杂志|客户端))(?:\s|$)"
)
_AUTHOR = re.compile(r"(?:作者|记者)\s*[:：]\s*([^\s|丨/　<>:：]{2,30})")
_NEXT_LABEL = re.compile(r"发布时间|發布時間|来源|來源|时间|日期|编辑|责编")
# Where a 来源 value glued to the next span ends.
_VALUE_END = re.compile(r"(?:作者|記者|记者|编辑|編輯|责编|責編|责任编辑|发布|發布|發佈|时间|時間|日期|浏览|瀏覽|阅读|閱讀|点击|點擊)\s*[:：]?")
# Toolbar and list words: never an outlet ("打印本页", "字号", "收藏本文").
_NOT_SOURCE = re.compile(r"打印|列印|字号|字號|字体|字體|收藏|分享|关闭|關閉|纠错|糾錯|评论|評論|登录|登入|注册|註冊|首页|首頁|返回")
# A line that opens with a widget or byline label ("字号：A-", "作者：张三"); "孙丰：巴黎…" is a headline.
_LABEL_FIRST = re.compile(
    r"^(?:字[号號]|作者|来源|來源|时间|時間|日期|编辑|編輯|记者|記者|发布|發布|浏览|瀏覽|点击|點擊|阅读|閱讀)\s*[:：]"
)
_LABEL_START = re.compile(r"(?:发布|發布|發佈|日期|时间|時間|作者|编辑|編輯|责编|來源|来源|记者|記者)")
_EDITOR = re.compile(r"[(（\[]?\s*(?:责编|责任编辑|編輯|编辑)\s*[:：]\s*([^)）\]\s]{1,20})\s*[)）\]]?")
_EDITOR_LABEL = re.compile(r"[(（\[]?\s*(?:责编|责任编辑|編輯|编辑)\s*[:：]?\s*[)）\]]?")
# Buttons and labels that page templates put inside the article container.
_WIDGET = re.compile(
    r"[【\[]?(?:纠错|我要纠错|打印|打印本页|关闭|关闭窗口|返回顶部|收藏|分享|分享到|推荐|字号|图集|大 中 小)[】\]]?"
)
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜丨]|(?<![\dA-Za-z])-{1,2}|-{1,2}(?![\dA-Za-z])|\s[-—–]\s)\s*")
# A site or channel name, as it ends a <title>: "…——新华网", "…——人民网-时政频道".
_SITE_SHAPE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9·.]{1,12}(?:网|網|网站|網站|报|報|频道|頻道|在线|社|台|官网|官網)")
# Spellings a <title> and the page's heading may differ in, folded one to one (lengths kept):
# curly and full-width quotes, full-width ASCII, the ideographic space.
_FOLD = str.maketrans({**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)},
                       "“": '"', "”": '"', "‘": "'", "’": "'", "\u3000": " ", "\u00a0": " "})
# Characters that end one piece of a <title> and begin the next.
_TITLE_EDGE = frozenset(" _|｜丨-—–·:：/\\>»【】[]()（）《》")
# A byline line: a date, or a label of the author, the source or the time.
_BYLINE = re.compile(
    r"作者|来源|來源|稿源|发布|發布|發佈|时间|時間|日期|记者|記者|编辑|編輯|责编|通讯员|通訊員|实习生|實習生|摄影|攝影|撰文|文/"
)
_BODY_CANDIDATES = (
    "#text", ".TRS_Editor", ".Custom_UnionStyle", "#artibody", "#article_content",
    "#content_main", ".article-content", ".article_content", "#content", ".content",
    "article", "#endText", ".post_text", ".left_zw", "#p-detail", ".rm_txt_con",
)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "title", "form", "nav", "footer", "header", "aside")
# An agency or paper dateline opens the story: "新华社拉萨9月3日电（记者 张三）", "本报讯".
_DATELINE = re.compile(r"(?:电|電)\s*(?:[（(]|$)|^[（(]?\s*(?:本报讯|本報訊|本报[\u4e00-\u9fff]{0,4}电)")
_BREADCRUMB = re.compile(r"^(?:您(?:现在)?(?:所在|的)?(?:的)?位置|当前位置|當前位置|现在位置|位置)[:：]|[>»]\s*$|\s[>»]\s")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_BLANKS = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_PAGE_DROP = ("script", "style", "noscript", "iframe", "title")
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote", "center", "table"}
_META_PUBLISHED = (
    "publishdate", "PubDate", "pubdate", "publish_time", "article:published_time",
    "og:release_date", "weibo: article:create_at", "ptime", "apub:time", "firstpublishedtime",
)


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of a known site (from seeds/). Empty means: use the general rules."""

    title: str = ""
    published: str = ""
    source: str = ""
    author: str = ""
    editor: str = ""
    body: str = ""


@dataclass(frozen=True)
class Extracted:
    title: str
    published: str | None
    source: str
    author: str
    editor: str
    text: str
    encoding: str
    method: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "title": self.title, "published": self.published, "source": self.source,
            "author": self.author, "text": self.text,
        }


def _moment(year: int, month: int, day: int, hour: str | None, minute: str | None,
            second: str | None) -> datetime | None:
    try:
        return datetime(year, month, day, int(hour or 0), int(minute or 0), int(second or 0), tzinfo=SHANGHAI)
    except ValueError:
        return None


def _us_date(text: str) -> tuple[int, datetime] | None:
    """``9/17/2004 5:54:13 AM`` (month first; day first when the first number passes 12)."""
    match = _US_DATE.search(text)
    if not match:
        return None
    a, b, year, hour, minute, second, half = match.groups()
    month, day = (int(a), int(b)) if int(a) <= 12 else (int(b), int(a))
    if hour and half:
        hour = str(int(hour) % 12 + (12 if half.upper() == "PM" else 0))
    moment = _moment(int(year), month, day, hour, minute, second)
    return (match.start(), moment) if moment else None


def parse_published(text: str, year: int | None = None) -> str | None:
    """First date/time in ``text`` as ISO 8601 (Asia/Shanghai), or None.

    A date with no time yields to a later mention of the same day with its time (a byline gives
    ``2020-01-03`` and the footer ``2020-01-03 18:13``). With ``year``, a date without one
    (``09-30 22:46``, ``9月30日``) is read in that year.
    """
    if not text:
        return None
    iso = _iso_moment(text)
    if iso:
        return iso
    found = _dated(text)
    if not found:  # Taiwan's Minguo years: 105年3月19日 is 2016-03-19
        found = _dated_with(_ROC_DATE, text, lambda groups: int(groups[0]) + 1911)[:1]
    if not found and year is not None:
        found = _dated_with(_NO_YEAR, text, lambda _groups: year, has_year=False)[:1]
    if not found:
        return None
    found.sort(key=lambda item: item[0])
    first = found[0]
    if not first[2]:
        for _at, moment, timed in found[1:]:
            if timed and moment.date() == first[1].date():
                return moment.isoformat()
    return first[1].isoformat()


_Dated = tuple[int, datetime, bool]  # where in the text, the moment, whether it had a time


def _iso_moment(text: str) -> str | None:
    iso = re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})", text)
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.group(0).replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _dated_with(pattern: re.Pattern[str], text: str, year_of: Callable[[tuple[str, ...]], int],
                has_year: bool = True) -> list[_Dated]:
    """Every valid date ``pattern`` finds; its groups are (year,) month, day, hour, minute, second."""
    found: list[_Dated] = []
    for match in pattern.finditer(text):
        groups = match.groups()
        mo, d, hour, minute, second = groups[1:] if has_year else groups
        moment = _moment(year_of(groups), int(mo), int(d), hour, minute, second)
        if moment is not None:
            found.append((match.start(), moment, hour is not None))
    return found


def _dated(text: str) -> list[_Dated]:
    """Dates with a year: Chinese and ISO-like ones, and one US-style date."""
    found = _dated_with(_DATE, text, lambda groups: int(groups[0]))
    us = _us_date(text)
    if us is not None:
        found.append((us[0], us[1], True))
    return found


def block_text(element: etree._Element, drop: tuple[str, ...] = _DROP_TAGS) -> str:
    """Visible text of ``element`` with one line per block element (``drop`` subtrees left out)."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in drop:
            if node.tail:
                parts.append(node.tail)
            return
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            walk(child)
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    lines = (_BLANKS.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _first(doc: etree._Element, selector: str) -> etree._Element | None:
    if not selector:
        return None
    try:
        found = doc.cssselect(selector)
    except Exception:  # an invalid selector in seeds/ must not stop a crawl
        logger.warning("invalid CSS selector %r", selector)
        return None
    return found[0] if found else None


def _meta(doc: etree._Element, *names: str) -> str:
    """The first non-empty ``content`` of a ``<meta>`` named (name, property, itemprop) ``names``, in order."""
    found: dict[str, str] = {}
    for node in doc.iter("meta"):
        content = (node.get("content") or "").strip()
        if content:
            for attr in ("name", "property", "itemprop"):
                key = node.get(attr)
                if key is not None and key not in found:
                    found[key] = content
    return next((found[name] for name in names if name in found), "")


def clean_title(title: str, site_names: tuple[str, ...] = ()) -> str:
    """Drop the site suffix: ``标题_中国西藏网`` -> ``标题``; ``主题——副题`` stays whole."""
    title = re.sub(r"\s+", " ", title).strip()
    for name in site_names:
        title = title.replace(name, "").strip(" _-|｜—")
    pieces = [p for p in _TITLE_SPLIT.split(title) if p.strip()]
    if pieces:
        # The headline is the longest piece; site and channel names are short.
        title = max(pieces, key=len).strip()
    # "——" joins a headline and its subtitle; it only ends a headline before a site's name.
    parts = title.split("——")
    while len(parts) > 1 and _SITE_SHAPE.fullmatch(parts[-1].strip()):
        parts.pop()
    return "——".join(parts).strip()


def _headings(doc: etree._Element) -> list[str]:
    """Texts of h1-h3 and of elements whose class or id says title, in document order."""
    found = []
    for node in doc.xpath(
        "//h1|//h2|//h3|//*[contains(@class,'title') or contains(@id,'title') or contains(@class,'headline')]"
    ):
        text = re.sub(r"\s+", " ", " ".join(node.itertext())).strip()
        if 4 <= len(text) <= 120:
            found.append(text)
    return found


def _is_byline(line: str) -> bool:
    return len(line) <= 120 and bool(_DATE.search(line) or _US_DATE.search(line)) or (
        len(line) <= 40 and bool(_BYLINE.search(line)))


def _line_index(lines: list[str], text: str) -> int:
    """Index of the page line where ``text`` (the body) begins, or -1."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    if not first:
        return -1
    key = first[:20]
    for i, line in enumerate(lines):
        if line.strip().startswith(key):
            return i
    return -1


def _above_byline(lines: list[str], body_at: int, bare: bool = False) -> tuple[int, str]:
    """The headline as pages place it: the line above the byline that precedes the body.

    With ``bare`` (a page without any <title>) and no byline, the body's first line when it reads
    as a heading (short, no full stop), else the line right above the body.
    """
    if body_at < 0:
        return -1, ""
    i = body_at - 1
    seen_byline = False
    while i >= 0 and body_at - i <= 12:
        line = lines[i].strip()
        if _is_byline(line):
            seen_byline = True
        elif "://" in line or line.startswith("www.") or widget_line(line):
            pass
        elif len(line) > 12 or (seen_byline and len(line) >= 5 and _CJK_CHAR.search(line)):
            break
        i -= 1
    if not seen_byline:
        if not bare:
            return -1, ""
        first = lines[body_at].strip()
        if 5 <= len(first) <= 60 and "。" not in first:
            return body_at, first
        i = body_at - 1
        while i >= 0 and body_at - i <= 3 and not (5 <= len(lines[i].strip()) <= 100):
            i -= 1
    if i < 0 or body_at - i > 12:
        return -1, ""
    line = lines[i].strip()
    if 5 <= len(line) <= 100 and _CJK_CHAR.search(line) and "://" not in line and not line.startswith("www."):
        return i, line
    return -1, ""


def _shown_title(raw: str, lines: list[str], limit: int) -> tuple[int, str]:
    """The longest page line (or two or three adjacent lines) that is a whole piece of ``raw``.

    A page shows its headline once; the <title> adds the site or channel around it. The match must
    start and end at a piece edge of ``raw`` (a separator, a bracket or its ends).
    """
    best_at, best = -1, ""
    raw = raw.translate(_FOLD)
    for i, line in enumerate(lines[:limit]):
        text = line.strip()
        if len(text) < 4 or len(text) > 150 or len(text) < len(best):
            continue
        shown = text
        for j in range(3):
            at = raw.find(shown.translate(_FOLD))
            if at < 0:
                break
            end = at + len(shown)
            if (at == 0 or raw[at - 1] in _TITLE_EDGE) and (end == len(raw) or raw[end] in _TITLE_EDGE):
                if len(shown) >= len(best):  # on a tie the later line, nearer the story
                    best_at, best = i, shown
            if i + j + 1 >= len(lines):
                break
            shown = shown + lines[i + j + 1].strip()
    return best_at, best


def _title(doc: etree._Element, selectors: Selectors, lines: list[str], body_at: int = -1) -> str:
    node = _first(doc, selectors.title)
    if node is not None:
        return block_text(node).replace("\n", " ").strip()
    page_title = re.sub(r"\s+", " ", " ".join(doc.xpath("//head/title//text()|//title//text()"))).strip()
    og_title = re.sub(r"\s+", " ", _meta(doc, "og:title")).strip()
    # TRS-style pages keep the headline (with its subtitle markup) in <meta name="ArticleTitle">.
    article_title = re.sub(r"<[^>]+>", "", _meta(doc, "ArticleTitle", "articleTitle", "headline")).strip()
    cleaned = clean_title(og_title or page_title)
    headline_at, headline = _above_byline(lines, body_at, bare=not (page_title or og_title))
    limit = body_at + 1 if body_at >= 0 else len(lines)
    for raw in (page_title, og_title, article_title):
        if not raw:
            continue
        at, shown = _shown_title(raw, lines, limit)
        longest = max((len(p) for p in _TITLE_SPLIT.split(raw)), default=0)
        if shown and 2 * len(shown) >= longest:
            # A one-piece <title> is the headline (shown right above the byline) or the site's name
            # (shown in the banner); a longer one may sit a few lines higher.
            gap = 2 if at == 0 or len(_TITLE_SPLIT.split(raw)) == 1 else 6
            if (headline and headline_at - at > gap and _headline_like(headline) and not _overlap(headline, raw)
                    and (at == 0 or shown.replace(" ", "") not in _heading_tags(doc))):
                return headline  # the <title> is the site's banner, far above this story
            return shown
    headings = _headings(doc)
    squash = cleaned.replace(" ", "")
    if squash:
        for heading in headings:  # the heading that is the page title, in its own spelling
            h = heading.replace(" ", "")
            if h == squash or (h in squash and 2 * len(h) >= len(squash)):
                return heading
            if squash in h and len(h) <= 1.5 * len(squash):
                return cleaned  # the heading adds a channel label ("智能 ...")
    # No line shows the page title: it may be just the site's name. The headline then is the line
    # right above the byline (or the body).
    if headline and (not squash or (not _overlap(headline, cleaned) and _headline_like(headline))):
        return clean_title(headline)
    return cleaned or (headings[0] if headings else "")


def _heading_tags(doc: etree._Element) -> set[str]:
    """Texts of the page's h1-h3 elements, spaces removed."""
    return {re.sub(r"\s+", "", "".join(h.itertext())) for h in doc.iter("h1", "h2", "h3")}


def _headline_like(line: str) -> bool:
    """Reads as a headline: 6 to 80 characters, mostly Han, no label (``字号：``, ``作者：``) in front."""
    han = len(_CJK_CHAR.findall(line))
    return 6 <= len(line) <= 80 and 2 * han >= len(line) and not _LABEL_FIRST.match(line)


def _overlap(a: str, b: str, size: int = 4) -> bool:
    """True when ``a`` and ``b`` share a run of ``size`` characters (spaces ignored)."""
    a, b = a.replace(" ", ""), b.replace(" ", "")
    size = min(size, len(a), len(b))
    return size > 0 and any(a[i:i + size] in b for i in range(len(a) - size + 1))


def _body_node(doc: etree._Element, selectors: Selectors) -> tuple[etree._Element | None, str]:
    node = _first(doc, selectors.body)
    if node is not None:
        return node, "selectors"
    best: etree._Element | None = None
    best_len = 0
    for selector in _BODY_CANDIDATES:
        for candidate in doc.cssselect(selector):
            length = len(block_text(candidate))
            if length > best_len * 1.2 and length >= 80:
                best, best_len = candidate, length
        if best is not None:
            return best, "rules"
    return None, ""


def _trafilatura(html: str, url: str | None) -> str:
    """trafilatura's body text: precision first, then its default balance when that finds little."""
    import trafilatura

    best = ""
    for precision in (True, False):
        result = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=False, favor_precision=precision,
            deduplicate=False,
        ) or ""
        if len(result) > len(best):
            best = result
        if len(best) >= 200:
            break
    return best


def _strip_trailer(text: str) -> tuple[str, str]:
    """Drop widget labels and the 责编 line (its name may sit on the next line): ``(text, editor)``."""
    editor = ""
    kept: list[str] = []
    lines = text.split("\n")
    skip_next = False
    for i, line in enumerate(lines):
        if skip_next:
            skip_next = False
            editor = editor or line.strip(" ()（）")
            continue
        match = _EDITOR.search(line)
        if match and len(line) <= 40:
            editor = match.group(1).strip()
            continue
        if _EDITOR_LABEL.fullmatch(line.strip()):
            skip_next = i + 1 < len(lines) and len(lines[i + 1]) <= 12
            continue
        if _WIDGET.fullmatch(line.strip()) or not any(ch.isalnum() for ch in line):
            continue
        kept.append(line)
    return "\n".join(kept).strip(), editor


def extract_html(html: str, url: str | None = None, selectors: Selectors | None = None,
                 body_config: BodyConfig = BODY_DEFAULT) -> Extracted:
    """Extract the article fields from decoded HTML."""
    return _extract(html, url, selectors or Selectors(), "unicode", body_config)


_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def extract(body: bytes, url: str | None = None, content_type: str | None = None,
            selectors: Selectors | None = None, body_config: BodyConfig = BODY_DEFAULT) -> Extracted:
    """Decode ``body`` (w3lib, GB family as gb18030) and extract the article fields."""
    html, encoding = decode_html(body, content_type)
    return _extract(html, url, selectors or Selectors(), encoding, body_config)


def _extract(html: str, url: str | None, selectors: Selectors, encoding: str,
             body_config: BodyConfig = BODY_DEFAULT) -> Extracted:
    # lxml parses C0 control characters but refuses them in any text it is asked to set (as dropping a
    # <script> does with the text after it); they carry nothing a reader sees.
    html = _XML_INCOMPATIBLE.sub("", html)
    if not html.strip():
        return Extracted("", None, "", "", "", "", encoding, "empty")
    try:
        doc = lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return Extracted("", None, "", "", "", "", encoding, "unparsable")
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    # The headline, byline and time often sit in <header>, <aside> or a <form>: only the body
    # rules leave those out.
    page_text = block_text(doc.body if doc.find("body") is not None else doc, _PAGE_DROP)
    lines = page_text.split("\n")
    # The body rules prune their own copy: the title, time and 来源 rules read the whole page.
    text, method = _body(copy.deepcopy(doc), html, url, selectors, body_config)
    text, editor = _strip_trailer(text)
    body_at = _line_index(lines, text)
    title = _title(doc, selectors, lines, body_at)
    if method != "selectors":
        text = _trim_head(text, title)
    header = _header_window(lines, title, body_at)
    info_node = _first(doc, selectors.published)
    info_text = block_text(info_node) if info_node is not None else ""
    year = _year_hint(doc, url, page_text)
    published = (
        parse_published(info_text, year)
        or _visible_time(parse_published(_meta(doc, *_META_PUBLISHED)), _published_in(header, year))
        or _published_in(header, year)
        or _published_in("\n".join(lines[:80]), year)
        or _labelled_time(page_text, year)  # blogs and forums put "发表于 …" under the post
    )
    source_node = _first(doc, selectors.source)
    if source_node is not None:
        stated = block_text(source_node).strip()
        match = _SOURCE.search(stated)
        source = match.group(1) if match else stated
    else:
        header_lines = header.split("\n")
        found: tuple[Callable[[], str], ...] = (
            lambda: _source_in(info_text or header),
            lambda: byline_outlet(header_lines[1:] if len(header_lines) > 1 else header_lines),
            lambda: credited_outlet(header),
            lambda: _source_element(doc),
            lambda: _meta(doc, "source", "og:article:source", "contentsource"),
            lambda: (m.group(1) if (m := _SOURCE.search(page_text[:3000])) else ""),
        )
        source = next((value for value in (_clean_source(f()) for f in found) if value), "")
    author_node = _first(doc, selectors.author)
    author = block_text(author_node) if author_node is not None else _meta(doc, "author")
    if not author:
        match = _AUTHOR.search(info_text or header)
        # Spans run together in text: "作者：张三发布时间：..." - cut the value at the next label.
        author = _NEXT_LABEL.split(match.group(1))[0] if match else ""
    if not source:
        source = credited_outlet(text)
    if not editor:  # the 责编 line often sits just outside the container the body rules kept
        for line in lines:
            match = _EDITOR.search(line)
            if match and len(line) <= 40:
                editor = match.group(1).strip()
                break
    editor_node = _first(doc, selectors.editor)
    if editor_node is not None:
        match = _EDITOR.search(block_text(editor_node))
        editor = match.group(1) if match else editor
    return Extracted(
        title=title, published=published, source=_clean_source(source), author=author.strip(),
        editor=editor, text=text, encoding=encoding, method=method,
    )


def _body(doc: etree._Element, html: str, url: str | None, selectors: Selectors,
          config: BodyConfig) -> tuple[str, str]:
    """The body text and the rule that found it (selectors, rules, density or trafilatura)."""
    node = _first(doc, selectors.body)
    if node is not None:
        return block_text(node), "selectors"
    prune(doc, config)
    node, method = _body_node(doc, selectors)
    title = " ".join(doc.xpath("//title//text()")) + " " + _meta(doc, "og:title")
    if node is not None:
        node = refine(node, config, title)
    text = clean_lines(block_text(node), config) if node is not None else ""
    if len(text) < 300:
        dense = best_container(doc, config, title)
        dense_text = clean_lines(block_text(dense), config) if dense is not None else ""
        if len(dense_text) > len(text):
            text, method = dense_text, "density"
    if len(text) < config.fallback_below:
        # No container, or a small one (a summary box): ask trafilatura and keep the fuller text.
        general = clean_lines(_trafilatura(html, url), config)
        if len(general) >= max(2 * len(text), 1):
            text, method = general, "trafilatura"
    return text, method


def _header_window(lines: list[str], title: str, body_at: int = -1) -> str:
    """The lines from the headline to a few lines past the byline: where 来源 and time are stated.

    The headline is its last mention above the body (a breadcrumb or a ticker may name it first).
    """
    start = 0
    if title:
        key = title.replace(" ", "")[:10]
        for i, line in enumerate(lines):
            if body_at >= 0 and i >= body_at and start:
                break
            if key and key in line.replace(" ", "") and i > 0:
                start = i
                if body_at < 0:
                    break
    window = lines[start:start + 12]
    return "\n".join(window)


def _published_in(header: str, year: int | None = None) -> str | None:
    labelled = _TIME_LABEL.search(header)
    if labelled:
        found = parse_published(labelled.group(1), year)
        if found:
            return found
    return parse_published(header)


def _trim_head(text: str, title: str) -> str:
    """Drop what the container holds above the story: the headline, the byline, a breadcrumb."""
    lines = text.split("\n")
    key = title.replace(" ", "")
    start = 0
    for i, line in enumerate(lines[:12]):
        stripped = line.strip()
        squashed = stripped.replace(" ", "")
        if (squashed == key or _is_byline(stripped) or _BREADCRUMB.search(stripped)
                or len(squashed) <= 4) and not _is_story(stripped) and not _DATELINE.search(stripped):
            start = i + 1
            continue
        break
    return "\n".join(lines[start:]) if start < len(lines) else text


def _is_story(line: str) -> bool:
    """A sentence of the story, not a byline: long, with a full stop or a comma."""
    return len(line) >= 40 and bool(re.search(r"[。，！？]", line))


def _visible_time(meta: str | None, shown: str | None) -> str | None:
    """The meta time, unless the byline shows the same day with its time: the reader's time,
    and a meta date often has none (``2020-01-02`` where the page says ``2020-01-02 17:11``)."""
    if meta and shown and shown[:10] == meta[:10] and shown[11:19] != "00:00:00":
        return shown
    return meta


def _labelled_time(text: str, year: int | None) -> str | None:
    match = _TIME_LABEL.search(text)
    return parse_published(match.group(1), year) if match else None


def _clean_source(source: str) -> str:
    """The outlet's name alone: no "据" before it, no markup left by a broken template."""
    source = _VALUE_END.split(source.strip())[0].strip(" :：,，、|")  # "证券时报网作者：李在山"
    if source.startswith("据") and len(source) > 2:
        source = source[1:]
    if re.search(r"[=\"'<>]", source) or _LABEL_START.match(source) or _NOT_SOURCE.search(source):
        return ""
    return source


def _year_hint(doc: etree._Element, url: str | None, page_text: str) -> int | None:
    """The year a page's dates belong to: from its meta dates, its URL, else its first full date."""
    for node in doc.xpath("//meta[@content]"):
        content = node.get("content") or ""
        if len(content) <= 40:
            match = _DATE.search(content)
            if match:
                return int(match.group(1))
    if url:
        match = _YEAR.search(url.split("?")[0].split("://")[-1].partition("/")[2])
        if match:
            return int(match.group(1))
    match = _DATE.search(page_text)
    return int(match.group(1)) if match else None


def _source_element(doc: etree._Element) -> str:
    """A short text in an element whose class names the source (``.source``, ``sourceTitle...``)."""
    for node in doc.xpath("//*[contains(translate(@class,'SOURCE','source'),'source')]"):
        text = re.sub(r"\s+", " ", " ".join(node.itertext())).strip()
        match = _SOURCE.search(text)
        if match:
            return match.group(1)
        if 2 <= len(text) <= 20 and not _DATE.search(text):
            return text
    return ""


def _source_in(header: str) -> str:
    """来源 stated in the header: a labelled one, else an outlet named right after the time."""
    match = _SOURCE.search(header)
    if match:
        return match.group(1)
    for line_match in _DATE.finditer(header):
        rest = header[line_match.end():line_match.end() + 40]
        outlet = _NAMED_OUTLET.match(rest.replace("\n", " "))
        if outlet:
            return outlet.group(1)
    return ""
