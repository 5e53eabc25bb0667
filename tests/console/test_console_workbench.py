"""The editors' workbench through a Flask client: live previews of an unsaved draft, the
grouped deliveries board and its group retry, the calendar, the overview's screens, and the
web basics every page gets (gzip that keeps 304s, favicon, robots.txt, a Chinese home and
404, meta descriptions, absolute URLs in feeds, plain Chinese messages)."""

from __future__ import annotations

import datetime as dt
import gzip
import re

import feedparser
import pytest
from console_support import ScreenDouble, csrf_of, post_form
from sqlalchemy import func, select

from hub.accounts.services import get_account
from hub.db import utcnow
from hub.deliveries.models import Delivery
from hub.outlets.services import bind_outlet
from hub.posts.models import Post

GZIP = {"Accept-Encoding": "gzip"}


def _bind(db, config, code, channel, key, **outlet_config):
    outlet = bind_outlet(db, get_account(db, code), channel=channel, key=key,
                         name=f"{key} 终端", config=outlet_config, hub_secret=config.secret())
    db.commit()
    return outlet


@pytest.fixture
def outlets(db, config, sites, screens, receiver):
    _bind(db, config, "dongguan", "loopback", "dg-loop", url=receiver.url)
    return _bind(db, config, "dongguan", "led", "dg-hongfu", width=768, height=384)


def _compose(client, **fields):
    data = {"kind": "article", "title": "职工健步走活动", "body": "周六上午九点集合",
            "channels": ["web", "loopback", "led"]} | fields
    response = post_form(client, "/console/a/dongguan/compose", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _act(client, post_id, action, **extra):
    return post_form(client, f"/console/posts/{post_id}", {"action": action, **extra},
                     to=f"/console/posts/{post_id}/act")


def _draft(client, page_url: str, **fields) -> dict:
    return {"csrf_token": csrf_of(client.get(page_url)), "kind": "article",
            "channels_shown": "1", "channels": ["web", "loopback", "led"]} | fields


# -- live previews ----------------------------------------------------------------------------

def test_an_unsaved_draft_is_previewed_on_every_outlet_and_nothing_is_saved(
        console_as, outlets, db):
    editor = console_as("dg-editor")
    before = db.scalar(select(func.count()).select_from(Post))
    compose = "/console/a/dongguan/compose"
    page = editor.get(compose).get_data(as_text=True)
    assert 'src="/console/static/live-preview.js?v=' in page and "<script>" not in page
    draft = _draft(editor, compose, title="还没保存的标题", body="正文 **加粗**")

    answer = editor.post("/console/a/dongguan/draft/previews", data=draft)
    shown = {p["channel"]: p for p in answer.get_json()["previews"]}
    assert set(shown) == {"web", "loopback", "led"}
    assert shown["led"]["pixel_size"] == "768×384" and shown["led"]["width"] == 420
    document = editor.post(f"/console/a/dongguan/draft/preview/{outlets.id}", data=draft)
    assert "还没保存的标题" in document.get_data(as_text=True)
    assert "sandbox" in document.headers["Content-Security-Policy"]
    native = editor.post(f"/console/a/dongguan/draft/preview/{outlets.id}",
                         data=draft | {"full": "1"})
    assert "zoom:1.0000" in native.get_data(as_text=True)  # the 1:1 view, at 768 pixels

    # Leaving a channel out shows at once; nothing was written by any of it.
    left_out = editor.post("/console/a/dongguan/draft/previews",
                           data=draft | {"channels": ["web"]}).get_json()["previews"]
    assert {p["channel"]: p["excluded"] for p in left_out} == {
        "web": False, "loopback": True, "led": True}
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Post)) == before


