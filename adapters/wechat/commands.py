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
    from hub import channels
    from hub.accounts.services import get_account
    from hub.config import Config
    from hub.db import make_engine, make_session_factory
    from hub.errors import HubError

    config = Config.from_env()
    sessions = make_session_factory(make_engine(config.database_url))
    channel = channels.get_channel("wechat")
    channel.attach(config, sessions)
    with sessions() as db:
        try:
            result = push_menu(channel, db, get_account(db, code))
        except HubError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(1)
    click.echo(json.dumps(result.model_dump(), ensure_ascii=False, indent=2))
    if not all(outlet.ok for outlet in result.outlets):
        sys.exit(1)
