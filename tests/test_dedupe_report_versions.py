"""The report and versions: a copy says which version of the original it copied, and what the original
changed after the copy was made; an article's timeline lists its versions with what changed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archive.catalog import Catalog
from archive.catalog.models import Article, Capture
from dedupe.changes import fields_of
from dedupe.report.model import _copied_versions, timelines

ORIGINAL = "http://www.tibet.cn/cn/aid_tibet/news/202503/t20250303_1.html"
COPY = "http://www.tianxia-finance.example/zixun/2025/0303/1.html"
BODY = "援藏工作队今年完成了三项工程。医疗队在拉萨开展义诊。"


def _capture(record: str, url: str, stamp: str) -> dict[str, object]:
    return {"record_id": record, "record_type": "response", "url": url, "urlkey": url, "timestamp": stamp,
            "status": 200, "mime": "text/html", "digest": "sha1:x", "filename": "a.warc.gz", "offset": 0,
            "length": 1, "source_id": "s", "run_id": None}


def _version(record: str, number: int, stamp: str, title: str, text: str) -> dict[str, object]:
    return {"url": ORIGINAL, "source_id": "tibet_cn", "number": number, "record_id": record, "timestamp": stamp,
            "title": title, "published": "", "origin": "西藏日报", "editor": "", "text": text,
            "hashes": fields_of(title, text, "西藏日报", None, "").hashes()}


def test_a_copy_names_the_version_it_copied(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}")
    catalog.add_capture_rows([_capture("<o1>", ORIGINAL, "20250303000000"), _capture("<o2>", ORIGINAL, "20250304000000"),
                              _capture("<c1>", COPY, "20250303120000"), _capture("<c2>", COPY, "20250305000000")])
    catalog.store_versions(4, 2, [
        _version("<o1>", 1, "20250303000000", "援藏医疗队抵达拉萨", BODY),
        _version("<o2>", 2, "20250304000000", "援藏医疗队抵达拉萨开展义诊", BODY + "更正:数据已更新。"),
    ], [{"url": ORIGINAL, "source_id": "tibet_cn", "kind": "edited", "how": "", "before_record": "<o1>",
         "after_record": "<o2>", "detected": "20250304000000", "summary": "title; body", "fields": "{}"}], [])
    original = Article(id=1, url=ORIGINAL, text=BODY, captured_at=datetime(2025, 3, 3, tzinfo=UTC))
    early = Article(id=2, url=COPY)
    late = Article(id=3, url=COPY)
    captures = {r: Capture(record_id=r, timestamp=t) for r, t in (("<c1>", "20250303120000"),
                                                                  ("<c2>", "20250305000000"))}
    copied = _copied_versions(catalog, original, [(early, captures["<c1>"]), (late, captures["<c2>"])])
    assert copied[2] == {"copied_version": 1, "edited_since_copy": ["body", "title"]}
    assert copied[3] == {"copied_version": 2, "edited_since_copy": []}
    [timeline] = timelines(catalog)
    catalog.close()
    assert timeline["url"] == ORIGINAL and [v["number"] for v in timeline["versions"]] == [1, 2]
    assert timeline["versions"][1]["changed"] == {"title": [["-", "援藏医疗队抵达拉萨"], ["+", "援藏医疗队抵达拉萨开展义诊"]],
                                                  "body": [["+", "更正:数据已更新。"]]}
    assert [e["kind"] for e in timeline["events"]] == ["edited"]
