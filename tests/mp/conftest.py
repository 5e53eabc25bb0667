"""Fixtures for the mini-program API: the WeChat sandbox on a real port with the
mini-program's app registered, the demo with its members, and members signing in."""

from __future__ import annotations

import pytest
import requests

from adapters.wechat.miniapp import demo_credentials
from adapters.wechat.sandbox import SandboxSettings, serve
from adapters.wechat.settings import WeChatSettings
from hub import channels
from hub.members import demo as members_demo


@pytest.fixture
def sandbox():
    server = serve(settings=SandboxSettings(publish_delay=0.2))
    yield server
    server.shutdown()


@pytest.fixture
def mini_app(app, config, sandbox):
    """The mini-program's app, registered with the sandbox; the channel pointed at it."""
    creds = demo_credentials(config.secret())
    answer = requests.post(f"{sandbox.url}/sandbox/apps", timeout=10, json={
        "appid": creds.appid, "secret": creds.secret, "token": creds.token,
        "account_type": "miniprogram"})
    answer.raise_for_status()
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings(api_base=sandbox.url, timeout=5.0,
                                      miniprogram_appid=creds.appid,
                                      miniprogram_secret=creds.secret)
    return creds


@pytest.fixture
def members(demo, db, config):
    members_demo.load_members(db, config)
    db.commit()


@pytest.fixture
def login_code(sandbox, mini_app):
    """login_code(openid=None, phone=None) -> the sandbox's answer: js_code (and phone_code)."""

    def make(openid: str | None = None, phone: str | None = None) -> dict:
        body = {key: value for key, value in (("openid", openid), ("phone", phone)) if value}
        answer = requests.post(f"{sandbox.url}/sandbox/apps/{mini_app.appid}/login-codes",
                               json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()

    return make


@pytest.fixture
def sign_in(client, login_code):
    """sign_in(openid=None) -> (headers, session answer) for a member through wx.login."""

    def go(openid: str | None = None) -> tuple[dict, dict]:
        code = login_code(openid)["js_code"]
        answer = client.post("/mp/v1/session", json={"code": code})
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        return {"Authorization": f"Member {body['token']}"}, body

    return go
