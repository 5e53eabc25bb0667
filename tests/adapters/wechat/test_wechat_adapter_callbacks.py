"""The callback URL: verification, forged signatures, malformed XML, safe mode with
wechatpy's WeChatCrypto, events and messages, each push handled once; and what cannot be
downgraded or replayed: plaintext to a safe-mode account, stale timestamps, a nonce again
with another body, signatures in access logs, odd messages, a "]]>" in a reply."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import xmltodict
from sqlalchemy import func, select
from wechat_adapter_helpers import publish_dongguan, settled
from wechatpy.crypto import WeChatCrypto

from adapters.wechat.models import WeChatFollower, WeChatInbound
from hub.accounts.services import get_account

ROOT = Path(__file__).resolve().parents[3]


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def _signed(token: str, *, age: int = 0, **extra) -> dict:
    """Signed query parameters with a fresh nonce, sent `age` seconds ago."""
    timestamp, nonce = str(int(time.time()) - age), str(secrets.randbelow(10**10))
    return {"signature": _signature(token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, **extra}


def _xml(**fields) -> str:
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" if isinstance(v, str) else f"<{k}>{v}</{k}>"
                    for k, v in fields.items())
    return f"<xml>{inner}</xml>"


def _push(hub_url: str, creds: dict, xml: str, *, safe: bool = False,
          age: int = 0) -> requests.Response:
    url = f"{hub_url}/wechat/callback/{creds['appid']}"
    if not safe:
        return requests.post(url, params=_signed(creds["token"], age=age), data=xml.encode(),
                             timeout=10)
    return requests.post(url, **_encrypted(creds, xml, age=age), timeout=10)


def _encrypted(creds: dict, xml: str, *, age: int = 0) -> dict:
    """Query parameters and body of a safe-mode push, encrypted and signed as WeChat does."""
    cipher = WeChatCrypto(creds["token"], creds["encoding_aes_key"], creds["appid"])
    timestamp, nonce = str(int(time.time()) - age), str(secrets.randbelow(10**10))
    envelope = xmltodict.parse(cipher.encrypt_message(xml, nonce, timestamp))["xml"]
    params = {"signature": _signature(creds["token"], timestamp, nonce), "timestamp": timestamp,
              "nonce": nonce, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
    body = _xml(ToUserName="gh_test", Encrypt=envelope["Encrypt"])
    return {"params": params, "data": body.encode()}


def _message(msg_type: str = "text", **fields) -> str:
    base = {"ToUserName": "gh_test", "FromUserName": "o_member_1",
            "CreateTime": int(time.time()), "MsgType": msg_type}
    return _xml(**(base | fields))


@pytest.fixture
def humen(matrix):
    return matrix["dg-humen"]


def test_url_verification_echoes_and_forgery_is_refused(hub_server, humen):
    url = f"{hub_server.url}/wechat/callback/{humen['appid']}"
    ok = requests.get(url, params=_signed(humen["token"], echostr="echo-123"), timeout=10)
    assert ok.status_code == 200 and ok.text == "echo-123"
    forged = _signed("not-the-token", echostr="echo-123")
    assert requests.get(url, params=forged, timeout=10).status_code == 403
    assert requests.get(f"{hub_server.url}/wechat/callback/wx0000000000000000",
                        params=_signed("x"), timeout=10).status_code == 404


def test_a_signature_with_non_ascii_characters_is_refused_not_a_500(hub_server, humen):
    # Found by the OpenAPI fuzzing: compare_digest raised TypeError on such a str.
    url = f"{hub_server.url}/wechat/callback/{humen['appid']}"
    forged = {**_signed(humen["token"], echostr="echo"), "signature": "\u0080签名"}
    assert requests.get(url, params=forged, timeout=10).status_code == 403


def test_a_forged_post_is_refused_and_nothing_is_processed(hub_server, humen, db):
    url = f"{hub_server.url}/wechat/callback/{humen['appid']}"
    answer = requests.post(url, params=_signed("forged"), timeout=10,
                           data=_message("event", Event="subscribe").encode())
    assert answer.status_code == 403
    db.rollback()
    assert db.scalar(select(func.count(WeChatInbound.id))) == 0
    assert db.scalar(select(func.count(WeChatFollower.id))) == 0


def test_malformed_xml_gets_400(hub_server, humen):
    for body in (b"<xml><MsgType>text", b"not xml at all", b"<xml></xml>"):
        answer = requests.post(f"{hub_server.url}/wechat/callback/{humen['appid']}",
                               params=_signed(humen["token"]), data=body, timeout=10)
        assert answer.status_code == 400, body


def test_safe_mode_decrypts_and_answers_encrypted(hub_server, matrix, client, token_for,
                                                  running):
    dongguan = matrix["dongguan"]
    post_id = publish_dongguan(client, token_for, push_down=None)
    settled(client, token_for("dg-editor"), post_id, {"delivered": 1})
    answer = _push(hub_server.url, dongguan, _message(Content="你好", MsgId="9001"), safe=True)
    assert answer.status_code == 200
    envelope = xmltodict.parse(answer.text)["xml"]
    cipher = WeChatCrypto(dongguan["token"], dongguan["encoding_aes_key"], dongguan["appid"])
    reply = xmltodict.parse(cipher.decrypt_message(
        answer.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]))["xml"]
    assert reply["ToUserName"] == "o_member_1" and "全市职工运动会报名开始" in reply["Content"]
    # A bad msg_signature in safe mode is a forgery too.
    bad = requests.post(f"{hub_server.url}/wechat/callback/{dongguan['appid']}", timeout=10,
                        params=_signed(dongguan["token"], encrypt_type="aes",
                                       msg_signature="0" * 40),
                        data=_xml(ToUserName="gh", Encrypt="AAAA").encode())
    assert bad.status_code == 403


def test_follow_through_a_union_qr_code_is_attributed_to_that_union(hub_server, humen, db):
    subscribe = _message("event", Event="subscribe", EventKey="qrscene_dg-humen-garment",
                         FromUserName="o_worker_7")
    answer = _push(hub_server.url, humen, subscribe)
    assert answer.status_code == 200 and "感谢关注" in answer.text
    assert _push(hub_server.url, humen, subscribe).status_code == 200  # WeChat's repeat
    db.rollback()
    followers = list(db.scalars(select(WeChatFollower)))
    assert len(followers) == 1 and followers[0].following
    assert followers[0].account_id == get_account(db, "dg-humen-garment").id
    # A scene naming an account outside 虎门 does not capture the follower.
    _push(hub_server.url, humen, _message("event", Event="SCAN", EventKey="mz-meijiang",
                                          FromUserName="o_worker_8"))
    _push(hub_server.url, humen, _message("event", Event="unsubscribe",
                                          FromUserName="o_worker_7", CreateTime=1))
    db.rollback()
    rows = {f.openid: f for f in db.scalars(select(WeChatFollower))}
    assert rows["o_worker_8"].account_id == get_account(db, "dg-humen").id
    assert rows["o_worker_7"].following is False


def test_messages_are_handled_once(hub_server, humen, db):
    text = _message(Content="最新", MsgId="5001")
    first = _push(hub_server.url, humen, text)
    again = _push(hub_server.url, humen, text)
    assert first.status_code == 200 and "暂无文章" in first.text
    assert again.status_code == 200 and again.text == "success"
    db.rollback()
    assert db.scalar(select(func.count(WeChatInbound.id))
                     .where(WeChatInbound.kind != "signature")) == 1
    click = _push(hub_server.url, humen, _message("event", Event="CLICK",
                                                  EventKey="column:news"))
    assert click.status_code == 200 and "<Content>" in click.text


def _followers(db) -> dict[str, WeChatFollower]:
    db.rollback()
    return {row.openid: row for row in db.scalars(select(WeChatFollower))}


def test_a_safe_mode_account_takes_no_plaintext_push(hub_server, matrix, db):
    """東莞 has an EncodingAESKey: a push signed with the token alone (a signature copied
    from an access log) is refused, however well formed its body."""
    dongguan = matrix["dongguan"]
    url = f"{hub_server.url}/wechat/callback/{dongguan['appid']}"
    follow = _message("event", Event="subscribe", FromUserName="o_intruder",
                      EventKey="qrscene_dongguan")
    plain = requests.post(url, params=_signed(dongguan["token"]), data=follow.encode(),
                          timeout=10)
    assert plain.status_code == 403
    half = requests.post(url, params=_signed(dongguan["token"], encrypt_type="aes"),
                         data=follow.encode(), timeout=10)  # no msg_signature
    assert half.status_code == 403
    assert "o_intruder" not in _followers(db)
    # URL verification stays plain, as WeChat does it; an encrypted push is taken.
    echo = requests.get(url, params=_signed(dongguan["token"], echostr="e-1"), timeout=10)
    assert echo.status_code == 200 and echo.text == "e-1"
    follow = follow.replace("o_intruder", "o_member_2")
    assert _push(hub_server.url, dongguan, follow, safe=True).status_code == 200
    assert "o_member_2" in _followers(db)


@pytest.mark.parametrize("code", ["dg-humen", "dongguan"])  # plain mode, safe mode
def test_pushes_more_than_five_minutes_off_the_hubs_clock_are_refused(hub_server, matrix, db,
                                                                      code):
    creds, safe = matrix[code], code == "dongguan"
    for age in (6 * 60, -6 * 60, 3600):  # older, from the future, an hour old
        follow = _message("event", Event="subscribe", FromUserName=f"o_stale_{age}")
        assert _push(hub_server.url, creds, follow, safe=safe, age=age).status_code == 403
    follow = _message("event", Event="subscribe", FromUserName="o_recent")
    assert _push(hub_server.url, creds, follow, safe=safe, age=60).status_code == 200
    assert set(_followers(db)) == {"o_recent"}


@pytest.mark.parametrize("code", ["dg-humen", "dongguan"])
def test_a_timestamp_and_nonce_are_taken_with_one_body_only(hub_server, matrix, db, code):
    creds = matrix[code]
    url = f"{hub_server.url}/wechat/callback/{creds['appid']}"
    first = _message("event", Event="subscribe", FromUserName="o_member_3")
    if code == "dongguan":
        push = _encrypted(creds, first)
        assert requests.post(url, **push, timeout=10).status_code == 200
        # The same request again is WeChat retrying a push it got no answer to: taken, and
        # the member is followed once.
        assert requests.post(url, **push, timeout=10).status_code == 200
        forged = _encrypted(creds, _message("event", Event="subscribe",
                                            FromUserName="o_intruder"))
        forged["params"] = push["params"]
        assert requests.post(url, **forged, timeout=10).status_code == 403
    else:
        params = _signed(creds["token"])
        for _retry in range(2):
            assert requests.post(url, params=params, data=first.encode(),
                                 timeout=10).status_code == 200
        # The signature seen in a log, sent with a body of one's own.
        forged = _message("event", Event="subscribe", FromUserName="o_intruder")
        assert requests.post(url, params=params, data=forged.encode(), timeout=10) \
            .status_code == 403
    assert set(_followers(db)) == {"o_member_3"}
    # A second push in the same second, with its own nonce, is taken.
    again = _message("event", Event="subscribe", FromUserName="o_member_4")
    assert _push(hub_server.url, creds, again, safe=code == "dongguan").status_code == 200


def test_werkzeugs_access_log_shows_no_signature_timestamp_or_nonce(hub_server, humen, caplog):
    caplog.set_level(logging.INFO)
    params = _signed(humen["token"], echostr="echo-9")
    url = f"{hub_server.url}/wechat/callback/{humen['appid']}"
    assert requests.get(url, params=params, timeout=10).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    logged = "\n".join(line for line in lines if "/wechat/callback/" in line)
    assert "signature=***" in logged and "nonce=***" in logged  # the request was logged
    for name in ("signature", "timestamp", "nonce"):
        assert params[name] not in logged


ODD_MESSAGES = {
    "no FromUserName": _xml(ToUserName="gh_test", CreateTime=1, MsgType="event",
                            Event="subscribe"),
    "a repeated MsgType": "<xml><ToUserName>gh</ToUserName><FromUserName>o_odd_1"
                          "</FromUserName><MsgType>event</MsgType><MsgType>text</MsgType>"
                          "<Event>subscribe</Event></xml>",
    "a nested FromUserName": "<xml><ToUserName>gh</ToUserName><FromUserName><a>o</a><b>p</b>"
                             "</FromUserName><MsgType>event</MsgType><Event>subscribe</Event>"
                             "</xml>",
    "a nested Content": "<xml><ToUserName>gh</ToUserName><FromUserName>o_odd_2</FromUserName>"
                        "<MsgType>text</MsgType><Content><p>x</p></Content><MsgId>77</MsgId>"
                        "</xml>",
    "a FromUserName too long for an openid": _message("event", Event="subscribe",
                                                      FromUserName="o" * 200),
    "a scene too long for a QR code": _message("event", Event="subscribe",
                                               FromUserName="o_odd_3",
                                               EventKey="qrscene_" + "x" * 100),
    "a string PublishEventInfo": _message("event", Event="PUBLISHJOBFINISH",
                                          FromUserName="mphelper", PublishEventInfo="7"),
    "a nested publish_id": "<xml><ToUserName>gh</ToUserName><FromUserName>mphelper"
                           "</FromUserName><MsgType>event</MsgType><Event>PUBLISHJOBFINISH"
                           "</Event><PublishEventInfo><publish_id><x>1</x></publish_id>"
                           "<publish_status>0</publish_status></PublishEventInfo></xml>",
    "a publish_status that is no number": _message(
        "event", Event="PUBLISHJOBFINISH", FromUserName="mphelper",
        PublishEventInfo="<publish_id>9</publish_id><publish_status>zero</publish_status>"),
}


@pytest.mark.parametrize("odd", list(ODD_MESSAGES))
def test_a_signed_but_odd_message_is_ignored_never_a_500(hub_server, humen, db, caplog, odd):
    caplog.set_level(logging.DEBUG)
    answer = _push(hub_server.url, humen, ODD_MESSAGES[odd])
    assert (answer.status_code, answer.text) == (200, "success")
    assert any("ignored" in r.getMessage() for r in caplog.records if r.name ==
               "adapters.wechat")
    assert "Traceback" not in caplog.text and "[parameters:" not in caplog.text
    assert _followers(db) == {}


def test_a_title_with_a_cdata_end_leaves_replies_well_formed(hub_server, matrix, client,
                                                             token_for, running):
    dongguan = matrix["dongguan"]
    title = "职工之家]]><b>开放日"
    post_id = publish_dongguan(client, token_for, push_down=None, title=title)
    settled(client, token_for("dg-editor"), post_id, {"delivered": 1})
    cipher = WeChatCrypto(dongguan["token"], dongguan["encoding_aes_key"], dongguan["appid"])
    for push in (_message(Content="最新", MsgId="9101"),
                 _message("event", Event="subscribe", FromUserName="o_member_5")):
        answer = _push(hub_server.url, dongguan, push, safe=True)
        assert answer.status_code == 200
        envelope = xmltodict.parse(answer.text)["xml"]
        reply = xmltodict.parse(cipher.decrypt_message(
            answer.text, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]))
        assert title in reply["xml"]["Content"]


def test_gunicorns_access_log_shows_no_signature_timestamp_or_nonce(config, db, tmp_path):
    """The hub as deployed (gunicorn, its access log to a file): a callback's line is
    written with the signature, timestamp and nonce blanked."""
    access_log, port = tmp_path / "access.log", _free_port()
    env = {**os.environ, "HUB_DATABASE_URL": config.database_url,
           "HUB_SECRET_KEY": config.secret(), "HUB_RUN_WORKERS": "0", "HUB_DEMO": "0",
           "HUB_AUTO_MIGRATE": "0", "HUB_VAR_DIR": str(tmp_path / "var"),
           "PYTHONPATH": str(ROOT)}
    env.pop("HUB_REDIS_URL", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}",
         "--access-logfile", str(access_log), "--log-level", "warning", "hub:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    params = _signed("any-token", echostr="echo-1")
    db.rollback()  # no transaction held open while gunicorn's worker starts
    try:
        _wait_until_serving(process, port)
        url = f"http://127.0.0.1:{port}/wechat/callback/wx0000000000000000"
        assert requests.get(url, params=params, timeout=10).status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=30)
    logged = access_log.read_text()
    assert "/wechat/callback/wx0000000000000000?signature=***" in logged
    for name in ("signature", "timestamp", "nonce"):
        assert params[name] not in logged


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            time.sleep(0.2)
    process.kill()
    pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
