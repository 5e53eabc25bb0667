"""A post's LED options are part of its words: on a live post of an account that requires
review, an author's change to them waits for a second person, and the screens keep playing
the live version until then."""

from __future__ import annotations

from led_helpers import create_post, poll, publish
from sqlalchemy import update

from hub.deliveries.models import Delivery


def _deliver_again(client, db, headers, dispatcher, post_id: int) -> None:
    """An operator re-runs the post's deliveries (a retry after an outage): the screens get
    the post as it stands, and must not get words or options nobody approved."""
    db.execute(update(Delivery).where(Delivery.post_id == post_id).values(state="failed"))
    db.commit()
    retried = client.post(f"/api/v1/posts/{post_id}/deliveries/retry", headers=headers)
    assert retried.status_code == 200, retried.get_json()
    dispatcher.drain()


def _item(client, token: str, post_id: int) -> dict:
    document = poll(client, token).get_json()
    return next(i for i in document["items"] if i["post_id"] == post_id)


def test_an_authors_interrupt_on_a_live_post_waits_for_a_second_person(
        client, db, token_for, device_token, dispatcher):
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post = create_post(client, author, title="职工书屋周末开放", channels=["led"])
    assert publish(client, author, reviewer, post["id"]).status_code == 200
    dispatcher.drain()
    screen = device_token("dg-guomao")
    live = _item(client, screen, post["id"])
    assert live["role"] == "normal"

    url = f"/api/v1/led/posts/{post['id']}/options"
    takeover = {"role": "interrupt", "share_of_voice": 100, "duration_seconds": 60}
    saved = client.put(url, headers=author, json=takeover)
    assert saved.status_code == 200, saved.get_json()
    dispatcher.drain()
    assert _item(client, screen, post["id"]) == live  # the screens play the live version
    _deliver_again(client, db, reviewer, dispatcher, post["id"])
    assert _item(client, screen, post["id"])["role"] == "normal"  # even delivered again
    shown = client.get(f"/api/v1/posts/{post['id']}", headers=author).get_json()
    assert shown["state"] == "published" and shown["version"] == 1
    assert shown["outlet_options"].get("led", {}).get("role", "normal") == "normal"
    assert shown["pending"]["state"] == "draft"
    assert shown["pending"]["content"]["outlet_options"]["led"]["role"] == "interrupt"
    assert client.get(url, headers=author).get_json()["role"] == "interrupt"  # their proposal

    submitted = client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
    assert submitted.get_json()["pending"]["state"] == "in_review"
    alone = client.post(f"/api/v1/posts/{post['id']}/approve", headers=author)
    assert alone.status_code == 403
    dispatcher.drain()
    assert _item(client, screen, post["id"]) == live

    approved = client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["pending"] is None and approved.get_json()["version"] == 2
    dispatcher.drain()
    now = _item(client, screen, post["id"])
    assert (now["role"], now["share_of_voice"], now["duration_seconds"]) == \
        ("interrupt", 100, 60)


def test_a_reviewers_own_options_change_needs_another_reviewer(
        client, token_for, device_token, dispatcher):
    author, reviewer, admin = (token_for(u) for u in ("dg-editor", "dg-reviewer", "gd-admin"))
    post = create_post(client, author, title="安全生产月", channels=["led"])
    publish(client, author, reviewer, post["id"])
    dispatcher.drain()
    url = f"/api/v1/led/posts/{post['id']}/options"
    assert client.put(url, headers=reviewer, json={"priority": 100}).status_code == 200
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=reviewer)
    refused = client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    assert refused.status_code == 403 and "修改过" in refused.get_json()["message"]
    dispatcher.drain()
    assert _item(client, device_token("dg-guomao"), post["id"])["priority"] == 0
    assert client.post(f"/api/v1/posts/{post['id']}/approve",
                       headers=admin).status_code == 200
    dispatcher.drain()
    assert _item(client, device_token("dg-guomao"), post["id"])["priority"] == 100
