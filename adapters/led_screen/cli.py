"""`hub screen …` (list screens, print a new device token, revoke) and `hub led-player`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from adapters.led_screen.store import STORE
from hub.api import cli_fail as fail
from hub.config import Config


@click.group()
def screen() -> None:
    """LED screens and their device tokens."""


@screen.command("token")
@click.option("--screen", "code", required=True, help="screen code, e.g. dg-guomao")
def screen_token(code: str) -> None:
    """Print a new device token for the screen (its old token stops working)."""
    from adapters.led_screen import services
    from hub.errors import HubError

    with STORE.session() as db:
        try:
            token = services.issue_token(db, services.get_screen(db, code))
            db.commit()
        except HubError as exc:
            fail(exc)
    click.echo(token)


@screen.command("revoke")
@click.option("--screen", "code", required=True)
def screen_revoke(code: str) -> None:
    """Revoke the screen's device token."""
    from adapters.led_screen import services
    from hub.errors import HubError

    with STORE.session() as db:
        try:
            services.revoke_token(db, services.get_screen(db, code))
            db.commit()
        except HubError as exc:
            fail(exc)
    click.echo(f"screen {code}: token revoked")


@screen.command("list")
def screen_list() -> None:
    """Every screen: code, size, account, online or offline."""
    from sqlalchemy import select

    from adapters.led_screen import services
    from adapters.led_screen.models import Screen

    with STORE.session() as db:
        for row in db.scalars(select(Screen).order_by(Screen.code)):
            state = "online" if services.is_online(row) else "offline"
            owner = services.owner_of(db, row).code
            click.echo(f"{row.code}\t{row.width}x{row.height}\t{owner}\t{state}\t"
                       f"{row.name}")


@screen.command("xibo-key")
def screen_xibo_key() -> None:
    """Print the CMS key Xibo players are configured with (the CMS address is the hub's
    root URL)."""
    from adapters.led_screen.xmds.service import cms_key

    click.echo(cms_key(STORE.config.secret()))


@screen.command("waiting")
def screen_waiting() -> None:
    """Xibo players waiting for approval: hardware key, name, player type, size."""
    from adapters.led_screen.xmds import service

    with STORE.session() as db:
        for display in service.waiting_displays(db):
            size = f"{display.reported_width}x{display.reported_height}" \
                if display.reported_width else "?"
            click.echo(f"{display.hardware_key}\t{display.display_name}\t"
                       f"{display.client_type}\t{size}")


@screen.command("approve")
@click.option("--hardware-key", required=True, help="the player's hardware key")
@click.option("--account", "account_code", required=True, help="account code, e.g. dongguan")
@click.option("--code", required=True, help="the new screen's code, e.g. dg-xibo-1")
@click.option("--name", default=None, help="the screen's name (default: the player's)")
@click.option("--width", type=int, default=None, help="canvas width (default: as reported)")
@click.option("--height", type=int, default=None, help="canvas height")
def screen_approve(hardware_key, account_code, code, name, width, height) -> None:
    """Approve a waiting Xibo player as a screen of the account: it gets what the account's
    screens get."""
    from adapters.led_screen.xmds import service
    from hub import ports
    from hub.errors import HubError

    with STORE.session() as db:
        try:
            display = service.get_display(db, hardware_key)
            screen = service.approve(db, display, ports.account(db, account_code), code,
                                     name=name, width=width, height=height)
            db.commit()
        except HubError as exc:
            fail(exc)
        click.echo(f"screen {screen.code}: {screen.width}x{screen.height}, "
                   f"account {account_code}")


@screen.command("operate")
@click.option("--account", "account_code", required=True, help="account code, e.g. dongguan")
@click.option("--code", required=True, help="the screen's code, e.g. dg-guomao-pingwang")
@click.option("--name", default=None, help="the screen's name (default: its code)")
@click.option("--width", type=int, required=True, help="canvas width in pixels")
@click.option("--height", type=int, required=True, help="canvas height in pixels")
@click.option("--operator", required=True, help="the advertising operator's name")
@click.option("--contact", default="", help="who to call at the operator")
@click.option("--seconds", "seconds_per_loop", type=int, required=True,
              help="seconds per loop (the slot's length)")
@click.option("--loops", "loops_per_hour", type=int, required=True, help="loops per hour")
@click.option("--from", "from_date", required=True, help="first day, YYYY-MM-DD")
@click.option("--to", "to_date", required=True, help="last day, YYYY-MM-DD")
@click.option("--start", default="00:00", help="daily start, HH:MM")
@click.option("--end", default="24:00", help="daily end, HH:MM")
@click.option("--webhook-url", default="", help="where the operator is told of withdrawals")
def screen_operate(account_code, code, name, width, height, **slot) -> None:
    """Register a screen rented from an advertising operator (or change its slot): it gets
    what the account's screens get as packages (MP4, still, schedule sheet) for the
    operator, who is told at the webhook when a post is withdrawn."""
    from adapters.led_screen import operated
    from hub import ports
    from hub.errors import HubError

    with STORE.session() as db:
        try:
            screen, row = operated.operate(db, ports.account(db, account_code), code,
                                           {"name": name, "width": width, "height": height},
                                           slot)
            db.commit()
        except HubError as exc:
            fail(exc)
        click.echo(f"screen {screen.code}: {screen.width}x{screen.height}, account "
                   f"{account_code}, operated by {row.operator}, {row.seconds_per_loop} s x "
                   f"{row.loops_per_hour}/h, {row.from_date}..{row.to_date}")
        if row.webhook_url:
            key = operated.webhook_secret(STORE.config.secret(), screen.code)
            click.echo(f"webhook {row.webhook_url}; signing key (X-Hub-Signature-256): {key}")


@click.command("led-player")
@click.option("--hub", "hub_url", default=None, help="default HUB_PUBLIC_URL")
@click.option("--token-file", type=click.Path(dir_okay=False), default=None,
              help="file holding the device token (or set HUB_LED_TOKEN)")
@click.option("--cache", "cache_dir", required=True, type=click.Path(file_okay=False),
              help="where the playlist, files and unsent plays are kept")
@click.option("--seconds", type=float, default=0.0, help="stop after this long (0: never)")
@click.option("--poll", "poll_seconds", type=float, default=None,
              help="poll interval (default: what the playlist says)")
@click.option("--time-scale", type=float, default=1.0,
              help="multiply item durations (e.g. 0.01 to play a day in minutes)")
def led_player(hub_url, token_file, cache_dir, seconds, poll_seconds, time_scale) -> None:
    """Run the reference LED controller: pull, cache, play, report proof of play."""
    from adapters.led_screen.player import Player

    token = Path(token_file).read_text().strip() if token_file else \
        os.environ.get("HUB_LED_TOKEN")
    if not token:
        fail("需要设备令牌：--token-file 或环境变量 HUB_LED_TOKEN")
    player = Player(hub_url or Config.from_env().public_url, token, cache_dir)

    def shown(item: dict) -> None:
        click.echo(f"play {item['id']} {item.get('type')} {item['title']}", nl=True)

    player.run(seconds or float("inf"), time_scale=time_scale, poll_seconds=poll_seconds,
               on_play=shown)
    click.echo(f"stopped; plays waiting to be reported: {player.pending_plays()}")


def commands() -> list:
    return [screen, led_player]
