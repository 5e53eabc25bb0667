"""The console's merchants page (合作商户): an account's admin adds the merchants who redeem
its vouchers and tickets and issues each a key (shown once, stored hashed; a new key retires
the old one). Redemptions per merchant are on each campaign's page and in its export."""

from __future__ import annotations

from flask import g, render_template, request
from sqlalchemy import func, select

from hub.accounts.models import Account
from hub.campaigns import redemption
from hub.campaigns.models import Merchant, Slot
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.errors import NotFound
from hub.users.permissions import require_role


def _admin_account(code: str) -> Account:
    account = account_for(code)
    require_role(g.db, g.user, account, "admin")
    return account


def _page(account: Account, *, shown_key=None, status=200):
    merchants = list(g.db.scalars(select(Merchant).where(Merchant.account_id == account.id)
                                  .order_by(Merchant.id)))
    redeemed = dict(g.db.execute(
        select(Slot.redeemed_by_id, func.count()).where(
            Slot.redeemed_by_id.in_([m.id for m in merchants]))
        .group_by(Slot.redeemed_by_id)).all()) if merchants else {}
    return render_template("console/merchants.html", account=account, page="campaigns",
                           merchants=merchants, redeemed=redeemed, shown_key=shown_key), status


@bp.get("/a/<code>/merchants")
def account_merchants(code: str):
    return _page(_admin_account(code))


@bp.post("/a/<code>/merchants")
def add_merchant(code: str):
    account = _admin_account(code)
    merchant = redemption.create_merchant(g.db, account, request.form.get("name", ""),
                                          actor=g.user)
    key = redemption.issue_key(g.db, merchant, actor=g.user)
    g.db.commit()
    return _page(account, shown_key=(merchant, key))


@bp.post("/a/<code>/merchants/<int:merchant_id>/key")
def new_merchant_key(code: str, merchant_id: int):
    account = _admin_account(code)
    merchant = g.db.get(Merchant, merchant_id)
    if merchant is None or merchant.account_id != account.id:
        raise NotFound(f"没有编号为 {merchant_id} 的商户", field="merchant")
    key = redemption.issue_key(g.db, merchant, actor=g.user)
    g.db.commit()
    return _page(account, shown_key=(merchant, key))
