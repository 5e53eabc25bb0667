"""The previews in a real browser at a phone's width (Debian's Chromium via Playwright): the
App splash's poster, drawn at 1080×1920, is scaled down whole to the frame the phone leaves,
never cut off at the right, and keeps its proportions."""

from __future__ import annotations

import pytest

from tests.console import test_console_browser as shared

# The same Chromium and page fixtures as the first browser tests.
browser, page = shared.browser, shared.page
PHONE = {"width": 390, "height": 844}


@pytest.mark.default_channels
def test_the_splash_preview_fits_a_phones_width(page, live_hub):  # noqa: F811
    from playwright.sync_api import expect

    page.set_viewport_size(PHONE)
    shared._log_in_with_the_keyboard(page, live_hub.url, "dg-editor")
    page.goto(f"{live_hub.url}/console/a/dongguan/compose")
    page.get_by_label("活动 / 福利").check()
    page.get_by_label("标题 （必填）").fill("东莞职工周末亲子游园会免费领票啦")
    page.get_by_label("正文").fill("12月20日松山湖游园会，凭码免费入园，每户限领两张。")
    expect(page.locator("#preview-status")).to_have_text("预览已按当前输入更新（尚未保存）",
                                                         timeout=shared.WAIT_MS)
    figure = page.locator('figure[data-channel="splash"]')
    expect(figure.locator(".pixels")).to_have_text("1080×1920 像素", timeout=shared.WAIT_MS)
    poster = figure.frame_locator("iframe").locator("img.picture")
    expect(poster).to_have_count(1, timeout=shared.WAIT_MS)
    frame = figure.locator("iframe").bounding_box()
    drawn = poster.bounding_box()
    assert frame["x"] + frame["width"] <= PHONE["width"]  # the frame is within the screen
    # The whole poster is in the frame (not cut off at the right), scaled as drawn, and the
    # frame keeps the poster's proportions rather than leaving a blank below it.
    assert drawn["x"] >= frame["x"] - 1
    assert drawn["x"] + drawn["width"] <= frame["x"] + frame["width"] + 1
    assert abs(drawn["height"] / drawn["width"] - 1920 / 1080) < 0.02
    assert abs(frame["height"] / frame["width"] - 1920 / 1080) < 0.03
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    # On a desk a problem's long line widens the figure: the phone still hugs its screen.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.get_by_label("标题 （必填）").fill("关于开展二〇二六年度全市职工职业技能大赛暨劳动和技能"
                                         "竞赛报名工作的通知")
    wechat = page.locator('figure[data-channel="wechat"]')
    expect(wechat.locator(".problems")).to_contain_text("微信标题最多 32 字",
                                                        timeout=shared.WAIT_MS)
    device = wechat.locator(".device").bounding_box()
    screen = wechat.locator("iframe").bounding_box()
    assert device["width"] <= screen["width"] + 2 * 10 + 1  # the frame's two edges only


def test_a_screens_html_zooms_down_with_a_narrowed_frame(page):  # noqa: F811
    """An outlet's HTML laid out at its own pixels (a 1080-wide slide) is zoomed to the frame's
    width however narrow the window makes it, though nothing runs in the frame to measure."""
    import html

    from hub.console.previews import document

    slide = "<div id=slide style='width:1080px;height:100px;background:#c00'></div>"
    shown = document({"html": slide, "width": 1080, "height": 1920}, "screen", 420)
    for width in (420, 316, 200):
        page.set_content(f'<iframe width="{width}" height="300" style="border:0" '
                         f'srcdoc="{html.escape(shown)}"></iframe>')
        drawn = page.frame_locator("iframe").locator("#slide").bounding_box()
        assert width - 12 <= drawn["width"] <= width, (width, drawn)
