"""Mini-program calls: login codes, phone numbers and subscribe messages."""

from __future__ import annotations

import time

import pytest
import requests
from wechat_sandbox_helpers import HTTP_TIMEOUT, SandboxApp, register
from wechatpy.exceptions import WeChatClientException

from adapters.wechat.sandbox import SandboxSettings

OPENID = "oMember0000000000000000000001"


def login_code(app: SandboxApp, **user: str) -> dict:
    answer = requests.post(f"{app.base_url}/sandbox/apps/{app.appid}/login-codes", json=user,
                           timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200
    return answer.json()


def allow(app: SandboxApp, template_id: str, count: int = 1) -> None:
    answer = requests.post(f"{app.base_url}/sandbox/apps/{app.appid}/subscribe-allow",
                           json={"openid": OPENID, "template_id": template_id,
                                 "count": count}, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200


@pytest.fixture
def miniprogram(sandbox) -> SandboxApp:
    return register(sandbox, account_type="miniprogram")


def test_wechatpy_code_to_session_gives_the_test_user(miniprogram):
    client = miniprogram.client()
    code = login_code(miniprogram, openid=OPENID, unionid="uUnion1")["js_code"]

    session = client.wxa.code_to_session(code)

    assert session["openid"] == OPENID
    assert session["unionid"] == "uUnion1"
    assert len(session["session_key"]) == 24
    assert miniprogram.received()["logins"][0]["openid"] == OPENID


def test_a_login_code_works_once(miniprogram):
    client = miniprogram.client()
    code = login_code(miniprogram)["js_code"]
    client.wxa.code_to_session(code)

    with pytest.raises(WeChatClientException) as raised:
        client.wxa.code_to_session(code)

    assert raised.value.errcode == 40029


def test_unknown_and_expired_codes(start_sandbox):
    miniprogram = register(start_sandbox(SandboxSettings(login_code_ttl=0.2)),
                           account_type="miniprogram")
    client = miniprogram.client()
    code = login_code(miniprogram)["js_code"]
    time.sleep(0.3)

    for bad in ("no-such-code", code):
        with pytest.raises(WeChatClientException) as raised:
            client.wxa.code_to_session(bad)
        assert raised.value.errcode == 40029


def test_wrong_secret_for_jscode2session(miniprogram):
    code = login_code(miniprogram)["js_code"]
    answer = requests.get(f"{miniprogram.base_url}/sns/jscode2session", timeout=HTTP_TIMEOUT,
                          params={"appid": miniprogram.appid, "secret": "wrong",
                                  "js_code": code, "grant_type": "authorization_code"})

    assert answer.json()["errcode"] == 40125


def test_phone_number_code_gives_the_phone_once(miniprogram):
    codes = login_code(miniprogram, openid=OPENID, phone="13800138000")
    token = miniprogram.fetch_token()

    answer = miniprogram.call("/wxa/business/getuserphonenumber", token,
                              {"code": codes["phone_code"]})
    again = miniprogram.call("/wxa/business/getuserphonenumber", token,
                             {"code": codes["phone_code"]})

    info = answer["phone_info"]
    assert (info["phoneNumber"], info["purePhoneNumber"], info["countryCode"]) == (
        "13800138000", "13800138000", "86")
    assert info["watermark"]["appid"] == miniprogram.appid
    assert again["errcode"] == 40029


def send_subscribe(client, template_id: str = "TPL_WELFARE"):
    return client.wxa.send_subscribe_message(
        OPENID, template_id, {"thing1": {"value": "电影票已到账"}}, page="pages/me/index")


def test_subscribe_message_needs_an_allowance_per_message(miniprogram):
    client = miniprogram.client()
    with pytest.raises(WeChatClientException) as refused:
        send_subscribe(client)
    assert refused.value.errcode == 43101

    allow(miniprogram, "TPL_WELFARE")
    assert send_subscribe(client)["errcode"] == 0
    with pytest.raises(WeChatClientException) as used_up:
        send_subscribe(client)

    assert used_up.value.errcode == 43101
    sent = miniprogram.received()["subscribe_messages"]
    assert [(m["touser"], m["data"]["thing1"]["value"]) for m in sent] == [
        (OPENID, "电影票已到账")]


def test_an_allowance_covers_only_its_template(miniprogram):
    client = miniprogram.client()
    allow(miniprogram, "TPL_COURSE", count=2)

    with pytest.raises(WeChatClientException) as raised:
        send_subscribe(client, "TPL_WELFARE")

    assert raised.value.errcode == 43101
    assert send_subscribe(client, "TPL_COURSE")["errcode"] == 0
