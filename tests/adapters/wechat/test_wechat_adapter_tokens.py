"""One access token per app for every process: one holder refreshes, the rest wait for it;
a refused token is replaced once, never in a loop; a retried upload carries the file."""

from __future__ import annotations

import os
import secrets
import threading
import time

import pytest
from wechat_adapter_helpers import faults, jpeg, received, register_in_sandbox

from adapters.wechat.client import HubWeChatClient
from adapters.wechat.credentials import Credentials
from adapters.wechat.render import body_image
from adapters.wechat.tokens import DatabaseTokenStore, RedisTokenStore
from hub.outlets.models import Outlet


class CountingFetch:
    """stable_token stand-in: hands out `token-N`, slowly, counting normal and forced calls."""

    def __init__(self):
        self.calls: list[bool] = []
        self.lock = threading.Lock()
        self.current = "token-1"

    def __call__(self, force: bool) -> tuple[str, int]:
        time.sleep(0.1)
        with self.lock:
            self.calls.append(force)
            if force:
                self.current = f"token-{len(self.calls) + 1}"
            return self.current, 7200


def _stores(kind: str, app, config):
    if kind == "database":
        sessions = app.extensions["hub.sessions"]
        return [DatabaseTokenStore(sessions, config.secret()) for _ in range(2)]
    url = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    prefix = f"test:{secrets.token_hex(4)}:"
    return [RedisTokenStore(url, config.secret(), prefix=prefix) for _ in range(2)]


@pytest.mark.parametrize("kind", ["database", "redis"])
def test_many_threads_in_two_processes_fetch_the_token_once(kind, app, config):
    stores, fetch = _stores(kind, app, config), CountingFetch()
    got: list[str] = []

    def worker(store):
        got.append(store.token("wx1234567890abcdef", fetch))

    threads = [threading.Thread(target=worker, args=(stores[i % 2],)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert got == ["token-1"] * 12
    assert fetch.calls == [False]


@pytest.mark.parametrize("kind", ["database", "redis"])
def test_a_refused_token_is_replaced_once_for_everyone(kind, app, config):
    first, second = _stores(kind, app, config)
    fetch = CountingFetch()
    refused = first.token("wx1234567890abcdef", fetch)
    fresh = first.replace("wx1234567890abcdef", refused, fetch)
    assert fresh != refused
    assert fetch.calls == [False, False, True]  # normal, normal (same token back), forced
    # The other process, refused the same old token, takes the new one without fetching.
    assert second.replace("wx1234567890abcdef", refused, fetch) == fresh
    assert len(fetch.calls) == 3


def test_a_retried_upload_sends_the_file_again(app, config, db, demo, wechat, wechat_sandbox,
                                               hub_server):
    from adapters.wechat import demo as wechat_demo

    wechat_demo.load_demo(db, config)
    db.commit()
    outlet = db.query(Outlet).filter(Outlet.channel == "wechat").first()
    creds = register_in_sandbox(wechat_sandbox.url, hub_server.url, outlet, config)
    db.rollback()
    client = HubWeChatClient(wechat_sandbox.url, Credentials(creds["appid"], creds["secret"],
                                                             creds["token"]), wechat.tokens)
    client.access_token  # noqa: B018 - a token first, so the storm hits the upload itself
    faults(wechat_sandbox.url, creds["appid"], token_storm=1)
    url = client.upload_article_image(body_image(jpeg((300, 200))))
    images = received(wechat_sandbox.url, creds["appid"])["images"]
    assert [image["url"] for image in images] == [url] and images[0]["size"] > 0
    assert received(wechat_sandbox.url, creds["appid"])["faults"]["token_storm"] == 0
