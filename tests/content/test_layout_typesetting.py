"""Chinese typesetting for designed forms: line breaks by the Chinese rules, balanced lines,
the largest size that fits, and the order in which a crowded canvas gives things up
(summary, then the full title, then a clear refusal)."""

from __future__ import annotations

import pytest

from content.layout import Design, LayoutRefused, plan, samples, typeset
from content.layout.fonts import BOLD

CLOSING = "，。、；：！？）》」』”"
OPENING = "（《「『“"


@pytest.mark.parametrize("width", [60, 90, 130, 170, 250])
def test_no_closing_mark_starts_a_line_and_no_opening_mark_ends_one(width):
    text = "职工（含劳务派遣工）可报名，名额有限。《东莞工匠》评选：“十佳技术能手”揭晓！"
    lines = typeset.wrap(text, 20, width)
    assert "".join(lines) == text  # nothing lost or added
    assert len(lines) > 1
    for line in lines:
        assert line[0] not in CLOSING, lines
        assert line[-1] not in OPENING, lines


def test_latin_words_and_numbers_stay_whole():
    lines = typeset.wrap("粤工惠 App 版本 v3.2.1 已上线 2026", 20, 70)
    assert any("v3.2.1" in line for line in lines)
    assert all("Ap" not in line or "App" in line for line in lines)


def test_balanced_lines_leave_no_lone_last_character():
    text = "东莞市职工技能大赛报名开始了"  # 14 characters
    greedy = typeset.wrap(text, 20, 13 * 20)
    assert [len(line) for line in greedy] == [13, 1]
    balanced = typeset.balanced(text, 20, 13 * 20)
    assert len(balanced) == 2 and abs(len(balanced[0]) - len(balanced[1])) <= 1


def test_the_largest_size_that_fits_is_chosen():
    setting = typeset.largest("职工书屋周六开放", 400, 120, min_size=12, max_size=200,
                              max_lines=2, weight=BOLD)
    assert setting is not None and setting.width <= 400 and setting.height <= 120
    bigger = typeset.set_at("职工书屋周六开放", setting.size + 1, 400, 120, 2, BOLD)
    assert bigger is None
    assert typeset.largest("职工书屋周六开放", 30, 10, min_size=12, max_size=40,
                           max_lines=2) is None


def test_a_crowded_canvas_drops_the_summary_then_shortens_the_title_then_refuses():
    summary = "实名认证会员每天可抢三次，红包直接存入工会卡，活动持续到本月底，详情见粤工惠。"
    roomy = plan(Design(title="百万红包雨", summary=summary), "led", 1280, 512)
    assert [t.role for t in roomy.texts] == ["title", "summary"] and roomy.dropped == ()
    crowded = plan(Design(title="百万红包雨今晚八点准时开抢", summary=summary,
                          cover=samples.cover(True), qr_url="https://ygh.example.cn/c/7"),
                   "led", 768, 384)
    assert "summary" in crowded.dropped
    assert [t.role for t in crowded.texts] == ["title"]
    strip = plan(Design(title="东莞市总工会：二〇二六年全市职工百万红包雨今晚开抢"), "led", 128, 64)
    assert strip.dropped == ("title",)
    assert "".join(strip.texts[0].setting.lines) == "二〇二六年全市职工百万红包雨今晚开抢"
    with pytest.raises(LayoutRefused) as refused:
        plan(Design(title="东莞市总工会关于开展二〇二六年全市职工职业技能大赛暨劳动竞赛活动的通知"),
             "led", 128, 64)
    assert "128×64" in refused.value.reason and "12 像素" in refused.value.reason


def test_an_outlets_short_title_is_used_before_the_title_is_cut():
    strip = plan(Design(title="东莞市总工会关于开展全市职工职业技能大赛的通知",
                        short_title="技能大赛"), "led", 128, 64)
    assert "".join(strip.texts[0].setting.lines) == "技能大赛"
