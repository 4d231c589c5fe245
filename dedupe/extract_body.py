"""General body rules for pages without site selectors: boilerplate pruning, container choice, boundaries.

Each rule names a property that Chinese news pages share, whatever the site:

- templates name their furniture in ``class``/``id`` (``comment``, ``related``, ``share``,
  ``sidebar``, ``footer``, ...); such a subtree is dropped unless it holds most of the page's
  sentences (some templates wrap the whole article in ``div.share-wrap``);
- a list of links (related stories, rankings, tag clouds) has high link density, a paragraph has
  low link density and sentence punctuation;
- the article container is the smallest element that still holds most of the page's sentence
  text: a generic ``#content`` is often the whole page, so the choice descends while one child
  keeps most of it;
- the story ends where a comment thread, a related / recommended list, a disclaimer or the
  previous / next links begin (a short heading line), and it starts at the first sentence, after
  the share / font-size / login widgets.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class BodyConfig:
    """Thresholds of the body rules (swept in bench/extract.py, see docs/benchmarks.md)."""

    #: a block whose link text is more than this share of its text is a link list
    link_density: float = 0.5
    #: the container descends into a child holding at least this share of its sentence text
    descend_share: float = 0.5
    #: a pruned subtree may hold at most this share of the page's sentence text
    prune_max_share: float = 0.6
    #: the share a child needs when it neither holds the headline nor follows it first
    descend_away: float = 0.7
    #: a furniture subtree is dropped, however much prose it holds, when this share of the page's
    #: prose lies outside it
    outside_min: float = 0.15
    #: below this many characters the general rules' text is compared with trafilatura's
    fallback_below: int = 50
    #: boundary headings only cut once this many body characters were kept
    boundary_after: int = 40

    def __post_init__(self) -> None:
        for name in ("link_density", "descend_share", "descend_away", "prune_max_share", "outside_min"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"BodyConfig.{name} must be in (0, 1], got {value!r}")
        if self.fallback_below < 0:
            raise ValueError(f"BodyConfig.fallback_below must be >= 0, got {self.fallback_below!r}")
        if self.boundary_after < 0:
            raise ValueError(f"BodyConfig.boundary_after must be >= 0, got {self.boundary_after!r}")


DEFAULT = BodyConfig()

# class/id words of page furniture. Matched against the tokens of class and id split at
# -, _, space and camelCase, so "article-content" is not "content-comment".
_FURNITURE = re.compile(
    r"^(?:comments?|cmt|reply|replies|related|relate|recommend|recommends|rec|tuijian|xgxw|xgyd|"
    r"share|sharing|bdshare|social|sns|follow|subscribe|qrcode|ewm|erweima|"
    r"sidebar|side|aside|footer|foot|nav|navbar|menu|breadcrumb|crumb|crumbs|location|position|"
    r"login|signin|register|toolbar|tools|fontsize|font|print|copyright|disclaimer|statement|"
    r"hot|hotnews|rank|ranking|top10|paihang|ad|ads|advert|advertisement|banner|gg|"
    r"pager|pagination|prev|next|prenext|tags|tag|keywords|"
    r"vjs|controls|control|player|popup|modal|cookie|privacy|gdpr|feed|more|list|"
    r"newsletter|app|download)$"
)
_CLOSING = re.compile(
    r"^(?:comments?|cmt|reply|replies|related|relate|recommend|recommends|tuijian|xgxw|xgyd|"
    r"footer|foot|copyright|disclaimer|statement|sidebar|side|aside)$"
)
_TOKEN_SPLIT = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
_KEEP_TOKENS = {"content", "article", "text", "body", "main", "detail", "story", "zw", "post"}
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[，。！？；：、“”,.!?;]")
_CJK = re.compile(r"[\u4e00-\u9fff]")

# A short line that opens a comment thread, a related list, a disclaimer or the next-story links.
_BOUNDARY = re.compile(
    r"^[\s【\[〖<《(（#·>]*(?:"
    r"相关(?:新闻|阅读|推荐|报道|文章|内容|链接|稿件|专题|資訊|新聞|閱讀)|相關(?:新聞|閱讀|推薦|報導|文章)|"
    r"(?:延伸|推荐|推薦|扩展|拓展)閱讀|(?:延伸|推荐|扩展|拓展|更多)阅读|"
    r"(?:热门|熱門|精彩|今日|为你|為你|猜你|编辑|小编)(?:推荐|推薦|喜欢|喜歡)|推荐新闻|推薦新聞|热点新闻|熱門新聞|"
    r"热门文章|更多(?:精彩|新闻|新聞|内容|资讯)|猜你喜欢|"
    r"(?:网友|網友|最新|最热|热门|熱門|全部|精彩|文章|我要|发表|發表|查看)(?:评论|評論|留言)|"
    r"留言(?:与|和)?评论|评论列表|評論列表|留言規則|留言规则|已有\d+条评论|\d+条评论|共有\s*\d+\s*条评论|"
    r"(?:免责|免責|版权|版權)(?:声明|聲明)|"
    r"上一篇|下一篇|上一頁|下一頁|点击排行|點擊排行|阅读排行|閱讀排行|评论排行|排行榜|"
    r"今日热点|今日熱點|最新(?:新闻|新聞|消息|文章|影音|视频|視頻)|看更多|更多新聞|"
    r"分享到|分享至|推薦新聞|推荐新聞|相关视频|相關影音|熱門影音"
    r")"
)
# The care box under reports of suicide (Taiwan law asks for it) and hotline boxes: the story ended.
_CARE_BOX = re.compile(
    r"(?:自殺|自杀)(?:防治|解決不了|解决不了)|(?:專線|专线|熱線|热线)\s*[:：]?\s*\d{3,}|"
    r"(?:關心您|关心您|提醒您)\s*[，,:：]?\s*(?:請|请|再)?(?:給|给)自己"
)
# The meta line of a comment: a time with a reply or vote button, or a floor number
# ("2020-01-03 18:13 回复 举报", "网友A 10:20 赞(3)", "3楼").
_COMMENT_META = re.compile(
    r"\d{1,2}:\d{2}.{0,16}(?:回复|回覆|举报|舉報|顶\s*[(（\[]?\d|踩|赞\s*[(（\[]?\d|讚\s*[(（\[]?\d|支持\s*[(（\[]?\d|反对)|"
    r"^(?:第\s*)?\d{1,4}\s*楼(?:\s|$|[:：])|^#\d{1,4}\s"
)
# A disclaimer paragraph, however long: "声明：本文仅代表作者观点…", "【免责声明】…".
_DISCLAIMER = re.compile(r"^[\s【\[(（]*(?:免责|免責|版权|版權|特别|特別)?(?:声明|聲明)\s*[:：】\])）]")
# Privacy, cookie and paywall notices of the page, not of the story.
# Player messages: "您的浏览器不支持 video 标签", "This is a modal window."
_PLAYER = re.compile(
    r"(?:您的)?(?:浏览器|瀏覽器)(?:暂)?不支持.{0,20}(?:视频|視頻|video|html5|播放)|this is a modal window|"
    r"beginning of dialog window|end of dialog window|close modal dialog|视频加载失败|視頻加載失敗",
    re.I,
)
_NOTICE = re.compile(
    r"^(?=.*(?:本網站|本网站|我們|我们|點這裡|点这里|點擊|点击|同意|瞭解|了解|建議您|建议您|加入))"
    r".{0,60}(?:(?:隱私|隐私)(?:權|权)?(?:政策|聲明|声明|條款|条款)|cookie|(?:付費|付费)(?:會員|会员))",
    re.I,
)
# App and social-account promos: "扫码关注…公众号", "打开…APP，查看更多精彩内容".
_PROMO = re.compile(
    r"(?:扫码|掃碼|扫描|掃描|长按|長按|识别|識別).{0,12}(?:二维码|二維碼|公众号|公眾號|关注|關注)|"
    r"(?:下载|下載|打开|打開).{0,10}(?:客户端|客戶端|APP|App|app)"
)
_KANA = re.compile(r"[\u3040-\u30ff]")
# Widget lines that sit above the story: share targets, font size, print, login, counters.
_WIDGET_LINE = re.compile(
    r"^(?:facebook|line|weibo|twitter|wechat|qq|qzone|email|e-mail|plurk|telegram|whatsapp|"
    r"分享|分享到|分享至|複製連結|复制链接|\+?复制链接|字[级級號号][设設][定置]?.*|字[号號]\s*[:：]?.*|"
    r"[大中小特]\s*[大中小特]?\s*[大中小特]?|打印|列印|收藏|纠错|我要纠错|关闭|關閉|举报|舉報|"
    r"[赞讚赏賞]\s*\d*|點讚|点赞|評論|评论|留言|登录|登入|注册|註冊|登录/注册|免注册.*|"
    r"a[-+]|a\+|a-|訂閱|订阅|追蹤|关注|關注|加入好友|播放|暂停|暫停|全屏|全螢幕|静音|靜音|"
    r"play|pause|mute|unmute|replay|fullscreen|non-fullscreen|picture-in-picture|"
    r"倍速|清晰度|高清|标清|標清|超清|弹幕|彈幕|画中画|畫中畫|加载中|載入中|正在加载|重新播放|"
    r"(?:current time|duration(?: time)?|remaining time|loaded|progress|stream type|playback rate)\s*[:：]?\s*[-\d:.%]*|"
    r"当前时间\s*[-\d:]*|時長\s*[-\d:]*|时长\s*[-\d:]*|"
    r"\d{1,2}:\d{2}\s*/\s*\d{1,2}:\d{2}|\d+\s*(?:人)?(?:阅读|閱讀|瀏覽|浏览)"
    r")[\s:：]*$",
    re.I,
)


def _tokens(node: etree._Element) -> list[str]:
    raw = f"{node.get('class') or ''} {node.get('id') or ''}"
    return [t.lower() for t in _TOKEN_SPLIT.split(raw) if t]


def _closing(node: etree._Element) -> bool:
    """Furniture that follows a story and never wraps one: comments, related lists, footers."""
    return any(_CLOSING.match(t) for t in _tokens(node))


def is_furniture(node: etree._Element) -> bool:
    """True when the element's class/id names page furniture (and no content word)."""
    tokens = _tokens(node)
    if not tokens or any(t in _KEEP_TOKENS for t in tokens):
        return False
    return any(_FURNITURE.match(t) for t in tokens)


