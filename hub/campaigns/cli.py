"""`hub merchant …`: partner merchants who redeem vouchers, and their keys (printed once).

hub/cli.py adds the group: `cli.add_command(merchant)`.
"""

from __future__ import annotations

import click

from hub.cli_support import fail, sessions


@click.group()
def merchant() -> None:
    """Partner merchants (核销) and their API keys."""


@merchant.command("create")
@click.option("--account", "account_code", required=True, help="the union account it serves")
@click.argument("name")
def merchant_create(account_code: str, name: str) -> None:
    """Create a merchant and print its id and key (the key is shown only this once)."""
    from hub.accounts.services import get_account
    from hub.campaigns import redemption
    from hub.errors import HubError

    with sessions()() as db:
        try:
            created = redemption.create_merchant(db, get_account(db, account_code), name)
            key = redemption.issue_key(db, created)
            db.commit()
        except HubError as exc:
            fail(exc)
    click.echo(f"merchant {created.id} ({name}) created; key (shown once):")
    click.echo(key)


@merchant.command("key")
@click.argument("merchant_id", type=int)
def merchant_key(merchant_id: int) -> None:
    """Issue a new key for MERCHANT_ID (the old key stops working) and print it."""
    from hub.campaigns import redemption
    from hub.campaigns.models import Merchant

    with sessions()() as db:
        found = db.get(Merchant, merchant_id)
        if found is None:
            fail(f"没有编号为 {merchant_id} 的商户")
        key = redemption.issue_key(db, found)
        db.commit()
    click.echo(key)


@merchant.command("list")
def merchant_list() -> None:
    """List merchants: id, account, name, whether a key is set."""
    from sqlalchemy import select

    from hub.accounts.models import Account
    from hub.campaigns.models import Merchant

    with sessions()() as db:
        rows = db.execute(select(Merchant, Account.code).join(
            Account, Account.id == Merchant.account_id).order_by(Merchant.id))
        for found, code in rows:
            key = "key set" if found.key_hash else "no key"
            click.echo(f"{found.id}\t{code}\t{found.name}\t{key}")
