"""The callback URL: verification, forged signatures, malformed XML, safe mode with
wechatpy's WeChatCrypto, events and messages, each push handled once."""

from __future__ import annotations

import hashlib
import time

import pytest
import requests
import xmltodict
from sqlalchemy import func, select
from wechat_adapter_helpers import publish_dongguan, settled
from wechatpy.crypto import WeChatCrypto

from adapters.wechat.models import WeChatFollower, WeChatInbound
from hub.accounts.services import get_account


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def _signed(token: str, **extra) -> dict:
    timestamp, nonce = str(int(time.time())), "1234567"
    return {"signature": _signature(token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, **extra}


def _xml(**fields) -> str:
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" if isinstance(v, str) else f"<{k}>{v}</{k}>"
                    for k, v in fields.items())
    return f"<xml>{inner}</xml>"


def _push(hub_url: str, creds: dict, xml: str, *, safe: bool = False) -> requests.Response:
    url = f"{hub_url}/wechat/callback/{creds['appid']}"
    if not safe:
        return requests.post(url, params=_signed(creds["token"]), data=xml.encode(), timeout=10)
    cipher = WeChatCrypto(creds["token"], creds["encoding_aes_key"], creds["appid"])
    timestamp, nonce = str(int(time.time())), "7654321"
    envelope = xmltodict.parse(cipher.encrypt_message(xml, nonce, timestamp))["xml"]
    params = {"signature": _signature(creds["token"], timestamp, nonce), "timestamp": timestamp,
              "nonce": nonce, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
    body = _xml(ToUserName="gh_test", Encrypt=envelope["Encrypt"])
    return requests.post(url, params=params, data=body.encode(), timeout=10)


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
    assert db.scalar(select(func.count(WeChatInbound.id))) == 1
    click = _push(hub_server.url, humen, _message("event", Event="CLICK",
                                                  EventKey="column:news"))
    assert click.status_code == 200 and "<Content>" in click.text
