"""Title, time, 来源 and body rules on pages built for each failure class of issue 16."""

from __future__ import annotations

from pathlib import Path

from dedupe.extract import clean_title, extract, parse_published
from dedupe.extract_source import byline_outlet

DATA = Path(__file__).parent / "data" / "extract_general"


def _extract(name: str) -> tuple[str, str | None, str, str]:
    found = extract((DATA / name).read_bytes())
    return found.title, found.published, found.source, found.text


def test_site_banner_title_us_date_and_empty_labels() -> None:
    title, published, source, text = _extract("banner_title.html")
    # <title> is the site's banner; the headline (with its —— subtitle) sits above the byline.
    assert title == "山南举办首届雪域文化节——八方来客共赏高原风情"
    assert published == "2024-09-17T17:54:13+08:00"  # 9/17/2024 5:54:13 PM
    assert source == ""  # "来源：" is empty: the next label is no outlet
    assert text.startswith("十七日上午") and text.endswith("带动当地旅游业发展。")


def test_subtitle_kept_date_without_year_and_bare_name_after_the_time() -> None:
    title, published, source, text = _extract("subtitle_no_year.html")
    assert title == "援藏教师扎根高原十年——记拉萨某中学支教老师"  # h1 + subtitle line = the <title> piece
    assert published == "2024-09-30T22:46:00+08:00"  # "09-30 22:46", year from the page's meta
    assert source == "高原视界"  # "高原视界[整理]" right after the time
    assert "网友评论" not in text and "致敬" not in text


def test_care_box_comment_rules_privacy_notice_and_glued_outlet() -> None:
    title, published, source, text = _extract("care_box_comment_rules.html")
    assert title == "高雄男子墜河 消防搶救送醫"
    assert published == "2018-09-16T15:31:00+08:00"  # the byline sits in <header>
    assert source == "某某日報"  # glued to the time: "15:31某某日報 記者…"
    # A one-paragraph story: the hotline box, the comment rules (which outweigh it) and the
    # privacy notice are all left out.
    assert text == "高雄市一名男子16日下午疑因情緒低落墜入愛河，消防局據報派出人車趕往，將他救起後送醫急救，目前意識清楚。"


def test_page_without_title_blog_post_time_below_the_post() -> None:
    title, published, _source, text = _extract("no_title_blog.html")  # GBK, no <title>
    assert title == "牧区小学来了新老师"
    assert published == "2005-07-31T12:30:00+08:00"  # "发表于:2005-07-31 12:30" under the post
    assert text.startswith("本报讯") and "随笔档案" not in text


def test_title_pieces_and_dates() -> None:
    assert clean_title("为现代化建设凝聚力量——热烈祝贺政协会议开幕_某市人民政府网") == "为现代化建设凝聚力量——热烈祝贺政协会议开幕"
    assert clean_title("援藏医生的一天——新华网") == "援藏医生的一天"
    assert clean_title("北京市儿童(13-15岁)心理素质调查") == "北京市儿童(13-15岁)心理素质调查"
    assert parse_published("2019-09-05 11:10游民星空") == "2019-09-05T11:10:00+08:00"  # glued to a name
    assert parse_published("发布时间：09-30 22:46", year=2019) == "2019-09-30T22:46:00+08:00"
    assert parse_published("09-30 22:46") is None  # no year given, none guessed
    assert parse_published("2020-01-03 编辑 2020-01-03 18:13") == "2020-01-03T18:13:00+08:00"  # full timestamp
    assert parse_published("7/5/2005 9:23:57 PM") == "2005-07-05T21:23:57+08:00"
    assert parse_published("中央社記者桃園傳真 105年3月19日") == "2016-03-19T00:00:00+08:00"  # Minguo year


def test_bylines_split_over_spans_and_role_notes() -> None:
    assert byline_outlet(["2019", "09/07", "19:02", "扬眼", "企鹅号"]) == "扬眼"
    assert byline_outlet(["2019-09-05 11:10 游民星空[整理]"]) == "游民星空"
    assert byline_outlet(["发布时间：09-30 22:46 某某之家"]) == "某某之家"
    assert byline_outlet(["2019-09-05 11:10 星期四"]) == ""
    assert byline_outlet(["2019年09月09日 20:52", "新浪财经-自媒体综合"]) == "新浪财经-自媒体综合"  # with its channel


