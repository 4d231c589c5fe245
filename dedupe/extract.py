"""Article extraction from HTML: site selectors first, Chinese news rules, trafilatura last.

Returns title (without the site suffix), published time (ISO 8601,
Asia/Shanghai when the page names no zone), 来源, author, 责编 and the body
text with paragraphs kept, one per line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import lxml.html
from lxml import etree

from dedupe.decode import decode_html

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

_DATE = re.compile(
    r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_SOURCE = re.compile(r"(?:来源|來源|稿源|来自)\s*[:：]\s*([^\s|丨/　<>]{2,30})")
_AUTHOR = re.compile(r"(?:作者|记者|作者：)\s*[:：]\s*([^\s|丨/　<>]{2,30})")
_EDITOR = re.compile(r"[(（\[]?\s*(?:责编|责任编辑|編輯|编辑)\s*[:：]\s*([^)）\]\s]{1,20})\s*[)）\]]?")
_TITLE_SPLIT = re.compile(r"\s*(?:[_|｜—–]|-{1,2}|\s-\s)\s*")
_BODY_CANDIDATES = (
    "#text", ".TRS_Editor", ".Custom_UnionStyle", "#artibody", "#article_content",
    "#content_main", ".article-content", ".article_content", "#content", ".content",
    "article", "#endText", ".post_text", ".left_zw", "#p-detail", ".rm_txt_con",
)
_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "nav", "footer", "header", "aside")
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


def parse_published(text: str) -> str | None:
    """First date/time in ``text`` as ISO 8601 (Asia/Shanghai), or None."""
    if not text:
        return None
    iso = re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})", text)
    if iso:
        try:
            return datetime.fromisoformat(iso.group(0).replace("Z", "+00:00")).isoformat()
        except ValueError:
            pass
    match = _DATE.search(text)
    if not match:
        return None
    year, month, day, hour, minute, second = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            tzinfo=SHANGHAI,
        )
    except ValueError:
        return None
    return moment.isoformat()


def block_text(element: etree._Element) -> str:
    """Visible text of ``element`` with one line per block element."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _DROP_TAGS:
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
    lines = (re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", line).strip() for line in "".join(parts).split("\n"))
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
    for name in names:
        for attr in ("name", "property", "itemprop"):
            for node in doc.xpath(f"//meta[@{attr}=$n]", n=name):
                content = (node.get("content") or "").strip()
                if content:
                    return content
    return ""


def clean_title(title: str, site_names: tuple[str, ...] = ()) -> str:
    """Drop the site suffix: ``标题_中国西藏网`` -> ``标题``."""
    title = re.sub(r"\s+", " ", title).strip()
    for name in site_names:
        title = title.replace(name, "").strip(" _-|｜—")
    pieces = [p for p in _TITLE_SPLIT.split(title) if p.strip()]
    if len(pieces) > 1:
        # The headline is the longest piece; site and channel names are short.
        return max(pieces, key=len).strip()
    return title


def _title(doc: etree._Element, selectors: Selectors) -> str:
    node = _first(doc, selectors.title)
    if node is not None:
        return block_text(node).replace("\n", " ").strip()
    page_title = " ".join(doc.xpath("//title//text()")).strip()
    for heading in doc.xpath("//h1|//h2"):
        text = " ".join(heading.itertext()).strip()
        if len(text) >= 4 and (not page_title or text[:6] in page_title):
            return re.sub(r"\s+", " ", text)
    og = _meta(doc, "og:title")
    return clean_title(og or page_title)


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
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a dependency
        return ""
    result = trafilatura.extract(
        html, url=url, include_comments=False, include_tables=False, favor_precision=True,
        deduplicate=False,
    )
    return result or ""


def _strip_trailer(text: str) -> tuple[str, str]:
    """Split off the 责编 line: returns ``(text, editor)``."""
    editor = ""
    kept = []
    for line in text.split("\n"):
        match = _EDITOR.search(line)
        if match and len(line) <= 40:
            editor = match.group(1).strip()
            continue
        kept.append(line)
    return "\n".join(kept).strip(), editor


def extract_html(html: str, url: str | None = None, selectors: Selectors | None = None) -> Extracted:
    """Extract the article fields from decoded HTML."""
    return _extract(html, url, selectors or Selectors(), "unicode")


def extract(body: bytes, url: str | None = None, content_type: str | None = None,
            selectors: Selectors | None = None) -> Extracted:
    """Decode ``body`` (w3lib, GB family as gb18030) and extract the article fields."""
    html, encoding = decode_html(body, content_type)
    return _extract(html, url, selectors or Selectors(), encoding)


def _extract(html: str, url: str | None, selectors: Selectors, encoding: str) -> Extracted:
    if not html.strip():
        return Extracted("", None, "", "", "", "", encoding, "empty")
    try:
        doc = lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return Extracted("", None, "", "", "", "", encoding, "unparsable")
    for bad in doc.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    title = _title(doc, selectors)
    info_node = _first(doc, selectors.published)
    info_text = block_text(info_node) if info_node is not None else ""
    page_text = block_text(doc.body if doc.find("body") is not None else doc)
    published = (
        parse_published(info_text)
        or parse_published(_meta(doc, *_META_PUBLISHED))
        or _published_near_title(page_text, title)
    )
    source_node = _first(doc, selectors.source)
    source = block_text(source_node).strip() if source_node is not None else ""
    if source:
        match = _SOURCE.search(source)
        source = match.group(1) if match else source
    else:
        source = _meta(doc, "source", "og:article:source", "contentsource")
        if not source:
            match = _SOURCE.search(info_text or page_text[:3000])
            source = match.group(1) if match else ""
    author_node = _first(doc, selectors.author)
    author = block_text(author_node) if author_node is not None else _meta(doc, "author")
    if not author:
        match = _AUTHOR.search(info_text or page_text[:3000])
        author = match.group(1) if match else ""
    node, method = _body_node(doc, selectors)
    text = block_text(node) if node is not None else ""
    if not text:
        text, method = _trafilatura(html, url), "trafilatura"
    text, editor = _strip_trailer(text)
    editor_node = _first(doc, selectors.editor)
    if editor_node is not None:
        match = _EDITOR.search(block_text(editor_node))
        editor = match.group(1) if match else editor
    return Extracted(
        title=title, published=published, source=source.strip(), author=author.strip(),
        editor=editor, text=text, encoding=encoding, method=method,
    )


def _published_near_title(page_text: str, title: str) -> str | None:
    start = page_text.find(title[:10]) if title else -1
    window = page_text[max(start, 0): max(start, 0) + 600]
    labelled = re.search(r"(?:发布时间|發布時間|时间|日期|发表于)\s*[:：]?\s*(.{8,30})", window)
    if labelled:
        found = parse_published(labelled.group(1))
        if found:
            return found
    return parse_published(window)
