"""Following accounts (跨区域订阅): any account, plus one's own union and its chain up to the
province, which are followed from the moment of verification and cannot be dropped."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.db import utcnow
from hub.errors import Conflict
from hub.members.models import Member, MemberFollow, MemberIdentity


def followed(db: Session, identity: MemberIdentity) -> list[tuple[Account, bool]]:
    """The accounts an identity follows, each with whether it is their own chain."""
    rows = db.execute(select(Account, MemberFollow.own)
                      .join(MemberFollow, MemberFollow.account_id == Account.id)
                      .where(MemberFollow.identity_id == identity.id)
                      .order_by(MemberFollow.own.desc(), Account.path))
    return [(account, own) for account, own in rows]


def followed_ids(db: Session, identity_id: int) -> list[int]:
    return list(db.scalars(select(MemberFollow.account_id)
                           .where(MemberFollow.identity_id == identity_id)))


def _existing(db: Session, identity: MemberIdentity, account_ids: list[int]) -> dict[int, bool]:
    rows = db.execute(select(MemberFollow.account_id, MemberFollow.own).where(
        MemberFollow.identity_id == identity.id, MemberFollow.account_id.in_(account_ids)))
    return dict(rows.all())


def follow(db: Session, identity: MemberIdentity, account: Account) -> bool:
    """Follow `account`; False when it was already followed."""
    if _existing(db, identity, [account.id]):
        return False
    db.add(MemberFollow(identity_id=identity.id, account_id=account.id, own=False,
                        created_at=utcnow()))
    db.flush()
    return True


def unfollow(db: Session, identity: MemberIdentity, account: Account) -> bool:
    """Stop following `account`; one's own union and its chain stay followed."""
    current = _existing(db, identity, [account.id])
    if not current:
        return False
    if current[account.id]:
        raise Conflict("所属工会及其上级工会默认关注，不能取消", field="account")
    db.execute(delete(MemberFollow).where(MemberFollow.identity_id == identity.id,
                                          MemberFollow.account_id == account.id))
    return True


def follow_own_chain(db: Session, identity: MemberIdentity, member: Member) -> None:
    """Follow the member's union and every account above it, marked as their own."""
    union = db.get(Account, member.account_id)
    chain = union.ancestor_ids()
    current = _existing(db, identity, chain)
    for account_id in chain:
        if account_id not in current:
            db.add(MemberFollow(identity_id=identity.id, account_id=account_id, own=True,
                                created_at=utcnow()))
    if any(not own for own in current.values()):
        for row in db.scalars(select(MemberFollow).where(
                MemberFollow.identity_id == identity.id, MemberFollow.account_id.in_(chain))):
            row.own = True
    db.flush()