def test_utf8_bytes_win_over_any_declared_charset() -> None:
    from dedupe.decode import decode_html

    page = "<html><head><meta charset='iso-8859-1'></head><body><p>援藏干部扎根基层</p></body></html>"
    text, encoding = decode_html(page.encode("utf-8"))
    assert encoding == "utf-8" and "援藏干部扎根基层" in text
    big5 = "<html><head><meta charset='big5'></head><body><p>援藏幹部紮根基層</p></body></html>".encode("big5")
    text, encoding = decode_html(big5)
    assert encoding.startswith("big5") and "紮根基層" in text


def test_one_long_div_paragraph_does_not_become_the_story() -> None:
    from dedupe.extract import extract_html

    long = "援藏医疗队在山南市人民医院开展了义诊活动，" * 12 + "受到当地群众欢迎。"
    html = ("<html><head><title>援藏医疗队义诊_某某网</title></head><body><h1>援藏医疗队义诊</h1>"
            "<div class='main'><div class='story'>"
            f"<div>{long}</div><div>义诊持续了三天，共接诊患者一千余人次。</div>"
            "<div>医疗队还为当地医生开展了培训。</div></div>"
            "<div class='related'><a href='/1'>援藏干部的一天</a><a href='/2'>高原上的课堂</a></div>"
            "</div></body></html>")
    text = extract_html(html).text
    assert "共接诊患者一千余人次" in text and "开展了培训" in text and "高原上的课堂" not in text


def test_meta_date_yields_to_the_byline_time_of_the_same_day() -> None:
    from dedupe.extract import extract_html

    story = "<p>援藏干部在基层工作了三年，为当地群众办了许多实事，受到广泛好评。</p>" * 3
    page = ("<html><head><title>援藏三年_某某网</title><meta name='publishdate' content='{meta}'></head><body>"
            "<h1>援藏三年</h1><div class='info'>2020-01-02 17:11 来源：某某日报</div>"
            f"<div class='content'>{story}</div></body></html>")
    assert extract_html(page.format(meta="2020-01-02")).published == "2020-01-02T17:11:00+08:00"
    assert extract_html(page.format(meta="2020-01-01")).published == "2020-01-01T00:00:00+08:00"  # another day: meta


def test_lines_a_site_repeats_are_its_template() -> None:
    import pytest

    from dedupe.extract_body import drop_template_lines

    lead = "1994年，中央第三次西藏工作座谈会作出对口援藏的重大决策，开启了全国支援西藏的新篇章，影响深远。"
    pages = [f"{lead}\n第{i}篇报道的正文，讲述了援藏干部的故事。\n扫码关注雪域信息网公众号\n本网编辑部" for i in range(4)]
    kept = drop_template_lines(pages)
    assert all("公众号" not in text and "本网编辑部" not in text for text in kept)
    assert all(text.startswith(lead) for text in kept)  # a shared long lead is no template
    assert kept[2].endswith("第2篇报道的正文，讲述了援藏干部的故事。")
    assert drop_template_lines(pages[:3]) == pages[:3]  # too few pages to tell
    with pytest.raises(ValueError, match="share"):
        drop_template_lines(pages, share=0)


