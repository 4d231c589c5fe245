"""Compare two versions of an article field by field, and tell a takedown page from an article.

Pure functions over extracted text (no catalog, no crawl): :func:`fields_of` cleans what
extraction found into the five compared fields (title, body, 来源, published time, 责编),
:func:`compare` returns the fields that changed with a diff each, and :func:`takedown_of` says
whether a page that answered 200 is really a takedown (a soft 404, an empty or placeholder body).

Trivial changes are cleaned away before comparing, not forgiven after: whitespace and
full-width forms (NFKC), view counters, render timestamps, share prompts and ad labels, and the
rotating related-link / ranking widgets some CMS templates put at the end of the body (from their
heading to the end). Those fields' cleaned forms are what a version's hashes are taken of.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

FIELDS = ("title", "body", "origin", "published", "editor")

# A line that is only a widget: view counters, render times, share prompts, ads.
_NOISE_LINE = re.compile(
    r"^(?:[(（\[]?\s*)?(?:"
    r"(?:阅读|浏览|点击|访问)(?:量|数|次数)?\s*[:：]?\s*\d[\d,]*\s*次?"
    r"|(?:页面)?(?:生成|渲染|刷新)(?:时间|于)\s*[:：]?\s*[\d\-/: ]+"
    r"|分享到\s*[:：]?.*|(?:广告|推广|赞助)\s*[:：]?.{0,40}"
    r")\s*[)）\]]?$"
)
# Inline noise inside a longer line (a counter beside the date, say).
_NOISE_INLINE = re.compile(r"(?:阅读|浏览|点击)(?:量|数|次数)\s*[:：]\s*\d[\d,]*\s*次?")
# Headings of rotating widgets: the heading and everything after it is template, not article.
_WIDGET_HEADING = re.compile(r"^(?:相关阅读|相关新闻|相关链接|相关文章|热门排行|热点排行|排行榜|阅读排行|热点推荐|推荐阅读|猜你喜欢)\s*[:：]?$")
_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")

# Not-found templates and messages of Chinese CMSs (a 200 that is a takedown).
SOFT_404 = re.compile(
    r"您(?:所)?访问的(?:页面|文章|内容)(?:不存在|已删除|已被删除)|页面不存在|页面已删除|页面已被删除"
    r"|该(?:文章|内容|稿件|新闻)已(?:被)?(?:删除|撤销|撤稿|下线)|文章已(?:被)?删除|内容已(?:被)?删除"
    r"|页面找不到|找不到(?:该|此)?页面|404\s*not\s*found|page\s+not\s+found",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"^(?:暂无内容|内容正在更新中?|该内容已下线|此文已下线|正文内容为空|无)[。.]?$")
MIN_BODY = 30  # characters: a body shorter than this (cleaned) is a placeholder, not an article
SOFT_404_MAX_BODY = 300  # a longer body that mentions 页面不存在 is an article about it, not a 404


@dataclass(frozen=True)
class Fields:
    """The compared fields of one version, cleaned (see the module docstring)."""

    title: str
    body: str
    origin: str
    published: str
    editor: str

    def get(self, name: str) -> str:
        return str(getattr(self, name))

    def hashes(self) -> str:
        """``field:sha1`` per field, space-separated: equal hashes, equal versions."""
        return " ".join(f"{name}:{hashlib.sha1(self.get(name).encode('utf-8')).hexdigest()[:16]}" for name in FIELDS)


@dataclass(frozen=True)
class FieldChange:
    before: str
    after: str
    diff: tuple[tuple[str, str], ...]  # (op, text): "-" removed, "+" added (sentences of the body)

    def as_json(self) -> dict[str, object]:
        return {"before": self.before, "after": self.after, "diff": [list(op) for op in self.diff]}


def _line(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def clean_body(text: str) -> str:
    """The body without whitespace differences and template noise: one paragraph per line."""
    kept = []
    for raw in text.split("\n"):
        line = _line(raw)
        if not line:
            continue
        if _WIDGET_HEADING.match(line):
            break
        if _NOISE_LINE.match(line):
            continue
        line = _line(_NOISE_INLINE.sub("", line))
        if line:
            kept.append(line)
    return "\n".join(kept)


def clean_editor(text: str) -> str:
    line = _line(text)
    line = re.sub(r"^[(（]?\s*(?:责编|责任编辑|编辑)\s*[:：]?\s*", "", line)
    return line.rstrip(")） ").strip()


def utc_minute(published: str | None) -> str:
    """An ISO time as UTC to the minute (``2025-03-02T16:00``): the same moment in any zone compares equal."""
    if not published:
        return ""
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return published[:16]
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%dT%H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def fields_of(title: str, body: str, origin: str, published: str | None, editor: str) -> Fields:
    """Clean extracted fields for comparison; ``published`` is an ISO time, compared to the minute (UTC)."""
    return Fields(title=_line(title), body=clean_body(body), origin=_line(origin),
                  published=utc_minute(published), editor=clean_editor(editor))


def _sentences(text: str) -> list[str]:
    return [s.strip() for line in text.split("\n") for s in _SENTENCE.split(line) if s.strip()]


def field_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """Sentences removed and added (a removed sentence inside a paragraph shows as itself)."""
    a, b = _sentences(before), _sentences(after)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            ops.extend(("-", s) for s in a[i1:i2])
            ops.extend(("+", s) for s in b[j1:j2])
    return tuple(ops)


def compare(before: Fields, after: Fields) -> dict[str, FieldChange]:
    """The fields that changed, in :data:`FIELDS` order; empty when the versions are the same."""
    changed = {}
    for name in FIELDS:
        old, new = before.get(name), after.get(name)
        if old != new:
            changed[name] = FieldChange(old, new, field_diff(old, new))
    return changed


def takedown_of(fields: Fields) -> str:
    """``soft_404``, ``empty_body`` or ``""`` (an article) for a page that answered 200."""
    if SOFT_404.search(fields.title) or (len(fields.body) < SOFT_404_MAX_BODY and SOFT_404.search(fields.body)):
        return "soft_404"
    if len(fields.body) < MIN_BODY or PLACEHOLDER.match(fields.body):
        return "empty_body"
    return ""


def summary_of(changes: dict[str, FieldChange]) -> str:
    """One line: which fields changed, and by how much for the body."""
    parts = []
    for name, change in changes.items():
        if name == "body":
            removed = sum(1 for op, _ in change.diff if op == "-")
            added = sum(1 for op, _ in change.diff if op == "+")
            parts.append(f"body (-{removed} +{added} sentences)")
        else:
            parts.append(f"{name}: {change.before!r} -> {change.after!r}")
    return "; ".join(parts)
