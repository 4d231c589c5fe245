"""Render the sample web: every page as bytes with its status and headers.

``SampleWeb(scale)`` maps ``(host, path)`` to a :class:`Page`. Rendering is
deterministic, so tests can compare what the crawler stored with what was
served.
"""

from __future__ import annotations

import html
import random
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sampleweb import corpus
from sampleweb import vocabulary as v
from sampleweb.corpus import AGGREGATOR, MIRROR, QIANLONG, TIBET, Article
from sampleweb.timeline import Timeline

PER_PAGE = 20
SLOW_SECONDS = 1.5
LARGE_BYTES = 3_000_000
HOSTILE = corpus.HOSTILE


@dataclass(frozen=True)
class Page:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    gzip: bool = False  # served gzip-encoded to clients that accept it
    delay: float = 0.0
    reason: str = ""


@dataclass
class SampleWeb:
    """All pages of the sample web at a scale."""

    scale: int = 1
    pages: dict[tuple[str, str], Page] = field(default_factory=dict)

    def __post_init__(self) -> None:
        articles = corpus.build(self.scale)
        self.articles = articles
        self.rounds = 0
        self.timeline = Timeline()  # /cn/timeline/ on www.tibet.cn, at the clock the tests set
        by_host: dict[str, list[Article]] = {}
        for article in articles:
            by_host.setdefault(article.host, []).append(article)
        self._render_tibet(by_host[TIBET])
        self._render_qianlong(by_host[QIANLONG])
        self._render_aggregator(by_host[AGGREGATOR])
        self._render_mirror(by_host[MIRROR])
        self._render_awkward()

    def publish(self) -> dict[str, list[str]]:
        """The site changes, as a real one does between crawls: three new tibet.cn articles on top of
        /cn/aid_tibet/news/ and a correction appended to one existing article."""
        self.rounds += 1
        rng = random.Random(f"publish-{self.rounds}")
        tibet = [a for a in self.articles if a.host == TIBET]
        latest = max(a.published for a in tibet)
        new = []
        for i in range(3):
            when = latest + timedelta(hours=6 * (i + 1))
            paragraphs = corpus._paragraphs(rng, 6, v.SENTENCES, v.FIELDS)
            new.append(Article(TIBET, corpus._tibet_path("aid_tibet/news", when, 7800000 + 10 * self.rounds + i),
                               corpus._headline(rng), when, "中国西藏网", "新编辑", "", tuple(paragraphs),
                               section="aid_tibet/news", flags=("published-later",)))
        plain = [a for a in tibet if not a.flags]
        edited = plain[self.rounds % len(plain)]
        changed = replace(edited, paragraphs=(*edited.paragraphs, f"更正:本文第{self.rounds}次更新,补充了最新数据。"))
        self.articles = tuple(changed if a is edited else a for a in self.articles) + tuple(new)
        self._render_tibet([a for a in self.articles if a.host == TIBET])
        return {"new": [a.url for a in new], "changed": [changed.url]}

    def get(self, host: str, path: str) -> Page | None:
        if host == TIBET and path.startswith("/cn/timeline/"):
            found = self.timeline.page(path)
            return Page(found[0], found[1], headers=found[2]) if found else None
        page = self.pages.get((host, path))
        if page is None and path.endswith("/"):
            page = self.pages.get((host, path + "index.html"))
        return page

    def hosts(self) -> tuple[str, ...]:
        return corpus.HOSTS

    def _add(self, host: str, path: str, page: Page) -> None:
        self.pages[(host, path)] = page

    # -- www.tibet.cn -----------------------------------------------------
    def _render_tibet(self, articles: list[Article]) -> None:
        for article in articles:
            self._add(TIBET, article.path, Page(200, _tibet_article(article).encode("utf-8"), gzip=True))
        for section in corpus.TIBET_SECTIONS:
            in_section = sorted((a for a in articles if a.section == section), key=lambda a: a.published, reverse=True)
            for number, chunk, count in _paginate(in_section):
                name = "index.html" if number == 0 else f"index_{number}.html"
                extra = _awkward_links() if section == "news/zx" and number == 0 else ""
                if section == "aid_tibet/news" and number == 0:
                    extra += '<li><a href="/cn/private/202501/t20250101_9000001.html">内部资料</a></li>'
                body = _tibet_list(section, chunk, number, count, extra)
                self._add(TIBET, f"/cn/{section}/{name}", Page(200, body.encode("utf-8"), gzip=True))
        self._add(TIBET, "/robots.txt", Page(
            200, b"User-agent: *\nDisallow: /cn/private/\n", content_type="text/plain"))
        private = Article(TIBET, "/cn/private/202501/t20250101_9000001.html", "内部资料", articles[0].published,
                          "中国西藏网", "", "", ("不应被抓取的页面。",))
        self._add(TIBET, private.path, Page(200, _tibet_article(private).encode("utf-8")))
        self._add(TIBET, "/css/main.css", Page(200, b"body{font-family:sans-serif}.title_box h2{font-size:24px}\n",
                                               content_type="text/css", gzip=True))
        self._add(TIBET, "/images/logo.png", Page(200, _png(), content_type="image/png"))
        home = "".join(f'<li><a href="/cn/{s}/">{s}</a></li>' for s in corpus.TIBET_SECTIONS)
        self._add(TIBET, "/", Page(200, _shell("中国西藏网", f"<ul>{home}</ul>").encode("utf-8"), gzip=True))

    # -- www.qianlong.com (GBK) -------------------------------------------
    def _render_qianlong(self, articles: list[Article]) -> None:
        gbk = "text/html; charset=gbk"
        for article in articles:
            self._add(QIANLONG, article.path, Page(200, _qianlong_article(article).encode("gbk"), content_type=gbk))
        ordered = sorted(articles, key=lambda a: a.published, reverse=True)
        for number, chunk, count in _paginate(ordered):
            name = "index.shtml" if number == 0 else f"index_{number + 1}.shtml"
            links = "".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a> {a.published:%Y-%m-%d}</li>' for a in chunk)
            nxt = f'<a class="next" href="/yz/index_{number + 2}.shtml">下一页</a>' if number + 1 < count else ""
            body = _shell("援藏频道_千龙网", f"<ul class='list'>{links}</ul>{nxt}", charset="gbk")
            self._add(QIANLONG, f"/yz/{name}", Page(200, body.encode("gbk"), content_type=gbk))

    # -- the aggregator ------------------------------------------------------
    def _render_aggregator(self, articles: list[Article]) -> None:
        for article in articles:
            self._add(AGGREGATOR, article.path, Page(200, _aggregator_article(article).encode("utf-8")))
        for section in ("zixun", "caijing"):
            ordered = sorted((a for a in articles if a.section == section), key=lambda a: a.published, reverse=True)
            for number, chunk, count in _paginate(ordered):
                name = "index.html" if number == 0 else f"list_{number + 1}.html"
                links = "".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>' for a in chunk)
                nxt = f'<a href="/{section}/list_{number + 2}.html">下一页</a>' if number + 1 < count else ""
                body = _shell("资讯_天下金融网", f"<ul class='news-list'>{links}</ul><div class='pages'>{nxt}</div>")
                self._add(AGGREGATOR, f"/{section}/{name}", Page(200, body.encode("utf-8")))
        self._add(AGGREGATOR, "/robots.txt", Page(200, b"User-agent: *\nAllow: /\n", content_type="text/plain"))

    # -- the mirror ----------------------------------------------------------
    def _render_mirror(self, articles: list[Article]) -> None:
        rng = random.Random(7047251)
        for article in articles:
            spam = corpus.spam_block(rng) if "spam" in article.flags else ""
            self._add(MIRROR, article.path, Page(200, _tibet_article(article, spam=spam).encode("utf-8")))
        for number, chunk, count in _paginate(articles):
            name = "index.html" if number == 0 else f"index_{number}.html"
            links = "".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>' for a in chunk)
            nxt = f'<a href="/index_{number + 1}.html">下一頁</a>' if number + 1 < count else ""
            body = _shell("中國西藏網", f"<ul>{links}</ul>{nxt}")
            self._add(MIRROR, f"/{name}", Page(200, body.encode("utf-8")))

    # -- the awkward web -------------------------------------------------------
    def _render_awkward(self) -> None:
        target = self.articles[1].path
        self._add(TIBET, "/cn/old/news1.html", Page(301, b"", headers=(("Location", "/cn/old/news2.html"),)))
        self._add(TIBET, "/cn/old/news2.html", Page(301, b"", headers=(("Location", target),)))
        self._add(TIBET, "/cn/loop/a.html", Page(302, b"", headers=(("Location", "/cn/loop/b.html"),)))
        self._add(TIBET, "/cn/loop/b.html", Page(302, b"", headers=(("Location", "/cn/loop/a.html"),)))
        self._add(TIBET, "/cn/news/zx/error.html", Page(500, b"<h1>500 Internal Server Error</h1>"))
        self._add(TIBET, "/cn/news/zx/slow.html", Page(200, _shell("慢页面", "<p>这个页面响应很慢。</p>").encode("utf-8"), delay=SLOW_SECONDS))
        filler = "<p>" + "援藏工作大事记。" * 40 + "</p>\n"
        large = _shell("援藏大事记(大页面)", filler * (LARGE_BYTES // len(filler.encode("utf-8")) + 1))
        self._add(TIBET, "/cn/news/zx/large.html", Page(200, large.encode("utf-8"), gzip=True))
        self._add(TIBET, "/cn/aid_tibet/news/files/report.pdf", Page(200, _pdf(), content_type="application/pdf"))


def _paginate(items: list[Article]) -> Iterable[tuple[int, list[Article], int]]:
    count = max(1, (len(items) + PER_PAGE - 1) // PER_PAGE)
    for number in range(count):
        yield number, items[number * PER_PAGE:(number + 1) * PER_PAGE], count


def _shell(title: str, content: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="{charset}"><title>{html.escape(title)}</title>'
        f'<link rel="stylesheet" href="/css/main.css"></head>\n<body>{content}</body></html>\n'
    )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _paras(paragraphs: Iterable[str]) -> str:
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _tibet_article(a: Article, spam: str = "") -> str:
    nav = "".join(f'<a href="/cn/{s}/">{s}</a> ' for s in corpus.TIBET_SECTIONS)
    esc = html.escape
    # Content farms append their keyword spam inside the article container, after the copyright line.
    spam_html = f'<p class="kw">{esc(spam)}</p>' if spam else ""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(a.title)}_中国西藏网</title>
<meta name="source" content="{esc(a.source)}"><meta name="publishdate" content="{_stamp(a.published)}">
<link rel="stylesheet" href="/css/main.css"></head>
<body><div class="header"><img src="/images/logo.png" alt="tibet.cn"> <a href="/">home</a> {nav}</div>
<div class="title_box"><h2>{esc(a.title)}</h2>
<div class="info"><span>作者：{esc(a.author)}</span><span>发布时间：{_stamp(a.published)}</span><span>来源：{esc(a.source)}</span></div></div>
<div id="text"><div class="Custom_UnionStyle"><div class="TRS_Editor">
{_paras(a.paragraphs)}
{spam_html}
</div></div>
<p class="editor">(责编：{esc(a.editor)} )</p></div>
<div class="copyright">版权声明：凡注明“来源：中国西藏网”或“中国西藏网文”的所有作品，版权归高原（北京）文化传播有限公司。</div>
</body></html>
"""


def _tibet_list(section: str, chunk: list[Article], number: int, count: int, extra: str) -> str:
    items = "".join(
        f'<li><a href="./{a.path.rsplit("/", 2)[-2]}/{a.path.rsplit("/", 1)[-1]}" target="_blank">'
        f"{html.escape(a.title)}</a><span>{a.published:%Y-%m-%d}</span></li>\n"
        for a in chunk
    )
    # TRS-CMS paginates with a script call rather than links.
    script = f'<script type="text/javascript">createPageHTML({count}, {number}, "index", "html");</script>'
    return _shell(f"{section}_中国西藏网", f'<ul class="list">{items}{extra}</ul><div class="page">{script}</div>')


def _awkward_links() -> str:
    links = [
        "/cn/old/news1.html", "/cn/loop/a.html", "/cn/news/zx/202401/t20240101_404.html",
        "/cn/news/zx/error.html", "/cn/news/zx/slow.html", "/cn/news/zx/large.html",
        "/cn/aid_tibet/news/files/report.pdf",
    ]
    return "".join(f'<li><a href="{link}">专题链接</a></li>' for link in links)


def _qianlong_article(a: Article) -> str:
    esc = html.escape
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>{esc(a.title)}-千龙网·中国首都网</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/yz/index.shtml">援藏</a></div>
<div class="article"><h1 class="title">{esc(a.title)}</h1>
<div class="info"><span class="time">{_stamp(a.published)}</span> <span class="source">来源：{esc(a.source)}</span></div>
<div class="article-content">
{_paras(a.paragraphs)}
</div><div class="editor">责任编辑：{esc(a.editor)}</div></div>
<div class="footer">千龙网版权所有</div></body></html>
"""


def _aggregator_article(a: Article) -> str:
    esc = html.escape
    rng = random.Random(a.path)
    body = _paras(a.paragraphs)
    if "repeated-in-page" in a.flags:
        body = body + "\n" + body
    ranking = "".join(f"<li>{i + 1}. {esc(t)}</li>" for i, t in enumerate(rng.sample(v.AGGREGATOR_RANKING, 8)))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(a.title)}_天下金融网</title></head>
<body><div class="top">天下金融网 加入收藏 设为首页</div>
<div class="nav">首页 资讯 财经 理财 消费 产业 基金 股票 外汇 期货 银行 企业 行情</div>
<div class="location">您现在的位置:首页 &gt; 资讯 &gt; 正文</div>
<h1>{esc(a.title)}</h1>
<div class="info">{_stamp(a.published)} 来源:{esc(a.source)} 阅读量:{rng.randint(1000, 20000)}</div>
<div class="content">
{body}
</div>
<div class="statement">声明:以上内容为本网站转自其它媒体,相关信息仅为传递更多企业信息之目的,不代表本网观点,亦不代表本网站赞同其观点或证实其内容的真实性。投资有风险,需谨慎。</div>
<div class="prevnext">上一篇:返回列表 下一篇:返回列表</div>
<div class="rank"><h3>栏目排行</h3><ol>{ranking}</ol></div>
</body></html>
"""


def _png() -> bytes:
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\x00\x00"  # one red pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
