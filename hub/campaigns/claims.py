"""Claiming under a rush: the order of one claim's reads, gate checks and write.

One claim is one write transaction that commits before the member hears the answer:
- SQLite: the writer session's BEGIN IMMEDIATE lets one claim in at a time; synchronous=FULL
  makes an acknowledged claim survive a power cut.
- PostgreSQL: the claim takes one free slot row with FOR UPDATE SKIP LOCKED, scanning from a
  random slot number and wrapping around, so concurrent claims lock different rows; there is
  no stock counter for them all to queue on. Course claims and cancels, where a seat may move
  to the waitlist, take a per-campaign advisory lock (thirty seats do not need parallelism).
The member's limit is the unique key (campaign, member, nth) with nth in 1..limit, and a
repeated request id (unique per campaign and member) gets the answer stored with the claim.
Everything a claim reads (campaign state, who is asking, their earlier claims) is one query;
on SQLite it runs on a read-only session before the write lock is taken, so the one writer
holds it only for the slot, the insert and the commit. The hot statements are plain SQL
written once and run on the driver's cursor (on PostgreSQL the insert and the slot's update
are one statement): under a rush the hub's CPU, not the database, is what runs out first.

With the Redis gate, no transaction is open while the gate is asked (a slow Redis must not
hold database connections, of which there are few), and before the gate turns a claim away
the database is asked once whether it already holds this very request: a repeat gets its
first answer even when the gate never learnt it.

With Redis deciding claims (HUB_REDIS_URL on PostgreSQL, a durable Redis), red packets,
vouchers and tickets (hub.campaigns.redis_claims), course seats and instant quiz prizes
(hub.campaigns.redis_places) are claimed by one Redis script after the read above; no write
transaction at all, the persister writes the claims behind.

Where the rest lives: the rules (who may claim, which place, the answer) in claim_rules,
the statements in claim_statements, the write by kind in claim_writes, cancels and the
waitlist in waitlist.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from hub.campaigns import claim_statements as sql
from hub.campaigns import errors, limits, redis_claims, redis_places, services
from hub.campaigns.claim_rules import (
    Claimant,
    Earlier,
    Facts,
    Outcome,
    Stated,
    answer_for,
    check_quiz,
    free_nth,
    refusal,
    repeat_of,
)
from hub.campaigns.claim_writes import Write, write_claim
from hub.campaigns.gate import GATED_KINDS, LIMIT_USED, RATE_LIMITED, REPEAT, SOLD_OUT
from hub.campaigns.models import CampaignState, ClaimStatus, Kind
from hub.campaigns.redis_claims import REDIS_ERRORS, RedisClaims
from hub.db import utcnow
from hub.errors import Conflict, NotFound, Unauthorized
from hub.members.models import MemberState

log = logging.getLogger("hub.campaigns.claims")
MAX_ATTEMPTS = 6  # conflicts on the unique keys: re-read and try again


@dataclass(frozen=True)
class Request:
    """What the member asked, as the claim endpoint hands it over."""

    campaign_id: int
    identity_id: int
    openid: str
    request_id: str
    answers: dict[str, int] | None
    public_url: str
    now: dt.datetime | None  # None: the time of each attempt


@dataclass(frozen=True)
class Read:
    """What one attempt read: the campaign's state and facts, who asks, their claims."""

    state: str
    facts: Facts
    claimant: Claimant
    earlier: list[Earlier]
    decided_in: str | None = None


# --- reading -----------------------------------------------------------------------------

def facts_of(reader: Session, campaign_id: int, cache: dict | None = None,
             approved_at=None) -> Facts:
    """The campaign's terms, from `cache` (per process) when it holds those approved at
    `approved_at` (as the claim's read gave it; None: any copy will do, for what never
    changes: the kind and the seed). An edit sends the campaign back for approval, and the
    approval stamps a new time, so every process reads edited terms on its next claim."""
    found = cache.get(campaign_id) if cache is not None else None
    if found is not None and (approved_at is None or found[0] == approved_at):
        return found[1]
    campaign = services.get_campaign(reader, campaign_id)
    facts = Facts(campaign.id, campaign.kind, campaign.per_member_limit, campaign.starts_at,
                  campaign.ends_at, tuple(services.allowed_paths(reader, campaign)),
                  campaign.seed, campaign.units, campaign.valid_until,
                  tuple(campaign.questions or ()), campaign.pass_mark, campaign.quiz_mode,
                  campaign.win_chance)
    if cache is not None and approved_at is not None:
        if len(cache) > 1000:
            cache.clear()
        cache[campaign_id] = (approved_at, facts)
    return facts


