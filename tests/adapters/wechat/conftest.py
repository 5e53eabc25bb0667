"""Fixtures for the WeChat adapter: the sandbox and the hub on real ports, a running
dispatcher, and the Dongguan matrix (34 official accounts) bound and registered."""

from __future__ import annotations

import threading

import pytest
from wechat_adapter_helpers import ServedApp, register_in_sandbox, wechat_outlets

from adapters.wechat import demo as wechat_demo
from adapters.wechat.sandbox import SandboxSettings, serve
from adapters.wechat.settings import WeChatSettings
from hub import channels

# Short waits, except for the hub's answer to a push: a loaded machine may take seconds, and a
# push retried after a timeout, though taken, would make a test's count of tries wrong.
FAST_SANDBOX = SandboxSettings(publish_delay=0.2, callback_timeout=15.0,
                               callback_retry_delay=0.5, stable_force_refresh_interval=0.0)


@pytest.fixture
def wechat_sandbox():
    server = serve(settings=FAST_SANDBOX)
    yield server
    server.shutdown()


@pytest.fixture
def hub_server(app, config):
    served = ServedApp(app)
    config.public_url = served.url
    yield served
    served.stop()


@pytest.fixture
def wechat(app, wechat_sandbox):
    """The registered channel, pointed at the test's sandbox with short waits."""
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings(api_base=wechat_sandbox.url, timeout=5.0,
                                      confirm_schedule=(1.0, 0.5, 0.5), poll_budget=50,
                                      submit_grace=1.0, token_hold=5.0)
    return channel


@pytest.fixture
def matrix(demo, db, config, wechat, wechat_sandbox, hub_server):
    """东莞 and its 33 towns, each with a sandbox official account calling back the hub."""
    wechat_demo.load_demo(db, config)
    db.commit()
    outlets = wechat_outlets(db)
    assert len(outlets) == 34
    registered = {outlet.account.code: register_in_sandbox(wechat_sandbox.url, hub_server.url,
                                                          outlet, config) for outlet in outlets}
    db.rollback()  # no read transaction left open while the hub writes (SQLite snapshots)
    return registered


@pytest.fixture
def editors(token_for) -> dict:
    """Tokens issued before the dispatcher starts writing (SQLite: the test's session reads
    then writes in one transaction, which a concurrent commit would make fail)."""
    return {name: token_for(name) for name in ("dg-editor", "dg-reviewer", "gd-admin")}


@pytest.fixture
def running(editors, dispatcher, config):
    """The dispatcher working in the background, as in `hub run`, until the test ends."""
    config.poll_seconds = 0.05
    dispatcher.config.poll_seconds = 0.05
    thread = threading.Thread(target=dispatcher.run_forever, daemon=True)
    thread.start()
    yield dispatcher
    dispatcher.stop()
    thread.join(timeout=10)
