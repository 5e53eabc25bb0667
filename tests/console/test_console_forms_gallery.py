"""The console's gallery of a post's forms: a 东莞 promotion with one 900×383 cover shows, for
each of its outlets, every picture the outlet will get at each exact size (the screens'
slides, the splash's four posters, WeChat's thumb and its 1:1 crop), each linked to its file,
which is that size; editors of other accounts are refused. A form that is a video shows its
picture as the poster and links the MP4."""

from __future__ import annotations

import io
import re

import pytest
from console_support import ScreenDouble, login
from PIL import Image

from content.layout import Design, compose, samples
from content.layout.video import video
from hub.channels import DesignedForm

EXPECTED = {(1920, 1080), (768, 384), (1080, 1920), (1242, 2688), (750, 1334), (1125, 2436),
            (900, 383), (383, 383)}


@pytest.fixture
def promotion(app, config, demo, client, token_for):
    """The demo's outlets of every adapter, and a promotion whose only image is a cover."""
    with app.extensions["hub.sessions"]() as db:
        demo.load_outlets(db, config)
        db.commit()
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    cover = client.post("/api/v1/media", headers=author, data={
        "account": "dongguan", "file": (io.BytesIO(samples.cover(True)), "cover.jpg")},
        content_type="multipart/form-data").get_json()
    post = client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "kind": "promotion", "title": "百万红包雨：今晚八点准时开抢",
        "summary": "实名认证会员每天可抢三次", "body": "红包直接存入工会卡。",
        "cover_media_id": cover["id"]}).get_json()
    campaign = client.post("/api/v1/campaigns", headers=author, json={
        "account": "dongguan", "post_id": post["id"], "kind": "red_packet", "title": "红包雨",
        "starts_at": "2026-01-01T00:00:00", "ends_at": "2036-01-01T00:00:00",
        "budget_fen": 100_000, "count": 1000}).get_json()
    client.post(f"/api/v1/campaigns/{campaign['id']}/approve", headers=reviewer, json={})
    return post["id"]


@pytest.mark.default_channels
def test_the_gallery_shows_every_form_of_every_outlet_at_its_exact_size(app, promotion):
    editor = app.test_client()
    assert login(editor, "dg-editor").status_code == 302
    page = editor.get(f"/console/posts/{promotion}/forms")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "版式总览" in html and "该终端的版式生成失败" not in html
    figures = re.findall(r'<figure class="designed-form">(.*?)</figure>', html, re.S)
    shown = {}
    for figure in figures:
        size = re.search(r'(\d+)×(\d+) 像素', figure)
        link = re.search(r'href="(/forms/[0-9a-f]{64}\.(?:jpg|png))"', figure)
        assert size and link, figure
        shown[(int(size.group(1)), int(size.group(2)))] = link.group(1)
    assert set(shown) >= EXPECTED, sorted(shown)
    for (width, height), url in shown.items():
        answer = editor.get(url)
        assert answer.status_code == 200 and "immutable" in answer.headers["Cache-Control"]
        assert Image.open(io.BytesIO(answer.data)).size == (width, height), url
    post_page = editor.get(f"/console/posts/{promotion}").get_data(as_text=True)
    assert f"/console/posts/{promotion}/forms" in post_page  # reached from the post

    stranger = app.test_client()
    assert login(stranger, "mz-editor").status_code == 302
    assert stranger.get(f"/console/posts/{promotion}/forms").status_code == 403


class VideoScreen(ScreenDouble):
    """A screen that plays video (as the LED adapter's video screens will): its form is the
    slide's MP4, with the slide itself as the poster."""

    def forms(self, post, outlet):
        design = Design(title=post.title)
        poster = compose(design, "led", 128, 64)
        return [DesignedForm("视频屏", 128, 64, poster.mime_type, poster.data,
                             video=video(design, 128, 64, seconds=1))]


def test_a_video_form_shows_its_poster_and_links_the_mp4(app, config, console_as,
                                                           token_for, client):
    from hub import channels
    from hub.accounts.services import get_account
    from hub.outlets.services import bind_outlet

    channels.register(VideoScreen())
    with app.extensions["hub.sessions"]() as db:
        bind_outlet(db, get_account(db, "dongguan"), channel="led", key="dg-video",
                    name="视频屏", config={"width": 128, "height": 64}, hub_secret=config.secret())
        db.commit()
    post = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "职工运动会", "body": "正文"}).get_json()
    html = console_as("dg-editor").get(f"/console/posts/{post['id']}/forms").get_data(
        as_text=True)
    poster = re.search(r'<img src="(/forms/[0-9a-f]{64}\.png)"', html).group(1)
    film = re.search(r'href="(/forms/[0-9a-f]{64}\.mp4)"', html).group(1)
    assert "视频封面" in html and "MP4 视频" in html
    assert Image.open(io.BytesIO(client.get(poster).data)).size == (128, 64)
    answer = client.get(film)
    assert answer.mimetype == "video/mp4" and answer.data[4:8] == b"ftyp"
