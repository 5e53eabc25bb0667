"""`hub web partner-key issue|list|revoke`: API keys for partner websites."""

from __future__ import annotations

import click

from hub.api import cli_fail as fail
from hub.channels import get_channel


@click.group()
def web() -> None:
    """Union websites and partner sites."""


@web.group("partner-key")
def partner_key() -> None:
    """API keys of partner websites (read API under /api/partner/v1)."""


@partner_key.command("issue")
@click.option("--account", "code", required=True, help="account code; the key covers its subtree")
@click.option("--partner", required=True, help="who the key is for, e.g. 东莞日报")
def issue(code: str, partner: str) -> None:
    """Print a new key (shown this once; only its hash is kept)."""
    from adapters.web.partners import issue_key
    from hub import ports
    from hub.errors import HubError

    with _sessions() as db:
        try:
            row, key = issue_key(db, ports.account(db, code), partner)
            db.commit()
        except HubError as exc:
            fail(exc)
    click.echo(f"key {row.id} for {partner} on {code}:")
    click.echo(key)


@partner_key.command("list")
def list_() -> None:
    """Every key: id, account, partner, first characters, revoked or not."""
    from adapters.web.partners import list_keys

    with _sessions() as db:
        for row, account in list_keys(db):
            state = "revoked" if row.revoked_at else "active"
            click.echo(f"{row.id}\t{account.code}\t{row.partner}\t{row.hint}…\t{state}")


@partner_key.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Revoke a key by its id; the partner gets 401 from then on."""
    from adapters.web.partners import revoke_key
    from hub.errors import HubError

    with _sessions() as db:
        try:
            revoke_key(db, key_id)
            db.commit()
        except HubError as exc:
            fail(exc)
    click.echo(f"key {key_id} revoked")


def _sessions():
    """A writing session of the web channel's context (the CLI's bootstrap attached it)."""
    return get_channel("web").database.session()