def load_claimant(db: Session, identity_id: int, openid: str) -> Claimant:
    """The member behind a session, with their union's path, in one query."""
    row = sql.claimant_of(db, identity_id)
    if row is None or row.openid != openid:
        raise Unauthorized("会员登录凭证无效")
    return Claimant(identity_id, openid, row.member_id,
                    row.member_state == MemberState.verified, row.union_path)


class Context(NamedTuple):
    """A claim's every read: the campaign's state and when its terms were approved, the
    member asking, and their earlier claims on it."""

    state: str | None
    approved_at: Any  # as the driver gives it: only ever compared with itself
    decided_in: str | None  # "redis": Redis hands out its slots (hub.campaigns.redis_claims)
    claimant: Claimant
    earlier: list[Earlier]


def read_claim_context(db: Session, campaign_id: int, identity_id: int, openid: str
                       ) -> Context:
    """In one query (one snapshot): the campaign's state and approval stamp, the member
    behind the session with their union's path, and their earlier claims on the campaign."""
    rows = sql.read_context(db, campaign_id, identity_id)
    if not rows or rows[0].openid != openid:
        raise Unauthorized("会员登录凭证无效")
    first = rows[0]
    claimant = Claimant(identity_id, openid, first.member_id,
                        first.member_state == MemberState.verified, first.union_path)
    earlier = [Earlier(row.claim_id, row.request_id, row.nth, row.status,
                       sql.loaded_json(row.answer))
               for row in rows if row.claim_id is not None]
    return Context(first.campaign_state, first.terms_approved_at, first.decided_in, claimant,
                   earlier)


def _earlier(row: sql.ClaimRow) -> Earlier:
    return Earlier(row.id, row.request_id, row.nth, row.status, sql.loaded_json(row.answer))


# --- claiming ----------------------------------------------------------------------------

def claim(db: Session, reader: Session, campaign_id: int, identity_id: int, openid: str,
          request_id: str, answers: dict[str, int] | None = None, *, gate=None,
          public_url: str = "", now: dt.datetime | None = None,
          cache: dict | None = None, rush: RedisClaims | None = None) -> Outcome:
    """Claim for the member behind (identity, openid); commits `db` before returning.
    With a gate, its first look also counts the rate limits (else the caller counts them).

    On SQLite the reads go through `reader` (outside the write lock, which they would
    otherwise hold longer); on PostgreSQL through `db` itself. With `rush` (Redis decides
    claims), the kinds whose stock is pre-split are decided by its script."""
    asked = Request(campaign_id, identity_id, openid, request_id, answers, public_url, now)
    if sql.is_postgres(db):
        reader = db
    if gate is not None:
        facts = facts_of(reader, campaign_id, cache)  # only its key: no query once cached
        _release(db, reader)
        repeated = _enter(gate, reader, facts, asked)
        if repeated is not None:
            return repeated
    for _ in range(MAX_ATTEMPTS):
        state, approved_at, decided_in, claimant, earlier = read_claim_context(
            reader, campaign_id, identity_id, openid)
        if state is None or state == CampaignState.draft:
            raise NotFound(f"没有编号为 {campaign_id} 的活动", field="campaign")
        facts = facts_of(reader, campaign_id, cache, approved_at)
        if redis_claims.decides(facts.kind, facts.quiz_mode) and (
                rush is not None or decided_in == "redis"):
            _release(db, reader)
            return _in_redis(db, rush, asked, Read(state, facts, claimant, earlier))
        gated = gate is not None and facts.kind in GATED_KINDS and gate.available
        if reader is not db or gated:
            # SQLite: hand the reading connection back before writing (a request never
            # holds two at once, and a next attempt reads a fresh snapshot). PostgreSQL with
            # the gate: end the read transaction, so no connection waits on Redis.
            _release(db, reader)
        outcome = _attempt(db, reader, asked, Read(state, facts, claimant, earlier),
                           gate if gated else None)
        if outcome is not None:
            return outcome
    raise Conflict("活动太火爆，请稍后再试", field="request_id")


