"""A changing corner of the sample web: articles edited, taken down, restored, moved and unlisted over time.

``http://www.tibet.cn/cn/timeline/`` lists articles published at :data:`START`; what each page
shows depends on the site's clock (``GET /_clock?at=ISO`` on the server, set by the tests), as
:data:`CHANGES` says. Some pages carry widget noise that changes on every view (a rotating
ranking list inside the article body, a view counter, a render timestamp, a share script) and
must never count as an edit. The ground truth of the events is ``sampleweb/data/changes.json``
(written by :func:`ground_truth`; a test checks the two agree). Its source file for crawls is
``sampleweb/timeline_seeds/timeline.toml`` (not in seeds/: real crawls never see it).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from sampleweb import vocabulary as v

START = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
HOST = "www.tibet.cn"
LIST_PATH = "/cn/timeline/"
SOFT_404 = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>页面不存在_中国西藏网</title></head>\n"
            "<body><div class=\"header\"><a href=\"/\">home</a></div>\n"
            "<div class=\"error\"><h2>抱歉，您访问的页面不存在或已被删除</h2><p>5秒后返回首页。</p></div></body></html>\n")


@dataclass(frozen=True)
class Story:
    """One timeline article as it stands at some moment."""

    key: str
    ident: int
    title: str
    paragraphs: tuple[str, ...]
    source: str = "中国西藏网"
    editor: str = "王斌"
    noisy: bool = False  # widget noise on every view
    status: int = 200  # 404, 410
    soft_404: bool = False
    redirect: str = ""  # a path: the page answers 301/302 to it
    listed: bool = True

    @property
    def path(self) -> str:
        return f"/cn/timeline/{START:%Y%m}/t{START:%Y%m%d}_{self.ident}.html"


class _Values(dict[str, str]):
    """Template values of the sample sentences: numbers from the story, words fixed."""

    def __init__(self, seed: int) -> None:
        super().__init__(prov="江苏", place="拉萨", batch="十", verb="援建", adj="稳步", role="援藏干部",
                         person="张明", f0="教育", f1="学校", f2="医生", f3="医院", f4="入学率")
        self.seed = seed

    def __missing__(self, key: str) -> str:
        return str(10 + (self.seed * (len(key) + 3)) % 90)


def _story(key: str, ident: int, title: str, count: int = 4, **extra: Any) -> Story:
    start = (ident * 7) % len(v.SENTENCES)
    sentences = [v.SENTENCES[(start + i) % len(v.SENTENCES)] for i in range(count * 3)]
    paragraphs = tuple(
        "".join(s.format_map(_Values(ident + n)) for n, s in enumerate(sentences[i * 3:(i + 1) * 3]))
        for i in range(count))
    return Story(key, ident, title, paragraphs, **extra)


STORIES = (
    _story("title", 8800001, "江苏援藏医疗队抵达拉萨开展义诊活动", noisy=True),
    _story("paragraph", 8800002, "援藏教师扎根高原十年培养千名学子"),
    _story("origin", 8800003, "对口援藏项目助力农牧民增收致富", source="西藏日报"),
    _story("sentence", 8800004, "援藏干部谈高原工作的收获与感悟", noisy=True),
    _story("gone404", 8800005, "拉萨新建一批援藏安居工程"),
    _story("gone410", 8800006, "援藏资金投入再创新高"),
    _story("soft404", 8800007, "日喀则援藏产业园区建设提速"),
    _story("home", 8800008, "林芝援藏旅游项目迎来开园"),
    _story("restore", 8800009, "援藏医生完成首例高原手术"),
    _story("move", 8800010, "山南援藏学校新校区投入使用"),
    _story("unlist", 8800011, "昌都援藏农业示范基地丰收"),
    _story("noise", 8800012, "那曲援藏供暖工程惠及万户", noisy=True),
    _story("steady", 8800013, "阿里援藏光伏电站并网发电"),
)
MOVED_TO = 8800110  # the new address of "move"


def _edit_title(s: Story) -> Story:
    return replace(s, title=s.title.replace("义诊活动", "巡回义诊活动"))


def _add_paragraph(s: Story) -> Story:
    return replace(s, paragraphs=(*s.paragraphs, "更正：据最新统计，该校今年共有二百一十名学生考入内地高校。"))


def _change_origin(s: Story) -> Story:
    return replace(s, source="中国西藏网综合")


def _remove_sentence(s: Story) -> Story:
    first, *rest = s.paragraphs
    sentences = [x for x in first.split("。") if x]
    return replace(s, paragraphs=("。".join(sentences[1:]) + "。", *rest))


@dataclass(frozen=True)
class Change:
    """At ``at`` after :data:`START`, the story ``key`` changes; ``kind``/``how``/``fields`` are what a
    crawler should report (``kind`` empty: a change that is no event)."""

    at: timedelta
    key: str
    kind: str
    how: str = ""
    fields: tuple[str, ...] = ()

    def apply(self, story: Story) -> Story:
        actions = {
            ("title", "edited"): _edit_title, ("paragraph", "edited"): _add_paragraph,
            ("origin", "edited"): _change_origin, ("sentence", "edited"): _remove_sentence,
        }
        if (self.key, self.kind) in actions:
            return actions[(self.key, self.kind)](story)
        if self.how in ("http_404", "http_410"):
            return replace(story, status=int(self.how[5:]), listed=False)
        if self.how == "soft_404":
            return replace(story, soft_404=True, listed=False)
        if self.how == "redirect_home":
            return replace(story, redirect="/", listed=False)
        if self.kind == "restored":
            return replace(story, status=200, soft_404=False, redirect="", listed=True)
        if self.kind == "moved":
            return replace(story, redirect=_moved_path(), listed=False)
        if self.kind == "unlisted":
            return replace(story, listed=False)
        raise ValueError(f"no action for {self}")


def _moved_path() -> str:
    return f"/cn/timeline/{START + timedelta(days=1):%Y%m}/t{START + timedelta(days=1):%Y%m%d}_{MOVED_TO}.html"


H, D = timedelta(hours=1), timedelta(days=1)
CHANGES = (
    Change(30 * timedelta(minutes=1), "title", "edited", fields=("title",)),
    Change(2 * H, "restore", "taken_down", "http_404"),
    Change(3 * H, "paragraph", "edited", fields=("body",)),
    Change(5 * H, "gone404", "taken_down", "http_404"),
    Change(12 * H, "origin", "edited", fields=("origin",)),
    Change(20 * H, "gone410", "taken_down", "http_410"),
    Change(D + 2 * H, "restore", "restored"),
    Change(D + 12 * H, "move", "moved", "redirect"),
    Change(2 * D, "sentence", "edited", fields=("body",)),
    Change(2 * D, "unlist", "unlisted"),
    Change(4 * D, "soft404", "taken_down", "soft_404"),
    Change(10 * D, "home", "taken_down", "redirect_home"),
)


class Timeline:
    """The timeline's pages at the site's current moment."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or START

    def stories(self) -> list[Story]:
        current = {s.key: s for s in STORIES}
        for change in CHANGES:
            if START + change.at <= self.now:
                current[change.key] = change.apply(current[change.key])
        return list(current.values())

    def page(self, path: str) -> tuple[int, bytes, tuple[tuple[str, str], ...]] | None:
        """``(status, body, extra headers)`` for a timeline path, or None when it is not one."""
        if self.now < START:
            return None
        stories = self.stories()
        if path in (LIST_PATH, LIST_PATH + "index.html"):
            return 200, self._list(stories).encode("utf-8"), ()
        moved = next(s for s in stories if s.key == "move")
        if path == _moved_path() and moved.redirect:
            return 200, self._article(replace(moved, redirect="")).encode("utf-8"), ()
        for story in stories:
            if story.path != path:
                continue
            if story.redirect:
                return (301 if story.key == "move" else 302), b"", (("Location", story.redirect),)
            if story.status != 200:
                return story.status, f"<h1>{story.status}</h1>".encode(), ()
            if story.soft_404:
                return 200, SOFT_404.encode("utf-8"), ()
            return 200, self._article(story).encode("utf-8"), ()
        return None

    def _list(self, stories: list[Story]) -> str:
        items = [(s.path, s.title) for s in stories if s.listed]
        moved = next(s for s in stories if s.key == "move")
        if moved.redirect:
            items.append((_moved_path(), moved.title))
        links = "".join(f'<li><a href="{p}">{html.escape(t)}</a></li>\n' for p, t in items)
        return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>动态_中国西藏网</title></head>\n'
                f'<body><ul class="list">{links}</ul></body></html>\n')

    def _article(self, s: Story) -> str:
        esc = html.escape
        minutes = int((self.now - START).total_seconds() // 60)
        paras = "\n".join(f"<p>{esc(p)}</p>" for p in s.paragraphs)
        counter = widgets = stamp = share = ""
        if s.noisy:
            # Noise: changes on every view, must never make a version.
            counter = f"<span>阅读：{1000 + minutes * 7}</span>"
            ranking = [STORIES[(minutes + i) % len(STORIES)].title for i in range(5)]
            widgets = "<p>相关阅读</p>" + "".join(f"<p>{esc(t)}</p>" for t in ranking)
            stamp = f'<div class="footer">页面生成时间：{self.now:%Y-%m-%d %H:%M:%S}</div>'
            share = f'<script src="/js/share.js?v={minutes}"></script>'
        return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(s.title)}_中国西藏网</title>
