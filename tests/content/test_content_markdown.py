"""Markdown bodies rendered, reduced to text and summarised, on examples an editor would write."""

from __future__ import annotations

import pytest

from content.markdown import (
    MarkdownTooCostly,
    image_sources,
    link_targets,
    plain_text,
    render_bounded,
    render_markdown,
    sanitize_html,
    summarize,
    summarize_html,
)


def test_headings_render_at_their_level():
    html = render_markdown("# 广东省总工会\n\n### 通知")
    assert "<h1>广东省总工会</h1>" in html
    assert "<h3>通知</h3>" in html


def test_bullet_and_numbered_lists():
    html = render_markdown("- 报名\n- 参赛\n\n1. 第一\n2. 第二")
    assert "<ul>\n<li>报名</li>\n<li>参赛</li>\n</ul>" in html
    assert "<ol>\n<li>第一</li>\n<li>第二</li>\n</ol>" in html


def test_tables_render_with_head_and_body():
    html = render_markdown("| 城市 | 人数 |\n| --- | ---: |\n| 东莞 | 33 |")
    assert "<table>" in html
    assert "<th>城市</th>" in html
    assert "<td>东莞</td>" in html
    assert "<td>33</td>" in html
    # Alignment arrives as a style attribute, which the allowlist does not keep.
    assert "style=" not in html


def test_strikethrough_renders_as_s():
    assert "<s>旧日期</s>" in render_markdown("~~旧日期~~ 新日期")


def test_links_get_rel_and_keep_href_and_title():
    html = render_markdown('[报名](https://gd.example/signup "报名页")')
    assert link_targets(html) == ["https://gd.example/signup"]
    assert 'rel="noopener noreferrer"' in html
    assert 'title="报名页"' in html


def test_relative_and_mailto_links_are_kept():
    html = render_markdown("[站内](/sites/dongguan/) [邮件](mailto:info@gd.example)")
    assert link_targets(html) == ["/sites/dongguan/", "mailto:info@gd.example"]


@pytest.mark.parametrize(
    "source",
    [
        '<a href="javascript:alert(1)">点我</a>',
        '<a href="JAVASCRIPT:alert(1)">点我</a>',
        '<a href="vbscript:msgbox(1)">点我</a>',
        '<a href="data:text/html,<script>alert(1)</script>">点我</a>',
    ],
)
def test_links_with_other_schemes_lose_their_href(source):
    html = sanitize_html(source)
    assert link_targets(html) == []
    assert "点我" in html


def test_images_are_kept_with_alt():
    html = render_markdown("![劳模风采](https://cdn.gd.example/a.jpg)")
    assert image_sources(html) == ["https://cdn.gd.example/a.jpg"]
    assert 'alt="劳模风采"' in html


def test_raw_script_is_dropped_with_its_content():
    html = render_markdown("正文\n\n<script>alert('x')</script>\n\n结尾")
    assert "<script" not in html
    assert "alert" not in html
    assert "正文" in html
    assert "结尾" in html


def test_event_handlers_and_iframes_are_dropped():
    html = render_markdown(
        '<img src="/a.png" onerror="alert(1)">\n\n<iframe src="https://evil.example"></iframe>'
    )
    assert image_sources(html) == ["/a.png"]
    assert "onerror" not in html
    assert "iframe" not in html


@pytest.mark.parametrize("element", ["iframe", "noscript", "template", "textarea", "object"])
def test_embedded_document_fallbacks_are_dropped_with_their_content(element):
    html = sanitize_html(f"<p>正文</p><{element}>隐藏内容</{element}>")
    assert html == "<p>正文</p>"


def test_allowlisted_raw_html_survives():
    html = sanitize_html(
        '<figure><img src="/a.png" width="640" height="360"><figcaption>说明</figcaption></figure>'
    )
    assert html == (
        '<figure><img src="/a.png" width="640" height="360"><figcaption>说明</figcaption></figure>'
    )


def test_attributes_outside_the_allowlist_are_dropped():
    html = sanitize_html('<p class="x" id="y" title="t" style="color:red">字</p>')
    assert html == "<p>字</p>"


def test_image_sources_and_link_targets_follow_document_order_and_decode_entities():
    html = (
        '<p><img src="/1.png"><a href="https://a.example/?x=1&amp;y=2">一</a></p>'
        '<p><a>无链接</a><img src="/2.png"><a href="/b">二</a></p>'
    )
    assert image_sources(html) == ["/1.png", "/2.png"]
    assert link_targets(html) == ["https://a.example/?x=1&y=2", "/b"]


def test_plain_text_removes_markup_and_decodes_entities():
    text = plain_text("# 标题\n\n职工 **福利** 与 [活动](https://x.example) &amp; 1 &lt; 2")
    assert text == "标题\n职工 福利 与 活动 & 1 < 2"


def test_plain_text_collapses_whitespace_and_soft_breaks():
    text = plain_text("第一段   有\n软换行\n\n\n\n第二段")
    assert text == "第一段 有 软换行\n第二段"


def test_plain_text_leaves_out_scripts():
    assert plain_text("<script>alert(1)</script>\n\n你好") == "你好"


def test_summarize_counts_chinese_characters_not_bytes():
    source = "职工" * 100
    summary = summarize(source, max_chars=10)
    assert summary == "职工职工职工职工职…"
    assert len(summary) == 10


def test_summarize_keeps_short_text_whole_without_ellipsis():
    assert summarize("**短讯**：明日开会", max_chars=120) == "短讯：明日开会"


def test_summarize_exactly_at_the_limit_is_not_cut():
    assert summarize("一二三四五", max_chars=5) == "一二三四五"
    assert summarize("一二三四五六", max_chars=5) == "一二三四…"


def test_summarize_is_one_line():
    assert (
        summarize("# 标题\n\n正文第一段\n\n正文第二段", max_chars=120)
        == "标题 正文第一段 正文第二段"
    )


def test_summarize_rejects_a_non_positive_limit():
    with pytest.raises(ValueError):
        summarize("字", max_chars=0)


@pytest.mark.parametrize("body", ["[" * 190_000, "*_" * 10_001, "a\n" * 20_001,
                                  "[" + "-" * 20_000])
def test_bodies_with_too_much_costly_markup_are_refused_before_rendering(body):
    with pytest.raises(MarkdownTooCostly) as refused:
        render_bounded(body, budget_seconds=60)
    assert "最多 20000 个" in refused.value.reason


def test_a_body_within_the_bounds_renders_as_render_markdown_does():
    body = "# 标题\n\n" + "正文，[链接](https://example.cn/a-b?c=d&e=f)。\n\n" * 500
    assert render_bounded(body, budget_seconds=60) == render_markdown(body)


def test_summaries_from_stored_html_match_those_from_markdown():
    body = "# 标题\n\n第一段 **粗体**\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n" + "长" * 200
    html = render_markdown(body)
    assert summarize_html(html) == summarize(body)
    assert summarize_html(html, 10) == summarize(body, 10)
