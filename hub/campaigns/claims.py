"""Claiming under a rush, and giving course seats back.

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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import math
import os
import random
import re
import time
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.campaigns import errors, limits, rules, services
from hub.campaigns.gate import (
    GATED_KINDS,
    LIMIT_USED,
    RATE_LIMITED,
    REPEAT,
    SOLD_OUT,
    campaign_key,
)
from hub.campaigns.models import Campaign, CampaignState, Claim, ClaimStatus, Kind, Slot
from hub.clock import local_iso
from hub.db import utcnow
from hub.errors import BadRequest, Conflict, NotFound, Unauthorized
from hub.members.models import Member, MemberIdentity, MemberState

ADVISORY_BASE = 0x63616D70 << 24  # "camp": keeps these locks apart from other advisory users
MAX_ATTEMPTS = 6  # conflicts on the unique keys: re-read and try again


@dataclass
class Claimant:
    identity_id: int
    openid: str
    member_id: int | None
    verified: bool
    union_path: str | None

    def as_rule(self) -> rules.Claimant:
        return rules.Claimant(self.member_id, self.verified, self.union_path)


@dataclass(frozen=True)
class Facts:
    """What claiming needs of a campaign that never changes once it is created (its state
    does change, and is read afresh for every claim): safe to keep per process."""

    id: int
    kind: str
    per_member_limit: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    allowed_paths: tuple[str, ...]
    seed: str
    units: int
    valid_until: dt.datetime | None
    questions: tuple = ()
    pass_mark: int | None = None
    quiz_mode: str | None = None
    win_chance: float | None = None

    @property
    def gate_key(self) -> str:
        return campaign_key(self.id, self.seed)


@dataclass
class Outcome:
    """A claim's answer and what the gate learns once the answer is committed."""

    answer: dict
    repeated: bool = False


@dataclass
class Earlier:
    id: int
    request_id: str
    nth: int | None
    status: str
    answer: dict

    def replay(self) -> dict:
        return {**self.answer, "claim_id": self.id}


def facts_of(reader: Session, campaign_id: int, cache: dict | None = None) -> Facts:
    found = cache.get(campaign_id) if cache is not None else None
    if found is not None:
        return found
    campaign = services.get_campaign(reader, campaign_id)
    found = Facts(campaign.id, campaign.kind, campaign.per_member_limit, campaign.starts_at,
                  campaign.ends_at, tuple(services.allowed_paths(reader, campaign)),
                  campaign.seed, campaign.units, campaign.valid_until,
                  tuple(campaign.questions or ()), campaign.pass_mark, campaign.quiz_mode,
                  campaign.win_chance)
    if cache is not None:
        if len(cache) > 1000:
            cache.clear()
        cache[campaign_id] = found
    return found


def _state_of(db: Session, campaign_id: int) -> str | None:
    row = _first(db, "campaign_state", {"campaign": campaign_id})
    return row[0] if row else None


def load_claimant(db: Session, identity_id: int, openid: str) -> Claimant:
    """The member behind a session, with their union's path, in one query."""
    row = db.execute(
        select(MemberIdentity.openid, MemberIdentity.member_id, Member.state, Account.path)
        .select_from(MemberIdentity)
        .outerjoin(Member, Member.id == MemberIdentity.member_id)
        .outerjoin(Account, Account.id == Member.account_id)
        .where(MemberIdentity.id == identity_id)).first()
    if row is None or row.openid != openid:
        raise Unauthorized("会员登录凭证无效")
    return Claimant(identity_id, openid, row.member_id, row.state == MemberState.verified,
                    row.path)


def refusal(state: str, facts, allowed_paths, claimant: Claimant,
            now: dt.datetime) -> errors.CampaignRefusal | None:
    """Why this member may not claim now, or None (`facts`: a Campaign or Facts)."""
    if state != CampaignState.open:
        return errors.not_open()
    reason = rules.eligibility(claimant.as_rule(), list(allowed_paths))
    if reason == "unverified":
        return errors.unverified()
    if reason:
        return errors.not_eligible()
    window = rules.Window(facts.starts_at, facts.ends_at).check(now)
    return errors.outside_window(window) if window else None


def _free_nth(claims: list[Earlier], limit: int) -> int | None:
    used = {c.nth for c in claims if c.status in ClaimStatus.ACTIVE and c.nth is not None}
    return next((n for n in range(1, limit + 1) if n not in used), None)


