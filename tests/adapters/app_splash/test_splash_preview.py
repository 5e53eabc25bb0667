"""The splash as the editor's preview shows it: the poster the app will show (designed from
the post when it has no cover), or, when there is none to show, a sentence saying why."""

from __future__ import annotations

from splash_helpers import promotion

from hub import channels
from hub.outlets.services import outlet_info, outlets_of
from hub.posts.models import Post
from hub.publication import snapshot


def _rendered(db, post_id: int) -> dict:
    db.rollback()  # see what the API wrote
    post = db.get(Post, post_id)
    [outlet] = [o for o in outlets_of(db, [post.account_id]) if o.channel == "splash"]
    shown = snapshot(db, post, "splash", outlet.account, "http://127.0.0.1:5000")
    return channels.get_channel("splash").render(shown, outlet_info(outlet))


def test_a_promotion_without_a_cover_previews_the_poster_the_hub_designs(
        client, db, token_for, splash_demo):
    post, _ = promotion(client, token_for("dg-editor"), None, cover=None, publish=False)
    form = _rendered(db, post["id"])
    assert form["image_data_url"].startswith("data:image/jpeg")
    assert form["problems"] == [] and "placeholder" not in form


def test_an_article_or_a_splash_that_cannot_be_drawn_says_why_in_words(
        client, db, token_for, splash_demo):
    author = token_for("dg-editor")
    article = client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "title": "职工健步走", "body": "正文"}).get_json()
    form = _rendered(db, article["id"])
    assert "image_data_url" not in form and form["problems"] == []  # not refused: not shown
    assert form["placeholder"] == "开屏只展示「活动 / 福利」稿件：这篇是文章，不会出现在 App 开屏。"
    broken, _ = promotion(client, author, None, options={"skip_after_seconds": 8},
                          publish=False)
    form = _rendered(db, broken["id"])
    assert form["problems"] and "下面列出的问题" in form["placeholder"]
