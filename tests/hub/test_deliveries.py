"""The delivery pipeline in one process: fan-out, push-down, retries, failures, withdrawal,
new versions, credentials, leases — against the test outlet over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hub.accounts.services import descendants, get_account
from hub.deliveries.models import Delivery, DeliveryAttempt
from hub.outlets.services import bind_outlet


def _bind(db, config, code, url, key=None, channel="loopback", **kw):
    outlet = bind_outlet(db, get_account(db, code), channel=channel, key=key or code,
                         name=f"{code} 终端", config={"url": url}, hub_secret=config.secret(),
                         **kw)
    db.commit()
    return outlet


def _publish(client, headers, account="meizhou", **fields):
    post = client.post("/api/v1/posts", headers=headers, json={
        "account": account, "title": "职工书屋开放", "body": "每周六开放"} | fields).get_json()
    published = client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers)
    assert published.status_code == 200, published.get_json()
    return post["id"]


def _deliveries(client, headers, post_id):
    return client.get(f"/api/v1/posts/{post_id}/deliveries", headers=headers).get_json()


def test_dongguan_post_pushed_down_reaches_all_34_targets_once(
        client, token_for, db, config, receiver, dispatcher):
    dongguan = get_account(db, "dongguan")
    for account in [dongguan] + [a for a in descendants(db, dongguan) if a.level != "grassroots"]:
        _bind(db, config, account.code, receiver.url)
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    post = client.post("/api/v1/posts", headers=author, json={
        "account": "dongguan", "title": "全市职工运动会报名", "body": "报名截至月底",
        "push_down": "all"}).get_json()
    client.post(f"/api/v1/posts/{post['id']}/submit", headers=author)
    client.post(f"/api/v1/posts/{post['id']}/approve", headers=reviewer)
    client.post(f"/api/v1/posts/{post['id']}/publish", headers=reviewer)
    # Written with the publication, before any worker ran.
    listing = _deliveries(client, author, post["id"])
    assert listing["summary"] == {"pending": 34}
    dispatcher.drain()
    listing = _deliveries(client, author, post["id"])
    assert listing["summary"] == {"delivered": 34}
    assert all(d["external_url"].startswith(receiver.url) for d in listing["deliveries"])
    held = receiver.store.snapshot()
    assert len(held["items"]) == 34
    assert all(len(items) == 1 for items in held["items"].values())
    assert held["items"]["dg-humen"].popitem()[1]["post"]["origin_account_code"] == "dongguan"
    # 虎门 sees the post in its own list, marked as coming from above.
    humen = client.get("/api/v1/posts?account=dg-humen", headers=author).get_json()["posts"]
    assert [(p["id"], p["from_above"]) for p in humen] == [(post["id"], True)]


def test_channel_subset_is_respected(client, token_for, db, config, receiver, dispatcher):
    from adapters.loopback import LoopbackChannel
    from hub import channels

    class OtherChannel(LoopbackChannel):
        name, label = "web", "网站"

    channels.register(OtherChannel())
    _bind(db, config, "meizhou", receiver.url, key="mz-loop")
    _bind(db, config, "meizhou", receiver.url, key="mz-web", channel="web")
    post_id = _publish(client, token_for("mz-editor"), channels=["web"])
    dispatcher.drain()
    targets = [d["target"] for d in _deliveries(client, token_for("mz-editor"),
                                                 post_id)["deliveries"]]
    assert targets == ["meizhou 终端"] and list(receiver.store.snapshot()["items"]) == ["mz-web"]


def test_transient_failure_is_retried_with_backoff(client, token_for, db, config, receiver,
                                                   dispatcher):
    _bind(db, config, "meizhou", receiver.url)
    receiver.store.fail_next = [503, 502]
    post_id = _publish(client, token_for("mz-editor"))
    dispatcher.drain()
    delivery = _deliveries(client, token_for("mz-editor"), post_id)["deliveries"][0]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 3
    assert [h["outcome"] for h in delivery["history"]] == ["transient", "transient", "ok"]
    assert "503" in delivery["history"][0]["error"]


def test_retries_stop_at_the_cap_and_the_failure_is_plain(client, token_for, db, config,
                                                          receiver, dispatcher):
    config.max_attempts = 3
    dispatcher.policy = type(dispatcher.policy)(3, 0.01, 0.05)
    _bind(db, config, "meizhou", receiver.url)
    receiver.store.fail_next = [503] * 10
    post_id = _publish(client, token_for("mz-editor"))
    dispatcher.drain()
    delivery = _deliveries(client, token_for("mz-editor"), post_id)["deliveries"][0]
    assert delivery["state"] == "failed" and delivery["attempts"] == 3
    assert "暂时不可用" in delivery["last_error"]


class _Hooks:
    """An integrator's endpoint that checks each webhook's signature."""

    def __init__(self, secret: str):
        self.events: list[dict] = []
        self.bad_signatures = 0
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                mac = hmac.new(secret.encode(), self.headers["X-Hub-Timestamp"].encode() + b"."
                               + body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest("sha256=" + mac,
                                           self.headers["X-Hub-Signature-256"]):
                    hooks.bad_signatures += 1
                    self.send_response(401)
                else:
                    hooks.events.append(json.loads(body))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks():
    running = _Hooks("partner-secret-1")
    yield running
    running.stop()


def test_permanent_failure_notifies_integrators_and_can_be_retried(
        client, token_for, db, config, receiver, dispatcher, hooks):
    _bind(db, config, "meizhou", receiver.url)
    _bind(db, config, "guangdong", hooks.url, key="province-partner", channel="webhook",
          secret="partner-secret-1")
    receiver.store.fail_next = [422]
    headers = token_for("mz-editor")
    post_id = _publish(client, headers)
    dispatcher.drain()
    listing = _deliveries(client, headers, post_id)["deliveries"]
    loop = next(d for d in listing if d["channel"] == "loopback")
    assert loop["state"] == "failed" and loop["attempts"] == 1 and "422" in loop["last_error"]
    assert [e["type"] for e in hooks.events] == ["post.published", "delivery.failed"] or \
        sorted(e["type"] for e in hooks.events) == ["delivery.failed", "post.published"]
    assert hooks.bad_signatures == 0
    retried = client.post(f"/api/v1/posts/{post_id}/deliveries/retry", headers=headers)
    assert retried.get_json()["summary"].get("pending") == 1
    dispatcher.drain()
    loop = next(d for d in _deliveries(client, headers, post_id)["deliveries"]
                if d["channel"] == "loopback")
    assert loop["state"] == "delivered"


def test_bad_credentials_fail_the_outlet_without_burning_retries(
        client, token_for, db, config, receiver, dispatcher):
    _bind(db, config, "meizhou", receiver.url)
    receiver.store.fail_next = [401]
    headers = token_for("mz-editor")
    first = _publish(client, headers)
    dispatcher.drain()
    delivery = _deliveries(client, headers, first)["deliveries"][0]
    assert delivery["state"] == "failed" and delivery["attempts"] == 1
    assert "凭据" in delivery["last_error"]
    second = _publish(client, headers, title="第二篇")
    assert _deliveries(client, headers, second)["summary"] == {"failed": 1}  # no attempt made
    outlets = client.get("/api/v1/accounts/meizhou/outlets", headers=headers).get_json()
    assert "凭据" in outlets["outlets"][0]["broken_reason"]
    client.post(f"/api/v1/posts/{second}/deliveries/retry", headers=headers)
    dispatcher.drain()
    assert _deliveries(client, headers, second)["summary"] == {"delivered": 1}


def test_withdraw_takes_the_post_off_every_outlet(client, token_for, db, config, receiver,
                                                  dispatcher, hooks):
    for key in ("mz-a", "mz-b", "mz-c"):
        _bind(db, config, "meizhou", receiver.url, key=key)
    _bind(db, config, "meizhou", hooks.url, key="mz-partner", channel="webhook",
          secret="partner-secret-1")
    headers = token_for("mz-editor")
    post_id = _publish(client, headers)
    dispatcher.drain()
    assert sum(len(v) for v in receiver.store.snapshot()["items"].values()) == 3
    client.post(f"/api/v1/posts/{post_id}/withdraw", headers=headers)
    dispatcher.drain()
    assert _deliveries(client, headers, post_id)["summary"] == {"withdrawn": 4}
    assert sum(len(v) for v in receiver.store.snapshot()["items"].values()) == 0
    assert [e["type"] for e in hooks.events] == ["post.published", "post.withdrawn"]


def test_withdrawing_before_any_send_calls_no_outlet(client, token_for, db, config, receiver):
    _bind(db, config, "meizhou", receiver.url)
    headers = token_for("mz-editor")
    post_id = _publish(client, headers)
    client.post(f"/api/v1/posts/{post_id}/withdraw", headers=headers)
    assert _deliveries(client, headers, post_id)["summary"] == {"withdrawn": 1}
    assert receiver.store.snapshot()["puts"] == {}


def test_editing_a_live_post_updates_outlets_in_place(client, token_for, db, config, receiver,
                                                      dispatcher):
    _bind(db, config, "meizhou", receiver.url)
    headers = token_for("mz-editor")
    post_id = _publish(client, headers)
    dispatcher.drain()
    client.patch(f"/api/v1/posts/{post_id}", headers=headers, json={"title": "职工书屋延长开放"})
    dispatcher.drain()
    listing = _deliveries(client, headers, post_id)["deliveries"]
    assert [(d["version"], d["state"]) for d in listing] == [(2, "delivered"), (1, "withdrawn")]
    items = receiver.store.snapshot()["items"]["meizhou"]
    assert len(items) == 1 and next(iter(items.values()))["post"]["title"] == "职工书屋延长开放"


def test_an_expired_lease_is_taken_up_again(client, token_for, db, config, receiver,
                                            dispatcher):
    import time

    from hub.deliveries import queue

    _bind(db, config, "meizhou", receiver.url)
    post_id = _publish(client, token_for("mz-editor"))
    lease = __import__("datetime").timedelta(seconds=0.3)
    db.rollback()
    # A worker takes the row and dies before sending.
    assert len(queue.claim(db, worker="doomed", channel="loopback", limit=10, lease=lease,
                           policy=dispatcher.policy)) == 1
    assert dispatcher.run_once() == 0  # still leased
    time.sleep(0.4)
    dispatcher.drain()
    delivery = _deliveries(client, token_for("mz-editor"), post_id)["deliveries"][0]
    assert delivery["state"] == "delivered" and delivery["attempts"] == 2
    assert [h["worker"] for h in delivery["history"]] == ["doomed", "test-worker"]


def test_delivery_rows_commit_with_the_publication(client, token_for, db, config, receiver,
                                                   monkeypatch):
    from hub.deliveries import services

    _bind(db, config, "meizhou", receiver.url)
    headers = token_for("mz-editor")
    post = client.post("/api/v1/posts", headers=headers,
                       json={"account": "meizhou", "title": "x"}).get_json()

    def explode(db, post):
        raise RuntimeError("crash between writing the state and the deliveries")

    monkeypatch.setattr(services, "enqueue_publication", explode)
    assert client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers).status_code == 500
    db.rollback()
    assert db.scalars(select(Delivery)).all() == []
    assert client.get(f"/api/v1/posts/{post['id']}", headers=headers).get_json()["state"] == \
        "draft"


def test_outlet_binding_errors(client, token_for):
    admin = token_for("gd-admin")
    bad_channel = client.post("/api/v1/accounts/meizhou/outlets", headers=admin,
                              json={"channel": "fax", "key": "x", "name": "传真"})
    assert bad_channel.status_code == 400 and "channel" in bad_channel.get_json()["fields"]
    ok = client.post("/api/v1/accounts/meizhou/outlets", headers=admin, json={
        "channel": "webhook", "key": "p1", "name": "合作方", "config": {"url": "http://x"},
        "secret": "s3cret-value"})
    assert ok.status_code == 201 and ok.get_json()["has_secret"] is True
    assert "s3cret-value" not in ok.get_data(as_text=True)
    again = client.post("/api/v1/accounts/meizhou/outlets", headers=admin, json={
        "channel": "webhook", "key": "p1", "name": "合作方"})
    assert again.status_code == 409
    author = client.post("/api/v1/accounts/meizhou/outlets", headers=token_for("mz-editor"),
                         json={"channel": "webhook", "key": "p2", "name": "x"})
    assert author.status_code == 403


def test_attempt_records_keep_every_send(db, client, token_for, config, receiver, dispatcher):
    _bind(db, config, "meizhou", receiver.url)
    receiver.store.fail_next = [500]
    _publish(client, token_for("mz-editor"))
    dispatcher.drain()
    db.rollback()
    attempts = db.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [(a.number, a.outcome) for a in attempts] == [(1, "transient"), (2, "ok")]
    assert all(a.finished_at >= a.started_at for a in attempts)


def test_withdrawing_an_edit_before_it_arrives_takes_the_old_version_down(
        client, token_for, db, config, receiver, dispatcher):
    _bind(db, config, "meizhou", receiver.url)
    headers = token_for("mz-editor")
    post_id = _publish(client, headers)
    dispatcher.drain()
    client.patch(f"/api/v1/posts/{post_id}", headers=headers, json={"title": "改后的标题"})
    client.post(f"/api/v1/posts/{post_id}/withdraw", headers=headers)  # before any worker ran
    dispatcher.drain()
    assert receiver.store.snapshot()["items"]["meizhou"] == {}
    assert _deliveries(client, headers, post_id)["summary"] == {"withdrawn": 2}
