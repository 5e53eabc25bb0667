"""Campaign work that falls due with time: quiz draws and course reminders.

For hub/scheduler.py's tick: `due_draws(sessions)` runs every draw whose time came (each in
its own transaction, the campaign row locked, so two processes never draw twice);
`course_reminders(sessions)` hands back the members to remind of a course starting soon and
marks them reminded (at most once each: the caller sends the subscribe messages, and calls
`reminder_not_sent(sessions, claim_id)` for one that failed, so the next tick tries again).
An editor's early draw goes through `lock_for_draw` first: the row lock makes a double click,
or a click while the scheduler draws, wait and then find the draw done (409), never a
second draw.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.campaigns import rules
from hub.campaigns.models import Campaign, CampaignState, Claim, ClaimStatus, Kind, Slot
from hub.clock import local_iso
from hub.db import utcnow
from hub.errors import Conflict
from hub.members.models import MemberIdentity

log = logging.getLogger("hub.campaigns.schedule")


def run_draw(db: Session, campaign: Campaign, now: dt.datetime | None = None, *,
             early: bool = False) -> list[int]:
    """Draw the winners of a quiz among those who passed; returns the winning claim ids.

    Reproducible: the winners follow from the stored seed and the entrants. `early` lets an
    editor draw once answering has closed, before the announced time."""
    now = now or utcnow()
    if campaign.kind != Kind.quiz or campaign.quiz_mode != "draw":
        raise Conflict("只有「答题后抽奖」活动可以开奖", field="campaign")
    if campaign.drawn_at is not None:
        raise Conflict("已经开过奖了", field="campaign")
    due = campaign.ends_at if early else campaign.draw_at
    if now < due:
        raise Conflict(f"未到开奖时间（{local_iso(due)}）", field="campaign")
    if campaign.state == CampaignState.draft:
        raise Conflict("活动尚未发布", field="campaign")
    entrants = list(db.scalars(select(Claim.id).where(
        Claim.campaign_id == campaign.id, Claim.status == ClaimStatus.passed)))
    winners = rules.draw(campaign.seed, entrants, campaign.units)
    prizes = list(db.scalars(select(Slot.id).where(Slot.campaign_id == campaign.id,
                                                   Slot.claim_id.is_(None))
                             .order_by(Slot.number)))
    for claim_id, slot_id in zip(winners, prizes, strict=False):
        db.execute(update(Claim).where(Claim.id == claim_id)
                   .values(status=ClaimStatus.won, slot_id=slot_id, updated_at=now))
        db.execute(update(Slot).where(Slot.id == slot_id).values(claim_id=claim_id,
                                                                 taken_at=now))
    losers = sorted(set(entrants) - set(winners))
    if losers:
        db.execute(update(Claim).where(Claim.id.in_(losers))
                   .values(status=ClaimStatus.lost, updated_at=now))
    campaign.drawn_at = now
    db.flush()
    return winners


def lock_for_draw(db: Session, campaign_id: int) -> Campaign:
    """The campaign, its row locked for this transaction and read afresh: another draw in
    flight is waited for, so `run_draw` then sees its drawn_at (SQLite's writer lock, taken
    at BEGIN IMMEDIATE, already serialises writers)."""
    query = select(Campaign).where(Campaign.id == campaign_id).execution_options(
        populate_existing=True)
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.scalar(query)


def _lock(db: Session, campaign_id: int) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id, Campaign.drawn_at.is_(None))
    if db.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.scalar(query)


def due_draws(sessions, now: dt.datetime | None = None) -> list[int]:
    """Run the draws whose time came; returns the campaign ids drawn."""
    now = now or utcnow()
    with sessions() as db:
        due = list(db.scalars(select(Campaign.id).where(
            Campaign.kind == Kind.quiz, Campaign.quiz_mode == "draw",
            Campaign.drawn_at.is_(None), Campaign.draw_at <= now,
            Campaign.state != CampaignState.draft)))
    drawn = []
    for campaign_id in due:
        with sessions() as db:
            campaign = _lock(db, campaign_id)
            if campaign is None:
                continue  # another process is drawing it, or just did
            winners = run_draw(db, campaign, now)
            db.commit()
        log.info("campaign %s drawn: %d winners", campaign_id, len(winners))
        drawn.append(campaign_id)
    return drawn


def course_reminders(sessions, now: dt.datetime | None = None) -> list[dict]:
    """Members holding a seat on a course that starts within its reminder time, not yet
    reminded: [{claim_id, identity_id, openid, campaign_id, post_id, title, course_starts_at,
    place}].
    They are marked reminded in the same transaction, so each is handed out once; a send that
    fails is handed back with `reminder_not_sent`."""
    now = now or utcnow()
    with sessions() as db:
        rows = db.execute(
            select(Claim.id, Claim.identity_id, MemberIdentity.openid, Campaign.id,
                   Campaign.title, Campaign.course_starts_at, Campaign.place,
                   Campaign.remind_minutes, Campaign.post_id)
            .join(Campaign, Campaign.id == Claim.campaign_id)
            .join(MemberIdentity, MemberIdentity.id == Claim.identity_id)
            .where(Campaign.kind == Kind.course, Campaign.state == CampaignState.open,
                   Claim.status == ClaimStatus.claimed, Claim.reminded_at.is_(None),
                   Campaign.course_starts_at > now)).all()
        due = [row for row in rows
               if row.course_starts_at - dt.timedelta(minutes=row.remind_minutes or 0) <= now]
        if due:
            db.execute(update(Claim).where(Claim.id.in_([row[0] for row in due]))
                       .values(reminded_at=now))
        db.commit()
    return [{"claim_id": row[0], "identity_id": row.identity_id, "openid": row.openid,
             "campaign_id": row[3], "post_id": row.post_id,
             "title": row.title, "course_starts_at": local_iso(row.course_starts_at),
             "place": row.place} for row in due]


def reminder_not_sent(sessions, claim_id: int) -> bool:
    """A reminder handed out by `course_reminders` could not be sent: mark it not reminded,
    so the next tick hands it out again (while the course has not started and the seat is
    still held). Returns whether there was such a reminder to hand back."""
    with sessions() as db:
        done = db.execute(update(Claim).where(Claim.id == claim_id,
                                              Claim.reminded_at.is_not(None))
                          .values(reminded_at=None))
        db.commit()
    return bool(done.rowcount)
