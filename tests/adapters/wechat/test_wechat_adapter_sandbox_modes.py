"""Where WeChat calls go: nowhere outside the demo without HUB_WECHAT_API_BASE (every WeChat
delivery fails at once saying so, and no sandbox listens), the sandbox in demo mode or when
asked for by name, and a restarted demo sandbox that carries on from its file."""

from __future__ import annotations

import logging
import socket

import pytest
from click.testing import CliRunner
from wechat_adapter_helpers import deliveries, publish_dongguan, received, settled, wait_for

from adapters.wechat import demo as wechat_demo
from adapters.wechat.channel import WeChatChannel
from adapters.wechat.embedded import is_sandbox, sandbox_state_file
from adapters.wechat.sandbox import serve
from adapters.wechat.settings import WeChatSettings
from hub import bootstrap, channels
from hub.channels import ChannelContext
from hub.config import Config


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def bound(demo, db, config):
    """The demo's 34 official accounts, bound before any worker runs."""
    wechat_demo.load_demo(db, config)
    db.commit()
    db.rollback()


@pytest.fixture
def port() -> int:
    """The sandbox's port in these tests (not 5001: someone's `make run` may hold it)."""
    return _free_port()


@pytest.fixture
def unconfigured(app, config, port):
    """HUB_DEMO=0 and no WeChat settings at all (but for where a sandbox would listen)."""
    assert config.load_demo is False
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings.from_env({"HUB_WECHAT_SANDBOX_PORT": str(port)})
    return channel


def test_outside_the_demo_without_settings_every_wechat_delivery_fails_at_once(
        client, db, config, bound, editors, dispatcher, unconfigured, port, token_for):
    subscribe = channels.get_channel("mp_subscribe")
    subscribe.bind_every_account(db, config.secret())
    db.commit()
    post_id = publish_dongguan(client, token_for)

    dispatcher.drain()

    listing = deliveries(client, editors["dg-editor"], post_id)["deliveries"]
    by_channel = {name: [d for d in listing if d["channel"] == name]
                  for name in ("wechat", "mp_subscribe")}
    assert len(by_channel["wechat"]) == 34 and by_channel["mp_subscribe"]
    for delivery in by_channel["wechat"] + by_channel["mp_subscribe"]:
        assert delivery["state"] == "failed", delivery
        assert delivery["attempts"] == 1  # a permanent error: no retry burnt
        assert "HUB_WECHAT_API_BASE" in delivery["last_error"]
        assert "微信未配置" in delivery["last_error"]
    assert not _listening(port) and not is_sandbox(f"http://127.0.0.1:{port}")


def test_mini_program_sign_in_says_wechat_is_not_configured(client, unconfigured, port):
    answer = client.post("/mp/v1/session", json={"code": "0a1b2c"})

    assert answer.status_code == 503
    body = answer.get_json()
    assert body["error"] == "wechat_not_configured"
    assert "HUB_WECHAT_API_BASE" in body["message"] and "微信未配置" in body["message"]
    assert not _listening(port)


def _context(app, config) -> ChannelContext:
    return ChannelContext(config=config, sessions=app.extensions["hub.sessions"],
                          read_sessions=app.extensions["hub.read_sessions"])


