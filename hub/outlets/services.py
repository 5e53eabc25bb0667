"""Binding outlets to accounts and finding the outlets a post goes to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import channels, crypto
from hub.accounts.models import Account
from hub.accounts.services import descendants
from hub.audit.services import record
from hub.errors import BadRequest, Conflict, NotFound
from hub.outlets.models import Outlet


def bind_outlet(db: Session, account: Account, *, channel: str, key: str, name: str,
                config: dict | None = None, secret: str | None = None, hub_secret: str = "",
                actor=None) -> Outlet:
    if channels.get_channel(channel) is None:
        raise BadRequest(f"未启用的渠道 {channel}，可选：{', '.join(channels.channel_names())}",
                         field="channel")
    if db.scalar(select(Outlet.id).where(Outlet.channel == channel, Outlet.key == key)):
        raise Conflict(f"{channel} 终端 {key} 已绑定", field="key")
    outlet = Outlet(account=account, channel=channel, key=key, name=name, config=config or {})
    if secret:
        outlet.secret_encrypted = crypto.encrypt(hub_secret, secret)
    db.add(outlet)
    db.flush()
    record(db, actor=actor, action="outlet.bind", account_id=account.id, subject_type="outlet",
           subject_id=outlet.id, channel=channel, key=key, with_secret=bool(secret))
    return outlet


def replace_secret(db: Session, outlet: Outlet, secret: str | None, *, hub_secret: str,
                   actor) -> Outlet:
    """New credentials for an outlet (None removes them); an outlet marked broken is taken
    as fixed. Audited without the credentials themselves."""
    outlet.secret_encrypted = crypto.encrypt(hub_secret, secret) if secret else None
    was_broken = outlet.broken_reason is not None
    outlet.broken_reason, outlet.broken_at = None, None
    record(db, actor=actor, action="outlet.secret.replace" if secret else "outlet.secret.remove",
           account_id=outlet.account_id, subject_type="outlet", subject_id=outlet.id,
           channel=outlet.channel, key=outlet.key, was_broken=was_broken)
    return outlet


def outlet_info(outlet: Outlet, hub_secret: str | None = None) -> channels.OutletInfo:
    """An outlet row as adapters see it; with the hub's key, its credentials decrypted."""
    secret = crypto.decrypt(hub_secret, outlet.secret_encrypted) \
        if hub_secret and outlet.secret_encrypted else None
    return channels.OutletInfo(id=outlet.id, channel=outlet.channel, key=outlet.key,
                               name=outlet.name, account_code=outlet.account.code,
                               config=dict(outlet.config or {}), secret=secret,
                               account_id=outlet.account_id)


def get_outlet(db: Session, outlet_id: int) -> Outlet:
    outlet = db.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound(f"没有编号为 {outlet_id} 的终端", field="outlet")
    return outlet


def outlets_of(db: Session, account_ids: list[int]) -> list[Outlet]:
    return list(db.scalars(select(Outlet).where(Outlet.account_id.in_(account_ids),
                                                Outlet.enabled.is_(True))
                           .order_by(Outlet.account_id, Outlet.id)))


def reached_accounts(db: Session, post) -> list[tuple[Account, bool]]:
    """The post's own account, then the accounts it is pushed down to (下发)."""
    reached = [(post.account, False)]
    if post.push_down:
        below = descendants(db, post.account)
        if post.push_down != ["*"]:
            chosen = set(post.push_down)
            below = [a for a in below if a.code in chosen]
        reached += [(account, True) for account in below]
    return reached


def target_outlets(db: Session, post, accounts: list[Account]) -> list[Outlet]:
    """Outlets of the reached accounts, limited to the editor's channels, plus the webhooks of
    those accounts and of every ancestor (integrators hear about their whole subtree)."""
    wanted = set(post.channels) if post.channels else None
    outlets = []
    for outlet in outlets_of(db, [a.id for a in accounts]):
        if not is_post_outlet(outlet):
            continue
        if wanted is None or outlet.channel in wanted:
            outlets.append(outlet)
    return outlets + notify_outlets(db, accounts)


def notify_outlets(db: Session, accounts: list[Account]) -> list[Outlet]:
    ids = sorted({i for a in accounts for i in a.ancestor_ids()})
    return [o for o in outlets_of(db, ids) if is_notify_outlet(o)]


def is_post_outlet(outlet: Outlet) -> bool:
    """An outlet of an enabled channel that takes posts (an editor picks it per post)."""
    channel = channels.get_channel(outlet.channel)
    return channel is not None and not channel.notifies_only


def is_notify_outlet(outlet: Outlet) -> bool:
    """An outlet of an enabled channel that hears about everything beneath its account
    (integrators' webhooks) rather than taking posts."""
    channel = channels.get_channel(outlet.channel)
    return channel is not None and channel.notifies_only
