"""Columns become the official account's menu; the demo binds the matrix and, with no
HUB_WECHAT_API_BASE, runs its own sandbox that calls the hub back (the `make run` path)."""

from __future__ import annotations

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
    assert [b["name"] for b in buttons] == ["工会要闻", "通知公告", "更多"]
    assert [s["key"] for s in buttons[2]["sub_button"]] == [
        "column:welfare", "column:rights", "column:culture"]
    refused = client.post("/api/v1/accounts/dongguan/wechat/menu", headers=editors["dg-editor"])
    assert refused.status_code == 403


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
