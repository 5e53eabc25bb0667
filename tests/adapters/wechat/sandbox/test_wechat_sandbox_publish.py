"""Publishing: asynchronous jobs, the PUBLISHJOBFINISH push (plain and safe mode), retries."""

from __future__ import annotations

import time

import pytest
import requests
import xmltodict
from wechat_sandbox_helpers import (
    FAST,
    HTTP_TIMEOUT,
    CallbackReceiver,
    ReceivedPush,
    SandboxApp,
    new_draft,
    register,
    wait_until,
)
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from adapters.wechat.sandbox import SandboxSettings


def submit(app: SandboxApp, token: str, media_id: str) -> dict:
    return app.call("/cgi-bin/freepublish/submit", token, {"media_id": media_id})


def status(app: SandboxApp, token: str, publish_id: str) -> dict:
    return app.call("/cgi-bin/freepublish/get", token, {"publish_id": publish_id})


def event_of(app: SandboxApp, push: ReceivedPush) -> dict:
    """The event XML of a push, after checking its signature as the hub will."""
    params = push.params
    check_signature(app.token, params["signature"], params["timestamp"], params["nonce"])
    return xmltodict.parse(push.body.decode("utf-8"))["xml"]


def published(app: SandboxApp, token: str, publish_id: str) -> dict:
    return wait_until(lambda: (s := status(app, token, publish_id))["publish_status"] != 1
                      and s)


@pytest.fixture
def receiver(start_receiver) -> CallbackReceiver:
    return start_receiver()


def test_publish_is_accepted_then_finishes_and_pushes_the_event(sandbox, receiver):
    app = register(sandbox, callback_url=receiver.url)
    token = app.fetch_token()
    media_id = new_draft(app, token, title="东莞工会：百万红包雨")

    accepted = submit(app, token, media_id)

    assert accepted["errcode"] == 0 and accepted["msg_data_id"]
    assert status(app, token, accepted["publish_id"])["publish_status"] == 1
    push = receiver.wait_for(1)[0]
    event = event_of(app, push)
    info = event["PublishEventInfo"]
    assert event["FromUserName"] == "mphelper"
    assert event["ToUserName"] == app.received()["ghid"]
    assert (event["MsgType"], event["Event"]) == ("event", "PUBLISHJOBFINISH")
    assert info["publish_id"] == accepted["publish_id"]
    assert info["publish_status"] == "0"
    final = status(app, token, accepted["publish_id"])
    assert final["publish_status"] == 0
    assert info["article_id"] == final["article_id"]
    item = final["article_detail"]["item"][0]
    assert info["article_detail"]["item"]["article_url"] == item["article_url"]
    page = requests.get(item["article_url"], timeout=HTTP_TIMEOUT)
    assert "东莞工会：百万红包雨" in page.text


def test_a_published_draft_leaves_the_draft_box(app):
    token = app.fetch_token()
    media_id = new_draft(app, token)

    published(app, token, submit(app, token, media_id)["publish_id"])

    assert app.call("/cgi-bin/draft/get", token, {"media_id": media_id})["errcode"] == 40007
    assert submit(app, token, media_id)["errcode"] == 40007


def test_a_tampered_signature_does_not_verify(sandbox, receiver):
    app = register(sandbox, callback_url=receiver.url)
    token = app.fetch_token()
    submit(app, token, new_draft(app, token))
    params = receiver.wait_for(1)[0].params

    with pytest.raises(InvalidSignatureException):
        check_signature("another-token", params["signature"], params["timestamp"],
                        params["nonce"])


def test_safe_mode_push_is_encrypted_and_decrypts_with_wechatcrypto(sandbox, receiver):
    app = register(sandbox, callback_url=receiver.url, safe_mode=True)
    token = app.fetch_token()
    publish_id = submit(app, token, new_draft(app, token))["publish_id"]

    push = receiver.wait_for(1)[0]

    assert push.params["encrypt_type"] == "aes"
    assert b"PUBLISHJOBFINISH" not in push.body
    crypto = WeChatCrypto(app.token, app.encoding_aes_key, app.appid)
    plain = crypto.decrypt_message(push.body, push.params["msg_signature"],
                                   push.params["timestamp"], push.params["nonce"])
    event = xmltodict.parse(plain)["xml"]
    assert event["Event"] == "PUBLISHJOBFINISH"
    assert event["PublishEventInfo"]["publish_id"] == publish_id
    check_signature(app.token, push.params["signature"], push.params["timestamp"],
                    push.params["nonce"])


def test_slow_receiver_gets_the_push_again(start_sandbox, start_receiver):
    sandbox = start_sandbox(SandboxSettings(publish_delay=0.05, callback_timeout=0.3))
    receiver = start_receiver(delays=[0.8])  # the first answer comes too late
    app = register(sandbox, callback_url=receiver.url)
    token = app.fetch_token()
    publish_id = submit(app, token, new_draft(app, token))["publish_id"]

    pushes = receiver.wait_for(2)

    assert len(pushes) == 2
    assert [event_of(app, p)["PublishEventInfo"]["publish_id"] for p in pushes] == [
        publish_id, publish_id]
    # Signed anew, as WeChat does: a receiver takes a (timestamp, nonce) once.
    assert pushes[0].params["nonce"] != pushes[1].params["nonce"]
    record = wait_until(lambda: (c := app.received()["callbacks"][0])["delivered"] and c)
    assert [a["outcome"] for a in record["attempts"]] == ["timeout", "HTTP 200"]