def _in_redis(db: Session, rush: RedisClaims | None, asked: Request, read: Read) -> Outcome:
    """The claim decided by Redis's script: the database was only read (who asks, whether
    the campaign is open); the persister writes the claim behind."""
    repeated = repeat_of(read.earlier, asked.request_id)
    if repeated is not None:
        return repeated
    if rush is None:  # its slots are in Redis, which this process cannot use right now
        raise Conflict("活动太火爆，请稍后再试", field="request_id")
    if read.facts.kind in redis_places.PLACE_KINDS:
        return _place_in_redis(db, rush, asked, read)
    facts, claimant = read.facts, read.claimant
    now = asked.now or utcnow()
    try:
        problem = refusal(read.state, facts, facts.allowed_paths, claimant, now)
        if problem is not None:  # unless this very request was answered before
            entry = rush.stored(facts.id, facts.seed, claimant.member_id, asked.request_id)
            if entry is None:
                raise problem
            return Outcome(_redis_answer(facts, entry, asked), repeated=True)
        code, entry = _redis_claim(db, rush, facts, claimant, asked, now)
    except REDIS_ERRORS as exc:
        log.warning("claims in Redis unavailable: %s", type(exc).__name__)
        raise Conflict("活动太火爆，请稍后再试", field="request_id") from None
    if code in (redis_claims.CLAIMED, redis_claims.REPEAT):
        return Outcome(_redis_answer(facts, entry, asked),
                       repeated=code == redis_claims.REPEAT)
    if code == redis_claims.LIMIT_USED:
        raise errors.already_claimed()
    if code == redis_claims.SOLD_OUT:
        raise errors.sold_out()
    raise Conflict("活动太火爆，请稍后再试", field="request_id")  # could not be loaded


def _place_in_redis(db: Session, rush: RedisClaims, asked: Request, read: Read) -> Outcome:
    """A course seat (or waitlist place) or an instant quiz prize, decided by Redis's script
    in the order the database path judges: replay, who may claim, the limit, the quiz."""
    facts, claimant, places = read.facts, read.claimant, rush.places
    now = asked.now or utcnow()
    try:
        problem = refusal(read.state, facts, facts.allowed_paths, claimant, now)
        if problem is not None:
            entry = places.stored(facts.id, facts.seed, claimant.member_id, asked.request_id)
            if entry is None:
                raise problem
            return Outcome(_place_answer(facts, entry, asked), repeated=True)
        score, failed = None, None
        if facts.kind == Kind.quiz:
            try:
                score = check_quiz(facts, asked.answers)
            except errors.QuizFailed as exc:
                failed = exc  # unless the limit or a replay answers first
        code, entry = _run_place(db, rush, facts, claimant, asked, now, score, failed)
    except REDIS_ERRORS as exc:
        log.warning("claims in Redis unavailable: %s", type(exc).__name__)
        raise Conflict("活动太火爆，请稍后再试", field="request_id") from None
    if code in (redis_claims.CLAIMED, redis_claims.REPEAT):
        return Outcome(_place_answer(facts, entry, asked), repeated=code == redis_claims.REPEAT)
    if code == redis_claims.LIMIT_USED:
        raise errors.already_claimed()
    if code == redis_places.QUIZ_FAILED and failed is not None:
        raise failed
    raise Conflict("活动太火爆，请稍后再试", field="request_id")


def _run_place(db: Session, rush: RedisClaims, facts: Facts, claimant: Claimant,
               asked: Request, now: dt.datetime, score, failed):
    """The script's verdict; loads the campaign, or more claim ids, when Redis lacks them."""
    def run():
        return rush.places.claim(facts, claimant.member_id, claimant.identity_id,
                                 asked.request_id, now.astimezone(dt.UTC).isoformat(),
                                 score=score, failed=failed is not None)
    code, entry = run()
    if code == redis_claims.NOT_LOADED and rush.load(db, facts.id):
        code, entry = run()
    if code == redis_places.NEED_IDS:
        rush.places.top_up(db, facts.id, facts.seed)
        code, entry = run()
    return code, entry


def _place_answer(facts: Facts, entry: redis_places.PlaceEntry, asked: Request) -> dict:
    return answer_for(facts, Stated(entry.status, id=entry.claim_id, score=entry.score),
                      entry.slot, asked.public_url, position=entry.position)


def _redis_claim(db: Session, rush: RedisClaims, facts: Facts, claimant: Claimant,
                 asked: Request, now: dt.datetime):
    """The script's verdict; a campaign Redis does not hold yet is loaded first."""
    def run():
        return rush.claim(facts.id, facts.seed, claimant.member_id, claimant.identity_id,
                          asked.request_id, facts.per_member_limit,
                          now.astimezone(dt.UTC).isoformat())
    code, entry = run()
    if code == redis_claims.NOT_LOADED and rush.load(db, facts.id):
        code, entry = run()
    return code, entry


def _redis_answer(facts: Facts, entry: redis_claims.Entry, asked: Request) -> dict:
    return answer_for(facts, Stated(ClaimStatus.claimed, id=entry.claim_id), entry.slot,
                      asked.public_url)


