"""Helpers for the WeChat adapter's tests: the hub served over real HTTP, the sandbox, the
Dongguan matrix bound and registered, publishing, and waiting for deliveries to settle."""

from __future__ import annotations

import io
import threading
import time

import requests
from PIL import Image
from sqlalchemy import select
from werkzeug.serving import make_server

from hub import crypto
from hub.outlets.models import Outlet

HTTP_TIMEOUT = 10


class ServedApp:
    """The hub app on a real port (the sandbox pushes its events here); stops itself."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wechat_outlets(db) -> list[Outlet]:
    db.rollback()
    return list(db.scalars(select(Outlet).where(Outlet.channel == "wechat")
                           .order_by(Outlet.id)))


def credentials_of(outlet: Outlet, config) -> dict:
    import json

    return json.loads(crypto.decrypt(config.secret(), outlet.secret_encrypted))


def register_in_sandbox(sandbox_url: str, hub_url: str, outlet: Outlet, config) -> dict:
    creds = credentials_of(outlet, config)
    answer = requests.post(f"{sandbox_url}/sandbox/apps", timeout=HTTP_TIMEOUT, json={
        "appid": creds["appid"], "secret": creds["secret"], "token": creds["token"],
        "encoding_aes_key": creds["encoding_aes_key"],
        "callback_url": f"{hub_url}/wechat/callback/{creds['appid']}",
        "account_type": "subscription"})
    assert answer.status_code == 200, answer.text
    return creds


def received(sandbox_url: str, appid: str) -> dict:
    answer = requests.get(f"{sandbox_url}/sandbox/apps/{appid}/received", timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200
    return answer.json()


def faults(sandbox_url: str, appid: str, **switches) -> None:
    answer = requests.post(f"{sandbox_url}/sandbox/apps/{appid}/faults", json=switches,
                           timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text


def quotas(sandbox_url: str, appid: str, **limits) -> None:
    answer = requests.post(f"{sandbox_url}/sandbox/apps/{appid}/quotas", json=limits,
                           timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200, answer.text


def jpeg(size=(1200, 800), colour=(30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def upload(client, headers, account: str, data: bytes, name: str = "photo.jpg") -> dict:
    answer = client.post("/api/v1/media", headers=headers,
                         data={"account": account, "file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def publish_dongguan(client, token_for, **fields) -> int:
    """A 东莞 post pushed down to every town, through review, published; its id."""
    author, reviewer = token_for("dg-editor"), token_for("dg-reviewer")
    body = {"account": "dongguan", "title": "全市职工运动会报名开始",
            "body": "各镇街工会：\n\n全市职工运动会**即日起**报名。", "push_down": "all"} | fields
    post = client.post("/api/v1/posts", headers=author, json=body)
    assert post.status_code == 201, post.get_json()
    post_id = post.get_json()["id"]
    assert client.post(f"/api/v1/posts/{post_id}/submit", headers=author).status_code == 200
    assert client.post(f"/api/v1/posts/{post_id}/approve", headers=reviewer).status_code == 200
    published = client.post(f"/api/v1/posts/{post_id}/publish", headers=reviewer)
    assert published.status_code == 200, published.get_json()
    return post_id


def deliveries(client, headers, post_id: int) -> dict:
    return client.get(f"/api/v1/posts/{post_id}/deliveries", headers=headers).get_json()


def wait_for(condition, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.05)


def settled(client, headers, post_id: int, expected: dict, timeout: float = 40.0) -> dict:
    """Wait until the post's deliveries' summary is `expected` (e.g. {"delivered": 34})."""
    last = {}

    def done():
        nonlocal last
        last = deliveries(client, headers, post_id)
        return last if last["summary"] == expected else None

    try:
        return wait_for(done, timeout, f"deliveries {expected}")
    except AssertionError:
        raise AssertionError(f"deliveries {last.get('summary')} != {expected}: "
                             f"{[d['last_error'] for d in last.get('deliveries', [])][:5]}"
                             ) from None