def _hidden(node: etree._Element) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style or node.get("hidden") is not None


class _Stats:
    """Per-element counts, computed once bottom-up: text, link text, CJK and punctuation."""

    def __init__(self, root: etree._Element) -> None:
        self.counts: dict[etree._Element, tuple[int, int, int, int]] = {}
        self._walk(root, False)

    def _walk(self, node: etree._Element, in_link: bool) -> tuple[int, int, int, int]:
        in_link = in_link or node.tag == "a"
        text = _SPACE.sub("", node.text) if node.text and isinstance(node.tag, str) else ""
        length, links = len(text), len(text) if in_link else 0
        cjk = 0 if in_link else len(_CJK.findall(text))
        punct = 0 if in_link else len(_PUNCT.findall(text))
        for child in node:
            if isinstance(child.tag, str):
                c = self._walk(child, in_link)
                length, links, cjk, punct = length + c[0], links + c[1], cjk + c[2], punct + c[3]
            tail = _SPACE.sub("", child.tail) if child.tail else ""
            if tail:
                length += len(tail)
                if in_link:
                    links += len(tail)
                else:
                    cjk += len(_CJK.findall(tail))
                    punct += len(_PUNCT.findall(tail))
        counts = (length, links, cjk, punct)
        self.counts[node] = counts
        return counts

    def mass(self, node: etree._Element) -> float:
        """Punctuated non-link CJK text under ``node``: how much of it reads as prose."""
        length, _links, cjk, punct = self.counts.get(node, (0, 0, 0, 0))
        if not length or not cjk:
            return 0.0
        return cjk * min(1.0, 20 * punct / length)

    def link_density(self, node: etree._Element) -> float:
        length, links, _cjk, _punct = self.counts.get(node, (0, 0, 0, 0))
        return links / length if length else 0.0

    def length(self, node: etree._Element) -> int:
        return self.counts.get(node, (0, 0, 0, 0))[0]