# The hot statements are written out once and run on the driver's own cursor: building,
# keying and post-processing SQLAlchemy statements on every claim cost more CPU than the
# database spends running them. Parameters are named `:name` (SQLite's style; turned into
# psycopg's `%(name)s` below); values are bound as the columns store them (`_stored_time`,
# JSON as text), and JSON comes back as text (SQLite) or already parsed (psycopg).
READ_CONTEXT = """
SELECT i.openid, i.member_id, m.state, a.path,
       (SELECT state FROM campaigns WHERE id = :campaign) AS campaign_state,
       c.id, c.request_id, c.nth, c.status, c.answer
FROM member_identities i
LEFT JOIN members m ON m.id = i.member_id
LEFT JOIN accounts a ON a.id = m.account_id
LEFT JOIN campaign_claims c ON c.campaign_id = :campaign AND c.member_id = i.member_id
WHERE i.id = :identity"""
FREE_SLOT = """
SELECT s.id, s.number, s.amount_fen, s.code FROM campaign_slots s
WHERE s.campaign_id = :campaign AND s.claim_id IS NULL AND s.number {bound} :start
  AND EXISTS (SELECT 1 FROM campaigns WHERE id = :campaign AND state = 'open')
ORDER BY s.number LIMIT 1{lock}"""
INSERT_CLAIM = """
INSERT INTO campaign_claims (campaign_id, member_id, identity_id, request_id, nth, status,
                             slot_id, score, answer, created_at, updated_at)
VALUES (:campaign, :member, :identity, :request_id, :nth, :status, :slot, :score, :answer,
        :now, :now)
RETURNING id"""
TAKE_SLOT = "UPDATE campaign_slots SET claim_id = :claim, taken_at = :now WHERE id = :slot"
# Both at once, where the dialect lets a CTE write (PostgreSQL; not SQLite). The slot row is
# already locked by this transaction's FREE_SLOT, so the update finds it.
INSERT_CLAIM_TAKE_SLOT = """
WITH claim AS (
  INSERT INTO campaign_claims (campaign_id, member_id, identity_id, request_id, nth, status,
                               slot_id, score, answer, created_at, updated_at)
  VALUES (:campaign, :member, :identity, :request_id, :nth, :status, :slot, :score, :answer,
          :now, :now)
  RETURNING id, slot_id)
UPDATE campaign_slots SET claim_id = claim.id, taken_at = :now FROM claim
WHERE campaign_slots.id = claim.slot_id
RETURNING claim.id"""
CAMPAIGN_STATE = "SELECT state FROM campaigns WHERE id = :campaign"
# A claim by its unique key (campaign, member, request id).
ANSWERED = """
SELECT id, request_id, nth, status, answer FROM campaign_claims
WHERE campaign_id = :campaign AND member_id = :member AND request_id = :request_id"""
# A repeated request the gate would turn away: the member behind the identity, then their
# claim by the unique key (campaign, member, request id): two index lookups, one statement.
STORED_ANSWER = """
SELECT c.id, c.request_id, c.nth, c.status, c.answer
FROM member_identities i
JOIN campaign_claims c ON c.campaign_id = :campaign AND c.member_id = i.member_id
                      AND c.request_id = :request_id
WHERE i.id = :identity"""
_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def _dialect_sql(dialect: str, sql: str) -> str:
    return sql if dialect == "sqlite" else _NAMED.sub(r"%(\1)s", sql)


SQL = {dialect: {
    "read_context": _dialect_sql(dialect, READ_CONTEXT),
    "insert_claim": _dialect_sql(dialect, INSERT_CLAIM),
    "take_slot": _dialect_sql(dialect, TAKE_SLOT),
    "insert_claim_take_slot": _dialect_sql(dialect, INSERT_CLAIM_TAKE_SLOT),
    "campaign_state": _dialect_sql(dialect, CAMPAIGN_STATE),
    "answered": _dialect_sql(dialect, ANSWERED),
    "stored_answer": _dialect_sql(dialect, STORED_ANSWER),
    **{f"free_slot{bound}": _dialect_sql(dialect, FREE_SLOT.format(
        bound=bound, lock=" FOR UPDATE OF s SKIP LOCKED" if dialect == "postgresql" else ""))
       for bound in (">=", "<")},
} for dialect in ("postgresql", "sqlite")}


