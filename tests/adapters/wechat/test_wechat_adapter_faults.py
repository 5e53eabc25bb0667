"""Faults that end correctly: an account out of quota, a token storm, a lost callback, a
retry after a publish that did go through, a submit whose answer was lost."""

from __future__ import annotations

import requests
from sqlalchemy import select, update
from wechat_adapter_helpers import (
    deliveries,
    faults,
    publish_dongguan,
    quotas,
    received,
    settled,
    wait_for,
)

from adapters.wechat.api import WeChatFreePublish
from hub.deliveries.models import Delivery


def test_one_account_out_of_quota_leaves_the_other_33_delivered(
        client, token_for, matrix, wechat_sandbox, running):
    humen = matrix["dg-humen"]["appid"]
    quotas(wechat_sandbox.url, humen, freepublish_submit=0)
    post_id = publish_dongguan(client, token_for)
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 33, "failed": 1})
    failed = next(d for d in listing["deliveries"] if d["state"] == "failed")
    assert failed["target_account"] == "dg-humen"
    assert "今日接口调用额度已用完" in failed["last_error"] and "45009" in failed["last_error"]
    assert failed["attempts"] == 1  # not retried all day: an editor decides
    assert received(wechat_sandbox.url, humen)["publishes"] == []


def test_a_token_storm_ends_delivered_without_a_refresh_loop(
        client, token_for, matrix, wechat_sandbox, running):
    appid = matrix["dg-changan"]["appid"]
    faults(wechat_sandbox.url, appid, token_storm=3)
    post_id = publish_dongguan(client, token_for, push_down=["dg-changan"])
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 2})
    got = received(wechat_sandbox.url, appid)
    assert [p["status"] for p in got["publishes"]] == [0]
    # Each refused call: one normal and at most one forced stable_token, then one retry.
    assert got["quota_used"]["stable_token"] <= 1 + 2 * 3
    changan = next(d for d in listing["deliveries"] if d["target_account"] == "dg-changan")
    assert changan["attempts"] <= 3


def test_a_token_storm_that_never_ends_fails_after_bounded_attempts(
        client, token_for, matrix, wechat_sandbox, running, config):
    running.policy = type(running.policy)(3, 0.05, 0.1)
    appid = matrix["dg-qingxi"]["appid"]
    faults(wechat_sandbox.url, appid, token_storm=1000)
    post_id = publish_dongguan(client, token_for, push_down=["dg-qingxi"])
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 1, "failed": 1})
    failed = next(d for d in listing["deliveries"] if d["state"] == "failed")
    assert failed["attempts"] == 3 and "40001" in failed["last_error"]
    got = received(wechat_sandbox.url, appid)
    # 3 attempts x (call + retry): the storm used up 6 calls, not a recursion's thousands.
    assert got["faults"]["token_storm"] == 1000 - 6
    assert got["quota_used"]["stable_token"] <= 1 + 2 * 3


def test_a_lost_callback_still_ends_delivered_by_asking_wechat(
        client, token_for, matrix, wechat_sandbox, running):
    appid = matrix["dg-houjie"]["appid"]
    faults(wechat_sandbox.url, appid, drop_callbacks=1)
    post_id = publish_dongguan(client, token_for, push_down=["dg-houjie"])
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 2})
    houjie = next(d for d in listing["deliveries"] if d["target_account"] == "dg-houjie")
    assert houjie["external_url"].startswith(f"{wechat_sandbox.url}/s/")
    got = received(wechat_sandbox.url, appid)
    assert got["callbacks"][0]["dropped"] is True
    assert 1 <= got["quota_used"]["freepublish_get"] <= 2  # sparse: no polling loop
    assert [h["outcome"] for h in houjie["history"]][-1] == "ok"


def test_a_retry_after_a_publish_that_went_through_never_publishes_twice(
        client, token_for, matrix, wechat_sandbox, running, app, db):
    post_id = publish_dongguan(client, token_for, push_down=["dg-humen", "dg-changan"])
    settled(client, token_for("dg-editor"), post_id, {"delivered": 3})
    # As if every worker had died before recording: the rows are due and sent again.
    with app.extensions["hub.sessions"]() as session:
        session.execute(update(Delivery).where(Delivery.post_id == post_id)
                        .values(state="pending", external_url=None))
        session.commit()
    running.wake_event.set()
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 3})
    assert all(d["external_url"] for d in listing["deliveries"])
    for code in ("dongguan", "dg-humen", "dg-changan"):
        got = received(wechat_sandbox.url, matrix[code]["appid"])
        assert len(got["publishes"]) == 1 and len(got["drafts"]) == 1, code


def test_a_submit_whose_answer_was_lost_is_found_not_resubmitted(
        client, token_for, matrix, wechat_sandbox, running, monkeypatch):
    real_submit = WeChatFreePublish.submit

    def submit_then_lose_the_answer(self, media_id):
        real_submit(self, media_id)
        raise requests.ConnectionError("connection reset after the request was sent")

    monkeypatch.setattr(WeChatFreePublish, "submit", submit_then_lose_the_answer)
    post_id = publish_dongguan(client, token_for, push_down=None)
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 1})
    assert listing["deliveries"][0]["external_url"].startswith(f"{wechat_sandbox.url}/s/")
    got = received(wechat_sandbox.url, matrix["dongguan"]["appid"])
    assert len(got["publishes"]) == 1


def test_wechat_refusing_the_article_fails_the_delivery_with_its_reason(
        client, token_for, matrix, wechat_sandbox, running):
    faults(wechat_sandbox.url, matrix["dg-shilong"]["appid"], publish_fail="4")
    faults(wechat_sandbox.url, matrix["dg-shijie"]["appid"], publish_fail="53503")
    post_id = publish_dongguan(client, token_for, push_down=["dg-shilong", "dg-shijie"])
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 1, "failed": 2})
    errors = {d["target_account"]: d["last_error"] for d in listing["deliveries"]}
    assert "平台审核未通过" in errors["dg-shilong"]
    assert "草稿未通过发布检查" in errors["dg-shijie"] and "53503" in errors["dg-shijie"]


def test_broken_credentials_break_only_that_outlet(
        client, token_for, matrix, wechat_sandbox, running, app, db):
    # The secret changed in the WeChat back office and nobody told the hub.
    requests.post(f"{wechat_sandbox.url}/sandbox/apps", timeout=10, json={
        "appid": matrix["dg-dalang"]["appid"], "secret": "changed-in-the-back-office",
        "token": matrix["dg-dalang"]["token"]}).raise_for_status()
    post_id = publish_dongguan(client, token_for, push_down=["dg-dalang", "dg-tangxia"])
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 2, "failed": 1})
    failed = next(d for d in listing["deliveries"] if d["state"] == "failed")
    assert failed["target_account"] == "dg-dalang" and "40125" in failed["last_error"]
    wait_for(lambda: db.rollback() or db.scalar(select(Delivery.id).where(
        Delivery.post_id == post_id, Delivery.state == "failed")), 5, "failure recorded")
    assert deliveries(client, token_for("dg-editor"), post_id)["summary"]["delivered"] == 2
