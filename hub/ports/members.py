"""Members (会员) of the mini-program: signing in, the accounts they follow, the subscribe
messages they allowed, and the course reminders owed to them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account as _Account
from hub.db import utcnow
from hub.mp.profiles import ProfileOut as MemberProfileOut  # noqa: F401  (its OpenAPI shape)


def sign_in_member(db: Session, config, openid: str, unionid: str | None = None) -> dict:
    """A member the mini-program's login identified (by WeChat's openid): their session
    token, how long it lasts, and their profile as `/mp/v1/me` shows it."""
    from hub.members import identity, sessions, verification
    from hub.mp.profiles import profile

    person = verification.sign_in(db, openid, unionid=unionid)
    return {"token": sessions.issue(config.secret(), person.id, person.openid),
            "expires_in": sessions.MAX_AGE_SECONDS,
            "profile": profile(db, person, identity.IdKeys.from_config(config))}


def member_phone(db: Session, config, member, phone: str) -> dict:
    """The signed-in member (`g.member`) shared their phone number: their new profile."""
    from hub.errors import Unauthorized
    from hub.members import identity, verification
    from hub.members.models import MemberIdentity
    from hub.mp.profiles import profile

    person = db.get(MemberIdentity, member.identity_id)
    if person is None or person.openid != member.openid:
        raise Unauthorized("会员登录凭证无效")
    verification.sign_in(db, person.openid, phone=phone)
    return profile(db, person, identity.IdKeys.from_config(config))


def notifiable_followers(db: Session, account_code: str, template: str, *,
                         told=None) -> list[tuple[int, str]]:
    """(identity id, openid) of the members who follow the account and allowed one more
    subscribe message of `template`; `told`, a select of identity ids, leaves those out."""
    from hub.members.models import MemberFollow, MemberIdentity, MemberSubscription

    query = (select(MemberIdentity.id, MemberIdentity.openid)
             .join(MemberFollow, MemberFollow.identity_id == MemberIdentity.id)
             .join(_Account, _Account.id == MemberFollow.account_id)
             .join(MemberSubscription, MemberSubscription.identity_id == MemberIdentity.id)
             .where(_Account.code == account_code, MemberSubscription.template == template,
                    MemberSubscription.allowances > 0)
             .order_by(MemberIdentity.id))
    if told is not None:
        query = query.where(MemberIdentity.id.not_in(told))
    return [(row.id, row.openid) for row in db.execute(query)]


def allowances_left(db: Session, identity_id: int, template: str) -> int:
    """How many more subscribe messages of `template` the member allowed."""
    from hub.members.models import MemberSubscription

    return db.scalar(select(MemberSubscription.allowances).where(
        MemberSubscription.identity_id == identity_id,
        MemberSubscription.template == template)) or 0


def use_allowance(db: Session, identity_id: int, template: str, *, refused: bool) -> None:
    """A message was sent (one allowance used) or WeChat refused it (none left: the member
    withdrew it or used it elsewhere). In the caller's transaction."""
    from sqlalchemy import update

    from hub.members.models import MemberSubscription

    left = 0 if refused else MemberSubscription.allowances - 1
    db.execute(update(MemberSubscription).where(
        MemberSubscription.identity_id == identity_id, MemberSubscription.template == template,
        MemberSubscription.allowances > 0).values(allowances=left, updated_at=utcnow()))


def course_reminders(sessions) -> list[dict]:
    """Members to remind of a course starting soon, each handed out once (see
    `hub.campaigns.schedule.course_reminders`); hand back a failed one with
    `reminder_not_sent`."""
    from hub.campaigns import schedule

    return schedule.course_reminders(sessions)


def reminder_not_sent(sessions, claim_id: int) -> bool:
    from hub.campaigns import schedule

    return schedule.reminder_not_sent(sessions, claim_id)