def test_a_saved_post_previews_its_edits_without_saving_them(console_as, outlets, db):
    editor = console_as("dg-editor")
    post_id = _compose(editor, title="原来的标题")
    page = f"/console/posts/{post_id}"
    draft = _draft(editor, page, post_id=str(post_id), title="改过但没保存")
    web = next(p for p in editor.post("/console/a/dongguan/draft/previews",
                                      data=draft).get_json()["previews"]
               if p["channel"] == "web")
    shown = editor.post(f"/console/a/dongguan/draft/preview/{web['outlet_id']}", data=draft)
    assert "改过但没保存" in shown.get_data(as_text=True)
    db.rollback()
    assert db.get(Post, post_id).title == "原来的标题"
    # Another account's post cannot be previewed through this account.
    other = editor.post("/console/a/dongguan/draft/previews",
                        data=draft | {"post_id": "999999"})
    assert other.status_code == 404


def test_each_outlet_problems_are_beside_its_preview(console_as, outlets, app):
    from hub import channels

    class Fussy(ScreenDouble):
        def check(self, post, outlet):
            return [f"大屏标题最多 8 字，现为 {len(post.title)} 字"] if len(post.title) > 8 else []

    channels.register(Fussy())
    editor = console_as("dg-editor")
    draft = _draft(editor, "/console/a/dongguan/compose", title="一个超过八个字的很长的标题")
    shown = {p["channel"]: p for p in editor.post(
        "/console/a/dongguan/draft/previews", data=draft).get_json()["previews"]}
    assert shown["led"]["problems"] == ["大屏标题最多 8 字，现为 13 字"]
    assert shown["web"]["problems"] == []
    page = editor.get("/console/a/dongguan/compose").get_data(as_text=True)
    assert 'data-exclude="led"' in page  # the fix in place: leave this outlet out


