"""Build labelled.jsonl: the labelled near-duplicate set (python tests/data/neardup/make_labelled.py).

Originals: the real article texts of shared/realweb (MIT / Apache-2.0 test
fixtures, see its README), the two seed articles, and generated aid news.
Copies: syndicated (other templates, as text or as HTML), mirrors
(traditional script, pinyin glosses, spam, broken entities), a body repeated
in one page, truncated copies, copies with an editor's note. Hard negatives:
the same standard lead, parts of one series, one site template around short
different articles, and one event reported independently. Documents that
are copies of each other share a ``group``. Deterministic.
"""

from __future__ import annotations

import html
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from sampleweb import corpus  # noqa: E402
from sampleweb import vocabulary as v  # noqa: E402

OUT = Path(__file__).with_name("labelled.jsonl")
REALWEB = ROOT.parent / "shared" / "realweb" / "manifest.jsonl"
SAME_ARTICLE = {"pages/9.html": "pages/10.html"}  # one ifeng article captured twice


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def originals(rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """(group, url, paragraphs)"""
    out = []
    if REALWEB.exists():
        for line in REALWEB.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = row.get("text") or ""
            if len(text) < 200:
                continue
            group = "realweb-" + SAME_ARTICLE.get(row["file"], row["file"]).split("/")[1].split(".")[0]
            out.append((group, row.get("url") or f"http://realweb.example/{row['file']}", paragraphs(text)))
    for a in corpus.build(1)[:1]:
        out.append(("seed-tibet", a.url, list(a.paragraphs)))
    seed_q = next(a for a in corpus.build(1) if a.host == corpus.QIANLONG)
    out.append(("seed-qianlong", seed_q.url, list(seed_q.paragraphs)))
    for i in range(80):
        paras = corpus._paragraphs(rng, rng.randint(5, 14), v.SENTENCES, v.FIELDS)
        out.append((f"gen-{i}", f"http://origin.example/news/{i}.html", paras))
    return out


def template(paras: list[str], site: str, rng: random.Random) -> str:
    head = [f"{site} 首页 新闻 财经 科技 体育 娱乐", "您现在的位置:首页 > 新闻 > 正文",
            f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 来源:{site}"]
    tail = ["声明:本网转载此文出于传递更多信息之目的,不代表本网观点。", "分享到: 微信 微博 QQ空间",
            "相关新闻", *[f"{i}. {t}" for i, t in enumerate(rng.sample(v.AGGREGATOR_RANKING, 5), 1)]]
    return "\n".join([*head, *paras, *tail])


def broken_entities(text: str) -> str:
    return text.replace("——", "mdash;mdash;").replace("“", "ldquo;").replace("”", "rdquo;").replace("……", "hellip;")


def mirror(paras: list[str], rng: random.Random) -> str:
    convert = corpus._to_traditional().convert
    body = [corpus._gloss(convert(p), rng) for p in paras]
    spam = "| ".join(rng.sample(v.SPAM_WORDS, 9))
    return broken_entities("\n".join(["tibet.cn", "home", *body, "(責編:某某)", spam]))


def html_page(paras: list[str], title: str) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (f"<html><head><meta charset='utf-8'><title>{html.escape(title)}_某资讯网</title></head><body>"
            f"<div class='nav'>首页 | 资讯 | 财经</div><h1>{html.escape(title)}</h1>"
            f"<div class='info'>2024-09-03 11:54 来源:千龙网</div><div class='content'>{body}</div>"
            "<div class='rank'><h3>栏目排行</h3><ol><li>国产大飞机商业运营再创新高</li></ol></div></body></html>")


def copies(group: str, paras: list[str], rng: random.Random) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    kinds = rng.sample(["syndicated", "mirror", "repeated", "truncated", "note", "html"], rng.randint(1, 3))
    for n, kind in enumerate(kinds):
        ident = f"{group}~{kind}"
        url = f"http://copy{n}.example/{group}/{kind}.html"
        if kind == "syndicated":
            out.append({"id": ident, "url": url, "text": template(paras, "天下资讯网", rng)})
        elif kind == "mirror":
            out.append({"id": ident, "url": url, "text": mirror(paras, rng)})
        elif kind == "repeated":
            out.append({"id": ident, "url": url, "text": template(paras + paras, "聚合新闻网", rng)})
        elif kind == "truncated" and len(paras) >= 4:
            keep = max(3, int(len(paras) * rng.uniform(0.5, 0.7)))
            out.append({"id": ident, "url": url, "text": "\n".join(paras[:keep])})
        elif kind == "note":
            note = "编者按:本文转自合作媒体,有删节,仅供参考,观点不代表本网立场。"
            out.append({"id": ident, "url": url, "text": "\n".join([note, *paras, "(本文有删节)"])})
        elif kind == "html":
            out.append({"id": ident, "url": url, "html": html_page(paras, f"{group} 报道")})
    return out


def hard_negatives(rng: random.Random) -> list[dict[str, str]]:
    out = []
    for i in range(20):  # the standard lead, then a different article
        paras = [v.STANDARD_LEAD, *corpus._paragraphs(rng, rng.randint(3, 8), v.SENTENCES, v.FIELDS)]
        out.append({"id": f"lead-{i}", "url": f"http://lead.example/{i}.html", "text": "\n".join(paras), "group": f"lead-{i}"})
    for s in range(5):  # a series: two shared intro paragraphs, different parts
        intro = corpus._paragraphs(rng, 2, v.SENTENCES, v.FIELDS)
        for part in range(3):
            paras = [f"援藏故事系列之{'一二三'[part]}", *intro, *corpus._paragraphs(rng, 6, v.SENTENCES, v.FIELDS)]
            out.append({"id": f"series-{s}-{part}", "url": f"http://series.example/{s}/{part}.html",
                        "text": "\n".join(paras), "group": f"series-{s}-{part}"})
    for i in range(15):  # one template around short, different articles
        paras = corpus._paragraphs(rng, 2, v.SENTENCES, v.FIELDS)
        out.append({"id": f"template-{i}", "url": f"http://template.example/{i}.html",
                    "text": template(paras, "模板新闻网", random.Random(99)), "group": f"template-{i}"})
    for i in range(15):  # one event, reported twice in different words
        state = random.Random(1000 + i)
        topic, place, prov = state.choice(v.FIELDS), state.choice(v.PLACES), state.choice(v.PROVINCES)
        for side in range(2):
            local = random.Random(f"{i}-{side}")
            sentences = local.sample(v.SENTENCES, 8)
            paras = ["".join(corpus._fill(t, random.Random(i), topic, place, prov) for t in sentences[j:j + 2])
                     for j in range(0, 8, 2)]
            out.append({"id": f"event-{i}-{side}", "url": f"http://event{side}.example/{i}.html",
                        "text": "\n".join(paras), "group": f"event-{i}-{side}"})
    return out


def main() -> None:
    rng = random.Random(20240903)
    docs: list[dict[str, str]] = []
    for group, url, paras in originals(rng):
        docs.append({"id": f"{group}~original" if not group.startswith("realweb") or group not in {d.get('group') for d in docs} else f"{group}~recapture",
                     "url": url, "text": "\n".join(paras), "group": group})
        for copy in copies(group, paras, rng):
            docs.append({**copy, "group": group})
    docs.extend(hard_negatives(rng))
    rng.shuffle(docs)
    with open(OUT, "w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
    groups = {d["group"] for d in docs}
    print(f"{OUT}: {len(docs)} documents in {len(groups)} groups")


if __name__ == "__main__":
    main()
