"""Course reminders reach members as subscribe messages: the scheduler's tick asks the
mini-program outlet, which sends one "开课提醒" through WeChat (the sandbox here) to each
member holding a seat who allowed it, and never a second."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from campaign_helpers import request_id

from adapters.wechat.miniapp import demo_credentials
from adapters.wechat.sandbox import SandboxSettings, serve
from adapters.wechat.settings import WeChatSettings
from hub import channels, scheduler
from hub.db import utcnow


@pytest.fixture
def sandbox_app(app, config):
    server = serve(settings=SandboxSettings())
    creds = demo_credentials(config.secret())
    requests.post(f"{server.url}/sandbox/apps", timeout=10, json={
        "appid": creds.appid, "secret": creds.secret, "token": creds.token,
        "account_type": "miniprogram"}).raise_for_status()
    channels.get_channel("wechat").settings = WeChatSettings(
        api_base=server.url, timeout=5.0, miniprogram_appid=creds.appid,
        miniprogram_secret=creds.secret)
    channels.attach(channels.ChannelContext(config=config,
                                            sessions=app.extensions["hub.sessions"],
                                            read_sessions=app.extensions["hub.read_sessions"]))
    yield server, creds.appid
    server.shutdown()


def test_a_member_with_a_seat_is_reminded_once(app, client, people, campaign, sandbox_app):
    server, appid = sandbox_app
    course = campaign("course", account="meizhou", seats=2, place="梅州市职工服务中心",
                      title="电工技能培训", remind_minutes=120,
                      course_starts_at=(utcnow() + dt.timedelta(hours=1)).isoformat())
    reminded, unwilling = people(2, union="mz-meijiang-hospital")
    for person in (reminded, unwilling):
        answer = client.post(f"/mp/v1/campaigns/{course['id']}/claim", headers=person.headers,
                             json={"request_id": request_id()})
        assert answer.get_json()["status"] == "claimed"
    client.post("/mp/v1/subscriptions", headers=reminded.headers,
                json={"template": "course_reminder"})
    requests.post(f"{server.url}/sandbox/apps/{appid}/subscribe-allow", timeout=5, json={
        "openid": reminded.openid, "template_id": "hub-course-reminder"}).raise_for_status()

    sessions = app.extensions["hub.sessions"]
    scheduler.tick(sessions)
    scheduler.tick(sessions)
    sent = requests.get(f"{server.url}/sandbox/apps/{appid}/received",
                        timeout=5).json()["subscribe_messages"]
    assert [m["touser"] for m in sent] == [reminded.openid]
    assert sent[0]["template_id"] == "hub-course-reminder"
    assert sent[0]["data"]["thing1"]["value"] == "电工技能培训"
    assert sent[0]["data"]["thing3"]["value"] == "梅州市职工服务中心"
    assert sent[0]["page"] == f"pages/campaign/index?id={course['id']}&src=mp_subscribe"


def test_a_reminder_wechat_was_too_busy_for_goes_at_the_next_tick(app, client, people, campaign,
                                                                  sandbox_app):
    server, appid = sandbox_app
    course = campaign("course", account="meizhou", seats=1, place="梅州", title="焊工培训",
                      remind_minutes=120,
                      course_starts_at=(utcnow() + dt.timedelta(hours=1)).isoformat())
    [member] = people(1, union="mz-meijiang-hospital")
    client.post(f"/mp/v1/campaigns/{course['id']}/claim", headers=member.headers,
                json={"request_id": request_id()})
    client.post("/mp/v1/subscriptions", headers=member.headers,
                json={"template": "course_reminder"})
    requests.post(f"{server.url}/sandbox/apps/{appid}/subscribe-allow", timeout=5, json={
        "openid": member.openid, "template_id": "hub-course-reminder"}).raise_for_status()
    requests.post(f"{server.url}/sandbox/apps/{appid}/faults", timeout=5,
                  json={"system_busy": 1}).raise_for_status()

    def sent():
        return requests.get(f"{server.url}/sandbox/apps/{appid}/received",
                            timeout=5).json()["subscribe_messages"]

    sessions = app.extensions["hub.sessions"]
    scheduler.tick(sessions)
    assert sent() == []  # WeChat was busy: handed back, not lost
    scheduler.tick(sessions)
    assert [m["touser"] for m in sent()] == [member.openid]
