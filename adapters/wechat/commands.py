"""`hub wechat ...`: the adapter's commands for admins."""

from __future__ import annotations

import json
import sys

import click


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
            result = push_menu(channel, db, ports.account(db, code))
        except HubError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(1)
    click.echo(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    if not all(outlet.ok for outlet in result.outlets):
        sys.exit(1)


@wechat.command("login-code")
@click.option("--openid", default=None, help="the test user's openid (new one if omitted)")
@click.option("--phone", default=None, help="also give a getPhoneNumber code for this number")
def login_code(openid: str | None, phone: str | None) -> None:
    """A sandbox wx.login code for the mini-program, as WeChat's developer tools give one.

    Exchange it at POST /mp/v1/session {"code": ...}. Works against the WeChat sandbox only
    (the demo's, when HUB_WECHAT_API_BASE is unset, or one that URL points at)."""
    import requests

    from hub import channels

    channel = channels.get_channel("wechat")  # attached by the CLI's bootstrap
    channel.miniprogram.client()  # registers the demo mini-program with the sandbox
    appid = channel.miniprogram.credentials().appid
    body = {key: value for key, value in (("openid", openid), ("phone", phone)) if value}
    try:
        answer = requests.post(f"{channel.api_base()}/sandbox/apps/{appid}/login-codes",
                               json=body, timeout=10)
        answer.raise_for_status()
    except requests.RequestException as exc:
        click.echo(f"错误：沙箱不可用或不是沙箱（{type(exc).__name__}）", err=True)
        sys.exit(1)
    click.echo(json.dumps(answer.json(), ensure_ascii=False, indent=2))


@wechat.command("subscribe-all")
def subscribe_all() -> None:
    """Bind a subscribe-message outlet (mp_subscribe) on every account that has none, so the
    followers of new accounts are told too; running it again binds nothing."""
    from hub import channels
    from hub.api import cli_fail as fail
    from hub.errors import HubError

    channel = channels.get_channel("mp_subscribe")
    if channel is None:
        fail("渠道 mp_subscribe 未启用（HUB_CHANNELS）")
    with channel.context.sessions() as db:
        try:
            added = channel.bind_every_account(db, channel.context.config.secret())
        except HubError as exc:
            fail(exc)
        db.commit()
    click.echo(f"bound {len(added)} account(s)" + (f": {', '.join(added)}" if added else ""))
