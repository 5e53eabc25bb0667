"""Binding an official account in the console (the WeChat adapter's console page): the hub
asks WeChat — here the WeChat sandbox, on its own port — for a token before saving, says
plainly which part is wrong, shows the callback URL and token once, and never the secret."""

from __future__ import annotations

import pytest
import requests
from console_support import csrf_of
from sqlalchemy import select

from adapters.wechat.sandbox import serve
from adapters.wechat.settings import WeChatSettings
from hub import channels, ports
from hub.audit.models import AuditEvent

APPID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
pytestmark = pytest.mark.default_channels


@pytest.fixture
def sandbox(app):
    """The sandbox playing WeChat, knowing one official account (made in WeChat's back
    office: its appid and secret)."""
    server = serve()
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings(api_base=server.url, timeout=5.0)
    answer = requests.post(f"{server.url}/sandbox/apps", timeout=10, json={
        "appid": APPID, "secret": SECRET, "token": "sandboxtoken", "encoding_aes_key": None,
        "callback_url": None, "account_type": "subscription"})
    assert answer.status_code == 200, answer.text
    yield server
    server.shutdown()


def _bind(client, page, **fields):
    form = {"csrf_token": csrf_of(page), "name": "东莞工会", "appid": APPID, "secret": SECRET,
            "token": "dgtoken2026", "encoding_aes_key": ""} | fields
    return client.post("/console/wechat/a/dongguan", data=form)


def test_wrong_parts_are_named_and_the_right_ones_are_bound_once(app, db, console_as, sandbox):
    admin = console_as("gd-admin")
    page = admin.get("/console/wechat/a/dongguan")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert 'href="/console/wechat/a/dongguan" aria-current="page">公众号</a>' in shown

    wrong_secret = _bind(admin, page, secret="f" * 32)
    said = wrong_secret.get_data(as_text=True)
    assert wrong_secret.status_code == 400 and "AppSecret 不正确" in said
    assert "f" * 32 not in said
    unknown = _bind(admin, page, appid="wx" + "9" * 16)
    assert "AppID 不正确" in unknown.get_data(as_text=True)
    malformed = _bind(admin, page, token="no", encoding_aes_key="short")
    said = malformed.get_data(as_text=True)
    assert "Token 应为 3 至 32 位" in said and "EncodingAESKey 应为 43 位" in said
    db.rollback()
    assert ports.outlets(db, "wechat", key=APPID, enabled_only=False) == []

    bound = _bind(admin, page)
    said = bound.get_data(as_text=True)
    assert bound.status_code == 200 and "微信已确认凭据有效" in said
    assert f"/wechat/callback/{APPID}" in said and "dgtoken2026" in said
    assert SECRET not in said
    db.rollback()
    [outlet] = ports.outlets(db, "wechat", key=APPID)
    assert outlet.account_code == "dongguan" and outlet.name == "东莞工会"
    later = admin.get("/console/wechat/a/dongguan").get_data(as_text=True)
    assert APPID in later and "dgtoken2026" not in later and SECRET not in later
    again = _bind(admin, page)
    assert "已经绑定" in again.get_data(as_text=True)


def test_only_admins_of_the_account_reach_the_page(app, console_as, sandbox):
    assert console_as("dg-editor").get("/console/wechat/a/dongguan").status_code == 403
    outsider = app.test_client().get("/console/wechat/a/dongguan")
    assert outsider.status_code == 302 and "/console/login" in outsider.headers["Location"]


def test_the_tab_shows_only_to_editors_who_may_open_it(console_as):
    """The 公众号 page is for admins: an author gets no tab leading to a 403, while the LED
    page (open to authors) keeps its tab for both."""
    tab = 'href="/console/wechat/a/dongguan"'
    author = console_as("dg-editor").get("/console/a/dongguan/").get_data(as_text=True)
    assert tab not in author and 'href="/console/a/dongguan/screens"' in author
    admin = console_as("gd-admin").get("/console/a/dongguan/").get_data(as_text=True)
    assert tab in admin and 'href="/console/a/dongguan/screens"' in admin


def test_a_console_page_knows_which_roles_open_it():
    from hub.channels import ConsolePage

    assert ConsolePage("x.page", "页").roles == ("author", "reviewer", "admin")
    assert ConsolePage("x.page", "页", min_role="reviewer").roles == ("reviewer", "admin")
    with pytest.raises(ValueError):
        ConsolePage("x.page", "页", min_role="owner")


def test_the_columns_menu_is_previewed_and_pushed_to_the_bound_account(app, db, console_as,
                                                                       sandbox):
    admin = console_as("gd-admin")
    page = admin.get("/console/wechat/a/dongguan")
    shown = page.get_data(as_text=True)
    assert "工会要闻" in shown and "更多" in shown and "绑定公众号后即可推送菜单" in shown
    assert _bind(admin, page).status_code == 200
    pushed = admin.post("/console/wechat/a/dongguan/menu",
                        data={"csrf_token": csrf_of(admin.get("/console/wechat/a/dongguan"))})
    said = pushed.get_data(as_text=True)
    assert pushed.status_code == 200 and "已推送</span> 东莞工会（" + APPID in said
    menus = requests.get(f"{sandbox.url}/sandbox/apps/{APPID}/received", timeout=10).json()
    [menu] = menus["menus"]
    assert [b["name"] for b in menu["button"]] == ["工会要闻", "更多", "本地服务"]
    db.rollback()
    pushes = db.scalars(select(AuditEvent).where(AuditEvent.action == "wechat.menu.push"))
    assert [(e.actor_name, e.detail["outlets"]) for e in pushes] == [("gd-admin", [APPID])]
    author = console_as("dg-editor")
    refused = author.post("/console/wechat/a/dongguan/menu", data={
        "csrf_token": csrf_of(author.get("/console/a/dongguan/"))})
    # Answered in place (the page's forms show their own problems): the console's page, 403.
    said = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "<title>出错了" in said and "管理员权限" in said
    assert len(requests.get(f"{sandbox.url}/sandbox/apps/{APPID}/received",
                            timeout=10).json()["menus"]) == 1
