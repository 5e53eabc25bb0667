"""The console's pages through a Flask client: compose, preview every outlet, review,
schedule, the delivery board with its retries, withdraw everywhere, the overview."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from console_support import csrf_of, post_form
from sqlalchemy import select

from hub.accounts.services import get_account
from hub.deliveries.models import Delivery
from hub.outlets.services import bind_outlet
from hub.posts.models import Post


def _bind(db, config, code, channel, key, **outlet_config):
    outlet = bind_outlet(db, get_account(db, code), channel=channel, key=key,
                         name=f"{key} 终端", config=outlet_config, hub_secret=config.secret())
    db.commit()
    return outlet


def _compose(client, code="dongguan", **fields):
    data = {"kind": "article", "title": "职工健步走活动", "summary": "",
            "body": "周六上午九点 **市民广场** 集合", "column": "news",
            "channels": ["web", "loopback", "led"]} | fields
    response = post_form(client, f"/console/a/{code}/compose", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _act(client, post_id, action, **extra):
    return post_form(client, f"/console/posts/{post_id}", {"action": action, **extra},
                     to=f"/console/posts/{post_id}/act")


def _published(console_as, title: str) -> tuple[int, object]:
    """A 东莞 post written by dg-editor, approved and published by dg-reviewer."""
    editor, reviewer = console_as("dg-editor"), console_as("dg-reviewer")
    post_id = _compose(editor, title=title)
    _act(editor, post_id, "submit")
    _act(reviewer, post_id, "approve")
    assert _act(reviewer, post_id, "publish").status_code == 302
    return post_id, reviewer


@pytest.fixture
def outlets(db, config, sites, screens, receiver):
    _bind(db, config, "dongguan", "loopback", "dg-loop", url=receiver.url)
    _bind(db, config, "dongguan", "led", "dg-hongfu", width=768, height=384)


def test_compose_once_saves_every_field_in_the_hub(console_as, db, sites):
    editor = console_as("dg-editor")
    post_id = _compose(editor, kind="promotion", title="电影半价周", summary="会员专享",
                       column="welfare", link_url="https://example.cn/movie",
                       valid_from="2030-05-01T09:00", valid_until="2030-05-07T22:00",
                       channels=["web"], push_down="all")
    db.rollback()
    post = db.get(Post, post_id)
    assert (post.kind, post.title, post.summary, post.column.slug, post.link_url) == (
        "promotion", "电影半价周", "会员专享", "welfare", "https://example.cn/movie")
    # Times in the form are Beijing time; the hub keeps UTC.
    assert post.valid_from == dt.datetime(2030, 5, 1, 1, 0, tzinfo=dt.UTC)
    assert post.channels is None  # the one channel offered was chosen: every outlet
    assert post.push_down == ["*"] and post.state == "draft" and post.author.username == \
        "dg-editor"


def test_bad_input_is_named_and_the_form_keeps_what_was_typed(console_as, sites):
    editor = console_as("dg-editor")
    response = post_form(editor, "/console/a/dongguan/compose", {
        "kind": "article", "title": "保留我写的字", "body": "正文还在", "link_url": "不是链接",
        "channels": ["web"]})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "链接：应为网址（以 https:// 或 http:// 开头）" in page and 'aria-invalid="true"' in page
    assert 'value="保留我写的字"' in page and "正文还在" in page
    none_chosen = post_form(editor, "/console/a/dongguan/compose",
                            {"kind": "article", "title": "没选渠道"})
    assert none_chosen.status_code == 400
    assert "请至少选择一个发布渠道" in none_chosen.get_data(as_text=True)


def test_preview_shows_every_outlet_as_it_shows_the_post(console_as, outlets):
    editor = console_as("dg-editor")
    post_id = _compose(editor, title="全市职工运动会报名")
    page = editor.get(f"/console/posts/{post_id}").get_data(as_text=True)
    frames = re.findall(r'<iframe name="[^"]+" title="([^"]+)" src="([^"]+)" width="(\d+)" '
                        r'height="(\d+)"', page)
    labels = sorted(title.split("预览")[0] for title, *_ in frames)
    assert labels == ["LED 大屏（测试替身）", "测试终端", "网站"]
    # The screen keeps its proportions (768×384 drawn 420 wide) and says its pixel size.
    screen = next(f for f in frames if f[0].startswith("LED"))
    assert (screen[2], screen[3]) == ("420", "210") and "768×384 像素" in page
    for _, src, _, _ in frames:
        document = editor.get(src)
        assert document.status_code == 200
        assert "全市职工运动会报名" in document.get_data(as_text=True)
        assert "sandbox" in document.headers["Content-Security-Policy"]
        assert document.headers["X-Frame-Options"] == "SAMEORIGIN"
    website = next(src for title, src, *_ in frames if title.startswith("网站"))
    site_page = editor.get(website).get_data(as_text=True)
    assert '<link rel="stylesheet" href="/sites/dongguan/site.css">' in site_page
    assert "工会要闻" in site_page  # the site's own column, as the page will show it
    assert f"http://127.0.0.1:5000/sites/dongguan/posts/{post_id}" in page


def test_a_channel_left_out_is_marked_not_previewed(console_as, outlets):
    editor = console_as("dg-editor")
    post_id = _compose(editor, channels=["web", "led"])
    page = editor.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert "本稿件不发往此渠道" in page
    # Every outlet keeps its frame (ticking the channel again previews it at once); the one
    # left out is hidden.
    assert page.count("<iframe ") == 3 and page.count('<div class="device" hidden>') == 1


def test_review_then_publish_and_watch_the_board(console_as, outlets, dispatcher, db):
    editor, reviewer = console_as("dg-editor"), console_as("dg-reviewer")
    post_id = _compose(editor, title="夏季送清凉")
    post_page = editor.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert 'value="submit"' in post_page and 'value="publish"' not in post_page
    assert _act(editor, post_id, "submit").status_code == 302
    queue = reviewer.get("/console/a/dongguan/review").get_data(as_text=True)
    assert "夏季送清凉" in queue
    own = _act(editor, post_id, "approve")  # an author cannot review, not even by URL
    assert own.status_code == 302
    db.rollback()
    assert db.get(Post, post_id).state == "in_review"
    assert _act(reviewer, post_id, "approve", note="同意").status_code == 302
    published = _act(reviewer, post_id, "publish")
    assert published.headers["Location"] == f"/console/posts/{post_id}/deliveries"
    board = reviewer.get(f"/console/posts/{post_id}/deliveries").get_data(as_text=True)
    assert 'http-equiv="refresh"' in board and board.count('data-state="pending"') == 3
    dispatcher.drain()
    board = reviewer.get(f"/console/posts/{post_id}/deliveries").get_data(as_text=True)
    assert board.count('data-state="delivered"') == 3 and 'http-equiv="refresh"' not in board
    assert f'href="http://127.0.0.1:5000/sites/dongguan/posts/{post_id}"' in board


def test_schedule_in_beijing_time_and_refuse_the_past(console_as, outlets, db):
    meizhou = console_as("mz-editor")
    post_id = _compose(meizhou, code="meizhou", column="notice", title="技能大赛报名")
    later = _act(meizhou, post_id, "schedule", at="2030-01-01T09:00")
    assert later.status_code == 302
    db.rollback()
    post = db.get(Post, post_id)
    assert post.state == "scheduled"
    assert post.publish_at == dt.datetime(2030, 1, 1, 1, 0, tzinfo=dt.UTC)
    other = _compose(meizhou, code="meizhou", column="notice", title="过去的时间")
    refused = _act(meizhou, other, "schedule", at="2020-01-01T09:00")
    assert refused.status_code == 302
    page = meizhou.get(refused.headers["Location"]).get_data(as_text=True)
    assert "请选择一个晚于现在的发布时间" in page


def test_a_scheduled_post_offers_cancelling_not_withdrawing(console_as, outlets, db):
    """A scheduled post reached no outlet yet (it left any earlier publication through a
    withdrawal): 取消定时 is what it offers, not 全部撤回; once live, 全部撤回 is offered."""
    meizhou = console_as("mz-editor")
    post_id = _compose(meizhou, code="meizhou", column="notice", title="定时的通知")
    _act(meizhou, post_id, "schedule", at="2030-01-01T09:00")
    page = meizhou.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert "确认取消定时" in page
    assert 'value="withdraw"' not in page and "全部撤回" not in page
    board = meizhou.get(f"/console/posts/{post_id}/deliveries").get_data(as_text=True)
    assert "全部撤回" not in board
    _act(meizhou, post_id, "publish")
    page = meizhou.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert 'value="withdraw"' in page and "全部撤回" in page

def test_a_failure_is_told_in_plain_words_and_can_be_retried(console_as, outlets, receiver,
                                                             dispatcher):
    receiver.store.fail_next = [422]
    post_id, reviewer = _published(console_as, "工会法律援助进园区")
    dispatcher.drain()
    board_url = f"/console/posts/{post_id}/deliveries"
    board = reviewer.get(board_url).get_data(as_text=True)
    assert board.count('data-state="failed"') == 1
    assert "未能送达：终端拒收（HTTP 422）" in board and "重试" in board
    delivery_id = re.search(r"/deliveries/(\d+)/retry", board).group(1)
    retried = post_form(reviewer, board_url, {},
                        to=f"/console/posts/{post_id}/deliveries/{delivery_id}/retry")
    assert retried.status_code == 302
    dispatcher.drain()
    board = reviewer.get(board_url).get_data(as_text=True)
    assert board.count('data-state="delivered"') == 3


def test_withdraw_everywhere_from_the_board(console_as, outlets, dispatcher, db, client):
    post_id, reviewer = _published(console_as, "暂停开放通知")
    dispatcher.drain()
    assert client.get(f"/sites/dongguan/posts/{post_id}").status_code == 200
    asked = post_form(reviewer, f"/console/posts/{post_id}/deliveries",
                      {"action": "withdraw", "note": "信息有误"},
                      to=f"/console/posts/{post_id}/act")
    # The first click only asks, naming how many outlets the withdrawal reaches.
    assert asked.status_code == 200 and "<strong>3 个终端</strong>" in asked.get_data(as_text=True)
    db.rollback()
    assert db.get(Post, post_id).state == "published"
    withdrawn = post_form(reviewer, f"/console/posts/{post_id}/deliveries",
                          {"action": "withdraw", "note": "信息有误", "confirmed": "1"},
                          to=f"/console/posts/{post_id}/act")
    assert withdrawn.status_code == 302
    dispatcher.drain()
    db.rollback()
    states = db.scalars(select(Delivery.state).where(Delivery.post_id == post_id)).all()
    assert states and set(states) == {"withdrawn"}
    assert client.get(f"/sites/dongguan/posts/{post_id}").status_code == 404


def test_overview_draws_what_went_where(console_as, outlets, dispatcher, receiver):
    receiver.store.fail_next = [422]
    _, reviewer = _published(console_as, "概览里的稿件")
    dispatcher.drain()
    page = reviewer.get("/console/a/dongguan/").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 2 and 'role="img"' in page
    assert "网站：已送达 1" in page and "测试终端：失败 1" in page  # the charts' text form
    assert "概览里的稿件" in page and "终端拒收（HTTP 422）" in page
    assert "LED 大屏（测试替身）" in page
    failed = re.search(r'aria-labelledby="failed-h">.*?</section>', page, flags=re.S).group(0)
    assert "概览里的稿件</a>" in failed  # the post by its title, not its number


def test_switching_accounts_keeps_the_page(console_as, sites):
    editor = console_as("dg-editor")
    response = editor.get("/console/switch?account=dg-humen&page=review")
    assert response.headers["Location"] == "/console/a/dg-humen/review"
    assert editor.get("/console/switch?account=meizhou").status_code == 403
    page = editor.get("/console/a/dongguan/").get_data(as_text=True)
    assert '<label for="switch-account">当前账号</label>' in page
    assert 'value="dg-humen-garment"' in page  # two levels down are offered


def test_edit_a_live_post_goes_out_again(console_as, outlets, dispatcher, client):
    post_id, reviewer = _published(console_as, "第一版标题")
    dispatcher.drain()
    changes = {"title": "第二版标题", "body": "改过的正文", "column": "news",
               "channels": ["web", "loopback", "led"]}
    # 东莞 requires review: not even a reviewer changes live words alone. The edit waits as a
    # pending change; the form shows it, the site keeps the live version.
    saved = post_form(reviewer, f"/console/posts/{post_id}", changes)
    assert saved.status_code == 302
    page = reviewer.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert "已发布稿件的修改" in page and 'value="第二版标题"' in page
    assert _act(reviewer, post_id, "submit").status_code == 302
    assert 'value="approve"' not in reviewer.get(f"/console/posts/{post_id}").get_data(
        as_text=True)  # four eyes: the reviewer wrote it
    dispatcher.drain()
    assert "第一版标题" in client.get(f"/sites/dongguan/posts/{post_id}").get_data(as_text=True)
    admin = console_as("gd-admin")
    # Before approving, the reviewer reads what changes against the live version and sees
    # each outlet's preview of the change (the outlets themselves still have the live one).
    page = admin.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert "与已发布内容相比的改动" in page
    assert "<del>- 第一版标题</del>" in page and "<ins>+ 第二版标题</ins>" in page
    assert "<ins>+ 改过的正文</ins>" in page
    frames = re.findall(rf'src="(/console/posts/{post_id}/preview/\d+)"', page)
    assert frames and all("第二版标题" in admin.get(frame).get_data(as_text=True)
                          for frame in frames)
    assert "第一版标题" in client.get(f"/sites/dongguan/posts/{post_id}").get_data(as_text=True)
    assert _act(admin, post_id, "approve").status_code == 302
    dispatcher.drain()
    page = client.get(f"/sites/dongguan/posts/{post_id}").get_data(as_text=True)
    assert "第二版标题" in page and "第一版标题" not in page
    board = reviewer.get(f"/console/posts/{post_id}/deliveries").get_data(as_text=True)
    assert "早先几次发布的投递" in board


def test_csrf_token_is_on_every_form(console_as, outlets):
    editor = console_as("dg-editor")
    post_id = _compose(editor)
    page = editor.get(f"/console/posts/{post_id}").get_data(as_text=True)
    forms = re.findall(r'<form method="post".*?</form>', page, flags=re.S)
    assert forms and all('name="csrf_token"' in form for form in forms)
    assert csrf_of(editor.get("/console/a/dongguan/"))


def test_every_form_control_has_a_label(console_as, outlets):
    from lxml import html as lxml_html

    editor = console_as("dg-editor")
    post_id = _compose(editor)
    pages = ["/console/a/dongguan/compose", f"/console/posts/{post_id}",
             f"/console/posts/{post_id}/deliveries", "/console/a/dongguan/"]
    for url in pages:
        tree = lxml_html.fromstring(editor.get(url).get_data(as_text=True))
        labelled = set(tree.xpath("//label/@for"))
        for control in tree.xpath("//input[not(@type='hidden')] | //select | //textarea"):
            wrapped = control.xpath("ancestor::label")
            assert wrapped or control.get("id") in labelled, (url, lxml_html.tostring(control))
        for button in tree.xpath("//button"):
            assert button.text_content().strip(), (url, "a button without words")


def test_a_live_post_sent_to_channels_the_form_does_not_show_can_still_be_edited(
        console_as, outlets, dispatcher, client, token_for):
    # Published through the API to a channel 东莞 has no outlet for (so the form does not
    # offer it) and pushed down to one town only (the form says all or nothing).
    reviewer = token_for("dg-reviewer")
    created = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "接口发出的稿件", "body": "正文",
        "channels": ["web", "loopback", "webhook"], "push_down": ["dg-humen"]})
    assert created.status_code == 201, created.get_json()
    post_id = created.get_json()["id"]
    client.post(f"/api/v1/posts/{post_id}/submit", headers=token_for("dg-editor"))
    for action in ("approve", "publish"):
        answer = client.post(f"/api/v1/posts/{post_id}/{action}", headers=reviewer)
        assert answer.status_code == 200, answer.get_json()
    editor = console_as("dg-editor")
    page = editor.get(f"/console/posts/{post_id}").get_data(as_text=True)
    shown = re.findall(r'name="channels" value="(\w+)" checked', page)
    assert "webhook" not in shown and "web" in shown
    data = {"title": "接口发出的稿件（改）", "body": "正文", "column": "news",
            "channels": shown, "push_down": "all"}
    saved = post_form(editor, f"/console/posts/{post_id}", data)
    assert saved.status_code == 302, saved.get_data(as_text=True)  # waits for review
    post = client.get(f"/api/v1/posts/{post_id}", headers=reviewer).get_json()
    assert post["pending"] is not None
    assert post["channels"] == ["web", "loopback", "webhook"]
    assert post["push_down"] == ["dg-humen"]


def test_publishing_now_asks_once_more_naming_how_many_outlets(console_as, outlets):
    editor, reviewer = console_as("dg-editor"), console_as("dg-reviewer")
    post_id = _compose(editor, title="发布前再确认")
    _act(editor, post_id, "submit")
    _act(reviewer, post_id, "approve")
    page = reviewer.get(f"/console/posts/{post_id}").get_data(as_text=True)
    confirm = re.search(r'<details class="confirm-publish">.*?</details>', page, flags=re.S)
    assert confirm and "<summary>立即发布</summary>" in confirm.group(0)
    assert "现在就把「发布前再确认」发往 3 个终端" in confirm.group(0)  # web, loopback, led
    assert 'value="publish" class="primary">确认立即发布' in confirm.group(0)