def prune(root: etree._Element, config: BodyConfig = DEFAULT) -> None:
    """Drop furniture, hidden and link-list subtrees that do not hold the story."""
    stats = _Stats(root)
    total = max(stats.mass(root), 1.0)
    doomed: list[etree._Element] = []
    skip: set[etree._Element] = set()
    for node in root.iter():
        if not isinstance(node.tag, str) or node is root:
            continue
        parent = node.getparent()
        if parent in skip:
            skip.add(node)
            continue
        if _hidden(node) or is_furniture(node):
            mass = stats.mass(node)
            # Kept only when it holds the story: most of the page's prose, and no paragraph
            # of it left outside (a comment box can outweigh a one-paragraph story).
            if mass <= config.prune_max_share * total or (
                    (_hidden(node) or _closing(node)) and total - mass >= config.outside_min * total):
                doomed.append(node)
                skip.add(node)
        elif node.tag in _LIST_BLOCKS and stats.length(node):
            if stats.link_density(node) > config.link_density and stats.mass(node) <= 0.2 * total:
                doomed.append(node)
                skip.add(node)
            elif ((_teaser_list(node) or _comment_list(node))
                  and total - stats.mass(node) >= config.outside_min * total):
                doomed.append(node)
                skip.add(node)
    for node in doomed:
        _drop(node)