def test_the_start_up_log_says_so_once(app, config, caplog):
    channel = WeChatChannel(WeChatSettings.from_env({}))
    with caplog.at_level(logging.INFO, logger="adapters.wechat"):
        channel.attach(_context(app, config))
        channel.attach(_context(app, config))  # attached twice: still said once
    said = [r for r in caplog.records if "HUB_WECHAT_API_BASE" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert "not configured" in said[0].getMessage()


def test_the_demo_says_the_sandbox_answers(app, config, caplog):
    config.load_demo = True
    channel = WeChatChannel(WeChatSettings.from_env({}))
    with caplog.at_level(logging.INFO, logger="adapters.wechat"):
        channel.attach(_context(app, config))
    assert [r.getMessage() for r in caplog.records if r.name == "adapters.wechat"] == [
        "WeChat: the WeChat sandbox answers (demo mode), on 127.0.0.1:5001"]


def test_asked_for_by_name_the_sandbox_runs_outside_the_demo(
        client, token_for, config, bound, hub_server, editors, running, port):
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings.from_env({
        "HUB_WECHAT_API_BASE": "sandbox", "HUB_WECHAT_SANDBOX_PORT": str(port),
        "HUB_WECHAT_CONFIRM_SCHEDULE": "3600"})
    try:
        post_id = publish_dongguan(client, token_for, push_down=None)
        listing = settled(client, editors["dg-editor"], post_id, {"delivered": 1})
        assert listing["deliveries"][0]["external_url"].startswith(f"http://127.0.0.1:{port}/s/")
    finally:
        channel._sandbox().stop()


def test_a_restarted_demo_sandbox_confirms_new_publications_by_their_event(
        client, token_for, config, bound, hub_server, editors, running, port):
    """The confirm schedule is an hour: only the PUBLISHJOBFINISH push can confirm."""
    config.load_demo = True  # HUB_DEMO=1, as `make run`
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings.from_env({
        "HUB_WECHAT_SANDBOX_PORT": str(port), "HUB_WECHAT_CONFIRM_SCHEDULE": "3600"})
    appid = wechat_demo.demo_appid("dongguan")
    try:
        before = publish_dongguan(client, token_for, push_down=None, title="重启之前的通知")
        first = settled(client, editors["dg-editor"], before, {"delivered": 1})
        channel._sandbox().stop()  # the sandbox goes away with the hub process
        assert not _listening(port)
        assert sandbox_state_file(config.var_dir).exists()

        after = publish_dongguan(client, token_for, push_down=None, title="重启之后的通知")
        second = settled(client, editors["dg-editor"], after, {"delivered": 1}, timeout=60)

        articles = [listing["deliveries"][0]["external_id"] for listing in (first, second)]
        got = received(f"http://127.0.0.1:{port}", appid)
        assert [job["article_id"] for job in got["publishes"]] == articles
        publish_ids = [job["publish_id"] for job in got["publishes"]]
        assert len(set(publish_ids)) == 2  # the restarted sandbox went on counting
        wait_for(lambda: [callback["delivered"] for callback in received(
            f"http://127.0.0.1:{port}", appid)["callbacks"]] == [True, True],
            what="both events recorded as delivered, the first one across the restart")
    finally:
        channel._sandbox().stop()


# -- hub wechat login-code: the hub's sandbox, found from the hub's settings ------------------

@pytest.fixture
def cli_env(monkeypatch, database_url, config):
    """The environment `hub` runs in here: the test database and var dir, no WeChat set."""
    for name in ("HUB_WECHAT_API_BASE", "HUB_WECHAT_SANDBOX_PORT", "HUB_MINIPROGRAM_APPID",
                 "HUB_MINIPROGRAM_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_VAR_DIR", str(config.var_dir))
    monkeypatch.setenv("HUB_SECRET_KEY", "test-secret")

    def run(**env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        bootstrap.build(Config.from_env())  # as `hub` does when it starts
        from adapters.wechat.commands import wechat

        return CliRunner().invoke(wechat, ["login-code", "--openid", "oCli0001"])

    return run


def test_login_code_without_wechat_settings_names_the_setting(app, cli_env):
    result = cli_env(HUB_DEMO="0")

    assert result.exit_code == 1
    assert "微信未配置" in result.output and "HUB_WECHAT_API_BASE" in result.output


def test_login_code_with_no_sandbox_running_says_so_and_starts_none(app, cli_env, port):
    result = cli_env(HUB_DEMO="1", HUB_WECHAT_SANDBOX_PORT=str(port))

    assert result.exit_code == 1
    assert "没有运行中的微信沙箱" in result.output and str(port) in result.output
    assert not _listening(port)


def test_login_code_finds_the_hubs_sandbox_on_its_port(app, cli_env):
    sandbox = serve()
    try:
        result = cli_env(HUB_DEMO="0", HUB_WECHAT_API_BASE="sandbox",
                         HUB_WECHAT_SANDBOX_PORT=str(sandbox.port))
        assert result.exit_code == 0, result.output
        assert '"openid": "oCli0001"' in result.output and '"js_code"' in result.output
        apps = sandbox.runtime.state.apps.values()
        assert [app.account_type for app in apps] == ["miniprogram"]
    finally:
        sandbox.shutdown()


def test_demo_sign_in_still_works_against_the_demo_sandbox(client, config, app, port):
    """HUB_DEMO=1: the mini-program's demo app, registered with the sandbox it starts."""
    config.load_demo = True
    channel = channels.get_channel("wechat")
    channel.settings = WeChatSettings.from_env({"HUB_WECHAT_SANDBOX_PORT": str(port)})
    try:
        creds = channel.miniprogram.credentials()
        channel.miniprogram.client()  # starts the sandbox and registers the demo app
        import requests

        code = requests.post(f"http://127.0.0.1:{port}/sandbox/apps/{creds.appid}/login-codes",
                             json={"openid": "oDemo0001"}, timeout=10).json()["js_code"]
        answer = client.post("/mp/v1/session", json={"code": code})
        assert answer.status_code == 200, answer.get_json()
        wait_for(lambda: _listening(port), what="the demo sandbox")
    finally:
        channel._sandbox().stop()
