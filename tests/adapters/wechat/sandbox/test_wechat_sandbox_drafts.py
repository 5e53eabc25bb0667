"""The draft box: field limits, what WeChat strips from a body, Chinese text."""

from __future__ import annotations

import json

import pytest
import requests
from wechat_sandbox_helpers import (
    HTTP_TIMEOUT,
    add_thumb,
    image_bytes,
    new_draft,
    register,
    upload_image,
)


@pytest.fixture
def token(app):
    return app.fetch_token()


@pytest.fixture
def thumb(app, token):
    return add_thumb(app, token)["media_id"]


def add_article(app, token, **fields):
    return app.call("/cgi-bin/draft/add", token, {"articles": [fields]})


def get_draft(app, token, media_id):
    return app.call("/cgi-bin/draft/get", token, {"media_id": media_id})


@pytest.mark.parametrize(
    ("field", "longest", "errcode"),
    [
        ("title", 32, 45003),
        ("author", 16, 45110),
        ("digest", 128, 45004),
        ("content", 19_999, 45002),
    ],
)
def test_field_limits(app, token, thumb, field, longest, errcode):
    fields = {"title": "标题", "content": "<p>正文</p>", "thumb_media_id": thumb}

    fits = add_article(app, token, **{**fields, field: "字" * longest})
    too_long = add_article(app, token, **{**fields, field: "字" * (longest + 1)})

    assert "media_id" in fits, fits
    assert too_long["errcode"] == errcode


def test_thumb_must_be_a_permanent_material_of_this_app(sandbox, app, token):
    other = register(sandbox)
    foreign_thumb = add_thumb(other, other.fetch_token())["media_id"]

    for thumb_media_id in ("no-such-media", foreign_thumb, None):
        answer = add_article(app, token, title="标题", content="<p>正文</p>",
                             thumb_media_id=thumb_media_id)
        assert answer["errcode"] == 40007


def test_article_count_and_empty_drafts(app, token, thumb):
    article = {"title": "标题", "content": "<p>正文</p>", "thumb_media_id": thumb}

    assert app.call("/cgi-bin/draft/add", token, {"articles": []})["errcode"] == 44003
    assert app.call("/cgi-bin/draft/add", token, {"articles": [article] * 9})["errcode"] == 45008
    assert "media_id" in app.call("/cgi-bin/draft/add", token, {"articles": [article] * 8})


def test_foreign_images_and_outside_links_are_silently_stripped(sandbox, app, token, thumb):
    own_image = upload_image(app, token, image_bytes(), "own.jpg")["url"]
    other = register(sandbox)
    others_image = upload_image(other, other.fetch_token(), image_bytes("PNG"), "x.png")["url"]
    body = (
        f'<p>会员福利<img src="{own_image}"/>'
        f'<img src="https://example.com/hotlinked.jpg"/><img src="{others_image}">'
        '<a href="https://example.com/shop">外部商城</a>'
        '<a href="https://mp.weixin.qq.com/s/abc">往期文章</a>'
        '<script>steal()</script></p>'
    )

    media_id = add_article(app, token, title="福利", content=body, thumb_media_id=thumb)[
        "media_id"]
    stored = get_draft(app, token, media_id)["news_item"][0]["content"]

    assert stored == (
        f'<p>会员福利<img src="{own_image}"/>外部商城'
        '<a href="https://mp.weixin.qq.com/s/abc">往期文章</a></p>'
    )
    assert app.received()["drafts"][0]["articles"][0]["content"] == stored


def test_chinese_sent_as_utf8_is_stored_as_is(app, token, thumb):
    title = "东莞市总工会：百万红包雨来了"
    media_id = add_article(app, token, title=title, author="东莞工会",
                           content="<p>“粤工惠”会员专享 🎉</p>", thumb_media_id=thumb)[
        "media_id"]

    article = get_draft(app, token, media_id)["news_item"][0]

    assert article["title"] == title
    assert article["content"] == "<p>“粤工惠”会员专享 🎉</p>"


def test_unicode_escapes_stay_literal_and_count_as_six_characters(app, token, thumb):
    title = "东莞工会福利"  # 6 characters: fits; escaped it is 36 characters of text
    escaped_body = json.dumps({"articles": [
        {"title": title, "content": "<p>正文</p>", "thumb_media_id": thumb}]})  # \uXXXX
    assert "\\u" in escaped_body

    answer = requests.post(f"{app.base_url}/cgi-bin/draft/add", data=escaped_body,
                           params={"access_token": token}, timeout=HTTP_TIMEOUT).json()

    assert answer["errcode"] == 45003, "36 characters do not fit in 32"
    short = json.dumps({"articles": [
        {"title": "福利", "content": "<p>正文</p>", "thumb_media_id": thumb}]})
    media_id = requests.post(f"{app.base_url}/cgi-bin/draft/add", data=short,
                             params={"access_token": token}, timeout=HTTP_TIMEOUT).json()[
        "media_id"]
    assert get_draft(app, token, media_id)["news_item"][0]["title"] == "\\u798f\\u5229"


def test_missing_digest_is_taken_from_the_body(app, token, thumb):
    media_id = add_article(app, token, title="标题", content="<p>第一段&amp;第二段</p>",
                           thumb_media_id=thumb)["media_id"]

    assert get_draft(app, token, media_id)["news_item"][0]["digest"] == "第一段&第二段"


def test_unknown_draft_and_broken_json(app, token):
    assert get_draft(app, token, "nope")["errcode"] == 40007
    broken = requests.post(f"{app.base_url}/cgi-bin/draft/add", data=b"{not json",
                           params={"access_token": token}, timeout=HTTP_TIMEOUT).json()
    assert broken["errcode"] == 47001
    deep = requests.post(f"{app.base_url}/cgi-bin/draft/add", data=b"[" * 100_000,
                         params={"access_token": token}, timeout=HTTP_TIMEOUT).json()
    assert deep["errcode"] == 47001


def test_a_mass_sent_draft_leaves_the_draft_box(app, token):
    media_id = new_draft(app, token)

    sent = app.call("/cgi-bin/message/mass/sendall", token, {
        "filter": {"is_to_all": True}, "msgtype": "mpnews", "mpnews": {"media_id": media_id}})

    assert sent["errcode"] == 0
    assert get_draft(app, token, media_id)["errcode"] == 40007
    assert app.received()["drafts"][0]["removed_because"] == "mass_sent"
