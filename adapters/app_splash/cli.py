"""`hub splash app-key`: print a new app key for a splash slot (the app signs its reports
in with it)."""

from __future__ import annotations

import click

from adapters.app_splash.store import STORE
from hub.api import cli_fail as fail


@click.group()
def splash() -> None:
    """The app's splash slots."""


@splash.command("app-key")
@click.option("--slot", "code", required=True, help="slot code, e.g. app-launch")
def app_key(code: str) -> None:
    """Print a new app key for the slot (its old key stops working)."""
    from adapters.app_splash import services
    from hub.errors import HubError

    with STORE.session() as db:
        try:
            key = services.issue_app_key(db, services.get_slot(db, code))
            db.commit()
        except HubError as exc:
            fail(exc)
    click.echo(key)


def commands() -> list:
    return [splash]
