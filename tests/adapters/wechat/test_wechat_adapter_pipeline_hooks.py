"""The small generic pipeline hooks the WeChat channel needs, tested with a stand-in channel:
a pending receipt keeps a delivery "sending" until `queue.confirm`, a wait that runs out asks
the channel again, and `channels.problems` refuses a publication before it goes out."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from hub import channels
from hub.accounts.services import get_account
from hub.channels import Channel, PermanentError, Receipt
from hub.deliveries import queue
from hub.deliveries.models import Delivery
from hub.outlets.services import bind_outlet


class Confirming(Channel):
    """Accepts a send, confirms later; a second call reports what the outlet did."""

    name, label, max_concurrency, updates_in_place = "confirming", "待确认终端", 4, True

    def __init__(self):
        super().__init__()
        self.calls: list[int] = []
        self.refuse_titles_over = 1000

    def render(self, post, outlet):
        return {}

    def check(self, post, outlet):
        return ["标题太长"] if len(post.title) > self.refuse_titles_over else []

    def deliver(self, job):
        self.calls.append(job.attempt)
        if len(self.calls) == 1:
            return Receipt(external_id="job-1", pending=True, check_after=0.3)
        return Receipt(external_id="article-1", external_url="https://example.org/a/1")

    def withdraw(self, job):
        return None


@pytest.fixture
def confirming(app, db, config, demo):
    channel = Confirming()
    channels.register(channel)
    bind_outlet(db, get_account(db, "meizhou"), channel="confirming", key="c1", name="待确认",
                hub_secret=config.secret())
    db.commit()
    return channel


def _publish(client, headers, title="梅州职工书屋开放") -> int:
    post = client.post("/api/v1/posts", headers=headers, json={
        "account": "meizhou", "title": title, "body": "每周六"}).get_json()
    answer = client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers)
    return post["id"] if answer.status_code == 200 else answer


def _delivery(db, post_id) -> Delivery:
    db.rollback()
    return db.scalar(select(Delivery).where(Delivery.post_id == post_id))


def test_a_pending_receipt_waits_for_confirm(client, token_for, confirming, dispatcher, db, app):
    post_id = _publish(client, token_for("mz-editor"))
    dispatcher.drain()
    waiting = _delivery(db, post_id)
    assert (waiting.state, waiting.lease_owner, waiting.external_id) == ("sending", None, "job-1")
    with app.extensions["hub.sessions"]() as session:
        state = queue.confirm(session, waiting.id, Receipt("article-9", "https://e.org/9"))
    assert state == "delivered" and _delivery(db, post_id).external_url == "https://e.org/9"
    with app.extensions["hub.sessions"]() as session:  # a repeated confirmation changes nothing
        assert queue.confirm(session, waiting.id, PermanentError("迟到的失败")) == "delivered"
    assert confirming.calls == [1]


def test_an_unconfirmed_send_is_asked_about_again(client, token_for, confirming, dispatcher,
                                                  db):
    post_id = _publish(client, token_for("mz-editor"))
    dispatcher.drain()
    assert _delivery(db, post_id).state == "sending"
    time.sleep(0.4)  # the receipt's check_after runs out
    dispatcher.drain()
    done = _delivery(db, post_id)
    assert done.state == "delivered" and done.external_url == "https://example.org/a/1"
    assert confirming.calls == [1, 2]


def test_a_channel_check_refuses_publishing_with_its_reason(client, token_for, confirming, db):
    confirming.refuse_titles_over = 4
    refused = _publish(client, token_for("mz-editor"))
    assert refused.status_code == 400
    assert "标题太长（待确认）" in refused.get_json()["message"]