def _run(db: Session, name: str, params: dict):
    """Run hot statement `name` on the session's connection (its transaction begun as any
    other: BEGIN IMMEDIATE on a SQLite writer) and hand back the driver's cursor."""
    cursor = db.connection().connection.driver_connection.cursor()
    cursor.execute(SQL[db.bind.dialect.name][name], params)
    return cursor


def _all(db: Session, name: str, params: dict) -> list:
    """Every row of one read. On SQLite with no transaction open it runs on a bare pooled
    connection in autocommit: a lone SELECT is its own consistent snapshot there, so the
    session's BEGIN / ROLLBACK pair and bookkeeping would buy nothing."""
    if db.bind.dialect.name != "sqlite" or db.in_transaction():
        cursor = _run(db, name, params)
        try:
            return cursor.fetchall()
        finally:
            cursor.close()
    connection = db.bind.raw_connection()
    try:
        cursor = connection.driver_connection.cursor()
        cursor.execute(SQL["sqlite"][name], params)
        return cursor.fetchall()
    finally:
        connection.close()  # back to the pool


def _first(db: Session, name: str, params: dict):
    cursor = _run(db, name, params)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _stored_time(db: Session, moment: dt.datetime):
    """A UTC time as UTCDateTime stores it: naive UTC; on SQLite SQLAlchemy's text form."""
    naive = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if db.bind.dialect.name == "sqlite":
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f")
    return naive


def _loaded_json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _integrity_errors(db: Session) -> tuple[type[Exception], ...]:
    """A unique key refused the write: raised by SQLAlchemy or, for the hot statements,
    by the driver itself."""
    return IntegrityError, db.bind.dialect.dbapi.IntegrityError


def read_claim_context(db: Session, campaign_id: int, identity_id: int, openid: str
                       ) -> tuple[str | None, Claimant, list[Earlier]]:
    """In one query: the campaign's state, the member behind the session with their union's
    path, and their earlier claims on the campaign (a claim's every read, one round trip)."""
    rows = _all(db, "read_context", {"campaign": campaign_id, "identity": identity_id})
    if not rows or rows[0][0] != openid:
        raise Unauthorized("会员登录凭证无效")
    first = rows[0]
    claimant = Claimant(identity_id, openid, first[1], first[2] == MemberState.verified,
                        first[3])
    earlier = [Earlier(row[5], row[6], row[7], row[8], _loaded_json(row[9])) for row in rows
               if row[5] is not None]
    return first[4], claimant, earlier


def claim(db: Session, reader: Session, campaign_id: int, identity_id: int, openid: str,
          request_id: str, answers: dict[str, int] | None = None, *, gate=None,
          public_url: str = "", now: dt.datetime | None = None,
          cache: dict | None = None) -> Outcome:
    """Claim for the member behind (identity, openid); commits `db` before returning.
    With a gate, its first look also counts the rate limits (else the caller counts them).

    On SQLite the reads go through `reader` (outside the write lock, which they would
    otherwise hold longer); on PostgreSQL through `db` itself."""
    if _is_postgres(db):
        reader = db
    if gate is not None:
        facts = facts_of(reader, campaign_id, cache)  # cached: usually no query at all
        _release(db, reader)
        repeated = _enter(gate, reader, facts, identity_id, openid, request_id)
        if repeated is not None:
            return repeated
    for _ in range(MAX_ATTEMPTS):
        state, claimant, earlier = read_claim_context(reader, campaign_id, identity_id, openid)
        if state is None or state == CampaignState.draft:
            raise NotFound(f"没有编号为 {campaign_id} 的活动", field="campaign")
        facts = facts_of(reader, campaign_id, cache)
        gated = gate is not None and facts.kind in GATED_KINDS and gate.available
        if reader is not db or gated:
            # SQLite: hand the reading connection back before writing (a request never
            # holds two at once, and a next attempt reads a fresh snapshot). PostgreSQL with
            # the gate: end the read transaction, so no connection waits on Redis.
            _release(db, reader)
        outcome = _attempt(db, reader, facts, state, claimant, earlier, request_id, answers,
                           gate=gate if gated else None, public_url=public_url,
                           now=now or utcnow())
        if outcome is not None:
            return outcome
    raise Conflict("活动太火爆，请稍后再试", field="request_id")


