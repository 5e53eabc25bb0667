"""Publishing to the official-account matrix through wechatpy against the sandbox over real
HTTP, with PUBLISHJOBFINISH pushed back to the hub's callback (safe mode for 东莞)."""

from __future__ import annotations

import requests
from wechat_adapter_helpers import (
    deliveries,
    jpeg,
    publish_dongguan,
    received,
    settled,
    upload,
)


def test_a_dongguan_post_reaches_all_34_official_accounts_with_article_urls(
        client, token_for, matrix, wechat, wechat_sandbox, running):
    # Only WeChat's pushed events may confirm here: the first look at freepublish/get is an
    # hour away, so how fast this machine runs cannot change what the test sees.
    wechat.settings = wechat.settings.model_copy(update={"confirm_schedule": (3600.0,)})
    post_id = publish_dongguan(client, token_for)
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 34})
    urls = [d["external_url"] for d in listing["deliveries"]]
    assert all(url and url.startswith(f"{wechat_sandbox.url}/s/") for url in urls)
    assert len(set(urls)) == 34
    polls = 0
    for code, creds in matrix.items():
        got = received(wechat_sandbox.url, creds["appid"])
        assert [p["status"] for p in got["publishes"]] == [0], code
        assert [c["event"] for c in got["callbacks"]] == ["PUBLISHJOBFINISH"], code
        assert got["callbacks"][0]["delivered"], code  # the hub answered 200
        polls += got["quota_used"].get("freepublish_get", 0)
    # Confirmed by the pushed events alone: freepublish/get (100 a day) was never needed.
    assert polls == 0
    page = requests.get(urls[0], timeout=10)
    assert page.status_code == 200 and "全市职工运动会报名开始" in page.text
    assert received(wechat_sandbox.url, matrix["dongguan"]["appid"])["safe_mode"] is True


def test_the_article_is_in_wechat_form(client, token_for, matrix, wechat_sandbox, running):
    headers = token_for("dg-editor")
    photo = upload(client, headers, "dongguan", jpeg())
    cover = upload(client, headers, "dongguan", jpeg((1600, 900), (200, 30, 30)), "cover.jpg")
    body = (f"职工书屋开放。\n\n![书屋]({photo['url']})\n\n"
            "详情见[报名页面](https://example.org/signup)，另有[规则](https://example.org/rules)。"
            "\n\n## 开放时间\n\n每周六")
    post_id = publish_dongguan(client, token_for, push_down=None, body=body,
                               cover_media_id=cover["id"])
    settled(client, headers, post_id, {"delivered": 1})
    got = received(wechat_sandbox.url, matrix["dongguan"]["appid"])
    article = got["publishes"][0]
    draft = next(d for d in got["drafts"] if d["media_id"] == article["media_id"])["articles"][0]
    uploaded = [image["url"] for image in got["images"]]
    assert len(uploaded) == 1 and uploaded[0] in draft["content"]  # kept: it came from uploadimg
    assert photo["url"] not in draft["content"]
    assert draft["content_source_url"] == "https://example.org/signup"
    assert "example.org/rules" in draft["content"] and "<a " not in draft["content"]
    assert "报名页面" in draft["content"]  # the link's text stays where it was
    assert "color:#C8102E" in draft["content"]  # the account's theme colour, inline
    thumb = next(m for m in got["materials"] if m["media_id"] == draft["thumb_media_id"])
    assert thumb["content_type"] == "image/jpeg" and thumb["size"] <= 64 * 1024


def test_a_title_over_wechats_limit_is_refused_before_publishing(
        client, token_for, matrix, wechat_sandbox):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    long_title = "关于开展二〇二六年度全市职工职业技能大赛暨劳动和技能竞赛报名工作的通知"
    post = client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "title": long_title, "body": "正文", "push_down": "all"}).get_json()
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
    client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    refused = client.post(f"/api/v1/posts/{post['id']}/publish", headers=reviewer)
    assert refused.status_code == 400
    message = refused.get_json()["message"]
    assert "微信标题最多 32 字" in message and "等 34 个终端" in message
    assert deliveries(client, author, post["id"])["deliveries"] == []
    assert all(received(wechat_sandbox.url, c["appid"])["drafts"] == [] for c in matrix.values())


def test_a_wechat_title_override_lets_it_through(client, token_for, matrix, running):
    long_title = "关于开展二〇二六年度全市职工职业技能大赛暨劳动和技能竞赛报名工作的通知"
    post_id = publish_dongguan(client, token_for, title=long_title, push_down=None,
                               overrides={"wechat": {"title": "全市职工技能大赛报名通知"}})
    listing = settled(client, token_for("dg-editor"), post_id, {"delivered": 1})
    assert listing["deliveries"][0]["external_url"]


def test_withdrawal_deletes_the_articles(client, token_for, matrix, wechat_sandbox, running):
    reviewer = token_for("dg-reviewer")
    post_id = publish_dongguan(client, token_for)
    listing = settled(client, reviewer, post_id, {"delivered": 34})
    url = listing["deliveries"][0]["external_url"]
    assert client.post(f"/api/v1/posts/{post_id}/withdraw", headers=reviewer).status_code == 200
    settled(client, reviewer, post_id, {"withdrawn": 34})
    for creds in matrix.values():
        got = received(wechat_sandbox.url, creds["appid"])
        assert len(got["deletions"]) == 1 and got["publishes"][0]["status"] == 5
    assert "该内容已被发布者删除" in requests.get(url, timeout=10).text
