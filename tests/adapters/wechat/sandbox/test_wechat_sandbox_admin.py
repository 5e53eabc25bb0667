"""The sandbox's own routes and promises: registration, reset, inspection, no secrets in logs."""

from __future__ import annotations

import io
import json
import logging

import pytest
import requests
from wechat_sandbox_helpers import HTTP_TIMEOUT, image_bytes, new_aes_key, register

from adapters.wechat.sandbox import SandboxSettings, create_sandbox_app
from adapters.wechat.sandbox.server import redact_path


def register_raw(sandbox, **fields):
    body = {"appid": "wxadmin", "secret": "s3cret", "token": "tok", **fields}
    return requests.post(f"{sandbox.url}/sandbox/apps", json=body, timeout=HTTP_TIMEOUT)


@pytest.mark.parametrize(
    "fields",
    [
        {"encoding_aes_key": "too-short"},
        {"account_type": "enterprise"},
        {"callback_url": "ftp://example.com/"},
        {"secret": ""},
    ],
)
def test_registration_refuses_bad_settings(sandbox, fields):
    answer = register_raw(sandbox, **fields)

    assert answer.status_code == 400
    assert answer.json()["error"]


def test_registration_never_echoes_credentials(sandbox):
    key = new_aes_key()
    answer = register_raw(sandbox, encoding_aes_key=key)
    listing = requests.get(f"{sandbox.url}/sandbox/apps", timeout=HTTP_TIMEOUT)
    received = requests.get(f"{sandbox.url}/sandbox/apps/wxadmin/received",
                            timeout=HTTP_TIMEOUT)

    for text in (answer.text, listing.text, received.text):
        assert "s3cret" not in text and key not in text
    assert answer.json()["safe_mode"] is True


def test_unknown_app_and_unknown_fault(sandbox, app):
    unknown = requests.post(f"{sandbox.url}/sandbox/apps/wx404/faults", json={},
                            timeout=HTTP_TIMEOUT)
    wrong = requests.post(f"{sandbox.url}/sandbox/apps/{app.appid}/faults",
                          json={"meteor_strike": 1}, timeout=HTTP_TIMEOUT)
    bad_status = requests.post(f"{sandbox.url}/sandbox/apps/{app.appid}/faults",
                               json={"publish_fail": "99999"}, timeout=HTTP_TIMEOUT)

    assert unknown.status_code == 404
    assert wrong.status_code == 400 and bad_status.status_code == 400


def test_reset_forgets_every_app(sandbox, app):
    token = app.fetch_token()

    requests.post(f"{sandbox.url}/sandbox/reset", timeout=HTTP_TIMEOUT)

    assert app.get("/cgi-bin/tags/get", token)["errcode"] == 40001
    again = requests.get(f"{sandbox.url}/cgi-bin/token", timeout=HTTP_TIMEOUT, params={
        "grant_type": "client_credential", "appid": app.appid, "secret": app.secret})
    assert again.json()["errcode"] == 40013


def test_wrong_http_method_answers_like_wechat(app):
    token = app.fetch_token()
    answer = requests.get(f"{app.base_url}/cgi-bin/draft/add",
                          params={"access_token": token}, timeout=HTTP_TIMEOUT)

    assert answer.status_code == 200
    assert answer.json()["errcode"] == 43002


def test_answers_are_utf8_json_with_chinese_unescaped(app):
    client = app.client()
    client.tag.create("梅州会员")

    raw = requests.get(f"{app.base_url}/cgi-bin/tags/get", timeout=HTTP_TIMEOUT,
                       params={"access_token": client.access_token})

    assert "梅州会员".encode() in raw.content
    assert json.loads(raw.content)["tags"][0]["name"] == "梅州会员"


def test_request_log_hides_secrets_and_tokens(sandbox, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    app = register(sandbox)
    token = app.fetch_token()
    app.get("/cgi-bin/tags/get", token)

    assert "/cgi-bin/token?" in caplog.text
    assert app.secret not in caplog.text
    assert token not in caplog.text


def test_redact_path_keeps_harmless_parameters():
    assert redact_path("/cgi-bin/token?appid=wx1&secret=abc") == (
        "/cgi-bin/token?appid=wx1&secret=***")
    assert redact_path("/sns/jscode2session?js_code=c&grant_type=authorization_code") == (
        "/sns/jscode2session?js_code=***&grant_type=authorization_code")
    assert redact_path("/cgi-bin/tags/get") == "/cgi-bin/tags/get"


def test_app_factory_uses_the_configured_public_base_url():
    flask_app = create_sandbox_app(SandboxSettings(public_base_url="https://wx.sandbox.test"))
    client = flask_app.test_client()
    client.post("/sandbox/apps", json={"appid": "wxf", "secret": "s", "token": "t"})
    token = client.get("/cgi-bin/token?grant_type=client_credential&appid=wxf&secret=s").json[
        "access_token"]

    answer = client.post(f"/cgi-bin/media/uploadimg?access_token={token}",
                         data={"media": (io.BytesIO(image_bytes()), "a.jpg")})

    assert answer.json["url"].startswith("https://wx.sandbox.test/mmbiz/wxf/")


def test_qrcode_create_checks_the_scene_as_wechat_does(start_sandbox):
    import requests
    from wechat_sandbox_helpers import register

    server = start_sandbox()
    app = register(server)
    token = requests.get(f"{server.url}/cgi-bin/token", params={
        "grant_type": "client_credential", "appid": app.appid, "secret": app.secret},
        timeout=5).json()["access_token"]
    url = f"{server.url}/cgi-bin/qrcode/create?access_token={token}"
    made = requests.post(url, json={"action_name": "QR_LIMIT_STR_SCENE", "action_info": {
        "scene": {"scene_str": "dg-humen"}}}, timeout=5).json()
    assert made["ticket"] and made["url"].startswith(server.url) and "expire_seconds" not in made
    temporary = requests.post(url, json={"action_name": "QR_SCENE", "expire_seconds": 120,
                                         "action_info": {"scene": {"scene_id": 7}}},
                              timeout=5).json()
    assert temporary["expire_seconds"] == 120
    for bad in ({"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {}}},
                {"action_name": "QR_LIMIT_SCENE", "action_info": {"scene": {"scene_id": 0}}},
                {"action_name": "QR_FOREVER", "action_info": {"scene": {"scene_id": 1}}},
                {"action_name": "QR_LIMIT_STR_SCENE",
                 "action_info": {"scene": {"scene_str": "x" * 65}}}):
        assert requests.post(url, json=bad, timeout=5).json()["errcode"] == 40097