def _release(db: Session, reader: Session) -> None:
    """End the reads: no transaction (nor, on SQLite, connection) is held afterwards."""
    if reader is db:
        db.rollback()
    else:
        reader.close()


def _enter(gate, reader: Session, facts: Facts, identity_id: int, openid: str,
           request_id: str) -> Outcome | None:
    """The gate's first look: a repeat's stored answer, or None to go on; raises for rate
    limits and sold out (unless the database holds this very request's claim)."""
    found, stored = gate.enter(facts.gate_key, identity_id, openid, request_id,
                               rate_limit=limits.CLAIMS_PER_WINDOW,
                               window_seconds=limits.WINDOW_SECONDS)
    if found == RATE_LIMITED:
        raise errors.TooManyRequests(max(1, math.ceil(stored)))
    if found == REPEAT:
        return Outcome(stored, repeated=True)
    if found == SOLD_OUT:
        return _replay_or(reader, facts, identity_id, request_id, errors.sold_out())
    return None


def _replay_or(reader: Session, facts: Facts, identity_id: int, request_id: str,
               refusal_: errors.CampaignRefusal) -> Outcome:
    """Before the gate turns a claim away: the database's answer to this very request, if it
    has one (the gate may never have learnt it, or forgotten it); else the refusal."""
    row = _first(reader, "stored_answer", {"campaign": facts.id, "identity": identity_id,
                                           "request_id": request_id})
    reader.rollback()
    if row is None:
        raise refusal_
    return Outcome(_earlier(row).replay(), repeated=True)


def _attempt(db, reader, facts: Facts, state: str, claimant: Claimant, earlier: list[Earlier],
             request_id, answers, *, gate, public_url, now) -> Outcome | None:
    """One try at the write; `gate` only when it is to be asked (nothing open meanwhile)."""
    for previous in earlier:
        if previous.request_id == request_id:
            db.rollback()
            return Outcome(previous.replay(), repeated=True)
    problem = refusal(state, facts, facts.allowed_paths, claimant, now)
    if problem is not None:
        raise problem
    if gate is not None:
        found, stored = gate.check_member(facts.gate_key, claimant.member_id, request_id,
                                          facts.per_member_limit)
        if found == REPEAT:
            return Outcome(stored, repeated=True)
        if found in (LIMIT_USED, SOLD_OUT):
            return _replay_or(reader, facts, claimant.identity_id, request_id,
                              errors.already_claimed() if found == LIMIT_USED
                              else errors.sold_out())
    nth = _free_nth(earlier, facts.per_member_limit)
    if nth is None:
        raise errors.already_claimed()
    score = _check_quiz(facts, answers) if facts.kind == Kind.quiz else None
    try:
        with write_turn(db):
            try:
                outcome = TAKE[facts.kind](db, facts, claimant, request_id, nth, score,
                                           public_url=public_url, now=now)
                db.commit()
            except BaseException:
                db.rollback()  # end the write before the next process gets its turn
                raise
    except _integrity_errors(db):
        db.rollback()  # another tap of this member won the race: look again
        return None
    except errors.CampaignRefusal as exc:
        db.rollback()
        if gate is not None and exc.code == "sold_out" and exc.extra.get("certain"):
            gate.learn_sold_out(facts.gate_key)
        exc.extra.pop("certain", None)
        raced = _answered(db, facts.id, claimant.member_id, request_id)
        if raced is not None:  # a double tap took the last one while this one looked
            return Outcome(raced.replay(), repeated=True)
        raise
    if gate is not None:  # committed: Redis is asked with no transaction open
        gate.learn_claim(facts.gate_key, claimant.member_id, claimant.identity_id, request_id,
                         outcome.answer)
    return outcome


