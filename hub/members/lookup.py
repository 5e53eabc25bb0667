"""Looking members up on the rolls of an account and below, by ID number, mobile or name, and
auditing who looked whom up (the keys masked as the answers mask them, never in full)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.services import record
from hub.members import identity
from hub.members.models import Member

LIMIT = 50


def find(db: Session, account: Account, keys: identity.IdKeys, *, id_number: str | None = None,
         mobile: str | None = None, name: str | None = None) -> list[tuple[Member, Account]]:
    """Members on the rolls of `account`'s subtree matching every key given (name: exact)."""
    statement = (select(Member, Account).join(Account, Account.id == Member.account_id)
                 .where(Account.path.startswith(account.path)))
    if id_number:
        statement = statement.where(
            Member.id_hash == keys.digest(identity.normalise(id_number)))
    if mobile:
        statement = statement.where(Member.mobile == mobile.strip())
    if name:
        statement = statement.where(Member.name == name.strip())
    return list(db.execute(statement.order_by(Member.id).limit(LIMIT)).all())


def audit(db: Session, actor, account: Account, found: list[int], *,
          id_number: str | None = None, mobile: str | None = None,
          name: str | None = None) -> None:
    """Who looked whom up, and with which keys (masked)."""
    searched = {}
    if id_number:
        number = identity.normalise(id_number)
        # A short (mistyped) number would come out of mask() whole.
        searched["id_number"] = identity.mask(number) if len(number) >= 12 else "*" * len(number)
    if mobile:
        searched["mobile"] = identity.mask_mobile(mobile.strip())
    if name:
        searched["name"] = identity.mask_name(name.strip())
    record(db, actor=actor, action="member.lookup", account_id=account.id,
           subject_type="member", subject_id=found[0] if len(found) == 1 else None,
           searched=searched, member_ids=found)