def _release(db: Session, reader: Session) -> None:
    """End the reads: no transaction (nor, on SQLite, connection) is held afterwards."""
    if reader is db:
        db.rollback()
    else:
        reader.close()


def _enter(gate, reader: Session, facts: Facts, asked: Request) -> Outcome | None:
    """The gate's first look: a repeat's stored answer, or None to go on; raises for rate
    limits and sold out (unless the database holds this very request's claim)."""
    found, stored = gate.enter(facts.gate_key, asked.identity_id, asked.openid,
                               asked.request_id, rate_limit=limits.CLAIMS_PER_WINDOW,
                               window_seconds=limits.WINDOW_SECONDS)
    if found == RATE_LIMITED:
        raise errors.TooManyRequests(max(1, math.ceil(stored)))
    if found == REPEAT:
        return Outcome(stored, repeated=True)
    if found == SOLD_OUT:
        return _replay_or(reader, asked, errors.sold_out())
    return None


def _replay_or(reader: Session, asked: Request, refused: errors.CampaignRefusal) -> Outcome:
    """Before the gate turns a claim away: the database's answer to this very request, if it
    has one (the gate may never have learnt it, or forgotten it); else the refusal."""
    row = sql.stored_answer(reader, asked.campaign_id, asked.identity_id, asked.request_id)
    reader.rollback()
    if row is None:
        raise refused
    return Outcome(_earlier(row).replay(), repeated=True)


def _attempt(db: Session, reader: Session, asked: Request, read: Read, gate) -> Outcome | None:
    """One try at the write: an answer, or None when a unique key says to read again.
    `gate` only when it is to be asked (nothing open meanwhile)."""
    repeated = repeat_of(read.earlier, asked.request_id)
    if repeated is not None:
        db.rollback()
        return repeated
    now = asked.now or utcnow()
    problem = refusal(read.state, read.facts, read.facts.allowed_paths, read.claimant, now)
    if problem is not None:
        raise problem
    if gate is not None:
        judged = _member_gate(gate, reader, asked, read)
        if judged is not None:
            return judged
    nth = free_nth(read.earlier, read.facts.per_member_limit)
    if nth is None:
        raise errors.already_claimed()
    score = check_quiz(read.facts, asked.answers) if read.facts.kind == Kind.quiz else None
    write = Write(read.facts, read.claimant, asked.request_id, nth, score, asked.public_url,
                  now)
    return _write(db, write, gate)


def _member_gate(gate, reader: Session, asked: Request, read: Read) -> Outcome | None:
    """The gate's look at this member: a stored answer, a refusal, or None to go on."""
    found, stored = gate.check_member(read.facts.gate_key, read.claimant.member_id,
                                      asked.request_id, read.facts.per_member_limit)
    if found == REPEAT:
        return Outcome(stored, repeated=True)
    if found in (LIMIT_USED, SOLD_OUT):
        return _replay_or(reader, asked, errors.already_claimed() if found == LIMIT_USED
                          else errors.sold_out())
    return None


def _write(db: Session, write: Write, gate) -> Outcome | None:
    """The write transaction, committed; None when another tap of this member won a race
    on a unique key (read again). The gate learns what was committed, or a certain sell-out."""
    facts, claimant = write.facts, write.claimant
    try:
        with sql.write_turn(db):
            try:
                outcome = write_claim(db, write)
                db.commit()
            except BaseException:
                db.rollback()  # end the write before the next process gets its turn
                raise
    except sql.integrity_errors(db):
        db.rollback()  # another tap of this member won the race: look again
        return None
    except errors.CampaignRefusal as exc:
        db.rollback()
        if gate is not None and exc.code == "sold_out" and exc.extra.get("certain"):
            gate.learn_sold_out(facts.gate_key)
        exc.extra.pop("certain", None)
        raced = _answered(db, facts.id, claimant.member_id, write.request_id)
        if raced is not None:  # a double tap took the last one while this one looked
            return Outcome(raced.replay(), repeated=True)
        raise
    if gate is not None:  # committed: Redis is asked with no transaction open
        gate.learn_claim(facts.gate_key, claimant.member_id, claimant.identity_id,
                         write.request_id, outcome.answer)
    return outcome


def _answered(db: Session, campaign_id: int, member_id: int, request_id: str) -> Earlier | None:
    found = sql.answered(db, campaign_id, member_id, request_id)
    db.rollback()  # release SQLite's write lock at once
    return _earlier(found) if found else None
