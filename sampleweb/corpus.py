"""Generate the sample web's articles and their copies, deterministically.

Four sites: www.tibet.cn (origin), www.qianlong.com (origin, GBK), an
aggregator (syndicated copies: body repeated, broken entities, truncations,
own finance news) and a content-farm mirror (tibet.cn paths, traditional
script, pinyin glosses, spam appended). ``ground_truth()`` says which page is
a copy of which.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import opencc

from sampleweb import vocabulary as v

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIBET = "www.tibet.cn"
QIANLONG = "www.qianlong.com"
AGGREGATOR = "www.tianxia-finance.example"
MIRROR = "www.tibet-cn.mirror.example"
HOSTS = (TIBET, QIANLONG, AGGREGATOR, MIRROR)
TIBET_SECTIONS = ("aid_tibet/news", "aid_tibet/rw", "news/zx", "zt2024/yz30y/yzyw")
HOSTILE = "<script>alert(1)</script>"
HOSTILE_PATH = "/cn/aid_tibet/news/202501/t20250101_9000002.html"


@dataclass(frozen=True)
class Article:
    """One article page of the sample web."""

    host: str
    path: str
    title: str
    published: datetime
    source: str
    editor: str
    author: str
    paragraphs: tuple[str, ...]
    section: str = ""
    kind: str = "original"
    copy_of: str | None = None  # URL of the original
    flags: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


def _fill(template: str, rng: random.Random, topic: tuple[str, ...], place: str, prov: str) -> str:
    return template.format(
        year=rng.randint(2016, 2024), month=rng.randint(1, 12), day=rng.randint(1, 28),
        prov=prov, place=place, batch=rng.choice("七八九十"), verb=rng.choice(v.VERBS),
        adj=rng.choice(v.ADJECTIVES), money=round(rng.uniform(0.3, 30), 2), n=rng.randint(2, 60),
        n2=rng.randint(100, 90000), pct=rng.randint(30, 99), pct2=rng.randint(3, 40),
        person=rng.choice(v.PEOPLE), role=rng.choice(v.ROLES), outcome=rng.choice(v.OUTCOMES),
        alt=rng.randint(3600, 5200), f0=topic[0], f1=topic[1], f2=topic[2], f3=topic[3], f4=topic[4],
    )


def _paragraphs(rng: random.Random, count: int, templates: list[str], topics: Sequence[tuple[str, ...]]) -> list[str]:
    topic = rng.choice(topics)
    place, prov = rng.choice(v.PLACES), rng.choice(v.PROVINCES)
    out = []
    for _ in range(count):
        if rng.random() < 0.25:  # articles drift between places and topics
            topic, place = rng.choice(topics), rng.choice(v.PLACES)
        sentences = [_fill(rng.choice(templates), rng, topic, place, prov) for _ in range(rng.randint(2, 4))]
        out.append("".join(sentences))
    return out


def _headline(rng: random.Random) -> str:
    topic = rng.choice(v.FIELDS)
    return _fill(rng.choice(v.HEADLINES), rng, topic, rng.choice(v.PLACES), rng.choice(v.PROVINCES))


def _seed_article(name: str) -> tuple[str, datetime, str, str, tuple[str, ...]]:
    text = resources.files("sampleweb").joinpath("data", name).read_text(encoding="utf-8")
    title, stamp, source, editor, *body = text.rstrip("\n").split("\n")
    published = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    return title, published, source, editor, tuple(p for p in body if p)


def _tibet_path(section: str, when: datetime, ident: int) -> str:
    return f"/cn/{section}/{when:%Y%m}/t{when:%Y%m%d}_{ident}.html"


def _origin_articles(rng: random.Random, scale: int) -> tuple[list[Article], list[Article]]:
    start = datetime(2024, 8, 1, 9, 0, tzinfo=SHANGHAI)
    tibet: list[Article] = []
    title, published, source, editor, body = _seed_article("tibet_seed_000.txt")
    tibet.append(Article(TIBET, _tibet_path("aid_tibet/news", published, 7766001), title, published,
                         source, editor, "", body, section="aid_tibet/news", flags=("seed",)))
    series_intro = _paragraphs(rng, 2, v.SENTENCES, v.FIELDS)
    for i in range(90 * scale - 1):
        section = TIBET_SECTIONS[i % len(TIBET_SECTIONS)]
        when = start + timedelta(hours=rng.randint(0, 24 * 200), minutes=rng.randint(0, 59))
        paragraphs = _paragraphs(rng, rng.randint(6, 14), v.SENTENCES, v.FIELDS)
        flags: tuple[str, ...] = ()
        headline = _headline(rng)
        if section == "zt2024/yz30y/yzyw" and i % 3 == 0:
            paragraphs = [v.STANDARD_LEAD, *paragraphs]
            headline = "对口援藏30年|" + headline
            flags = ("standard-lead",)
        elif i % 17 == 0:
            part = "一二三四五六"[(i // 17) % 6]
            paragraphs = [*series_intro, *paragraphs[:6]]
            headline = f"援藏故事系列之{part}:" + headline
            flags = ("series",)
        tibet.append(Article(
            TIBET, _tibet_path(section, when, 7766100 + i), headline, when,
            rng.choice(["中国西藏网", "西藏日报", "新华网", "中国西藏网"]), rng.choice(v.PEOPLE[:10]),
            rng.choice(v.PEOPLE), tuple(paragraphs), section=section, flags=flags,
        ))
    # A page whose title and body hold markup as text: reports and replay must show it, never run it.
    tibet.append(Article(
        TIBET, HOSTILE_PATH, HOSTILE + "安全提示", datetime(2025, 1, 1, 10, 0, tzinfo=SHANGHAI),
        "中国西藏网" + HOSTILE, "测试", "",
        (f"这段正文包含恶意标记{HOSTILE}和<img src=x onerror=alert(2)>,必须作为文本显示,不能执行。",
         "援藏工作要守住网络安全底线,页面中的任何脚本都不应在报告里执行,也不应在回放时访问外部网络。"
         "本文用于检验转义是否正确,内容本身没有其他意义,请读者不要在意。"),
        section="aid_tibet/news", flags=("hostile",),
    ))
    qianlong: list[Article] = []
    title, published, source, editor, body = _seed_article("qianlong_seed_004.txt")
    qianlong.append(Article(QIANLONG, "/yz/2024/0903/8312000.shtml", title, published, source,
                            "", "", body, section="yz", flags=("seed", "standard-lead")))
    for i in range(40 * scale - 1):
        when = start + timedelta(hours=rng.randint(0, 24 * 200), minutes=rng.randint(0, 59))
        paragraphs = _paragraphs(rng, rng.randint(6, 12), v.SENTENCES, v.FIELDS)
        flags = ()
        headline = _headline(rng)
        if i % 4 == 0:
            paragraphs = [v.STANDARD_LEAD, *paragraphs]
            headline = "对口援藏30年|" + headline
            flags = ("standard-lead",)
        qianlong.append(Article(
            QIANLONG, f"/yz/{when:%Y/%m%d}/{8312001 + i}.shtml", headline, when, "千龙网",
            rng.choice(v.PEOPLE[:10]), rng.choice(v.PEOPLE), tuple(paragraphs), section="yz", flags=flags,
        ))
    return tibet, qianlong


def _break_entities(text: str) -> str:
    return text.replace("——", "mdash;mdash;").replace("……", "hellip;hellip;").replace("“", "ldquo;").replace("”", "rdquo;")


@lru_cache(maxsize=1)
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def _gloss(text: str, rng: random.Random) -> str:
    for word, glossed in v.PINYIN.items():
        if word in text and rng.random() < 0.7:
            text = text.replace(word, glossed, 1)
    return text


def _copies(rng: random.Random, tibet: list[Article], qianlong: list[Article], scale: int) -> tuple[list[Article], list[Article]]:
    aggregator: list[Article] = []
    hostile = next(a for a in tibet if "hostile" in a.flags)
    plain = [a for a in tibet[1:] if a is not hostile]
    picks = [qianlong[0], *rng.sample(qianlong[1:], 25 * scale - 1), tibet[0], hostile,
             *rng.sample(plain, 15 * scale - 1)]
    for i, original in enumerate(picks):
        when = original.published + timedelta(hours=rng.randint(1, 72))
        body = [_break_entities(p) for p in original.paragraphs]
        flags = ["syndicated", "broken-entities"]
        if i % 3 == 0 or original is qianlong[0]:
            flags.append("repeated-in-page")
        if i % 7 == 5:
            body = body[: max(3, len(body) * 3 // 5)]
            flags.append("truncated")
        if i % 9 == 4:
            body = ["编者按:本文转自" + original.source + ",有删节。", *body]
            flags.append("editor-note")
        aggregator.append(Article(
            AGGREGATOR, f"/zixun/{when:%Y%m%d}/{560000 + i}.html", original.title, when, original.source,
            "", "", tuple(body), section="zixun", kind="copy", copy_of=original.url, flags=tuple(flags),
        ))
    start = datetime(2024, 8, 1, 9, 0, tzinfo=SHANGHAI)
    for i in range(10 * scale):
        when = start + timedelta(hours=rng.randint(0, 24 * 200))
        paragraphs = _paragraphs(rng, rng.randint(5, 9), v.FINANCE_SENTENCES, [(f, f, f, f, f) for f in v.FINANCE_FIELDS])
        aggregator.append(Article(
            AGGREGATOR, f"/caijing/{when:%Y%m%d}/{570000 + i}.html",
            f"{rng.choice(v.FINANCE_FIELDS)}市场观察({i + 1})", when, "天下金融网", "", "",
            tuple(paragraphs), section="caijing",
        ))
    mirror: list[Article] = []
    convert = _to_traditional().convert
    for i, original in enumerate([tibet[0], *rng.sample(plain, 40 * scale - 1)]):
        when = original.published + timedelta(hours=rng.randint(2, 240))
        body = [convert(p) for p in original.paragraphs]
        flags = ["mirror", "traditional"]
        if i % 2 == 0:
            body = [_gloss(p, rng) for p in body]
            flags.append("pinyin")
        if i % 3 != 1:
            flags.append("spam")
        mirror.append(Article(
            MIRROR, original.path, convert(original.title), when, convert(original.source),
            convert(original.editor), "", tuple(body), section=original.section, kind="copy",
            copy_of=original.url, flags=tuple(flags),
        ))
    return aggregator, mirror


@lru_cache(maxsize=4)
def build(scale: int = 1, seed: int = 20250217) -> tuple[Article, ...]:
    """All article pages of the sample web at ``scale`` (about 220 pages per unit)."""
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    rng = random.Random(seed)
    tibet, qianlong = _origin_articles(rng, scale)
    aggregator, mirror = _copies(rng, tibet, qianlong, scale)
    return (*tibet, *qianlong, *aggregator, *mirror)


def spam_block(rng: random.Random) -> str:
    return "| ".join(rng.sample(v.SPAM_WORDS, 8))


def ground_truth(scale: int = 1) -> dict[str, object]:
    """Which page is a copy of which: ``{"pages": [{url, host, kind, copy_of, flags}]}``."""
    pages = [
        {"url": a.url, "host": a.host, "kind": a.kind, "copy_of": a.copy_of, "flags": list(a.flags),
         "title": a.title, "published": a.published.isoformat(), "source": a.source}
        for a in build(scale)
    ]
    return {"scale": scale, "pages": pages}


def with_path(article: Article, path: str) -> Article:
    return replace(article, path=path)