@contextlib.contextmanager
def write_turn(db: Session):
    """On SQLite, claims from every process take turns on a file lock before BEGIN
    IMMEDIATE: the kernel wakes the next one the moment the lock is free, where SQLite's
    own busy handler would sleep (up to 100 ms a time) and retry."""
    path = db.bind.url.database if db.bind.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    descriptor = os.open(f"{path}-claims.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _answered(db: Session, campaign_id: int, member_id: int, request_id: str) -> Earlier | None:
    found = _first(db, "answered", {"campaign": campaign_id, "member": member_id,
                                    "request_id": request_id})
    db.rollback()  # release SQLite's write lock at once
    return _earlier(found) if found else None


def _earlier(row) -> Earlier:
    return Earlier(row[0], row[1], row[2], row[3], _loaded_json(row[4]))


def _check_quiz(facts: Facts, answers: dict[str, int] | None) -> int:
    if not answers:
        raise BadRequest("请先答题再提交", field="answers")
    known = {q["id"] for q in facts.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise BadRequest(f"没有这些题目：{', '.join(unknown)}", field="answers")
    right = rules.score(list(facts.questions), answers)
    if right < facts.pass_mark:
        raise errors.QuizFailed(right, facts.pass_mark)
    return right


# --- taking a slot -----------------------------------------------------------------------

def _is_postgres(db: Session) -> bool:
    return db.bind.dialect.name == "postgresql"


def _advisory_lock(db: Session, campaign_id: int) -> None:
    if _is_postgres(db):
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_BASE + campaign_id})


@dataclass
class Taken:
    id: int
    number: int
    amount_fen: int | None
    code: str | None


def take_slot(db: Session, facts) -> Taken | None:
    """A free slot, locked for this transaction, or None when none is left.

    The scan starts at a random slot number: starting at the lowest, every claim would queue
    on the same few rows as they fill up. When every free slot is held by another claim in
    flight, wait for those to finish (they may roll back) rather than answer sold out; never
    wait on a row lock itself: two claims each holding one row and waiting for the other's
    would deadlock."""
    params = {"campaign": facts.id, "start": random.randint(1, max(facts.units, 1))}
    if not _is_postgres(db):  # BEGIN IMMEDIATE: nobody else is writing
        row = _first(db, "free_slot>=", params) or _first(db, "free_slot<", params)
        return Taken(*row) if row else _none_left(db, facts)
    for attempt in range(40):
        for query in ("free_slot>=", "free_slot<"):
            row = _first(db, query, params)
            if row is not None:
                return Taken(*row)
        if not _free_count(db, facts):
            return _none_left(db, facts)
        time.sleep(min(0.002 * (attempt + 1), 0.05))
    raise errors.sold_out()  # still all held after ~1.5 s: say so, but the gate learns nothing


def _none_left(db: Session, facts) -> None:
    """No free slot: because none is left, or because the campaign closed meanwhile."""
    if _state_of(db, facts.id) != CampaignState.open:
        raise errors.not_open()
    return None


def _free_count(db: Session, facts) -> int:
    """Free slots as committed, counting those other claims hold locked right now."""
    return db.scalar(select(func.count()).select_from(Slot).where(
        Slot.campaign_id == facts.id, Slot.claim_id.is_(None))) or 0


def _new_claim(db, facts, claimant, request_id, nth, status, now, *, slot: Taken | None,
               public_url: str, score=None, position_after=False) -> Outcome:
    """Insert the claim (a duplicate (member, nth) or (member, request id) fails here) with
    the answer it gets, and take its slot: no ORM bookkeeping; on PostgreSQL one statement
    (a round trip costs the hub more CPU than the statement costs the database)."""
    answer = answer_for(facts, SimpleNamespace(status=status, id=None, score=score), slot,
                        public_url)
    answer.pop("claim_id")
    stored_now = _stored_time(db, now)
    params = {"campaign": facts.id, "member": claimant.member_id,
              "identity": claimant.identity_id, "request_id": request_id, "nth": nth,
              "status": status, "slot": slot.id if slot else None, "score": score,
              "answer": json.dumps(answer), "now": stored_now}
    if slot is not None and _is_postgres(db):
        claim_id = _first(db, "insert_claim_take_slot", params)[0]
    else:
        claim_id = _first(db, "insert_claim", params)[0]
        if slot is not None:
            _run(db, "take_slot", {"claim": claim_id, "now": stored_now, "slot": slot.id}).close()
    if position_after:
        position = _position(db, facts.id, claim_id)
        answer["position"] = position
        db.execute(update(Claim).where(Claim.id == claim_id).values(answer=answer))
    return Outcome({**answer, "claim_id": claim_id})


def _sold_out_certainly() -> errors.CampaignRefusal:
    refusal_ = errors.sold_out()
    refusal_.extra["certain"] = True  # the gate may learn it (removed before answering)
    return refusal_