<meta name="source" content="{esc(s.source)}"><meta name="publishdate" content="{START:%Y-%m-%d %H:%M:%S}">{share}</head>
<body><div class="header"><a href="/">home</a></div>
<div class="title_box"><h2>{esc(s.title)}</h2>
<div class="info"><span>作者：记者</span> <span>发布时间：{START:%Y-%m-%d %H:%M:%S}</span> <span>来源：{esc(s.source)}</span> {counter}</div></div>
<div id="text"><div class="Custom_UnionStyle"><div class="TRS_Editor">
{paras}
{widgets}
</div></div>
<p class="editor">(责编：{esc(s.editor)} )</p></div>
{stamp}
</body></html>
"""


def url_of(path: str) -> str:
    return f"http://{HOST}{path}"


def ground_truth() -> list[dict[str, object]]:
    """The events a crawler of the timeline should find: url, kind, how, fields, at (ISO)."""
    paths = {s.key: s.path for s in STORIES}
    return [{"url": url_of(paths[c.key]), "kind": c.kind, "how": c.how, "fields": list(c.fields),
             "at": (START + c.at).strftime("%Y-%m-%dT%H:%M:%SZ")} for c in CHANGES if c.kind]


def stored_ground_truth() -> list[dict[str, object]]:
    text = resources.files("sampleweb").joinpath("data/changes.json").read_text(encoding="utf-8")
    loaded: list[dict[str, object]] = json.loads(text)
    return loaded
