"""The console's layout where union staff use it, in a real browser (Debian's Chromium via
Playwright, the hub over real HTTP): on a phone 390 CSS px wide every control is at least
44×44 to a finger (WCAG 2.5.5, 适老化) and a table too wide for its card scrolls sideways
with a shade at the edge instead of being cut off; on a 1366 px office desktop the tab bar
shows every tab. Measured on pages that have each kind of control and table: the post form's
kind and channel choices, the calendar's 月/周, the delivery board's 查看, a campaign's 会员来源,
the KPI ranking, an LED screen's playlist."""

from __future__ import annotations

import pytest

from tests.console import test_console_browser as shared

browser = shared.browser  # the same Chromium as the other browser tests
PHONE, DESK = {"width": 390, "height": 844}, {"width": 1366, "height": 768}

# Controls smaller than 44×44, as "what (width×height)". A box or round counts its label's
# area; a link inside a hint's or message's sentence is WCAG's inline exception.
SMALL_TARGETS = """() => {
  const small = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    if (el.closest('.visually-hidden, .hint, .flash, dd')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right < 0) continue;
    let [width, height] = [box.width, box.height];
    for (const label of el.labels && /checkbox|radio/.test(el.type) ? el.labels : []) {
      const area = label.getBoundingClientRect();
      [width, height] = [Math.max(width, area.width), Math.max(height, area.height)];
    }
    if (width < 43.5 || height < 43.5)
      small.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || '').trim()
        .slice(0, 20)}" (${Math.round(width)}×${Math.round(height)})`);
  }
  return small;
}"""

# Boxes whose content is wider than they are with nothing to say so: content spilling over
# a card's edge, or cut off by a scroller without a shade (a background scrolling with it).
UNMARKED_OVERFLOW = """() => {
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth + 1) found.push('the page');
  for (const el of document.querySelectorAll('header *, main *')) {
    const style = getComputedStyle(el);
    if (['none', 'inline', 'contents'].includes(style.display)) continue;
    if (el.closest('svg, .visually-hidden')) continue;
    if (['INPUT', 'SELECT', 'TEXTAREA', 'IFRAME'].includes(el.tagName)) continue;
    if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
    const shaded = /auto|scroll/.test(style.overflowX)
      && style.backgroundAttachment.includes('local');
    const boxed = style.overflowX !== 'visible' || parseFloat(style.borderRightWidth) > 0;
    if (!shaded && boxed)
      found.push(`${el.tagName.toLowerCase()}.${el.className} "${el.innerText.trim()
        .slice(0, 20)}" (${el.scrollWidth - el.clientWidth} px more)`);
  }
  return found;
}"""


def _logged_in_page(browser, url: str, **device):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **device)
    context.set_default_timeout(shared.WAIT_MS)
    page = context.new_page()
    page.goto(f"{url}/console/login")
    page.get_by_label("用户名").fill("gd-admin")  # sees every tab of every account
    page.get_by_label("密码").fill("gonghui-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/a/**")
    return page


def _first_link(page, url: str, path: str, selector: str) -> str:
    page.goto(url + path)
    return page.locator(selector).first.get_attribute("href")


@pytest.mark.default_channels
def test_on_a_phone_every_control_is_a_fingers_width_and_no_table_is_cut_off(browser, live_hub):
    url, base = live_hub.url, "/console/a/dongguan"
    page = _logged_in_page(browser, url, viewport=PHONE, is_mobile=True, has_touch=True)
    post = _first_link(page, url, f"{base}/posts", "main a[href^='/console/posts/']")
    campaign = _first_link(page, url, f"{base}/campaigns", "main a[href^='/console/campaigns/']")
    screens = page.get_by_role("link", name="LED 屏幕", exact=True).get_attribute("href")
    screen = _first_link(page, url, screens, "main a[href*='/screens/']")
    found = {}
    for path in (f"{base}/compose", f"{base}/calendar", f"{post}/deliveries", campaign,
                 f"{base}/kpis", screen):
        assert page.goto(url + path).status == 200, path
        problems = page.evaluate(SMALL_TARGETS) + page.evaluate(UNMARKED_OVERFLOW)
        if problems:
            found[path] = problems
    page.context.close()
    assert not found, "\n".join(f"{path}: {problems}" for path, problems in found.items())


@pytest.mark.default_channels
def test_on_a_desktop_the_tab_bar_shows_every_tab(browser, live_hub):
    page = _logged_in_page(browser, live_hub.url, viewport=DESK)
    page.goto(f"{live_hub.url}/console/a/dongguan/settings")
    bar = page.locator("nav.tabs")
    assert bar.evaluate("tabs => tabs.scrollWidth <= tabs.clientWidth")
    site = page.get_by_role("link", name="网站 ↗").bounding_box()
    assert site["x"] + site["width"] <= DESK["width"]
    page.context.close()
