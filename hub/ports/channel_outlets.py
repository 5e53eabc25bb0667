"""A channel's outlets: finding them, binding one to an account, their settings, and the
credentials they keep encrypted at rest."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub import crypto
from hub.accounts import services as _accounts
from hub.accounts.models import Account as _Account
from hub.channels import OutletInfo
from hub.errors import NotFound
from hub.outlets import services as _outlets
from hub.outlets.models import Outlet as _Outlet
from hub.ports.accounts import AccountInfo, _account_info


def outlets(db: Session, channel: str, *, key: str | None = None,
            account_ids: list[int] | None = None, hub_secret: str | None = None,
            enabled_only: bool = True) -> list[OutletInfo]:
    """A channel's outlets, oldest first; with `hub_secret`, their credentials decrypted."""
    query = select(_Outlet).where(_Outlet.channel == channel)
    if key is not None:
        query = query.where(_Outlet.key == key)
    if account_ids is not None:
        query = query.where(_Outlet.account_id.in_(account_ids))
    if enabled_only:
        query = query.where(_Outlet.enabled.is_(True))
    return [_outlets.outlet_info(row, hub_secret) for row in db.scalars(query.order_by(_Outlet.id))]


def outlet(db: Session, outlet_id: int, *, hub_secret: str | None = None) -> OutletInfo | None:
    row = db.get(_Outlet, outlet_id)
    return _outlets.outlet_info(row, hub_secret) if row is not None else None


def outlet_keys(db: Session, channel: str) -> set[str]:
    return set(db.scalars(select(_Outlet.key).where(_Outlet.channel == channel)))


def accounts_with_outlets(db: Session, channel: str, codes: list[str] | None = None
                          ) -> list[AccountInfo]:
    """Accounts that have an enabled outlet of this channel, parents before children."""
    query = (select(_Account).join(_Outlet, _Outlet.account_id == _Account.id)
             .where(_Outlet.channel == channel, _Outlet.enabled.is_(True)))
    if codes is not None:
        query = query.where(_Account.code.in_(codes))
    rows = db.scalars(query.order_by(_Account.path)).unique().all()
    return [_account_info(row) for row in rows]


def outlet_where_config(db: Session, channel: str, name: str, value: str) -> OutletInfo | None:
    """The oldest enabled outlet of a channel whose config has `name` == value (a site's
    custom domain, say)."""
    row = db.scalar(select(_Outlet).where(_Outlet.channel == channel, _Outlet.enabled.is_(True),
                                          _Outlet.config[name].as_string() == value)
                    .order_by(_Outlet.id).limit(1))
    return _outlets.outlet_info(row) if row is not None else None


def bind_outlet(db: Session, account_code: str, *, channel: str, key: str, name: str,
                config: dict | None = None, secret: str | None = None, hub_secret: str = "",
                actor=None) -> OutletInfo:
    """Bind a new outlet of `channel` to the account (audited); Conflict if the key is taken."""
    row = _outlets.bind_outlet(db, _accounts.get_account(db, account_code), channel=channel,
                               key=key, name=name, config=config, secret=secret,
                               hub_secret=hub_secret, actor=actor)
    return _outlets.outlet_info(row)


def set_outlet_config(db: Session, outlet_id: int, config: dict) -> None:
    """Replace an outlet's (non-secret) settings, e.g. what a screen group holds."""
    row = db.get(_Outlet, outlet_id)
    if row is None:
        raise NotFound(f"没有编号为 {outlet_id} 的终端", field="outlet")
    row.config = dict(config)


def encrypt(hub_secret: str, plaintext: str) -> str:
    """Credentials at rest (access tokens, device secrets), with the hub's key."""
    return crypto.encrypt(hub_secret, plaintext)


def decrypt(hub_secret: str, token: str) -> str:
    return crypto.decrypt(hub_secret, token)