def test_warc_batch_leaves_out_the_site_template(tmp_path: Path) -> None:
    import io
    import json
    import subprocess
    import sys

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    warc = tmp_path / "site.warc.gz"
    with warc.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for i in range(4):
            story = f"<p>第{i}位援藏教师来到牧区小学，给孩子们上了第一堂课，孩子们非常高兴。</p>" * 3
            page = (f"<html><head><title>援藏教师{i}_雪域网</title></head><body><h1>援藏教师{i}</h1>"
                    f"<div class='content'>{story}<p>扫码关注雪域网公众号</p></div></body></html>")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"http://xueyu.example.cn/a/{i}.html", "response",
                                                          payload=io.BytesIO(page.encode()), http_headers=headers))
    result = subprocess.run([str(Path(sys.executable).parent / "aidnews"), "extract", "--warc", str(warc), "--jsonl"],
                            capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4 and all("公众号" not in r["text"] and "援藏教师来到牧区小学" in r["text"] for r in rows)


def test_app_and_account_promos_are_dropped() -> None:
    from dedupe.extract_body import clean_lines

    text = "援藏教师来到牧区小学，给孩子们上了第一堂课。\n扫码关注雪域网公众号\n打开雪域新闻APP，查看更多精彩内容\n他说会一直留在这里。"
    assert clean_lines(text) == "援藏教师来到牧区小学，给孩子们上了第一堂课。\n他说会一直留在这里。"


def test_feed_page_keeps_its_own_story_only() -> None:
    title, published, source, text = _extract("feed_stream.html")
    assert title == "拉萨至日喀则铁路客流创新高" and source == "高原日报"
    assert published == "2023-08-02T10:15:00+08:00"
    assert text.startswith("暑运以来") and text.endswith("增设了售票窗口和志愿服务点。")
    assert "林芝" not in text and "赛马" not in text and "光伏" not in text


def test_article_sections_with_subheadings_are_no_feed() -> None:
    from dedupe.extract import extract_html

    sections = "".join(
        f"<div class='part'><h3>{head}</h3><p>{head}方面，援藏工作队做了大量工作，群众的获得感明显增强，"
        f"各项指标都有了很大提高。</p><p>下一步，{head}还将继续推进，让更多群众受益。</p></div>"
        for head in ("教育援藏", "医疗援藏", "产业援藏"))
    page = (f"<html><head><title>援藏工作综述_某某网</title></head><body><h1>援藏工作综述</h1>"
            f"<div class='main'>{sections}</div></body></html>")
    text = extract_html(page).text
    assert all(head in text for head in ("教育援藏方面", "医疗援藏方面", "产业援藏还将继续推进"))


def test_teasers_after_the_story_in_its_own_container_are_cut() -> None:
    title, _published, source, text = _extract("feed_teasers.html")
    assert title == "日喀则青稞喜获丰收" and source == "高原日报"
    assert text.startswith("金秋时节") and text.endswith("确保颗粒归仓。")
    assert "非遗" not in text and "光伏" not in text


def test_comment_thread_without_class_names_ends_the_story() -> None:
    from dedupe.extract_body import clean_lines

    story = "援藏教师来到牧区小学，给孩子们上了第一堂课。\n他说，看到孩子们的笑脸，自己会一直留在这里。"
    text = story + "\n高原网友 2023-09-12 10:20 回复 举报\n老师辛苦了，向你们致敬！\n1楼\n支持援藏！"
    assert clean_lines(text) == story
    kept = "记者上午10:30赶到现场时，救援人员已经回复了群众的求助。\n第二段正文，讲述了后续的情况。"
    assert clean_lines(kept) == kept  # a sentence with a time and 回复 is no comment line


def test_video_player_controls_are_dropped() -> None:
    from dedupe.extract_body import clean_lines

    story = "援藏医疗队在山南开展义诊，共接诊患者一千余人次。\n医疗队还为当地医生开展了培训，受到欢迎。"
    text = ("播放\n00:00 / 03:25\n全屏\nCurrent Time 0:00\nDuration 3:25\n倍速\n清晰度\n"
            "您的浏览器不支持 video 标签\n" + story.replace("\n", "\nThis is a modal window.\n"))
    assert clean_lines(text) == story


def test_headline_in_other_quotes_than_the_title() -> None:
    from dedupe.extract import extract_html

    story = "<p>正文第一段，援藏工作队说明了事情的经过和结果，内容很长。</p>" * 3
    page = ("<html><head><title>援藏干部的\"第二故乡\"｜专题_某某网</title></head><body><div>首页 专题</div>"
            "<h2>援藏干部的“第二故乡”</h2><div>2020-01-02 10:00 来源：某某报</div>"
            f"<div class='content'>{story}</div></body></html>")
    assert extract_html(page).title == "援藏干部的“第二故乡”"  # the page's own spelling


def test_byline_is_read_under_the_headline_not_under_a_breadcrumb() -> None:
    from dedupe.extract import extract_html

    nav = "".join(f"<li><a href='/{i}'>栏目{i}</a></li>" for i in range(15))
    story = "<p>援藏医疗队在山南开展义诊，共接诊患者一千余人次，受到当地群众欢迎。</p>" * 3
    page = ("<html><head><title>援藏医疗队山南义诊_某某网</title></head><body>"
            "<div class='top'>某某网 登录</div><div class='crumb'>首页 &gt; 新闻 &gt; 援藏医疗队山南义诊</div><div>2026-12-03 星期四</div>"
            f"<ul>{nav}</ul><h1>援藏医疗队山南义诊</h1><div>2024-05-06 09:30 来源：西藏日报</div>"
            f"<div class='content'>{story}</div></body></html>")
    found = extract_html(page)
    assert found.published == "2024-05-06T09:30:00+08:00" and found.source == "西藏日报"


def test_a_teaser_list_heavier_than_the_story_is_left_out() -> None:
    # Eight recommended stories, each a linked headline and a summary, outweigh the story
    # (their link density is low): the list opens every item with a link, paragraphs do not.
    title, _published, source, text = _extract("teaser_list.html")
    assert title == "援藏医疗队山南义诊" and source == "新华网"
    assert text.startswith("第0段") and text.endswith("受到广泛好评。") and "推荐新闻" not in text


def test_a_heavier_unmarked_comment_list_does_not_replace_the_story() -> None:
    from dedupe.extract import extract_html

    story = "".join(f"<p>第{i}段：援藏教师在那曲支教三年，带出了一批批优秀学生，家长们都很感激。</p>" for i in range(3))
    comments = "".join(f"<div><span>网友{i}</span> <span>{i + 1}小时前</span>"
                       "<p>向援藏教师致敬，你们辛苦了，希望有更多的人去支援高原的教育事业！</p></div>" for i in range(10))
    page = ("<html><head><title>援藏教师那曲支教_某某网</title></head><body><div class='main'>"
            "<h1>援藏教师那曲支教</h1><div>2021-06-01 09:00 来源：某某日报</div>"
            f"<div class='text'>{story}</div><div>{comments}</div></div></body></html>")
    text = extract_html(page).text
    assert text.startswith("第0段") and text.endswith("家长们都很感激。")  # the story, without the thread


def test_a_timeline_list_inside_the_story_is_kept() -> None:
    from dedupe.extract import extract_html

    story = "<p>三十年来，对口援藏工作取得了举世瞩目的成就，高原面貌发生了翻天覆地的变化。</p>" * 2
    timeline = "".join(f"<li><span>{1994 + 5 * i}年{i + 3}月</span>援藏工作迎来新的阶段，第{i + 1}批援藏干部进藏工作。</li>"
                       for i in range(6))
    page = ("<html><head><title>援藏三十年大事记_某某网</title></head><body><h1>援藏三十年大事记</h1>"
            f"<div>2024-07-01 10:00 来源：西藏日报</div><div class='text'>{story}<ul>{timeline}</ul>{story}</div>"
            "</body></html>")
    text = extract_html(page).text
    assert "1994年3月" in text and "第6批援藏干部" in text


def test_share_and_font_bars_made_of_widget_words_are_dropped() -> None:
    from dedupe.extract_body import clean_lines

    story = "援藏医疗队在山南开展义诊，共接诊患者一千余人次。\n医疗队还为当地医生开展了培训，受到欢迎。"
    text = "分享到： 微信 微博 QQ空间\n【字号 大 中 小】【打印】【关闭】\n" + story + "\n扫一扫 手机看"
    assert clean_lines(text) == story
    assert clean_lines("中国 大 小\n" + story).startswith("中国 大 小")  # a word outside the bar's words stays


def test_site_name_title_under_a_login_bar() -> None:
    from dedupe.extract import extract_html

    story = "<p>山南市新建的三所学校日前投入使用，可容纳学生三千余人，教室里都装上了暖气。</p>" * 3
    page = ("<html><head><title>雪域信息网</title></head><body><div>登录 | 注册</div><div>手机版</div>"
            "<div class='logo'>雪域信息网</div><div><a href='/'>首页</a> <a href='/n'>新闻</a></div>"
            "<div>援藏动态</div><div class='tit'>山南三所新学校投入使用</div><div>发布时间：2024-01-05 10:00</div>"
            f"<div class='content'>{story}</div></body></html>")
    assert extract_html(page).title == "山南三所新学校投入使用"


def test_headline_like() -> None:
    from dedupe.extract import _headline_like

    assert _headline_like("孙丰：巴黎举行座谈会") and _headline_like("山南三所新学校投入使用")
    assert not _headline_like("字号：A-") and not _headline_like("作者：张三李四王五") and not _headline_like("A+ A- 打印")


def test_one_piece_title_in_an_h1_beats_a_caption_above_the_byline() -> None:
    from dedupe.extract import extract_html

    story = "<p>十年前，刚毕业的李老师报名来到拉萨，成为一名援藏教师，这一来就是十年。</p>" * 3
    page = ("<html><head><title>援藏教师扎根高原十年</title></head><body><div>首页 新闻</div>"
            "<h1>援藏教师扎根高原十年</h1><div>——记拉萨某中学支教老师</div><div><img src='a.jpg'></div>"
            "<div>李老师在课堂上给学生们讲课</div><div>发布时间：2024-09-30 22:46</div>"
            f"<div class='content'>{story}</div></body></html>")
    assert extract_html(page).title == "援藏教师扎根高原十年"
