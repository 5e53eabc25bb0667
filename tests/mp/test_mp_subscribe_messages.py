"""Subscribe messages through the pipeline: a member who follows an account and allowed a
"news" message gets exactly one when it publishes, through the sandbox's
message/subscribe/send; members who did not allow get none, and WeChat's refusal is kept."""

from __future__ import annotations

import requests
from sqlalchemy import select

from adapters.wechat.models import WeChatSubscribeNotice
from hub.accounts.services import get_account
from hub.deliveries.models import Delivery, DeliveryAttempt
from hub.members.models import MemberSubscription
from hub.outlets.services import bind_outlet


def _bind(db, config, *codes):
    for code in codes:
        account = get_account(db, code)
        bind_outlet(db, account, channel="mp_subscribe", key=code, name=f"{account.name}订阅消息",
                    hub_secret=config.secret())
    db.commit()


def _allow(client, sandbox, mini_app, headers, openid, *, in_wechat=True, in_hub=True):
    if in_wechat:  # the member tapped "allow" in WeChat's prompt
        requests.post(f"{sandbox.url}/sandbox/apps/{mini_app.appid}/subscribe-allow", timeout=5,
                      json={"openid": openid, "template_id": "hub-news"}).raise_for_status()
    if in_hub:  # the mini-program reported it
        client.post("/mp/v1/subscriptions", headers=headers, json={"template": "news"})


def _publish(client, token_for, account, title, author, reviewer=None, push_down=None):
    headers = token_for(author)
    body = {"account": account, "title": title, "body": "正文", "channels": ["mp_subscribe"]}
    if push_down:
        body["push_down"] = push_down
    post = client.post("/api/v1/posts", headers=headers, json=body).get_json()
    if reviewer:
        client.post(f"/api/v1/posts/{post['id']}/submit", headers=headers)
        headers = token_for(reviewer)
        client.post(f"/api/v1/posts/{post['id']}/approve", headers=headers)
    assert client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers).status_code == 200
    return post["id"]


def _received(sandbox, mini_app) -> list[dict]:
    answer = requests.get(f"{sandbox.url}/sandbox/apps/{mini_app.appid}/received", timeout=5)
    return answer.json()["subscribe_messages"]


def test_followers_who_allowed_get_one_message_each(client, db, config, demo, sign_in, sandbox,
                                                    mini_app, token_for, dispatcher):
    _bind(db, config, "meizhou", "dongguan", "dg-humen")
    people = {}
    for name in ("allowed", "silent", "withdrawn", "both"):
        headers, _ = sign_in(f"o-{name}")
        people[name] = headers
    for name in ("allowed", "silent", "withdrawn"):
        client.post("/mp/v1/accounts/meizhou/follow", headers=people[name])
    _allow(client, sandbox, mini_app, people["allowed"], "o-allowed")
    _allow(client, sandbox, mini_app, people["withdrawn"], "o-withdrawn", in_wechat=False)
    for code in ("dongguan", "dg-humen"):
        client.post(f"/mp/v1/accounts/{code}/follow", headers=people["both"])
    _allow(client, sandbox, mini_app, people["both"], "o-both")
    _allow(client, sandbox, mini_app, people["both"], "o-both")  # two allowances

    post = _publish(client, token_for, "meizhou", "梅州职工健康讲座开始报名啦，名额有限先到先得",
                    "mz-editor")
    pushed = _publish(client, token_for, "dongguan", "东莞下发通知", "dg-editor", "dg-reviewer",
                      push_down=["dg-humen"])
    dispatcher.drain()

    sent = _received(sandbox, mini_app)
    assert sorted(m["touser"] for m in sent) == ["o-allowed", "o-both"]
    first = next(m for m in sent if m["touser"] == "o-allowed")
    assert first["page"] == f"pages/post/index?id={post}&src=mp_subscribe"
    assert first["data"]["thing2"]["value"] == "梅州职工健康讲座开始报名啦，名额有限先…"
    assert first["data"]["thing1"]["value"] == "梅州市总工会"
    assert f"?id={pushed}&" in next(m for m in sent if m["touser"] == "o-both")["page"]

    db.rollback()
    notices = {(n.post_id, n.state) for n in db.scalars(select(WeChatSubscribeNotice))}
    assert notices == {(post, "sent"), (post, "refused"), (pushed, "sent")}
    left = dict(db.execute(select(MemberSubscription.identity_id,
                                  MemberSubscription.allowances)).all())
    assert sorted(left.values()) == [0, 0, 1]  # allowed used its one; withdrawn zeroed; both 1
    states = set(db.scalars(select(Delivery.state).where(Delivery.channel == "mp_subscribe")))
    assert states == {"delivered"}


def test_a_busy_wechat_leaves_the_message_for_the_retry(client, db, config, demo, sign_in,
                                                        sandbox, mini_app, token_for,
                                                        dispatcher):
    _bind(db, config, "meizhou")
    headers, _ = sign_in("o-patient")
    client.post("/mp/v1/accounts/meizhou/follow", headers=headers)
    _allow(client, sandbox, mini_app, headers, "o-patient")
    requests.post(f"{sandbox.url}/sandbox/apps/{mini_app.appid}/faults", timeout=5,
                  json={"system_busy": 1}).raise_for_status()
    _publish(client, token_for, "meizhou", "重试之后送达", "mz-editor")
    dispatcher.drain()
    db.rollback()
    delivery = db.scalar(select(Delivery).where(Delivery.channel == "mp_subscribe"))
    tries = db.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)
                       .order_by(DeliveryAttempt.id)).all()
    assert [t.outcome for t in tries] == ["transient", "ok"]
    assert "系统繁忙" in tries[0].error and delivery.state == "delivered"
    assert [m["touser"] for m in _received(sandbox, mini_app)] == ["o-patient"]
    assert [n.state for n in db.scalars(select(WeChatSubscribeNotice))] == ["sent"]
