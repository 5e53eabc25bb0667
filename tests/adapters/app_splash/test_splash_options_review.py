"""A promotion's splash options are part of its words: on a live promotion of an account that
requires review, an author's change reaches the app only once a second person approves it."""

from __future__ import annotations

from splash_helpers import DONGGUAN_APP, promotion


def _current(client) -> dict:
    return client.get(DONGGUAN_APP).get_json()["current"]


def test_an_authors_splash_change_on_a_live_promotion_waits_for_review(
        client, token_for, splash_demo, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post, published = promotion(client, author, reviewer, options={"priority": 10})
    assert published.status_code == 200, published.get_json()
    dispatcher.drain()
    assert _current(client)["priority"] == 10

    url = f"/api/v1/splash/posts/{post['id']}/options"
    saved = client.put(url, headers=author, json={"priority": 99, "daily_cap": 9})
    assert saved.status_code == 200, saved.get_json()
    assert client.get(url, headers=author).get_json()["options"]["priority"] == 99
    dispatcher.drain()
    assert _current(client)["priority"] == 10  # the app still gets the live version

    client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
    approved = client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    assert approved.status_code == 200, approved.get_json()
    dispatcher.drain()
    current = _current(client)
    assert (current["priority"], current["daily_cap"]) == (99, 9)