def _teaser_list(node: etree._Element) -> bool:
    """A list of other stories: three or more like items, most of them opening with a linked
    headline (a summary may follow, so the link density can be low). A story's paragraphs
    open with their own words."""
    items = [child for child in node if isinstance(child.tag, str)]
    if len(items) < 3 or len({item.tag for item in items}) > 2:
        return False
    headed = sum(_opens_with_link(item) for item in items)
    return headed >= 3 and headed >= 0.6 * len(items)


_RECORD_TAGS = frozenset(("div", "li", "dl", "dd", "section", "article", "tr", "table"))
# The time a comment was posted, as its meta line gives it.
# Clock and relative times only: a timeline's dates (2019年3月) belong to the story.
_POSTED = re.compile(r"\d{1,2}:\d{2}|\d+\s*(?:秒|分钟|分鐘|小时|小時|天)前|刚刚|剛剛|\d+\s*楼")


def _comment_list(node: etree._Element) -> bool:
    """A comment thread: four or more like blocks, most with a short posted-time line of their own
    (``网友A 10:20``, ``3小时前``, ``2楼``). A story's paragraphs and sections carry no such line."""
    items = [child for child in node if isinstance(child.tag, str)]
    if len(items) < 4:
        return False
    tag, count = Counter(item.tag for item in items).most_common(1)[0]
    if tag not in _RECORD_TAGS or count < 0.8 * len(items):
        return False
    timed = sum(_posted(item) for item in items if item.tag == tag)
    return timed >= 4 and timed >= 0.6 * len(items)


def _posted(item: etree._Element) -> bool:
    for n, element in enumerate(item.iterdescendants()):
        if n > 40:
            break
        if not isinstance(element.tag, str) or element.tag in _HEADINGS:
            continue
        text = (element.text or "").strip()
        if 0 < len(text) <= 30 and _POSTED.search(text):
            return True
    return False


def _opens_with_link(item: etree._Element) -> bool:
    for text in item.xpath("(.//text()[normalize-space()])[1]"):
        holder = text.getparent()
        if holder is not None and text.is_tail:
            holder = holder.getparent()  # a tail belongs to the parent of its element
        while holder is not None and holder is not item.getparent():
            if holder.tag == "a" and holder.get("href"):
                return len(_SPACE.sub("", "".join(holder.itertext()))) >= 4
            if holder is item:
                break
            holder = holder.getparent()
        return False
    return False


_LIST_BLOCKS = frozenset(("ul", "ol", "dl", "table", "div", "section", "li", "p", "td", "span", "dd", "dt", "tr"))


