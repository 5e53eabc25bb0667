"""Reaching followers: tags, mass send and preview, menus; fault switches per app."""

from __future__ import annotations

import time

import pytest
import xmltodict
from wechat_sandbox_helpers import SandboxApp, new_draft, register
from wechatpy.exceptions import WeChatClientException

OPENIDS = ["o" + f"{n:027d}" for n in range(3)]


def tagged_audience(app: SandboxApp, client) -> int:
    tag_id = client.tag.create("东莞会员")["id"]
    client.tag.tag_user(tag_id, OPENIDS)
    return tag_id


def send_all(app: SandboxApp, token: str, media_id: str, **extra) -> dict:
    return app.call("/cgi-bin/message/mass/sendall", token, {
        "filter": {"is_to_all": True}, "msgtype": "mpnews",
        "mpnews": {"media_id": media_id}, **extra})


def test_tags_through_wechatpy(app):
    client = app.client()

    tag_id = tagged_audience(app, client)

    assert client.tag.get() == [{"id": tag_id, "name": "东莞会员", "count": 3}]
    with pytest.raises(WeChatClientException) as raised:
        client.tag.create("东莞会员")
    assert raised.value.errcode == 45157


def test_wechatpy_mass_send_by_tag_uses_group_id_and_is_accepted(start_receiver, sandbox):
    receiver = start_receiver()
    app = register(sandbox, callback_url=receiver.url)
    client = app.client()
    tag_id = tagged_audience(app, client)
    media_id = new_draft(app, client.access_token)

    answer = client.message.send_mass_article(tag_id, media_id, client_msg_id="post-17")

    assert answer["msg_id"] and answer["msg_data_id"]
    sent = app.received()["mass_sends"][0]
    assert (sent["tag_id"], sent["recipients"], sent["clientmsgid"]) == (tag_id, 3, "post-17")
    event = xmltodict.parse(receiver.wait_for(1)[0].body)["xml"]
    assert event["Event"] == "MASSSENDJOBFINISH"
    assert event["MsgID"] == str(answer["msg_id"])


def test_same_clientmsgid_within_a_day_answers_45065_with_the_first_msg_id(sandbox):
    app = register(sandbox, account_type="service")
    token = app.fetch_token()
    first = send_all(app, token, new_draft(app, token), clientmsgid="post-42")

    again = send_all(app, token, new_draft(app, token), clientmsgid="post-42")

    assert again["errcode"] == 45065
    assert again["msg_id"] == first["msg_id"]
    assert len(app.received()["mass_sends"]) == 1


def test_subscription_account_sends_once_a_day_other_apps_unaffected(sandbox):
    subscription, other = register(sandbox), register(sandbox)
    token, other_token = subscription.fetch_token(), other.fetch_token()
    assert send_all(subscription, token, new_draft(subscription, token))["errcode"] == 0

    second = send_all(subscription, token, new_draft(subscription, token))

    assert second["errcode"] == 45028
    assert send_all(other, other_token, new_draft(other, other_token))["errcode"] == 0


def test_unknown_tag_and_unknown_draft(app):
    token = app.fetch_token()
    media_id = new_draft(app, token)

    by_tag = app.call("/cgi-bin/message/mass/sendall", token, {
        "filter": {"is_to_all": False, "tag_id": 999}, "msgtype": "mpnews",
        "mpnews": {"media_id": media_id}})

    assert by_tag["errcode"] == 40050
    assert send_all(app, token, "no-such-draft")["errcode"] == 40007


def test_preview_goes_to_one_openid(app):
    client = app.client()
    media_id = new_draft(app, client.access_token)

    answer = client.message.send_mass_article(OPENIDS[0], media_id, preview=True)

    assert answer["errmsg"] == "preview success"
    preview = app.received()["mass_previews"][0]
    assert (preview["touser"], preview["media_id"]) == (OPENIDS[0], media_id)


def menu(buttons: int, sub_buttons: int) -> dict:
    return {"button": [
        {"name": f"菜单{b}", "sub_button": [
            {"type": "view", "name": f"子菜单{s}", "url": "https://example.com/"}
            for s in range(sub_buttons)]}
        for b in range(buttons)]}


def test_menu_of_three_by_five_is_accepted(app):
    client = app.client()

    client.menu.create(menu(3, 5))

    assert len(app.received()["menus"][0]["button"]) == 3


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        (menu(4, 1), 40016),
        ({"button": []}, 40016),
        (menu(1, 6), 40023),
        ({"button": [{"name": "无动作"}]}, 40017),
        ({"button": [{"type": "click", "name": "福利"}]}, 40019),
        ({"button": [{"type": "click", "name": "名字太长太长太长", "key": "K"}]}, 40018),
    ],
)
def test_menu_errors(app, body, errcode):
    client = app.client()

    with pytest.raises(WeChatClientException) as raised:
        client.menu.create(body)

    assert raised.value.errcode == errcode
    assert app.received()["menus"] == []


def test_system_busy_answers_minus_one_n_times_for_that_app_only(sandbox):
    flaky, steady = register(sandbox), register(sandbox)
    token, steady_token = flaky.fetch_token(), steady.fetch_token()
    flaky.faults(system_busy=2)

    answers = [flaky.get("/cgi-bin/tags/get", token).get("errcode", 0) for _ in range(3)]

    assert answers == [-1, -1, 0]
    flaky.faults(system_busy=1)
    assert steady.get("/cgi-bin/tags/get", steady_token) == {"tags": []}


def test_latency_slows_only_that_app(sandbox):
    slow, quick = register(sandbox), register(sandbox)
    slow_token, quick_token = slow.fetch_token(), quick.fetch_token()
    slow.faults(latency_ms=300)

    started = time.monotonic()
    slow.get("/cgi-bin/tags/get", slow_token)
    slow_took = time.monotonic() - started
    started = time.monotonic()
    quick.get("/cgi-bin/tags/get", quick_token)
    quick_took = time.monotonic() - started

    assert slow_took >= 0.3
    assert quick_took < 0.25


def test_faults_switch_off(app):
    token = app.fetch_token()
    app.faults(system_busy=5, token_storm=5)

    assert app.faults(system_busy=0, token_storm=None)["system_busy"] == 0
    assert app.get("/cgi-bin/tags/get", token) == {"tags": []}