def _png(color=(200, 16, 46), size=(640, 360)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_picture_dropped_into_the_body_goes_to_the_library_and_can_be_the_cover(
        console_as, outlets, db):
    import io

    editor = console_as("dg-editor")
    token = csrf_of(editor.get("/console/a/dongguan/compose"))
    uploaded = editor.post("/console/a/dongguan/media", data={
        "csrf_token": token, "file": (io.BytesIO(_png()), "球场.png")})
    assert uploaded.status_code == 201
    found = uploaded.get_json()
    assert re.fullmatch(r"!\[球场\]\(/media/\d+/[0-9a-f]{16}\)", found["markdown"])
    assert editor.get(found["url"]).status_code == 200
    library = editor.get("/console/a/dongguan/media").get_json()["items"]
    assert [item["id"] for item in library] == [found["id"]]

    refused = editor.post("/console/a/dongguan/media", data={
        "csrf_token": token, "file": (io.BytesIO(b"not a picture"), "x.png")})
    assert refused.status_code == 400 and refused.get_json()["message"]

    post_id = _compose(editor, body=f"看图\n\n{found['markdown']}",
                       cover_media_id=str(found["id"]))
    db.rollback()
    post = db.get(Post, post_id)
    assert post.cover_media_id == found["id"] and found["url"] in post.body_html


def test_revisions_show_what_changed_and_an_old_one_comes_back(console_as, outlets, db):
    editor = console_as("dg-editor")
    post_id = _compose(editor, title="第一稿", body="第一行\n第二行")
    edited = post_form(editor, f"/console/posts/{post_id}", {
        "title": "第二稿", "body": "第一行\n改过的第二行", "channels": ["web", "loopback", "led"],
        "channels_shown": "1"})
    assert edited.status_code == 302
    page = editor.get(f"/console/posts/{post_id}/revisions").get_data(as_text=True)
    assert "<del>- 第一稿</del>" in page and "<ins>+ 第二稿</ins>" in page
    assert "<ins>+ 改过的第二行</ins>" in page and "<span>  第一行</span>" in page
    restored = post_form(editor, f"/console/posts/{post_id}/revisions",
                         {}, to=f"/console/posts/{post_id}/revisions/1/restore")
    assert restored.status_code == 302
    db.rollback()
    post = db.get(Post, post_id)
    assert (post.title, post.body, post.revision) == ("第一稿", "第一行\n第二行", 3)


def test_each_channel_may_have_its_own_title(console_as, outlets, db):
    editor = console_as("dg-editor")
    post_id = _compose(editor, title="一个很长很长的通用标题", overrides_shown="1",
                       override_title_led="短标题")
    db.rollback()
    assert db.get(Post, post_id).overrides == {"led": {"title": "短标题"}}
    page = editor.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert 'value="短标题"' in page and '<details class="field overrides" id="overrides" open>' \
        in page
    draft = _draft(editor, f"/console/posts/{post_id}", post_id=str(post_id),
                   overrides_shown="1", override_title_led="改过的短标题")
    shown = editor.post(f"/console/a/dongguan/draft/preview/{outlets.id}", data=draft)
    assert "改过的短标题" in shown.get_data(as_text=True)


# -- the board, withdrawing, the calendar ---------------------------------------------------

def _published(console_as, title: str):
    editor, reviewer = console_as("dg-editor"), console_as("dg-reviewer")
    post_id = _compose(editor, title=title)
    _act(editor, post_id, "submit")
    _act(reviewer, post_id, "approve")
    assert _act(reviewer, post_id, "publish").status_code == 302
    return post_id, reviewer


def test_the_board_groups_by_channel_failed_first_and_retries_one_group(
        console_as, outlets, dispatcher, receiver, db):
    receiver.store.fail_next = [422]
    post_id, reviewer = _published(console_as, "分组看板")
    dispatcher.drain()
    board_url = f"/console/posts/{post_id}/deliveries"
    board = reviewer.get(board_url).get_data(as_text=True)
    groups = re.findall(r'<details class="card group" data-group="([^"]+)"', board)
    assert groups[0] == "loopback" and sorted(groups) == ["led", "loopback", "web"]
    failed_only = reviewer.get(board_url + "?state=failed").get_data(as_text=True)
    assert failed_only.count("<tr data-channel") == 1
    by_account = reviewer.get(board_url + "?by=account").get_data(as_text=True)
    assert re.findall(r'data-group="([^"]+)"', by_account) == ["dongguan"]

    retried = post_form(reviewer, board_url, {"channel": "loopback"},
                        to=f"/console/posts/{post_id}/deliveries/retry")
    assert retried.status_code == 302
    dispatcher.drain()
    db.rollback()
    states = db.scalars(select(Delivery.state).where(Delivery.post_id == post_id)).all()
    assert sorted(states) == ["delivered"] * 3


def test_scheduling_shows_when_and_the_calendar_moves_it(console_as, outlets, db):
    meizhou = console_as("mz-editor")  # 梅州 publishes without review
    response = post_form(meizhou, "/console/a/meizhou/compose",
                         {"kind": "article", "title": "定时的稿件", "body": "正文",
                          "channels": ["web"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    scheduled = _act(meizhou, post_id, "schedule", at="2030-01-15T09:00")
    assert scheduled.headers["Location"].endswith(f"/console/posts/{post_id}")
    page = meizhou.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert "将于 2030-01-15 09:00（北京时间）发出" in page

    calendar = "/console/a/meizhou/calendar?day=2030-01-01"
    month = meizhou.get(calendar).get_data(as_text=True)
    assert re.search(r'data-date="2030-01-15">.*?定时的稿件', month, flags=re.S)
    moved = post_form(meizhou, calendar, {"action": "schedule", "at": "2030-01-20T18:30"},
                      to=f"/console/posts/{post_id}/act",
                      headers={"Referer": f"http://localhost{calendar}"})
    assert moved.headers["Location"].endswith(calendar)
    db.rollback()
    assert db.get(Post, post_id).publish_at == dt.datetime(2030, 1, 20, 10, 30, tzinfo=dt.UTC)
    week = meizhou.get("/console/a/meizhou/calendar?view=week&day=2030-01-20")
    assert "定时的稿件" in week.get_data(as_text=True)

    # 取消定时: offered (behind a confirmation) on the post page and the calendar; it takes
    # the post off the schedule and back to draft (梅州 has no review), sending nothing.
    page = meizhou.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert '<summary>取消定时</summary>' in page and "确认取消定时" in page
    assert "确认取消定时" in week.get_data(as_text=True)
    cancelled = post_form(meizhou, calendar, {"action": "unschedule"},
                          to=f"/console/posts/{post_id}/act",
                          headers={"Referer": f"http://localhost{calendar}"})
    assert cancelled.headers["Location"].endswith(calendar)
    db.rollback()
    post = db.get(Post, post_id)
    assert (post.state, post.publish_at, post.version) == ("draft", None, 0)
    month = meizhou.get(calendar).get_data(as_text=True)
    assert "已取消定时" in month and "定时的稿件" not in month


def test_the_overview_counts_screens_not_outlets_and_what_they_played(
        console_as, outlets, app, db):
    from hub import channels, ports

    seen = dt.datetime(2026, 12, 7, 11, 5, tzinfo=dt.UTC)
    post_id, _ = _published(console_as, "大屏上播过的稿件")

    class Screens(ScreenDouble):
        def device_status(self, found):
            return [{"outlet_id": o.id, "name": f"屏 {n}", "online": n == 1,
                     "last_seen": seen if n == 1 else None} for o in found for n in (1, 2, 3)]

        def post_figures(self, post_ids):
            return {post_id: {"大屏播放": 1234}} if post_id in post_ids else {}

    channels.register(Screens())
    # Plays reported by a screen of 虎门 today, as an adapter counts them through the port.
    ports.count_kpis(db, "led_plays", get_account(db, "dg-humen").id, [utcnow()] * 7)
    db.commit()
    page = console_as("dg-reviewer").get("/console/a/dongguan/").get_data(as_text=True)
    row = re.search(r"大屏上播过的稿件.*?</tr>", page, flags=re.S).group(0)
    assert "大屏播放 1,234 次" in row
    per_account = re.search(r'<table class="list seen-per-account">.*?</table>', page,
                            flags=re.S).group(0)
    assert re.search(r"东莞市总工会（含下级，合计）</th><td[^>]*>7</td>", per_account)
    assert re.search(r"虎门镇总工会</th><td[^>]*>7</td><td[^>]*>0</td>", per_account)
    assert "dg-humen" not in per_account  # names, not codes
    row = re.search(r"<td>LED 大屏（测试替身）</td>(.*?)</tr>", page, flags=re.S).group(1)
    assert re.findall(r"<td[^>]*>(\d+)</td>", row) == ["1", "0", "3", "1", "2"]
    assert "2026-12-07 19:05" in page and page.count("从未连接") == 2
    assert "<td>东莞市总工会</td>" in page  # the account by name


# -- web basics -------------------------------------------------------------------------------

def test_root_pages_favicon_robots_and_a_chinese_404(client):
    home = client.get("/")
    assert home.status_code == 200 and "粤工惠" in home.get_data(as_text=True)
    assert '<meta name="description"' in home.get_data(as_text=True)
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/x-icon"
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /console/" in robots and "Allow: /sites/" in robots
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    assert client.get("/api/v1/no-such").get_json()["message"] == "没有这个地址"


def test_gzip_keeps_conditional_answers(client, sites, db):
    page = client.get("/sites/dongguan/", headers=GZIP)
    assert page.headers["Content-Encoding"] == "gzip"
    assert "东莞市总工会" in gzip.decompress(page.data).decode()
    tag = page.headers["ETag"]
    assert tag.startswith('W/"')  # other bytes, same content: a weak validator
    again = client.get("/sites/dongguan/", headers=GZIP | {"If-None-Match": tag})
    assert again.status_code == 304
    plain = client.get("/sites/dongguan/")
    assert "Content-Encoding" not in plain.headers and not plain.headers["ETag"].startswith("W/")


def test_static_files_are_versioned_cached_for_a_year_and_gzipped(console_as, sites):
    page = console_as("dg-editor").get("/console/a/dongguan/").get_data(as_text=True)
    css = re.search(r'href="(/console/static/console\.css\?v=[0-9a-f]+)"', page).group(1)
    answer = console_as("dg-editor").get(css, headers=GZIP)
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Encoding"] == "gzip"
    assert b".state" in gzip.decompress(answer.data)
    stale = console_as("dg-editor").get("/console/static/console.css?v=000000000000")
    assert "immutable" not in stale.headers["Cache-Control"]


def test_site_pages_describe_themselves_and_feeds_carry_absolute_urls(
        console_as, outlets, dispatcher, client):
    post_id, _ = _published(console_as, "链接要能打开")
    dispatcher.drain()
    home = client.get("/sites/dongguan/").get_data(as_text=True)
    assert '<meta name="description"' in home and '<meta property="og:title"' in home
    post = client.get(f"/sites/dongguan/posts/{post_id}").get_data(as_text=True)
    assert '<meta property="og:type" content="article">' in post
    assert '<link rel="icon" href="/favicon.ico">' in post


def test_feed_links_are_absolute():
    from adapters.web.pages import _absolute_urls

    html = '<p><a href="/sites/dongguan/posts/3">见</a><img src="/media/1/ab" alt=""></p>'
    fixed = _absolute_urls(html, "https://hub.example.cn")
    assert 'href="https://hub.example.cn/sites/dongguan/posts/3"' in fixed
    assert 'src="https://hub.example.cn/media/1/ab"' in fixed
    assert _absolute_urls('<a href="//cdn.example.cn/x">', "https://h") == \
        '<a href="//cdn.example.cn/x">'
    feed = feedparser.parse(f'<feed xmlns="http://www.w3.org/2005/Atom"><entry><content '
                            f'type="html">{fixed.replace("<", "&lt;")}</content></entry></feed>')
    assert "https://hub.example.cn/media/1/ab" in feed.entries[0].content[0].value


def test_the_wechat_link_list_prints_full_addresses():
    from adapters.wechat.render import article_for
    from hub.channels import OutletInfo, PostSnapshot

    post = PostSnapshot(id=1, version=1, kind="article", account_code="dongguan",
                        account_name="东莞市总工会", title="标题", summary="", body="",
                        body_html='<p><a href="https://example.cn/x">原文</a>'
                                  '<a href="/sites/dongguan/posts/1">往期</a></p>',
                        link_url=None, cover_url=None, valid_from=None, valid_until=None,
                        origin_account_code="dongguan")
    outlet = OutletInfo(id=1, channel="wechat", key="wx1", name="公众号",
                        account_code="dongguan", config={})
    article = article_for(post, outlet, public_url="https://hub.example.cn")
    assert "往期：https://hub.example.cn/sites/dongguan/posts/1" in article.content


def test_validation_errors_are_plain_chinese():
    from pydantic import BaseModel, Field, ValidationError

    from hub.api import validation_fields

    class Claim(BaseModel, extra="forbid"):
        request_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")
        count: int = Field(ge=1, le=10)

    with pytest.raises(ValidationError) as caught:
        Claim.model_validate({"request_id": "坏 的", "count": 99, "extra": 1})
    said = validation_fields(caught.value)
    assert said == {"request_id": "格式不对", "count": "不能大于 10",
                    "extra": "不认识这个字段，请删去"}


def test_an_api_refusal_names_fields_in_chinese(client, token_for):
    response = client.post("/api/v1/posts", headers=token_for("dg-editor"),
                           json={"account": "dongguan", "title": "好标题", "kind": "小说"})
    assert response.status_code == 400
    said = response.get_json()
    assert said["fields"] == {"kind": "只能是 article、promotion"}
    assert "kind：只能是 article、promotion" in said["message"]
    assert not re.search(r"[A-Za-z]{4,} (should|must|be)", said["message"])