def test_a_failing_receiver_gets_three_tries_in_all(start_sandbox, start_receiver):
    sandbox = start_sandbox(SandboxSettings(publish_delay=0.05))
    receiver = start_receiver(statuses=[500, 502, 503, 200])
    app = register(sandbox, callback_url=receiver.url)
    token = app.fetch_token()
    submit(app, token, new_draft(app, token))

    receiver.wait_for(3)
    time.sleep(0.3)  # a fourth try would come now

    assert len(receiver.pushes) == 3
    record = app.received()["callbacks"][0]
    assert record["delivered"] is False
    assert [a["outcome"] for a in record["attempts"]] == ["HTTP 500", "HTTP 502", "HTTP 503"]


def test_a_dropped_push_leaves_freepublish_get_telling_the_truth(sandbox, receiver):
    app = register(sandbox, callback_url=receiver.url)
    token = app.fetch_token()
    app.faults(drop_callbacks=1)

    lost = submit(app, token, new_draft(app, token))["publish_id"]
    final = published(app, token, lost)
    time.sleep(FAST.publish_delay)

    assert receiver.pushes == []
    assert final["publish_status"] == 0 and final["article_detail"]["count"] == 1
    assert app.received()["callbacks"][0]["dropped"] is True
    second = submit(app, token, new_draft(app, token))["publish_id"]
    event = event_of(app, receiver.wait_for(1)[0])
    assert event["PublishEventInfo"]["publish_id"] == second


def test_publish_fail_with_an_errcode_refuses_the_next_submit_only(app):
    token = app.fetch_token()
    media_id = new_draft(app, token)
    app.faults(publish_fail="53503")

    assert submit(app, token, media_id)["errcode"] == 53503
    assert submit(app, token, media_id)["errcode"] == 0


@pytest.mark.parametrize(("failure", "fail_idx"), [("3", None), ("2", "1")])
def test_publish_fail_with_a_status_finishes_the_job_failed(sandbox, receiver, failure,
                                                           fail_idx):
    app = register(sandbox, callback_url=receiver.url)
    token = app.fetch_token()
    app.faults(publish_fail=failure)

    publish_id = submit(app, token, new_draft(app, token))["publish_id"]

    final = published(app, token, publish_id)
    assert final["publish_status"] == int(failure)
    assert "article_id" not in final
    info = event_of(app, receiver.wait_for(1)[0])["PublishEventInfo"]
    assert info["publish_status"] == failure
    assert info.get("fail_idx") == fail_idx


def test_freepublish_get_quota_is_per_app(start_sandbox):
    sandbox = start_sandbox(SandboxSettings(publish_delay=0.05,
                                            daily_quotas={"freepublish_get": 2}))
    busy, other = register(sandbox), register(sandbox)
    busy_token, other_token = busy.fetch_token(), other.fetch_token()
    publish_id = submit(busy, busy_token, new_draft(busy, busy_token))["publish_id"]
    status(busy, busy_token, publish_id)
    status(busy, busy_token, publish_id)

    assert status(busy, busy_token, publish_id)["errcode"] == 45009
    other_id = submit(other, other_token, new_draft(other, other_token))["publish_id"]
    assert status(other, other_token, other_id)["publish_id"] == other_id


def test_delete_withdraws_the_article(app):
    token = app.fetch_token()
    publish_id = submit(app, token, new_draft(app, token, title="撤回测试"))["publish_id"]
    final = published(app, token, publish_id)
    url = final["article_detail"]["item"][0]["article_url"]

    answer = app.call("/cgi-bin/freepublish/delete", token,
                      {"article_id": final["article_id"], "index": 0})

    assert answer["errcode"] == 0
    assert status(app, token, publish_id)["publish_status"] == 5
    page = requests.get(url, timeout=HTTP_TIMEOUT)
    assert "该内容已被发布者删除" in page.text and "撤回测试" not in page.text
    assert app.received()["deletions"][0]["article_id"] == final["article_id"]


def test_delete_of_an_unknown_article(app):
    token = app.fetch_token()

    answer = app.call("/cgi-bin/freepublish/delete", token, {"article_id": "nope"})

    assert answer["errcode"] == 53600


def test_batchget_lists_published_articles_newest_first_and_draft_delete(app, sandbox):
    token = app.fetch_token()
    first = new_draft(app, token, title="第一篇")
    second = new_draft(app, token, title="第二篇")
    for media_id in (first, second):
        submitted = app.call("/cgi-bin/freepublish/submit", token, {"media_id": media_id})
        assert submitted["errcode"] == 0
        wait_until(lambda m=media_id: any(p["status"] == 0 for p in app.received()["publishes"]
                                          if p["media_id"] == m))
    listing = app.call("/cgi-bin/freepublish/batchget", token,
                       {"offset": 0, "count": 20, "no_content": 1})
    assert listing["total_count"] == 2
    titles = [item["content"]["news_item"][0]["title"] for item in listing["item"]]
    assert titles == ["第二篇", "第一篇"]
    assert "content" not in listing["item"][0]["content"]["news_item"][0]
    assert app.call("/cgi-bin/freepublish/batchget", token, {"count": 0})["errcode"] == 47001
    third = new_draft(app, token, title="草稿")
    assert app.call("/cgi-bin/draft/delete", token, {"media_id": third})["errcode"] == 0
    assert app.call("/cgi-bin/draft/get", token, {"media_id": third})["errcode"] == 40007


def test_an_app_can_be_put_out_of_quota(app, sandbox):
    answer = requests.post(f"{sandbox.url}/sandbox/apps/{app.appid}/quotas",
                           json={"freepublish_submit": 0}, timeout=10)
    assert answer.status_code == 200
    token = app.fetch_token()
    media_id = new_draft(app, token)
    refused = app.call("/cgi-bin/freepublish/submit", token, {"media_id": media_id})
    assert refused["errcode"] == 45009
    bad = requests.post(f"{sandbox.url}/sandbox/apps/{app.appid}/quotas",
                        json={"no_such_api": 1}, timeout=10)
    assert bad.status_code == 400
