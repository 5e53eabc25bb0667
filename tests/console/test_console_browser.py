"""The issue's "done when", in a real browser: an editor of 东莞 logs in, writes a post once,
previews it on every outlet, sends it for review; the reviewer approves and publishes it;
every delivery turns delivered; the post is on the 东莞 site and in its feed; it is withdrawn
everywhere and leaves the site and the feed. Debian's Chromium, driven by Playwright, against
the hub served over real HTTP on 127.0.0.1 with a dispatcher delivering in the background.

Outside CI, without /usr/bin/chromium, these tests skip and say why; with CI set they fail
instead (CI installs Chromium in .ci/run).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import feedparser
import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
WAIT_MS = 60_000  # generous: this waits for deliveries, it does not measure them
TITLE = "东莞市职工篮球联赛开始报名"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def browser(request):
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium fonts-wqy-microhei)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            reason = "playwright is not installed (pip install -r requirements.txt)"
    if reason:
        if _in_ci():
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        reporter = request.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"SKIPPING browser tests: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def outlets(live_hub, app, config, screens, receiver):
    """东莞's outlets besides its site: the test outlet over HTTP and a screen double."""
    from hub.accounts.services import get_account
    from hub.outlets.services import bind_outlet

    # A writing session: the hub is live, and SQLite will not turn a reader into a writer.
    with app.extensions["hub.sessions"]() as db:
        dongguan = get_account(db, "dongguan")
        bind_outlet(db, dongguan, channel="loopback", key="dg-loop", name="东莞测试终端",
                    config={"url": receiver.url}, hub_secret=config.secret())
        bind_outlet(db, dongguan, channel="led", key="dg-hongfu", name="鸿福路口大屏",
                    config={"width": 768, "height": 384}, hub_secret=config.secret())
        db.commit()
    return ["网站", "测试终端", "LED 大屏（测试替身）"]


