"""dedupe.changes: field-by-field comparison, trivial changes cleaned away, takedown pages recognised."""

from __future__ import annotations

from dedupe.changes import clean_body, compare, field_diff, fields_of, summary_of, takedown_of

BODY = "第一段:援藏工作队今年完成了三项工程。医疗队在拉萨开展义诊。\n第二段:各地对口支援项目顺利推进,农牧民收入持续增长。"


def _fields(body: str = BODY, title: str = "援藏医疗队抵达拉萨", origin: str = "西藏日报",
            published: str | None = "2025-03-03T08:00:00+08:00", editor: str = "(责编：王斌 )"):  # type: ignore[no-untyped-def]
    return fields_of(title, body, origin, published, editor)


def test_the_same_version_compares_equal_whatever_the_widgets_say() -> None:
    noisy = (BODY.replace("\n", "\n\n  ") + "\n阅读：1234\n页面生成时间：2025-03-03 10:00:00\n分享到：微信 微博"
             + "\n相关阅读\n另一篇文章的标题\n第三篇文章的标题")
    assert clean_body(noisy) == clean_body(BODY)
    assert compare(_fields(), _fields(noisy)) == {}
    assert _fields().hashes() == _fields(noisy).hashes()
    # A counter beside other text is cut out of the line; full-width forms and spacing are NFKC'd away.
    assert clean_body("发布时间 2025-03-03 阅读量: 5678") == clean_body("发布时间  2025-03-03 阅读量:12")
    assert compare(_fields(editor="(责编：王斌 )"), _fields(editor="责编: 王斌")) == {}


def test_each_field_change_is_an_edit_with_a_diff() -> None:
    before = _fields()
    after = fields_of("援藏医疗队抵达拉萨开展巡回义诊", BODY.replace("医疗队在拉萨开展义诊。", ""), "中国西藏网",
                      "2025-03-03T09:30:00+08:00", "李明")
    changes = compare(before, after)
    assert list(changes) == ["title", "body", "origin", "published", "editor"]
    assert changes["body"].diff == (("-", "医疗队在拉萨开展义诊。"),)
    assert changes["origin"].before == "西藏日报" and changes["origin"].after == "中国西藏网"
    assert "body (-1 +0 sentences)" in summary_of(changes)


def test_an_added_paragraph_is_one_added_sentence() -> None:
    assert field_diff(BODY, BODY + "\n更正:数据已更新。") == (("+", "更正:数据已更新。"),)


def test_takedown_pages() -> None:
    assert takedown_of(_fields()) == ""
    assert takedown_of(fields_of("页面不存在", "抱歉，您访问的页面不存在或已被删除", "", None, "")) == "soft_404"
    assert takedown_of(fields_of("通知", "该文章已被删除。", "", None, "")) == "soft_404"
    assert takedown_of(fields_of("援藏新闻", "", "", None, "")) == "empty_body"
    assert takedown_of(fields_of("援藏新闻", "暂无内容", "", None, "")) == "empty_body"
    # An article that mentions a missing page is still an article.
    long_story = BODY * 5 + "有网友反映旧网址显示页面不存在,网站已修复。"
    assert takedown_of(fields_of("网站改版", long_story, "", None, "")) == ""
