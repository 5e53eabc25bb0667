"""Columns and local services become the official account's menu; the demo binds the
matrix and, with no HUB_WECHAT_API_BASE, runs its own sandbox that calls the hub back (the
`make run` path)."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from sqlalchemy import func, select
from wechat_adapter_helpers import publish_dongguan, received, settled

from adapters.wechat import demo as wechat_demo
from adapters.wechat.settings import WeChatSettings
from hub.accounts.services import get_account, replace_columns
from hub.outlets.models import Outlet


def test_columns_become_the_menu(client, token_for, matrix, wechat_sandbox, editors):
    answer = client.post("/api/v1/accounts/dongguan/wechat/menu", headers=editors["gd-admin"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [o["ok"] for o in body["outlets"]] == [True]
    buttons = received(wechat_sandbox.url, matrix["dongguan"]["appid"])["menus"][0]["button"]
    # Its five columns share two buttons; the third holds its local services (本地服务).
    assert [b["name"] for b in buttons] == ["工会要闻", "更多", "本地服务"]
    assert [s["key"] for s in buttons[1]["sub_button"]] == [
        "column:notice", "column:welfare", "column:rights", "column:culture"]
    assert buttons[2]["sub_button"][0] == {
        "type": "view", "name": "法律援助", "url": "https://legal.dongguan.example.com/apply"}
    refused = client.post("/api/v1/accounts/dongguan/wechat/menu", headers=editors["dg-editor"])
    assert refused.status_code == 403
    # Audited as the console's push is: who pushed, to which official accounts.
    events = client.get("/api/v1/audit?account=dongguan&action=wechat.menu.push",
                        headers=editors["gd-admin"]).get_json()["events"]
    assert [(e["actor"], e["subject_type"], e["detail"]["outlets"]) for e in events] == [
        ("gd-admin", "account", [matrix["dongguan"]["appid"]])]



def test_the_command_line_push_is_audited_as_the_hubs_own(matrix, wechat_sandbox, editors,
                                                         client):
    from click.testing import CliRunner

    from adapters.wechat.commands import wechat

    result = CliRunner().invoke(wechat, ["menu", "--account", "dongguan"])
    assert result.exit_code == 0, result.output
    events = client.get("/api/v1/audit?account=dongguan&action=wechat.menu.push",
                        headers=editors["gd-admin"]).get_json()["events"]
    assert [(e["actor"], e["detail"]["outlets"]) for e in events] == [
        ("system", [matrix["dongguan"]["appid"]])]


def test_a_column_name_too_long_for_a_button_is_a_clear_400(client, matrix, db, editors):
    replace_columns(db, get_account(db, "dongguan"), [("news", "东莞工会要闻速递")], actor=None)
    db.commit()
    answer = client.post("/api/v1/accounts/dongguan/wechat/menu", headers=editors["gd-admin"])
    assert answer.status_code == 400 and "超过微信菜单名上限" in answer.get_json()["message"]


def test_load_demo_binds_34_official_accounts_once(demo, db, config, app):
    wechat_demo.load_demo(db, config)
    wechat_demo.load_demo(db, config)
    db.commit()
    assert db.scalar(select(func.count(Outlet.id)).where(Outlet.channel == "wechat")) == 34


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def bound(demo, db, config):
    """The demo's 34 official accounts, bound before any worker runs."""
    wechat_demo.load_demo(db, config)
    db.commit()
    db.rollback()


def test_without_an_api_base_the_demo_runs_its_own_sandbox(client, token_for, db, config, bound,
                                                            hub_server, editors, running):
    from hub import channels

    channel = channels.get_channel("wechat")
    config.load_demo = True  # HUB_DEMO=1, as `make run`
    port = _free_port()
    channel.settings = WeChatSettings(api_base=None, sandbox_port=port,
                                      confirm_schedule=(1.0, 0.5))
    try:
        post_id = publish_dongguan(client, token_for)
        listing = settled(client, editors["dg-editor"], post_id, {"delivered": 34})
        assert all(d["external_url"].startswith(f"http://127.0.0.1:{port}/s/")
                   for d in listing["deliveries"])
        appid = wechat_demo.demo_appid("dongguan")
        got = received(f"http://127.0.0.1:{port}", appid)
        assert got["callback_url"] == f"{hub_server.url}/wechat/callback/{appid}"
        assert got["callbacks"][0]["delivered"]
    finally:
        channel._sandbox().stop()


