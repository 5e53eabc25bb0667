"""换绑: moving a verified member's roll entry from one WeChat identity to another.

A member who changed phone signs in with a new WeChat account; their roll entry is still
bound to the old one. Verification moves it to the new identity when, besides name and ID
number, the phone number WeChat vouches for (getPhoneNumber) is the roll's mobile: only the
member holds all three. Without that phone match the attempt fails like any other (the same
words, the same count), so nobody learns whether an ID number is on a roll; the words say
what a member who changed phone can do: share their phone number, or ask their union, whose
admin can unbind the entry (`unbind`). Both moves are audited.
"""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.audit.services import record
from hub.db import utcnow
from hub.members import identity
from hub.members.models import Member, MemberIdentity, MemberState


def bound_elsewhere(member: Member | None, person: MemberIdentity) -> bool:
    """The entry is bound to a WeChat identity other than this one."""
    return member is not None and member.openid not in (None, person.openid)


def phone_vouches(member: Member, phone: str | None) -> bool:
    """The phone number WeChat gave this identity is the roll's mobile."""
    if not phone or not member.mobile:
        return False
    return hmac.compare_digest(member.mobile.encode(), phone.encode())


def _release(db: Session, member: Member) -> MemberIdentity | None:
    """The identity the entry was bound to no longer names it (it keeps its follows)."""
    old = db.scalar(select(MemberIdentity).where(MemberIdentity.member_id == member.id))
    if old is not None:
        old.member_id = None
    member.openid = member.unionid = None
    return old


def rebind(db: Session, member: Member, person: MemberIdentity) -> None:
    """Release the entry from its old identity, for verification to bind it to `person`."""
    old = _release(db, member)
    record(db, actor=None, action="member.rebind", account_id=member.account_id,
           subject_type="member", subject_id=member.id,
           from_identity=old.id if old else None, to_identity=person.id,
           mobile=identity.mask_mobile(member.mobile))
    db.flush()


def unbind(db: Session, member: Member, *, actor) -> None:
    """An admin frees the entry: its member verifies again from whichever WeChat they use."""
    old = _release(db, member)
    if member.state == MemberState.verified:
        member.state = MemberState.registered
    member.verified_at = None
    member.updated_at = utcnow()
    record(db, actor=actor, action="member.unbind", account_id=member.account_id,
           subject_type="member", subject_id=member.id,
           from_identity=old.id if old else None)
    db.flush()
