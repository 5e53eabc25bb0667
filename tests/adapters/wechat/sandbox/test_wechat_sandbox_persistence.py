"""A sandbox with a state file carries on after a restart: its apps, tokens, publications,
images, login codes and allowances are still there, and no publish_id is handed out twice."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import requests
import xmltodict
from wechat_sandbox_helpers import (
    FAST,
    HTTP_TIMEOUT,
    SandboxApp,
    add_thumb,
    new_draft,
    register,
    wait_until,
)

OPENID = "oMember0000000000000000000001"


def submit(app: SandboxApp, token: str, media_id: str) -> str:
    answer = app.call("/cgi-bin/freepublish/submit", token, {"media_id": media_id})
    assert answer["errcode"] == 0, answer
    return answer["publish_id"]


def status(app: SandboxApp, token: str, publish_id: str) -> dict:
    return app.call("/cgi-bin/freepublish/get", token, {"publish_id": publish_id})


def finished(app: SandboxApp, token: str, publish_id: str) -> dict:
    return wait_until(lambda: (s := status(app, token, publish_id))["publish_status"] != 1
                      and s)


def pushed_publish_ids(receiver) -> list[str]:
    return [xmltodict.parse(push.body)["xml"]["PublishEventInfo"]["publish_id"]
            for push in receiver.pushes]


@pytest.fixture
def state_file(tmp_path) -> str:
    return str(tmp_path / "var" / "wechat-sandbox.sqlite3")


def test_a_restarted_sandbox_carries_on_from_its_file(start_sandbox, start_receiver,
                                                      state_file):
    settings = dataclasses.replace(FAST, state_file=state_file)
    receiver = start_receiver()
    first = start_sandbox(settings)
    account = register(first, callback_url=receiver.url)
    mini = register(first, account_type="miniprogram")
    token = account.fetch_token()
    thumb = add_thumb(account, token)
    first_id = submit(account, token, new_draft(account, token, title="重启之前"))
    before = finished(account, token, first_id)
    code = requests.post(f"{first.url}/sandbox/apps/{mini.appid}/login-codes",
                         json={"openid": OPENID}, timeout=HTTP_TIMEOUT).json()["js_code"]
    requests.post(f"{first.url}/sandbox/apps/{mini.appid}/subscribe-allow", timeout=HTTP_TIMEOUT,
                  json={"openid": OPENID, "template_id": "hub-news", "count": 2})
    yesterday = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
                 - dt.timedelta(days=1)).isoformat()
    requests.post(f"{first.url}/sandbox/apps/{account.appid}/article-stats", json={
        "msgid": "2247483650_1", "title": "重启之前", "sent": yesterday, "target_user": 900,
        "days": {yesterday: {"int_page_read_count": 120}}}, timeout=HTTP_TIMEOUT)
    first.shutdown()

    second = start_sandbox(settings)
    account = dataclasses.replace(account, base_url=second.url)
    mini = dataclasses.replace(mini, base_url=second.url)

    apps = requests.get(f"{second.url}/sandbox/apps", timeout=HTTP_TIMEOUT).json()["apps"]
    assert {app["appid"] for app in apps} == {account.appid, mini.appid}
    # The token the hub holds still works, and the publication is as it was.
    after = status(account, token, first_id)
    assert (after["publish_status"], after["article_id"]) == (0, before["article_id"])
    image = requests.get(thumb["url"].replace(first.url, second.url), timeout=HTTP_TIMEOUT)
    assert image.status_code == 200 and image.content.startswith(b"\xff\xd8")
    draft = account.call("/cgi-bin/draft/add", token, {"articles": [{
        "title": "旧封面", "content": "<p>正文</p>", "thumb_media_id": thumb["media_id"]}]})
    assert "media_id" in draft, draft
    # A new publish gets an id never used before, and its event still reaches the callback.
    second_id = submit(account, token, new_draft(account, token, title="重启之后"))
    assert second_id != first_id
    assert finished(account, token, second_id)["publish_status"] == 0
    receiver.wait_for(2)
    assert pushed_publish_ids(receiver) == [first_id, second_id]
    # The login code given before the restart signs the member in once.
    session = mini.client().wxa.code_to_session(code)
    assert session["openid"] == OPENID
    allowances = mini.received()["subscribe_allowances"]
    assert allowances == [{"openid": OPENID, "template_id": "hub-news", "remaining": 2}]
    # WeChat's figures for past days do not vanish with a restart either.
    summary = account.client().datacube.get_article_summary(yesterday, yesterday)
    assert [(row["msgid"], row["int_page_read_count"]) for row in summary] == [
        ("2247483650_1", 120)]


def test_a_publish_job_left_running_finishes_after_the_restart(start_sandbox, start_receiver,
                                                               state_file):
    receiver = start_receiver()
    slow = start_sandbox(dataclasses.replace(FAST, state_file=state_file, publish_delay=3600))
    account = register(slow, callback_url=receiver.url)
    token = account.fetch_token()
    publish_id = submit(account, token, new_draft(account, token))
    slow.shutdown()

    fast = start_sandbox(dataclasses.replace(FAST, state_file=state_file))
    account = dataclasses.replace(account, base_url=fast.url)

    assert finished(account, token, publish_id)["publish_status"] == 0
    receiver.wait_for(1)
    assert pushed_publish_ids(receiver) == [publish_id]


def test_reset_forgets_the_apps_but_not_the_serial(start_sandbox, state_file):
    settings = dataclasses.replace(FAST, state_file=state_file)
    sandbox = start_sandbox(settings)
    account = register(sandbox)
    token = account.fetch_token()
    first_id = submit(account, token, new_draft(account, token))
    requests.post(f"{sandbox.url}/sandbox/reset", timeout=HTTP_TIMEOUT)
    sandbox.shutdown()

    again = start_sandbox(settings)
    assert requests.get(f"{again.url}/sandbox/apps", timeout=HTTP_TIMEOUT).json()["apps"] == []
    account = register(again)
    token = account.fetch_token()
    assert int(submit(account, token, new_draft(account, token))) > int(first_id)