def test_a_union_qr_code_is_made_on_the_nearest_official_account(client, matrix, editors,
                                                                 wechat_sandbox):
    answer = client.post("/api/v1/accounts/dg-humen-garment/wechat/qrcode",
                         headers=editors["dg-editor"])
    assert answer.status_code == 200, answer.get_json()
    code = answer.get_json()
    # The grassroots union has no official account: 虎门's carries its scene.
    assert code["appid"] == matrix["dg-humen"]["appid"] and code["scene"] == "dg-humen-garment"
    made = received(wechat_sandbox.url, matrix["dg-humen"]["appid"])["qrcodes"]
    assert [(q["action_name"], q["scene"], q["ticket"]) for q in made] == [
        ("QR_LIMIT_STR_SCENE", "dg-humen-garment", code["ticket"])]
    image = client.get("/wechat/qrcode.png", query_string={"url": code["url"]})
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert client.get("/wechat/qrcode.png", query_string={"url": "javascript:x"}).status_code \
        == 400


def test_a_qr_code_needs_an_official_account_above_and_a_grant(client, matrix, editors):
    none_above = client.post("/api/v1/accounts/mz-meijiang/wechat/qrcode",
                             headers=editors["gd-admin"])
    assert none_above.status_code == 409 and "公众号" in none_above.get_json()["message"]
    outside = client.post("/api/v1/accounts/mz-meijiang/wechat/qrcode",
                          headers=editors["dg-editor"])
    assert outside.status_code == 403


def test_local_services_take_the_last_button_as_wechat_opens_them():
    from adapters.wechat.menu import menu_for
    from hub.ports import AccountInfo, ColumnInfo, ServiceLinkInfo

    def link(n, kind, url=None, appid=None, path=None):
        return ServiceLinkInfo(id=n, name=f"服务{n}", icon="help", glyph="帮", kind=kind,
                               url=url, mp_appid=appid, mp_path=path, from_above=False)

    account = AccountInfo(
        id=1, code="meizhou", name="梅州市总工会", level="city", parent_id=None, path="/1/",
        region_code=None, short_name=None, logo_url=None, theme_color="#1d4e89", intro="",
        created_at=dt.datetime(2026, 1, 1), columns=(ColumnInfo("news", "要闻"),
                                                     ColumnInfo("notice", "通知")))
    links = [link(1, "web", url="https://law.example.com/"),
             link(2, "miniprogram", path="/pages/welfare/index"),  # the hub's own mini-program
             link(3, "miniprogram", appid="wx0123456789abcdef", path="pages/jobs/index"),
             *[link(n, "web", url=f"https://s{n}.example.com/") for n in range(4, 9)]]
    menu = menu_for(account, links, own_appid="wxownminiprogram0", fallback_url="https://hub/s/")
    assert [b["name"] for b in menu["button"]] == ["要闻", "通知", "本地服务"]
    services = menu["button"][2]["sub_button"]
    assert len(services) == 5  # WeChat's limit: the first five
    assert services[1] == {"type": "miniprogram", "name": "服务2", "url": "https://hub/s/",
                           "appid": "wxownminiprogram0", "pagepath": "pages/welfare/index"}
    assert services[2]["appid"] == "wx0123456789abcdef"
    # With no appid for the hub's own mini-program, its pages are left out of the menu.
    without = menu_for(account, links[:2], own_appid=None, fallback_url="https://hub/s/")
    assert [s["name"] for s in without["button"][2]["sub_button"]] == ["服务1"]