def _png(size=(900, 383)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(out, format="PNG")
    return out.getvalue()


def _log_in_with_the_keyboard(page, url: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/console/")
    page.wait_for_url("**/console/login**")
    expect(page.get_by_label("用户名")).to_be_focused()  # focus is there on arrival
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("gonghui-demo-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/a/**")


def _log_out(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/console/login")


def test_an_editor_of_dongguan_publishes_everywhere_and_withdraws_everywhere(
        page, live_hub, outlets, receiver):
    from playwright.sync_api import expect

    url = live_hub.url
    _log_in_with_the_keyboard(page, url, "dg-editor")
    expect(page.get_by_role("heading", level=1)).to_have_text("东莞市总工会 · 概览")

    # Write it once.
    page.get_by_role("link", name="写稿").click()
    page.get_by_label("标题 （必填）").fill(TITLE)
    page.get_by_label("摘要", exact=True).fill("各镇街工会组队参赛，报名截至本月 30 日")
    page.get_by_label("栏目").select_option(label="职工文化")
    page.get_by_label("正文").fill("比赛分**男子组**和**女子组**。\n\n- 报名：所在镇街工会\n"
                                 "- 时间：周末晚上")
    # Every outlet's preview follows the typing, before anything is saved.
    for label in outlets:
        frame = page.frame_locator(f'iframe[title^="{label}预览"]')
        expect(frame.locator("h1").first).to_contain_text(TITLE)
    expect(page.locator("#preview-status")).to_have_text("预览已按当前输入更新（尚未保存）")
    # A cover chosen in the file field is in the previews before anything is saved.
    page.get_by_label("封面图片（JPG/PNG）").set_input_files(
        {"name": "球场.png", "mimeType": "image/png", "buffer": _png()})
    expect(page.locator("#upload-status")).to_contain_text("封面已上传，预览已换上「球场.png」")
    expect(page.frame_locator('iframe[title^="网站预览"]').locator("img.cover")).to_have_count(1)
    page.get_by_role("button", name="保存草稿并预览").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

    # Preview it on every outlet, side by side.
    frames = page.locator(".preview iframe")
    expect(frames).to_have_count(len(outlets))
    for label in outlets:
        frame = page.frame_locator(f'iframe[title^="{label}预览"]')
        expect(frame.locator("h1").first).to_contain_text(TITLE)
    website = page.frame_locator('iframe[title^="网站预览"]')
    expect(website.locator(".site-name")).to_have_text("东莞市总工会")
    expect(page.get_by_text("768×384 像素")).to_be_visible()

    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("p.flash[role=status]")).to_have_text("已提交审核")
    _log_out(page)

    # The reviewer approves and publishes it.
    _log_in_with_the_keyboard(page, url, "dg-reviewer")
    page.get_by_role("link", name="审核队列").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label("审核意见", exact=True).fill("同意发布")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("p.flash[role=status]")).to_have_text("已审核通过")
    page.locator("summary", has_text="立即发布").click()  # it asks once more
    page.get_by_role("button", name="确认立即发布").click()
    page.wait_for_url("**/deliveries")

    # Every delivery turns delivered (the board refreshes itself while any is under way).
    rows = page.locator("tr[data-state]")
    expect(rows).to_have_count(len(outlets))
    expect(page.locator('tr[data-state="delivered"]')).to_have_count(len(outlets))
    assert len(receiver.store.snapshot()["items"]["dg-loop"]) == 1

    # It is on the 东莞 site, reads on a phone, and is in the site's feed.
    page.locator('tr[data-channel="web"]').get_by_role("link", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    post_url = page.url
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{url}/sites/dongguan/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(Path(os.environ.get("HUB_SCREENSHOTS", "/tmp")) /
                             "dongguan-site-phone.png"), full_page=True)
    feed = feedparser.parse(page.request.get(f"{url}/sites/dongguan/feed.atom").body())
    assert not feed.bozo and TITLE in [entry.title for entry in feed.entries]
    page.set_viewport_size({"width": 1280, "height": 900})

    # Withdraw it everywhere.
    page.go_back()
    page.go_back()
    page.wait_for_url("**/deliveries")
    page.get_by_placeholder("撤回原因（可不填）").fill("报名改期")
    page.get_by_role("button", name="全部撤回").click()
    # Asked once more, naming how many outlets it reaches.
    expect(page.get_by_role("heading", level=1)).to_contain_text("确认撤回")
    expect(page.locator(".confirm strong")).to_have_text(f"{len(outlets)} 个终端")
    page.get_by_role("button", name=f"确认撤回（{len(outlets)} 个终端）").click()
    expect(page.locator('tr[data-state="withdrawn"]')).to_have_count(len(outlets))
    assert receiver.store.snapshot()["items"]["dg-loop"] == {}
    gone = page.goto(post_url)
    assert gone.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在，或稿件已撤回")
    feed = feedparser.parse(page.request.get(f"{url}/sites/dongguan/feed.atom").body())
    assert TITLE not in [entry.title for entry in feed.entries]


def _scheduled_post(app, url: str, title: str, at: str) -> int:
    """A 东莞 post written, approved and scheduled for `at` (Beijing time) through the API."""
    import requests

    from hub.users import services as users

    with app.extensions["hub.sessions"]() as db:
        author, reviewer = ({"Authorization": "Bearer " + users.issue_token(
            db, users.get_user(db, name), "browser test")} for name in ("dg-editor",
                                                                           "dg-reviewer"))
        db.commit()
    made = requests.post(f"{url}/api/v1/posts", headers=author, timeout=30, json={
        "account": "dongguan", "title": title, "body": "正文", "channels": ["web"]})
    post_id = made.json()["id"]
    requests.post(f"{url}/api/v1/posts/{post_id}/submit", headers=author, timeout=30)
    requests.post(f"{url}/api/v1/posts/{post_id}/approve", headers=reviewer, timeout=30)
    done = requests.post(f"{url}/api/v1/posts/{post_id}/publish", headers=reviewer,
                         json={"at": at}, timeout=30)
    assert done.json()["state"] == "scheduled", done.text
    return post_id


def test_the_overview_draws_its_charts_the_calendar_moves_by_dragging_and_no_inline_script(
        page, live_hub, outlets, app):
    from playwright.sync_api import expect

    post_id = _scheduled_post(app, live_hub.url, "拖动改期的稿件", "2030-01-15T09:30")

    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    _log_in_with_the_keyboard(page, live_hub.url, "dg-reviewer")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    expect(page.get_by_role("img", name="近 14 天发布的稿件")).to_be_visible()
    # The demo's 东莞 post was delivered to the site by the dispatcher.
    expect(page.get_by_role("cell", name="网站", exact=True)).to_be_visible()
    page.get_by_label("当前账号").select_option(label="　虎门镇总工会")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("虎门镇总工会 · 概览")

    # Rescheduling by moving: dragged to another day, the post keeps its time of day.
    page.goto(f"{live_hub.url}/console/a/dongguan/calendar?day=2030-01-01")
    entry = page.locator(f'.entry[data-post-id="{post_id}"]')
    expect(page.locator('td[data-date="2030-01-15"]')).to_contain_text("09:30 定时")
    entry.drag_to(page.locator('td[data-date="2030-01-17"]'))
    expect(page.locator("p.flash[role=status]")).to_have_text("已安排定时发布")
    expect(page.locator('td[data-date="2030-01-17"]')).to_contain_text("拖动改期的稿件")
    expect(page.locator('td[data-date="2030-01-17"]')).to_contain_text("09:30 定时")
    expect(page.locator('td[data-date="2030-01-15"]')).not_to_contain_text("拖动改期的稿件")
    _photograph(page, "calendar")
    # And taken off the schedule from there, after saying yes once more.
    page.locator(f'.entry[data-post-id="{post_id}"] summary').click()
    page.get_by_role("button", name="确认取消定时").click()
    expect(page.locator("p.flash[role=status]")).to_contain_text("已取消定时")
    expect(page.locator(f'.entry[data-post-id="{post_id}"]')).to_have_count(0)
    page.goto(f"{live_hub.url}/console/posts/{post_id}")
    expect(page.locator(".post-head .state")).to_have_text("已审核")
    assert violations == []


def _photograph(tab, name: str) -> None:
    """The page at desktop and phone widths into HUB_SCREENSHOTS (default /tmp)."""
    for label, width in (("desktop", 1280), ("phone", 390)):
        tab.set_viewport_size({"width": width, "height": 900})
        tab.screenshot(path=str(Path(os.environ.get("HUB_SCREENSHOTS", "/tmp")) /
                                f"{name}-{label}.png"), full_page=True)
    tab.set_viewport_size({"width": 1280, "height": 900})


# -- accessibility: axe-core on every console and site page ------------------------------

SERIOUS = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    from importlib.resources import files

    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


# WCAG 2.1 A and AA; the preview frames are not entered (they are sandboxed, nothing can
# run in them; the pages they show, the sites', are checked on their own).
AXE_OPTIONS = ("{resultTypes: ['violations'], iframes: false, runOnly: {type: 'tag', "
               "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}")


def _serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(f"axe.run(document, {AXE_OPTIONS})")
    return [f"{v['id']} ({v['impact']}): {len(v['nodes'])}× "
            f"{v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')[:200]}"
            for v in results["violations"] if v["impact"] in SERIOUS]


def test_no_console_or_site_page_has_a_serious_accessibility_violation(
        browser, live_hub, outlets):
    from playwright.sync_api import expect

    url = live_hub.url
    # axe is injected as a script: this context alone lets it past the pages' policy.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    checked: list[str] = []

    def check(path: str, width: int = 1280) -> None:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.goto(url + path).status in (200, 404), path
        checked.append(path)
        problems = _serious_violations(page)
        if problems:
            found[f"{path} @{width}"] = problems

    for path in ("/", "/no-such-page", "/merchant/", "/console/login", "/sites/",
                 "/sites/dongguan/", "/sites/dongguan/promotions/",
                 "/sites/dongguan/no-such-page"):
        check(path)
    page.goto(f"{url}/sites/dongguan/")
    site_topic = page.locator("main a[href*='/topics/']").first.get_attribute("href")
    check(page.locator("main a[href*='/posts/']").first.get_attribute("href"))
    check(site_topic)

    page.goto(f"{url}/console/login")
    page.get_by_label("用户名").fill("gd-admin")  # sees every tab of every account
    page.get_by_label("密码").fill("gonghui-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/a/**")
    base = "/console/a/dongguan"
    for path in ("/console/me", f"{base}/", f"{base}/posts", f"{base}/compose", f"{base}/review",
                 f"{base}/calendar", f"{base}/campaigns",
                 f"{base}/members", f"{base}/users", f"{base}/audit", f"{base}/topics",
                 f"{base}/services", f"{base}/settings", f"{base}/promo-codes"):
        check(path)
    page.goto(f"{url}{base}/topics")
    topic_path = page.locator("main a[href^='/console/a/dongguan/topics/']").first \
        .get_attribute("href")
    check(topic_path)
    for path in (topic_path, f"{base}/services"):  # a phone's layouts
        check(path, width=390)
    page.goto(f"{url}{base}/posts")
    post_path = page.locator("main a[href^='/console/posts/']").first.get_attribute("href")
    for path in (post_path, f"{post_path}/deliveries", f"{post_path}/revisions"):
        check(path)
    for path in (post_path, f"{base}/compose", f"{base}/calendar",
                 f"{base}/settings"):  # a phone's layouts
        check(path, width=390)
    for path in (f"{base}/site", f"{base}/webhooks"):  # outlets' own pages, desk and phone
        check(path)
        check(path, width=390)
    page.goto(f"{url}{base}/campaigns")  # a campaign with its sources and 地推 codes
    campaign_path = page.locator("main a[href^='/console/campaigns/']").first.get_attribute(
        "href")
    check(campaign_path)
    check(campaign_path, width=390)
    page.goto(url + f"{post_path}/deliveries")
    if page.get_by_role("button", name="全部撤回").count():
        page.get_by_role("button", name="全部撤回").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("确认撤回")
        if problems := _serious_violations(page):
            found["confirm withdraw"] = problems
    context.close()
    assert len(checked) == 40  # every page above was loaded and checked
    assert not found, "\n".join(f"{where}: {problems}" for where, problems in found.items())


@pytest.mark.default_channels
def test_the_outlets_own_console_pages_have_no_serious_accessibility_violation(
        browser, live_hub):
    """The pages the LED, splash and WeChat adapters add to the console, with the hub's
    default channels and their demo outlets, found through the menu as an admin finds them."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{live_hub.url}/console/login")
    page.get_by_label("用户名").fill("gd-admin")
    page.get_by_label("密码").fill("gonghui-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/a/**")
    page.goto(f"{live_hub.url}/console/a/dongguan/")
    paths = [page.get_by_role("link", name=tab, exact=True).first.get_attribute("href")
             for tab in ("LED 屏幕", "开屏位", "公众号")]
    page.goto(live_hub.url + paths[0])
    paths.append(page.locator("main a[href*='/screens/']").first.get_attribute("href"))
    found = {}
    for path in paths:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            assert page.goto(live_hub.url + path).status == 200, path
            if problems := _serious_violations(page):
                found[f"{path} @{width}"] = problems
    context.close()
    assert not found, "\n".join(f"{where}: {problems}" for where, problems in found.items())


@pytest.fixture
def wechat_back_office(app):
    """The WeChat sandbox playing WeChat for the live hub, knowing one official account that
    东莞 made in WeChat's back office (its appid and secret)."""
    import requests

    from adapters.wechat.sandbox import serve
    from adapters.wechat.settings import WeChatSettings
    from hub import channels

    server = serve()
    channels.get_channel("wechat").settings = WeChatSettings(api_base=server.url, timeout=5.0)
    answer = requests.post(f"{server.url}/sandbox/apps", timeout=10, json={
        "appid": "wx00dongguan000001", "secret": "0123456789abcdef0123456789abcdef",
        "token": "sandboxtoken", "encoding_aes_key": None, "callback_url": None,
        "account_type": "subscription"})
    assert answer.status_code == 200, answer.text
    yield server
    server.shutdown()


@pytest.mark.default_channels
def test_an_admin_sets_dongguan_up_in_the_browser(browser, live_hub, wechat_back_office):
    """An admin of 东莞, in the console alone: creates an author for 虎门, binds an official
    account (a wrong secret is named plainly), registers a screen and pairs it with the code
    its controller shows."""
    import requests
    from playwright.sync_api import expect

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    url, base = live_hub.url, "/console/a/dongguan"
    page.goto(f"{url}/console/login")
    page.get_by_label("用户名").fill("gd-admin")
    page.get_by_label("密码").fill("gonghui-demo-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/console/a/**")

    page.goto(f"{url}{base}/users")
    page.locator("#new-username").fill("hm-writer")
    page.locator("#new-name").fill("虎门新编辑")
    page.locator("#new-account").select_option("dg-humen")
    page.locator("#new-role").select_option("author")
    page.get_by_role("button", name="创建并生成初始密码").click()
    expect(page.locator("main")).to_contain_text("hm-writer")
    expect(page.locator(".once, [role=status]").first).to_be_visible()

    page.get_by_role("link", name="公众号", exact=True).first.click()
    page.get_by_label("名称").fill("东莞工会")
    page.get_by_label("AppID").fill("wx00dongguan000001")
    page.get_by_label("AppSecret").fill("ffffffffffffffffffffffffffffffff")
    page.get_by_role("button", name="验证并绑定").click()
    expect(page.locator("main")).to_contain_text("AppSecret 不正确")  # the wrong part, named
    page.get_by_label("AppSecret").fill("0123456789abcdef0123456789abcdef")
    page.get_by_role("button", name="验证并绑定").click()
    expect(page.locator("main")).to_contain_text("微信已确认凭据有效")
    expect(page.locator("main")).to_contain_text(f"{url}/wechat/callback/wx00dongguan000001")

    page.get_by_role("link", name="LED 屏幕", exact=True).first.click()
    page.locator("#reg-code").fill("dg-square")
    page.locator("#reg-name").fill("广场屏")
    page.locator("#reg-width").fill("960")
    page.locator("#reg-height").fill("480")
    page.get_by_role("button", name="登记屏幕").click()
    expect(page.locator("main")).to_contain_text("已登记：广场屏（dg-square，960×480）")
    started = requests.post(f"{url}/led/v1/pairings", timeout=10).json()  # as a controller
    page.get_by_label("配对码").fill(started["pairing_code"])
    page.get_by_role("button", name="配对").click()
    expect(page.locator("main")).to_contain_text("配对成功")
    claimed = requests.post(f"{url}/led/v1/pairings/claim", timeout=10,
                            json={"claim_secret": started["claim_secret"]}).json()
    assert claimed["status"] == "paired" and claimed["screen"]["code"] == "dg-square"
    context.close()


def test_an_admin_picks_the_logo_from_the_library_with_the_keyboard(page, live_hub):
    """账号设置: a logo uploaded once is in the account's library; picking it there (by the
    keyboard alone) fills the address and shows it before saving."""
    from playwright.sync_api import expect

    url = live_hub.url
    _log_in_with_the_keyboard(page, url, "gd-admin")
    page.goto(f"{url}/console/a/dongguan/settings")
    expect(page.locator("#logo-status")).to_have_text("还没有标志")
    page.get_by_label("上传新标志").set_input_files(
        {"name": "东莞标志.png", "mimeType": "image/png", "buffer": _png((240, 240))})
    expect(page.locator("#logo-status")).to_have_text("将上传「东莞标志.png」作为新标志（保存后生效）")
    page.get_by_role("button", name="保存资料").click()
    expect(page.locator("p.flash").first).to_contain_text("已保存账号资料")
    uploaded = page.get_by_label("或填写图片地址").input_value()
    assert uploaded.startswith("/media/")
    expect(page.locator("#logo-preview")).to_have_attribute("src", uploaded)

    page.get_by_label("或填写图片地址").fill("https://example.cn/old.png")
    page.locator(".logo-library summary").focus()
    page.keyboard.press("Enter")  # open the library
    page.get_by_label("不从素材库换（用下方填写的地址）").focus()
    page.keyboard.press("ArrowRight")  # the next picture in the group
    expect(page.get_by_label("或填写图片地址")).to_have_value(uploaded)
    expect(page.locator("#logo-status")).to_have_text("新标志：「东莞标志.png」（保存后生效）")
    page.get_by_role("button", name="保存资料").focus()
    page.keyboard.press("Enter")
    expect(page.locator("p.flash").first).to_contain_text("已保存账号资料")
    expect(page.get_by_label("或填写图片地址")).to_have_value(uploaded)
