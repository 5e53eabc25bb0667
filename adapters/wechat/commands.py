"""`hub wechat ...`: the adapter's commands for admins."""

from __future__ import annotations

import json
import sys

import click

from hub.api import cli_fail


@click.group()
def wechat() -> None:
    """微信公众号矩阵."""


@wechat.command("menu")
@click.option("--account", "code", required=True, help="account code, e.g. dongguan")
def menu(code: str) -> None:
    """Make ACCOUNT's columns the menu of its official accounts (menu/create)."""
    from adapters.wechat.menu import push_menu
    from hub import channels, ports
    from hub.errors import HubError

    channel = channels.get_channel("wechat")  # attached by the CLI's bootstrap
    with channel.sessions() as db:
        try:
            result = push_menu(channel, db, ports.account(db, code), actor=None)
        except HubError as exc:
            cli_fail(exc)
        db.commit()  # the push's audit event (the hub's own, run by an admin at the shell)
    click.echo(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    if not all(outlet.ok for outlet in result.outlets):
        sys.exit(1)


@wechat.command("login-code")
@click.option("--openid", default=None, help="the test user's openid (new one if omitted)")
@click.option("--phone", default=None, help="also give a getPhoneNumber code for this number")
def login_code(openid: str | None, phone: str | None) -> None:
    """A sandbox wx.login code for the mini-program, as WeChat's developer tools give one.

    Exchange it at POST /mp/v1/session {"code": ...}. Works against the hub's WeChat sandbox
    only, found from the hub's own settings: 127.0.0.1:HUB_WECHAT_SANDBOX_PORT in demo mode
    or with HUB_WECHAT_API_BASE=sandbox, or the URL HUB_WECHAT_API_BASE names. This command
    never starts a sandbox: a code from a sandbox the hub does not use would be no use."""
    import requests

    from adapters.wechat.embedded import register_app
    from hub import channels
    from hub.errors import HubError

    channel = channels.get_channel("wechat")  # attached by the CLI's bootstrap
    base = _running_sandbox(channel)
    try:
        creds = channel.miniprogram.credentials()
        register_app(base, creds, None, account_type="miniprogram")
        body = {key: value for key, value in (("openid", openid), ("phone", phone)) if value}
        answer = requests.post(f"{base}/sandbox/apps/{creds.appid}/login-codes",
                               json=body, timeout=10)
        answer.raise_for_status()
    except HubError as exc:
        cli_fail(exc.message)
    except requests.RequestException as exc:
        cli_fail(f"{base} 不是微信沙箱，或沙箱出错（{type(exc).__name__}）")
    click.echo(json.dumps(answer.json(), ensure_ascii=False, indent=2))


def _running_sandbox(channel) -> str:
    """The URL of the sandbox the hub uses, if one answers there; else a clear exit."""
    from adapters.wechat.embedded import is_sandbox, sandbox_url
    from adapters.wechat.errors import NOT_CONFIGURED

    settings = channel.settings
    if settings.api_url:
        url = settings.api_url
        where = f"HUB_WECHAT_API_BASE 指向的 {url}"
    elif channel.uses_sandbox():
        url = sandbox_url(settings.sandbox_port)
        where = f"{url}（HUB_WECHAT_SANDBOX_PORT={settings.sandbox_port}）"
    else:
        cli_fail(f"{NOT_CONFIGURED}；login-code 只能用于微信沙箱")
    if not is_sandbox(url):
        cli_fail(f"{where} 没有运行中的微信沙箱。请先启动 hub（make run，演示模式下它会启动沙箱），"
              "或用 HUB_WECHAT_SANDBOX_PORT / HUB_WECHAT_API_BASE 指明 hub 所用的沙箱")
    return url


@wechat.command("subscribe-all")
def subscribe_all() -> None:
    """Bind a subscribe-message outlet (mp_subscribe) on every account that has none, so the
    followers of new accounts are told too; running it again binds nothing."""
    from hub import channels
    from hub.errors import HubError

    channel = channels.get_channel("mp_subscribe")
    if channel is None:
        cli_fail("渠道 mp_subscribe 未启用（HUB_CHANNELS）")
    with channel.context.sessions() as db:
        try:
            added = channel.bind_every_account(db, channel.context.config.secret())
        except HubError as exc:
            cli_fail(exc)
        db.commit()
    click.echo(f"bound {len(added)} account(s)" + (f": {', '.join(added)}" if added else ""))
