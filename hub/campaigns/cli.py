"""`hub merchant …`: partner merchants who redeem vouchers, and their keys (printed once).

hub/cli.py adds the group: `cli.add_command(merchant)`.
"""

from __future__ import annotations

import click

from hub.cli_exit import fail
from hub.cli_support import sessions


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


@click.group("campaigns")
def campaigns_group() -> None:
    """Campaign claims decided in Redis (HUB_REDIS_URL on PostgreSQL)."""


def _redis_claims():
    from hub.campaigns import redis_claims
    from hub.config import Config

    config = Config.from_env()
    rush = redis_claims.for_config(config)
    if rush is None:
        fail("Redis 未用于领取：需设置 HUB_REDIS_URL、使用 PostgreSQL，且 Redis 已开启 "
             "appendonly 与 appendfsync always（或设置 HUB_REDIS_DURABILITY=everysec）")
    return config, rush


@campaigns_group.command("load-redis")
@click.argument("campaign_ids", type=int, nargs=-1)
@click.option("--reload", is_flag=True,
              help="drop what Redis holds of them first (only once the persister drained)")
def load_redis(campaign_ids: tuple[int, ...], reload: bool) -> None:
    """Load open campaigns' stock into Redis (all open ones when no id is given)."""
    from hub.campaigns.models import Campaign

    _, rush = _redis_claims()
    with sessions()() as db:
        if reload:
            behind = rush.lag()["unpersisted"]
            if behind:
                fail(f"还有 {behind} 条领取记录未写入数据库，请等持久化完成后再重新加载")
            for campaign_id in campaign_ids:
                found = db.get(Campaign, campaign_id)
                if found is not None:
                    rush.forget_campaign(found.id, found.seed)
        if not campaign_ids:
            click.echo(f"{rush.load_open(db)} campaigns loaded")
            return
        for campaign_id in campaign_ids:
            loaded = rush.load(db, campaign_id)
            click.echo(f"campaign {campaign_id}: {'in Redis' if loaded else 'not loadable'}")


@campaigns_group.command("persist")
@click.option("--once", is_flag=True, help="write what the stream holds now, then stop")
@click.option("--batch", type=int, default=500, show_default=True)
@click.option("--idle-ms", type=int, default=30_000, show_default=True,
              help="take over a dead persister's unacknowledged batch after this long")
def persist(once: bool, batch: int, idle_ms: int) -> None:
    """Write the claims Redis decided into the database (`hub worker` runs this too)."""
    import signal

    from hub.campaigns.persister import Persister

    config, rush = _redis_claims()
    persister = Persister(rush, sessions(), config.public_url, batch=batch, idle_ms=idle_ms)
    if once:
        click.echo(f"{persister.drain()} claims written")
        return
    signal.signal(signal.SIGTERM, lambda *_: persister.stop())
    persister.run_forever()


@campaigns_group.command("redis-lag")
def redis_lag() -> None:
    """How many claims Redis answered that the database does not hold yet."""
    _, rush = _redis_claims()
    click.echo(str(rush.lag()["unpersisted"]))
