"""The sandbox's access tokens: `token` overlap and expiry, `stable_token`, quotas, wechatpy."""

from __future__ import annotations

import time

import pytest
import requests
from wechat_sandbox_helpers import HTTP_TIMEOUT, SandboxApp, register
from wechatpy.exceptions import WeChatClientException

from adapters.wechat.sandbox import SandboxSettings


def token_answer(app: SandboxApp, **params: str) -> dict:
    query = {"grant_type": "client_credential", "appid": app.appid, "secret": app.secret,
             **params}
    return requests.get(f"{app.base_url}/cgi-bin/token", params=query,
                        timeout=HTTP_TIMEOUT).json()


def stable_token(app: SandboxApp, force_refresh: bool = False) -> dict:
    return requests.post(f"{app.base_url}/cgi-bin/stable_token", timeout=HTTP_TIMEOUT, json={
        "grant_type": "client_credential", "appid": app.appid, "secret": app.secret,
        "force_refresh": force_refresh}).json()


def errcode_with(app: SandboxApp, token: str) -> int:
    """errcode of a harmless call made with `token`."""
    return app.get("/cgi-bin/tags/get", token).get("errcode", 0)


def test_wechatpy_fetches_its_token_from_the_sandbox(app):
    client = app.client()

    client.menu.create({"button": [{"type": "click", "name": "福利", "key": "WELFARE"}]})

    received = app.received()
    assert received["quota_used"]["token"] == 1
    assert received["menus"][0]["button"][0]["name"] == "福利"


def test_token_answers_expires_in_and_a_new_token_each_call(app):
    first, second = token_answer(app), token_answer(app)

    assert first["expires_in"] == 7200
    assert first["access_token"] != second["access_token"]
    assert "errcode" not in first


def test_previous_token_works_for_the_overlap_then_answers_40001(start_sandbox):
    app = register(start_sandbox(SandboxSettings(token_overlap=0.4)))
    old = app.fetch_token()
    new = app.fetch_token()

    assert errcode_with(app, old) == 0
    time.sleep(0.5)
    assert errcode_with(app, old) == 40001
    assert errcode_with(app, new) == 0


def test_only_the_latest_previous_token_gets_an_overlap(app):
    oldest = app.fetch_token()
    previous = app.fetch_token()
    app.fetch_token()

    assert errcode_with(app, oldest) == 40001
    assert errcode_with(app, previous) == 0


def test_expired_token_answers_42001(start_sandbox):
    app = register(start_sandbox(SandboxSettings(token_lifetime=0.3)))
    token = app.fetch_token()
    assert errcode_with(app, token) == 0

    time.sleep(0.4)

    assert errcode_with(app, token) == 42001


def test_missing_and_unknown_tokens(app):
    missing = requests.get(f"{app.base_url}/cgi-bin/tags/get", timeout=HTTP_TIMEOUT).json()

    assert missing["errcode"] == 41001
    assert errcode_with(app, "not-a-token") == 40001


@pytest.mark.parametrize(
    ("change", "errcode"),
    [
        ({"secret": "wrong"}, 40125),
        ({"appid": "wx_unknown"}, 40013),
        ({"grant_type": "password"}, 40002),
    ],
)
def test_bad_credentials(app, change, errcode):
    assert token_answer(app, **change)["errcode"] == errcode


def test_daily_token_quota_is_per_app(start_sandbox):
    sandbox = start_sandbox(SandboxSettings(daily_quotas={"token": 2}))
    busy, other = register(sandbox), register(sandbox)
    token_answer(busy)
    token_answer(busy)

    assert token_answer(busy)["errcode"] == 45009
    assert "access_token" in token_answer(other)


def test_stable_token_is_the_same_while_valid_and_apart_from_token(app):
    first = stable_token(app)
    app.fetch_token()  # a `token` fetch must not disturb the stable token
    second = stable_token(app)

    assert first["access_token"] == second["access_token"]
    assert 0 < second["expires_in"] <= 7200
    assert errcode_with(app, first["access_token"]) == 0


def test_stable_token_renews_within_the_overlap_of_expiring(start_sandbox):
    app = register(start_sandbox(SandboxSettings(token_lifetime=1.0, token_overlap=0.6)))
    first = stable_token(app)["access_token"]

    time.sleep(0.5)  # 0.5 s left, less than the overlap: the next call renews
    second = stable_token(app)["access_token"]

    assert second != first
    assert errcode_with(app, first) == 0, "the old token lives until it expires"
    time.sleep(0.6)
    assert errcode_with(app, first) == 42001
    assert errcode_with(app, second) == 0


def test_force_refresh_replaces_the_stable_token_after_the_overlap(start_sandbox):
    app = register(start_sandbox(SandboxSettings(token_overlap=0.3,
                                                 stable_force_refresh_interval=0)))
    old = stable_token(app)["access_token"]

    new = stable_token(app, force_refresh=True)["access_token"]

    assert new != old
    assert stable_token(app)["access_token"] == new
    assert errcode_with(app, old) == 0
    time.sleep(0.4)
    assert errcode_with(app, old) == 40001


def test_force_refresh_too_soon_after_the_last_changes_nothing(start_sandbox):
    app = register(start_sandbox(SandboxSettings(stable_force_refresh_interval=30)))
    forced = stable_token(app, force_refresh=True)["access_token"]

    assert stable_token(app, force_refresh=True)["access_token"] == forced


def test_force_refresh_is_limited_per_day(start_sandbox):
    app = register(start_sandbox(SandboxSettings(
        stable_force_refresh_interval=0, daily_quotas={"stable_token_force_refresh": 2})))
    stable_token(app, force_refresh=True)
    stable_token(app, force_refresh=True)

    assert stable_token(app, force_refresh=True)["errcode"] == 45009
    assert "access_token" in stable_token(app), "the normal mode still works"


def test_wechatpy_retries_once_after_a_token_storm_of_one(app):
    client = app.client()
    client.tag.get()
    app.faults(token_storm=1)

    client.tag.get()  # answered 40001 once; wechatpy fetches a new token and retries

    assert app.received()["quota_used"]["token"] == 2


def test_without_auto_retry_wechatpy_sees_the_40001(app):
    client = app.client(auto_retry=False)
    client.tag.get()
    app.faults(token_storm=1)

    with pytest.raises(WeChatClientException) as raised:
        client.tag.get()

    assert raised.value.errcode == 40001
    assert client.tag.get() == [], "the storm is over and the same token works again"
