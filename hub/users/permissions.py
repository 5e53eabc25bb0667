"""Who may do what where: roles granted on an account cover it and everything beneath it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.errors import Forbidden
from hub.users.models import Grant, User

ROLE_LABELS = {"author": "作者", "reviewer": "审核员", "admin": "管理员"}


def roles_on(db: Session, user: User, account: Account) -> frozenset[str]:
    """The roles `user` holds on `account`, through grants on it or on any ancestor."""
    rows = db.scalars(
        select(Grant.role).where(
            Grant.user_id == user.id, Grant.account_id.in_(account.ancestor_ids())
        )
    )
    return frozenset(rows)


def require_role(db: Session, user: User, account: Account, *allowed: str) -> frozenset[str]:
    roles = roles_on(db, user, account)
    if not roles & set(allowed):
        raise Forbidden(missing_role(account, allowed, roles))
    return roles


def missing_role(account: Account, allowed, held: frozenset[str]) -> str:
    """What a refused user is told: the roles the action needs, in words, and theirs."""
    needed = [label for role, label in ROLE_LABELS.items() if role in allowed]
    needed = "或".join(filter(None, ("、".join(needed[:-1]), needed[-1])))
    theirs = "、".join(label for role, label in ROLE_LABELS.items() if role in held)
    return f"需要{account.name}的{needed}权限" + (f"（你在该账号是{theirs}）" if theirs else "")


def granted_accounts(db: Session, user: User) -> list[Account]:
    """Top-most accounts the user holds any grant on (their subtrees are theirs to see)."""
    accounts = db.scalars(
        select(Account).join(Grant, Grant.account_id == Account.id).where(Grant.user_id == user.id)
    ).unique()
    accounts = sorted(set(accounts), key=lambda a: a.path)
    tops: list[Account] = []
    for account in accounts:
        if not any(account.is_within(top) for top in tops):
            tops.append(account)
    return tops
