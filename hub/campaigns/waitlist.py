"""Course places after the claim: giving a seat or a waitlist place up, seats passing to the
first waiting, and where a waiting member stands."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.campaigns import claim_statements as sql
from hub.campaigns import rules, services
from hub.campaigns.claims import load_claimant
from hub.campaigns.models import Campaign, Claim, ClaimStatus, Kind, Slot
from hub.db import utcnow
from hub.errors import BadRequest, Conflict


def cancel(db: Session, campaign_id: int, identity_id: int, openid: str, *,
           public_url: str = "", now: dt.datetime | None = None, rush=None) -> dict:
    """Give up a course seat (it passes to the first on the waitlist) or a waitlist place.
    With `rush` (Redis decides claims), a course whose seats Redis holds is cancelled there."""
    now = now or utcnow()
    campaign = services.get_campaign(db, campaign_id)
    if campaign.kind != Kind.course:
        raise BadRequest("只有课程报名可以取消", field="campaign")
    claimant = load_claimant(db, identity_id, openid)
    if campaign.decided_in == "redis" or rush is not None:
        return _cancel_in_redis(db, rush, campaign, claimant.member_id, now)
    sql.advisory_lock(db, campaign.id)
    mine = db.scalars(select(Claim).where(
        Claim.campaign_id == campaign.id, Claim.member_id == claimant.member_id,
        Claim.status.in_((ClaimStatus.claimed, ClaimStatus.waitlisted)))
        .order_by(Claim.id.desc())).first() if claimant.member_id else None
    if mine is None:
        raise Conflict("你没有可以取消的报名", field="campaign")
    if campaign.course_starts_at is not None and now >= campaign.course_starts_at:
        raise Conflict("课程已开始，不能再取消", field="campaign")
    freed = mine.slot_id
    mine.status, mine.nth, mine.slot_id, mine.updated_at = ClaimStatus.cancelled, None, None, now
    promoted: list[int] = []
    if freed is not None:
        db.execute(update(Slot).where(Slot.id == freed).values(claim_id=None, taken_at=None))
        db.flush()
        promoted = promote_waitlist(db, campaign, now)
    db.commit()
    return {"status": "cancelled", "claim_id": mine.id, "campaign_id": campaign.id,
            "seat_passed_to_waitlist": bool(promoted)}


def _cancel_in_redis(db: Session, rush, campaign: Campaign, member_id: int | None,
                     now: dt.datetime) -> dict:
    """The cancel decided by Redis's script (the persister writes it behind, with the seat
    passed on): the same answer and refusals as in the database."""
    from hub.campaigns.redis_claims import NOT_LOADED, REDIS_ERRORS
    from hub.campaigns.redis_places import NOTHING

    if campaign.course_starts_at is not None and now >= campaign.course_starts_at:
        raise Conflict("课程已开始，不能再取消", field="campaign")
    if rush is None or member_id is None:
        if member_id is None:
            raise Conflict("你没有可以取消的报名", field="campaign")
        raise Conflict("活动太火爆，请稍后再试", field="campaign")
    campaign_id, seed = campaign.id, campaign.seed
    db.rollback()  # no transaction open while Redis is asked
    try:
        code, claim_id, promoted = rush.places.cancel(campaign_id, seed, member_id,
                                                      now.astimezone(dt.UTC).isoformat())
        if code == NOT_LOADED and rush.load(db, campaign_id):
            code, claim_id, promoted = rush.places.cancel(campaign_id, seed, member_id,
                                                          now.astimezone(dt.UTC).isoformat())
    except REDIS_ERRORS:
        raise Conflict("活动太火爆，请稍后再试", field="campaign") from None
    if code == NOTHING:
        raise Conflict("你没有可以取消的报名", field="campaign")
    if code != 0:
        raise Conflict("活动太火爆，请稍后再试", field="campaign")
    return {"status": "cancelled", "claim_id": claim_id, "campaign_id": campaign_id,
            "seat_passed_to_waitlist": promoted is not None}


def promote_waitlist(db: Session, campaign: Campaign, now: dt.datetime) -> list[int]:
    """Free seats go to the first waiting, in order; returns the promoted claim ids."""
    free = list(db.scalars(select(Slot.id).where(Slot.campaign_id == campaign.id,
                                                 Slot.claim_id.is_(None))
                           .order_by(Slot.number)))
    waiting = list(db.scalars(select(Claim.id).where(
        Claim.campaign_id == campaign.id, Claim.status == ClaimStatus.waitlisted)
        .order_by(Claim.id).limit(len(free))))
    done = []
    for slot_id, claim_id in rules.promote(free, waiting):
        db.execute(update(Claim).where(Claim.id == claim_id)
                   .values(status=ClaimStatus.claimed, slot_id=slot_id, updated_at=now))
        db.execute(update(Slot).where(Slot.id == slot_id)
                   .values(claim_id=claim_id, taken_at=now))
        done.append(claim_id)
    return done


def waitlist_position(db: Session, record: Claim) -> int | None:
    """Where a waitlisted claim stands (1 is next), None for any other claim."""
    if record.status != ClaimStatus.waitlisted:
        return None
    return sql.waitlist_position(db, record.campaign_id, record.id)
