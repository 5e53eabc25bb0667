"""Writing one claim, inside the writer's transaction: by the campaign's kind, take a slot
(a red packet, a code, a seat, an instant prize), a waitlist place or a place in the draw,
and insert the claim with the answer it gets."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.campaigns import claim_statements as sql
from hub.campaigns import errors, rules
from hub.campaigns.claim_rules import (
    Claimant,
    Facts,
    Outcome,
    Stated,
    answer_for,
    sold_out_certainly,
)
from hub.campaigns.claim_statements import NewClaim, SlotRow
from hub.campaigns.models import CampaignState, Claim, ClaimStatus, Kind


@dataclass(frozen=True)
class Write:
    """A claim about to be written: the campaign, the member, their request, the place
    number (1..limit) it takes and a passed quiz's score."""

    facts: Facts
    claimant: Claimant
    request_id: str
    nth: int
    score: int | None
    public_url: str
    now: dt.datetime


def write_claim(db: Session, write: Write) -> Outcome:
    """Take what the campaign's kind gives and insert the claim; the caller commits."""
    return TAKE[write.facts.kind](db, write)


def take_slot(db: Session, facts) -> SlotRow | None:
    """A free slot, locked for this transaction, or None when none is left.

    The scan starts at a random slot number: starting at the lowest, every claim would queue
    on the same few rows as they fill up. When every free slot is held by another claim in
    flight, wait for those to finish (they may roll back) rather than answer sold out; never
    wait on a row lock itself: two claims each holding one row and waiting for the other's
    would deadlock."""
    start = random.randint(1, max(facts.units, 1))
    if not sql.is_postgres(db):  # BEGIN IMMEDIATE: nobody else is writing
        row = (sql.free_slot(db, facts.id, start, wrapped=False)
               or sql.free_slot(db, facts.id, start, wrapped=True))
        return row or _none_left(db, facts)
    for attempt in range(40):
        for wrapped in (False, True):
            row = sql.free_slot(db, facts.id, start, wrapped=wrapped)
            if row is not None:
                return row
        if not sql.free_count(db, facts.id):
            return _none_left(db, facts)
        time.sleep(min(0.002 * (attempt + 1), 0.05))
    raise errors.sold_out()  # still all held after ~1.5 s: say so, but the gate learns nothing


def _none_left(db: Session, facts) -> None:
    """No free slot: because none is left, or because the campaign closed meanwhile."""
    if sql.campaign_state(db, facts.id) != CampaignState.open:
        raise errors.not_open()
    return None


def _new_claim(db: Session, write: Write, status: str, slot: SlotRow | None, *,
               position_after: bool = False) -> Outcome:
    """Insert the claim (a duplicate (member, nth) or (member, request id) fails here) with
    the answer it gets, and take its slot: no ORM bookkeeping."""
    facts = write.facts
    answer = answer_for(facts, Stated(status, score=write.score), slot, write.public_url)
    answer.pop("claim_id")
    claim_id = sql.insert_claim(db, NewClaim(
        campaign=facts.id, member=write.claimant.member_id,
        identity=write.claimant.identity_id, request_id=write.request_id, nth=write.nth,
        status=status, slot=slot.id if slot else None, score=write.score,
        answer=json.dumps(answer), now=sql.stored_time(db, write.now)))
    if position_after:
        answer["position"] = sql.waitlist_position(db, facts.id, claim_id)
        db.execute(update(Claim).where(Claim.id == claim_id).values(answer=answer))
    return Outcome({**answer, "claim_id": claim_id})


def _take_unit(db: Session, write: Write) -> Outcome:
    """Red packets, vouchers and tickets: one slot or sold out."""
    slot = take_slot(db, write.facts)
    if slot is None:
        raise sold_out_certainly()
    return _new_claim(db, write, ClaimStatus.claimed, slot)


def _take_seat(db: Session, write: Write) -> Outcome:
    """A course seat, or a place on the waitlist when the seats are gone."""
    sql.advisory_lock(db, write.facts.id)
    slot = take_slot(db, write.facts)
    status = ClaimStatus.claimed if slot is not None else ClaimStatus.waitlisted
    return _new_claim(db, write, status, slot, position_after=slot is None)


def _take_quiz(db: Session, write: Write) -> Outcome:
    """A passed quiz: an instant prize by chance while prizes last, or a place in the draw."""
    facts = write.facts
    if facts.quiz_mode == "draw":
        _still_before_the_draw(db, facts.id)
        return _new_claim(db, write, ClaimStatus.passed, None)
    lucky = rules.instant_win(facts.seed, f"{write.claimant.member_id}:{write.nth}",
                              facts.win_chance or 0)
    slot = take_slot(db, facts) if lucky else None
    status = ClaimStatus.won if slot is not None else ClaimStatus.lost
    return _new_claim(db, write, status, slot)


def _still_before_the_draw(db: Session, campaign_id: int) -> None:
    """A place in the draw only while the campaign is open and not drawn: it may have been
    withdrawn, or drawn early (answering closed) since this claim read it. On PostgreSQL the
    row is share-locked until the claim commits, so a draw (which locks it for update) waits
    for this entrant, or this claim waits for the draw and sees it done."""
    row = sql.draw_state_shared(db, campaign_id)
    if row is None or row.state != CampaignState.open:
        raise errors.not_open()
    if row.drawn_at is not None:
        raise errors.outside_window("ended")


TAKE = {Kind.red_packet: _take_unit, Kind.voucher: _take_unit, Kind.ticket: _take_unit,
        Kind.course: _take_seat, Kind.quiz: _take_quiz}