def _take_unit(db, facts, claimant, request_id, nth, score, *, public_url, now) -> Outcome:
    """Red packets, vouchers and tickets: one slot or sold out."""
    slot = take_slot(db, facts)
    if slot is None:
        raise _sold_out_certainly()
    return _new_claim(db, facts, claimant, request_id, nth, ClaimStatus.claimed, now,
                      slot=slot, public_url=public_url)


def _take_seat(db, facts, claimant, request_id, nth, score, *, public_url, now) -> Outcome:
    """A course seat, or a place on the waitlist when the seats are gone."""
    _advisory_lock(db, facts.id)
    slot = take_slot(db, facts)
    status = ClaimStatus.claimed if slot is not None else ClaimStatus.waitlisted
    return _new_claim(db, facts, claimant, request_id, nth, status, now, slot=slot,
                      public_url=public_url, position_after=slot is None)


def _take_quiz(db, facts, claimant, request_id, nth, score, *, public_url, now) -> Outcome:
    """A passed quiz: an instant prize by chance while prizes last, or a place in the draw."""
    if facts.quiz_mode == "draw":
        _still_before_the_draw(db, facts.id)
        return _new_claim(db, facts, claimant, request_id, nth, ClaimStatus.passed, now,
                          slot=None, public_url=public_url, score=score)
    lucky = rules.instant_win(facts.seed, f"{claimant.member_id}:{nth}", facts.win_chance or 0)
    slot = take_slot(db, facts) if lucky else None
    status = ClaimStatus.won if slot is not None else ClaimStatus.lost
    return _new_claim(db, facts, claimant, request_id, nth, status, now, slot=slot,
                      public_url=public_url, score=score)


def _still_before_the_draw(db: Session, campaign_id: int) -> None:
    """A place in the draw only while the campaign is open and not drawn: it may have been
    withdrawn, or drawn early (answering closed) since this claim read it. On PostgreSQL the
    row is share-locked until the claim commits, so a draw (which locks it for update) waits
    for this entrant, or this claim waits for the draw and sees it done."""
    row = db.execute(select(Campaign.state, Campaign.drawn_at)
                     .where(Campaign.id == campaign_id).with_for_update(read=True)).first()
    if row is None or row.state != CampaignState.open:
        raise errors.not_open()
    if row.drawn_at is not None:
        raise errors.outside_window("ended")


TAKE = {Kind.red_packet: _take_unit, Kind.voucher: _take_unit, Kind.ticket: _take_unit,
        Kind.course: _take_seat, Kind.quiz: _take_quiz}


def _position(db: Session, campaign_id: int, claim_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Claim).where(
        Claim.campaign_id == campaign_id, Claim.status == ClaimStatus.waitlisted,
        Claim.id <= claim_id)) or 0


def waitlist_position(db: Session, record: Claim) -> int | None:
    if record.status != ClaimStatus.waitlisted:
        return None
    return _position(db, record.campaign_id, record.id)


def qr_url(public_url: str, code: str) -> str:
    return f"{public_url}/mp/v1/codes/{code}/qr.png"


def answer_for(campaign, record, slot, public_url: str, *,
               position: int | None = None) -> dict:
    """What the member is told about a claim (the same shape in claims and welfare lists);
    `campaign` a Campaign or Facts, `slot` a Slot or Taken."""
    answer = {"status": record.status, "claim_id": record.id, "campaign_id": campaign.id,
              "kind": campaign.kind}
    if slot is not None and slot.amount_fen is not None:
        answer["amount_fen"] = slot.amount_fen
    if slot is not None and slot.code:
        answer.update(code=services.pretty_code(slot.code), qr_url=qr_url(public_url, slot.code),
                      valid_until=local_iso(campaign.valid_until))
    if campaign.kind == Kind.course and slot is not None:
        answer["seat"] = slot.number
    if position is not None:
        answer["position"] = position
    if record.score is not None:
        answer["score"] = record.score
    return answer


# --- cancelling a course place -----------------------------------------------------------

def cancel(db: Session, campaign_id: int, identity_id: int, openid: str, *,
           public_url: str = "", now: dt.datetime | None = None) -> dict:
    """Give up a course seat (it passes to the first on the waitlist) or a waitlist place."""
    now = now or utcnow()
    campaign = services.get_campaign(db, campaign_id)
    if campaign.kind != Kind.course:
        raise BadRequest("只有课程报名可以取消", field="campaign")
    claimant = load_claimant(db, identity_id, openid)
    _advisory_lock(db, campaign.id)
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
