"""The preview document of an outlet that draws nothing of a post: what the outlet says
instead, or a plain Chinese stand-in with the post's title; never its raw fields."""

from __future__ import annotations

from hub.console.previews import document


def test_an_outlets_placeholder_stands_in_for_a_picture_it_has_not():
    shown = document({"title": "职工健步走", "sizes": [[1080, 1920]], "daily_cap": None,
                      "rules": {"skip_button": "always"},
                      "placeholder": "开屏只展示「活动 / 福利」稿件"}, "phone", 320)
    assert "开屏只展示「活动 / 福利」稿件" in shown and "职工健步走" in shown
    assert "跳过" not in shown  # no picture: no skip button drawn over nothing


def test_a_form_the_console_cannot_draw_reads_as_a_chinese_summary_not_a_table():
    shown = document({"channel": "x", "title": "职工健步走", "summary": "周六集合",
                      "priority": 0, "daily_cap": None, "link": {"type": "none"},
                      "problems": []}, "card", 320)
    assert "职工健步走" in shown and "周六集合" in shown and "预览" in shown
    for raw in ("<table", "daily_cap", "priority", '{"type"', "null", "[]"):
        assert raw not in shown
