"""The splash rules are part of the product: a one-tap skip visible from the first frame,
at most 5 seconds, no full-screen tap area, no shake trigger. Publishing refuses a splash
that breaks them, or an editor's own splash picture that does not fit the slot; links are
checked as saved."""

from __future__ import annotations

import pytest
from splash_helpers import DONGGUAN_APP, promotion, upload


@pytest.mark.parametrize("options, words", [
    ({"skip_after_seconds": 8}, "5 秒"),
    ({"skip_button": "after_countdown"}, "跳过按钮"),
    ({"skip_taps": 2}, "一次点击"),
    ({"tap_area": "fullscreen"}, "全屏"),
    ({"shake_trigger": True}, "摇一摇"),
])
def test_publishing_refuses_a_splash_that_breaks_the_rules(client, token_for, splash_demo,
                                                           dispatcher, options, words):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post, _ = promotion(client, author, reviewer, options=options, publish=False)
    shown = client.get(f"/api/v1/splash/posts/{post['id']}/options", headers=author)
    assert any(words in problem for problem in shown.get_json()["problems"])
    preview = client.get(f"/api/v1/splash/posts/{post['id']}/preview", headers=author)
    assert any(words in p for p in preview.get_json()["outlets"][0]["problems"])
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
    client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    refused = client.post(f"/api/v1/posts/{post['id']}/publish", headers=reviewer)
    assert refused.status_code == 400 and words in refused.get_json()["message"]
    dispatcher.drain()
    assert client.get(DONGGUAN_APP).get_json()["current"] is None


def test_the_hub_designs_the_splash_unless_the_editor_gives_their_own_picture(
        client, token_for, splash_demo):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    # No cover, or a landscape one: the hub designs the portrait poster; nothing refused.
    _, none = promotion(client, author, reviewer, cover=None)
    assert none.status_code == 200, none.get_json()
    _, landscape = promotion(client, author, reviewer, cover=(900, 383))
    assert landscape.status_code == 200, landscape.get_json()
    # The editor's own splash picture is shown as it is: its shape and size still matter.
    own = upload(client, author, "dongguan", 1920, 1080)
    _, wide = promotion(client, author, reviewer,
                        overrides={"splash": {"cover_media_id": own}})
    assert wide.status_code == 400 and "竖版" in wide.get_json()["message"]
    small = upload(client, author, "dongguan", 300, 540)
    _, tiny = promotion(client, author, reviewer,
                        overrides={"splash": {"cover_media_id": small}})
    assert tiny.status_code == 400 and "模糊" in tiny.get_json()["message"]
    _, fitted = promotion(client, author, reviewer, options={"fit": "fit"},
                          overrides={"splash": {"cover_media_id": own}})
    assert fitted.status_code == 200


@pytest.mark.parametrize("link, field", [
    ({"type": "miniprogram", "path": "pages/index"}, "link"),
    ({"type": "miniprogram", "appid": "not-an-appid", "path": "p"}, "link.appid"),
    ({"type": "h5", "url": "http://insecure.example.cn/"}, "link"),
    ({"type": "page", "path": "no-slash"}, "link"),
    ({"type": "teleport"}, "link.type"),
])
def test_links_are_checked_when_saved(client, token_for, splash_demo, link, field):
    author = token_for("dg-editor")
    post, _ = promotion(client, author, None, publish=False)
    response = client.put(f"/api/v1/splash/posts/{post['id']}/options", headers=author,
                          json={"link": link})
    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.get_json()["fields"])


def test_options_are_the_authors_and_the_window_must_make_sense(client, token_for,
                                                                 splash_demo):
    author = token_for("dg-editor")
    post, _ = promotion(client, author, None, publish=False)
    url = f"/api/v1/splash/posts/{post['id']}/options"
    assert client.put(url, headers=token_for("mz-editor"), json={}).status_code == 403
    backwards = client.put(url, headers=author, json={
        "starts_at": "2026-12-02T00:00:00", "ends_at": "2026-12-01T00:00:00"})
    assert backwards.status_code == 400
    assert client.put(url, headers=author, json={"daily_cap": 0}).status_code == 400
