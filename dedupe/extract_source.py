"""来源 without a label: an outlet named in the byline, a credit sentence, a wire credit.

Chinese news bylines often give the outlet bare, next to the time ("新华社 2020-01-03 18:13",
"石佳/中国青年报 2019-09-24", "2019-03-18 23:59 聯合報 記者…"); agency copy opens with
"（中央社記者…電）" or "新华社北京1月3日电"; a reposted story says "据…报道" or "本文来源于…", and wire
copy ends with "（新华社）". Toolbars (print, font size) and related lists never sit on the byline
line, so the search stays in the lines around the first date under the headline.
"""

from __future__ import annotations

import re

from dedupe.outlets import OUTLETS

_DATE_ANY = re.compile(
    r"(?:19|20)\d{2}\s*[-年/.\s]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}|\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|(?<![\d/-])\d{1,2}[-/]\d{1,2}\s*\d{1,2}:\d{2}"
)
# The time at the end of a date: what follows it on a byline is often the outlet, unlabelled.
_TIME_END = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|\d{1,2}\s*日(?!\s*电)")
_OUTLET_RE = re.compile("|".join(re.escape(name) for name in OUTLETS))
# An outlet-like name: ends in a newspaper, site or broadcaster word.
_OUTLET_SHAPE = re.compile(
    r"^[\u4e00-\u9fffA-Za-z0-9·]{1,12}(?:网|網|报|報|社|台|刊|频道|頻道|新闻|新聞|在线|日报|日報|晚报|晚報|周刊|週刊|杂志|雜誌|客户端|之家)$"
)
# A bare name right after the time ("2019-09-05 11:10 游民星空[整理]"): short, not a label, not a weekday.
_BARE_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·]{1,9}$")
_NOT_NAME = re.compile(
    r"^(?:星期|周[一二三四五六日天]|來源|来源|发布|發布|作者|記者|记者|编辑|編輯|责编|阅读|閱讀|浏览|瀏覽|评论|評論|"
    r"分享|字号|字號|打印|列印|收藏|举报|舉報|点击|點擊|更新|原创|原創|转载|轉載|本报|本報|本网|本網|通讯员|通訊員)"
)
# Role notes that follow a name: [整理], （编译）, 【综合】.
_ROLE_NOTE = re.compile(r"[\[【(（]\s*(?:整理|编译|編譯|综合|綜合|编辑|編輯|报道|報導|供稿|原创|原創)\s*[\]】)）]")
_REPORTED = re.compile(r"据\s*[《“]?([\u4e00-\u9fffA-Za-z0-9·]{2,14}?)[》”]?\s*(?:消息|报道|報導|报导|援引|称)")
_CREDIT = re.compile(r"(?:本文|本稿|文章|稿件)(?:来源于|來源於|来自|轉載自|转载自|转自|轉自)\s*[:：]?\s*[《“]?([\u4e00-\u9fffA-Za-z0-9·]{2,14}?)[》”]?(?:[，,。.；;（(\s]|$)")
_WIRE_END = re.compile(r"[（(]\s*([\u4e00-\u9fff]{2,6}(?:社|网|網|报|報))\s*[)）]\s*$")
_AGENCY_OPEN = re.compile(r"^[（(]?\s*([\u4e00-\u9fff]{2,5}社)\s*(?:记者|記者|[\u4e00-\u9fff]{1,6}\s*\d{0,2}\s*日?\s*(?:电|電))")
_SPLIT = re.compile(r"[\s/|｜丨／·•⋅]+")


def known_outlet(text: str) -> str:
    """The longest known outlet name in ``text`` (earliest on ties), or ''."""
    best = ""
    for match in _OUTLET_RE.finditer(text):
        if len(match.group(0)) > len(best):
            best = match.group(0)
    return best


def _join_short(lines: list[str]) -> list[str]:
    """Join runs of very short lines: date widgets split ``2019 / 09/07 / 19:02 / 扬眼`` over spans."""
    joined: list[str] = []
    run: list[str] = []
    for line in lines:
        if len(line.strip()) <= 6:
            run.append(line.strip())
            continue
        if run:
            joined.append(" ".join(run))
            run = []
        joined.append(line)
    if run:
        joined.append(" ".join(run))
    return joined


def _after_time(line: str) -> str:
    """The bare name that follows the time on a byline line, or ''."""
    clean = _ROLE_NOTE.sub(" ", line)
    ends = list(_TIME_END.finditer(clean))
    if not ends:
        return ""
    rest = clean[ends[-1].end():].strip(" :：,，|｜/")
    token = _SPLIT.split(rest, maxsplit=1)[0].strip(" :：,，()（）[]【】") if rest else ""
    if _BARE_NAME.match(token) and not _NOT_NAME.match(token) and not token.isdigit():
        return token
    return ""


def byline_outlet(lines: list[str], max_lines: int = 12) -> str:
    """An outlet named on the byline: the first short line with a date among ``lines``, and its neighbours."""
    lines = _join_short(lines[:max_lines])
    for i, line in enumerate(lines):
        if len(line) > 90 or not _DATE_ANY.search(line):
            continue
        near = [line] + [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines) and len(lines[j]) <= 24]
        for text in near:
            found = known_outlet(text)
            if found:  # with its channel, as bylines give it: "新浪财经-自媒体综合", "人民网-文化频道"
                channel = re.search(re.escape(found) + r"(?:[-－][\u4e00-\u9fff]{2,10})?", text)
                return channel.group(0) if channel else found
        for text in near:
            for token in _SPLIT.split(_DATE_ANY.sub(" ", _ROLE_NOTE.sub(" ", text))):
                token = token.strip(" :：,，()（）[]【】")
                if _OUTLET_SHAPE.match(token) and not token.startswith(("来源", "來源", "发布", "記者", "记者")):
                    return token
        return _after_time(line)
    return ""


def credited_outlet(text: str) -> str:
    """An outlet credited in the body: agency opening, 据…报道, 本文来源于…, wire credit at the end."""
    head = text[:400]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for line in lines[:6]:  # the dateline opens the story, after a headline or a photo caption
        opening = _AGENCY_OPEN.match(line)
        if opening:
            return opening.group(1)
    for pattern in (_CREDIT, _REPORTED):
        match = pattern.search(head) or (pattern.search(text[-300:]) if pattern is _CREDIT else None)
        if match:
            name = known_outlet(match.group(1)) or match.group(1)
            if known_outlet(name) or _OUTLET_SHAPE.match(name):
                return name
    if lines:
        wire = _WIRE_END.search(lines[-1])
        if wire:
            return wire.group(1)
    return ""