def _drop(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    previous = node.getprevious()
    parent.remove(node)
    if tail:  # keep the text that follows the dropped element
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def refine(node: etree._Element, config: BodyConfig = DEFAULT, title: str = "") -> etree._Element:
    """Descend while one child holds most of ``node``'s sentence text, or into the story of a feed.

    ``title`` (the page's <title>) tells a feed's own story from the ones appended after it.
    """
    stats = _Stats(node)
    head = _headline(node, title)
    while True:
        total = stats.mass(node)
        if total <= 0:
            return node
        best, best_mass = None, 0.0
        for child in node:
            if not isinstance(child.tag, str):
                continue
            mass = stats.mass(child)
            if mass > best_mass:
                best, best_mass = child, mass
        # A child away from the headline (a comment list, other stories) needs a larger share:
        # descending into it would lose the story itself.
        share = config.descend_share if _near_headline(node, best, head, stats, total) else config.descend_away
        if best is not None and best_mass >= share * total and _is_container(best):
            node = best
            continue
        story = _feed_story(node, stats, total, title)
        if story is None:
            if _drop_teasers(node, stats, total):
                stats = _Stats(node)
                continue
            return node
        node = story


_HEADINGS = ("h1", "h2", "h3", "h4")


def _headline(root: etree._Element, title: str) -> etree._Element | None:
    """The story's heading: the first <h1>, else a heading whose text the <title> holds."""
    key = _SPACE.sub("", title)
    first_h1 = next(root.iter("h1"), None)
    if first_h1 is not None:
        return first_h1
    for heading in root.iter("h2", "h3"):
        text = _SPACE.sub("", "".join(heading.itertext()))
        if len(text) >= 4 and text in key:
            return heading
    return None


def _near_headline(node: etree._Element, best: etree._Element | None, head: etree._Element | None,
                   stats: _Stats, total: float) -> bool:
    """True when ``best`` holds the headline or is the first sizeable block after it (or when
    the headline is not under ``node``, so nothing tells the story's place)."""
    if best is None or head is None:
        return True
    children = [c for c in node if isinstance(c.tag, str)]
    at = next((i for i, c in enumerate(children) if c is head or head in c.iterdescendants()), -1)
    if at < 0 or children[at] is best:
        return True
    # The first sizeable block after the headline, a photo with its caption aside.
    after = next((c for c in children[at + 1:] if stats.mass(c) >= 0.1 * total
                  and not (stats.length(c) < 200 and next(c.iter("img"), None) is not None)), None)
    return after is best


def _heading(node: etree._Element) -> etree._Element | None:
    for found in node.iter(*_HEADINGS):
        return found
    return None


def _feed_story(node: etree._Element, stats: _Stats, total: float, title: str) -> etree._Element | None:
    """The page's own story when ``node`` is a feed: stories one after another, each a container
    with its heading, the others teasers (a linked heading, or a dated byline of their own).
    An article whose sections have sub-headings is no feed: those headings link nowhere."""
    items = [c for c in node if isinstance(c.tag, str) and stats.mass(c) >= 0.1 * total and _is_container(c)]
    headed = [(c, h) for c in items if (h := _heading(c)) is not None]
    if len(headed) < 2 or len(headed) < len(items):
        return None
    key = re.sub(r"\s+", "", title)

    def own(item: tuple[etree._Element, etree._Element]) -> bool:
        text = re.sub(r"\s+", "", "".join(item[1].itertext()))
        return item[1].tag == "h1" or (len(text) >= 4 and text in key)

    mine = [item for item in headed if own(item)]
    if len(mine) != 1:
        return None
    others = [item for item in headed if item is not mine[0]]
    if not all(h.find(".//a[@href]") is not None or h.getparent().tag == "a" or _dated(c) for c, h in others):
        return None
    return mine[0][0]


def _drop_teasers(node: etree._Element, stats: _Stats, total: float) -> bool:
    """Drop the teasers that follow a story in its own container (the next stories of a feed,
    each a block with a linked heading): True when there were two or more after some prose."""
    teasers: list[etree._Element] = []
    prose = 0.0
    for child in node:
        if not isinstance(child.tag, str):
            continue
        heading = _heading(child)
        linked = heading is not None and (heading.find(".//a[@href]") is not None or heading.getparent().tag == "a")
        if linked and prose >= 0.2 * total and stats.mass(child) > 0:
            teasers.append(child)
        elif not teasers:
            prose += stats.mass(child)
    if len(teasers) < 2:
        return False
    for teaser in teasers:
        _drop(teaser)
    return True


def _dated(node: etree._Element) -> bool:
    text = "".join(node.itertext())[:160]
    return bool(re.search(r"(?:19|20)\d{2}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}", text))


_CONTAINER_CHILDREN = frozenset(("p", "div", "section", "article", "table", "tbody", "tr", "td", "ul", "ol", "li",
                                 "blockquote", "center", "dl", "dd", "main"))


def _is_container(node: etree._Element) -> bool:
    """An element that holds blocks or ``<br>``-separated lines (a story's container), not a
    paragraph: many CMSs write one ``<div>`` per paragraph, and one long paragraph must not
    become the whole story."""
    if node.tag in ("p", "span", "a", "font", "b", "strong", "em", "i"):
        return False
    breaks = 0
    for child in node.iterdescendants():
        if isinstance(child.tag, str):
            if child.tag in _CONTAINER_CHILDREN:
                return True
            breaks += child.tag == "br"
    return breaks >= 2  # a story written as text and <br><br>


def best_container(doc: etree._Element, config: BodyConfig = DEFAULT, title: str = "") -> etree._Element | None:
    body = doc.find("body")
    start = body if body is not None else doc
    return refine(start, config, title) if _Stats(start).mass(start) > 0 else None


def clean_lines(text: str, config: BodyConfig = DEFAULT) -> str:
    """Cut the text at the first boundary heading, drop widget lines above the first sentence."""
    kept: list[str] = []
    seen = 0
    started = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if seen >= config.boundary_after and (
                (len(stripped) <= 30 and _BOUNDARY.match(stripped))
                or (len(stripped) <= 60 and (_CARE_BOX.search(stripped) or _comment_meta(stripped)))
                or _DISCLAIMER.match(stripped)):
            break
        if (_WIDGET_LINE.match(stripped) or _widget_bar(stripped) or _NOTICE.search(stripped) or _foreign(stripped)
                or (len(stripped) <= 60 and _PLAYER.search(stripped))
                or (len(stripped) <= 40 and _PROMO.search(stripped))):
            continue
        if not started:
            if _is_sentence(stripped):
                started = True
            elif not _CJK.search(stripped) and len(stripped) < 40:
                continue  # a share or login widget's Latin label above the story
        kept.append(line)
        seen += len(stripped)
    return "\n".join(kept)


_WIDGET_WORDS = frozenset((
    "分享", "分享到", "分享至", "微信", "微博", "新浪微博", "腾讯微博", "qq", "qq空间", "qzone", "朋友圈", "豆瓣",
    "人人网", "开心网", "扫一扫", "二维码", "手机看", "手机阅读", "字号", "字號", "字体", "字體", "大", "中", "小",
    "特大", "默认", "放大", "缩小", "打印", "列印", "关闭", "關閉", "收藏", "评论", "評論", "点赞", "按讚", "举报",
    "舉報", "纠错", "复制链接", "複製連結", "复制网址", "返回顶部", "a+", "a-", "繁體", "繁体", "简体", "簡體", "登录",
    "登入", "注册", "註冊", "订阅", "訂閱", "关注", "關注", "facebook", "twitter", "line", "email", "轉寄", "留言",
    "推荐", "推薦", "更多", "小程序", "app", "客户端", "用line傳送", "+",
))
_BAR_SPLIT = re.compile(r"[\s|｜/·•:：,，、【】\[\]()（）]+")


def widget_line(line: str) -> bool:
    """A widget's label or bar (share, font size, print, login, player), not text."""
    return bool(_WIDGET_LINE.match(line)) or _widget_bar(line)


def _widget_bar(line: str) -> bool:
    """A share / font-size / login bar: a short line made only of widget words."""
    if len(line) > 60:
        return False
    words = [w for w in _BAR_SPLIT.split(line.lower()) if w]
    return len(words) >= 2 and all(w in _WIDGET_WORDS for w in words)


def _comment_meta(line: str) -> bool:
    """A comment's user/time/buttons line: no sentence in it."""
    return "，" not in line and "。" not in line and bool(_COMMENT_META.search(line))


def _foreign(line: str) -> bool:
    """A line in another script: Japanese kana, or a long line without a Han character (a
    language-switch prompt, a Latin widget)."""
    if len(_KANA.findall(line)) * 3 >= len(line):
        return True
    return len(line) >= 30 and not _CJK.search(line) and sum(ch.isalpha() for ch in line) >= 20


def _is_sentence(line: str) -> bool:
    return len(line) >= 15 and bool(_PUNCT.search(line))


def drop_lines(text: str, unwanted: Iterable[str]) -> str:
    bad = {u for u in unwanted if u}
    return "\n".join(line for line in text.split("\n") if line.strip() not in bad)


def drop_template_lines(texts: Sequence[str], min_pages: int = 4, share: float = 0.5,
                        max_len: int = 80) -> list[str]:
    """Drop the lines a site repeats on many of its pages: its template, not a story.

    ``texts`` are the bodies of pages of one site. A short line (at most ``max_len`` characters:
    a slogan, a copyright or contact line, a "related" heading) found on at least ``share`` of
    them, when there are ``min_pages`` or more, is boilerplate. A line ending as a sentence ends
    (。！？) is never dropped: articles of one series may share a lead.
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    if len(texts) < min_pages:
        return list(texts)
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update({line.strip() for line in text.split("\n")
                     if 0 < len(line.strip()) <= max_len and not line.strip().endswith(("。", "！", "？", "”"))})
    floor = max(2.0, share * len(texts))
    template = {line for line, count in seen.items() if count >= floor}
    if not template:
        return list(texts)
    return ["\n".join(line for line in text.split("\n") if line.strip() not in template) for text in texts]
