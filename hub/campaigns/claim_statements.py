"""Every statement a claim runs, by name, with the rows it gives back typed.

The hot statements are written out once and run on the driver's own cursor: building,
keying and post-processing SQLAlchemy statements on every claim cost more CPU than the
database spends running them. Parameters are named `:name` (SQLite's style; turned into
psycopg's `%(name)s` for PostgreSQL); values are bound as the columns store them
(`stored_time`, JSON as text), and JSON comes back as text (SQLite) or already parsed
(psycopg). The rarer statements (cancels, waitlist positions, a quiz's draw check) stay
SQLAlchemy queries.

Also here, the database's side of taking turns: the SQLite file lock (`write_turn`), the
PostgreSQL advisory lock of a course, and what a refused unique key raises.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.campaigns.models import Campaign, Claim, ClaimStatus, Slot
from hub.members.models import Member, MemberIdentity

ADVISORY_BASE = 0x63616D70 << 24  # "camp": keeps these locks apart from other advisory users
_NAMED = re.compile(r"(?<![:\w]):(\w+)")


# --- the rows ----------------------------------------------------------------------------

class ContextRow(NamedTuple):
    """A claim's every read in one row per earlier claim (one row, claim columns empty,
    when there is none)."""

    openid: str
    member_id: int | None
    member_state: str | None
    union_path: str | None
    campaign_state: str | None
    # When the campaign's current terms were approved: a new value after every edit and
    # re-approval, so it keys each process's copy of the terms (see claims.facts_of).
    terms_approved_at: Any
    decided_in: str | None  # "redis": its slots are Redis's to hand out
    claim_id: int | None
    request_id: str | None
    nth: int | None
    status: str | None
    answer: Any  # JSON: text on SQLite, parsed on PostgreSQL (see `loaded_json`)


class ClaimRow(NamedTuple):
    """A stored claim and its answer."""

    id: int
    request_id: str
    nth: int | None
    status: str
    answer: Any


class SlotRow(NamedTuple):
    """A free slot, locked by the claim that found it."""

    id: int
    number: int
    amount_fen: int | None
    code: str | None


@dataclass(frozen=True)
class NewClaim:
    """The values of a claim about to be inserted (`now` already as `stored_time` gives it)."""

    campaign: int
    member: int
    identity: int
    request_id: str
    nth: int
    status: str
    slot: int | None
    score: int | None
    answer: str  # JSON text
    now: Any


# --- the statements ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)  # hashed by identity: a cheap key on the hot path
class Statement:
    """One hot statement: its SQL with `:name` parameters, for each dialect, and the row type
    it gives back. `postgres_lock` is appended on PostgreSQL only (SQLite has no FOR UPDATE
    and needs none: BEGIN IMMEDIATE lets one writer in at a time)."""

    sql: str
    row: type | None = None
    postgres_lock: str = ""

    def for_dialect(self, dialect: str) -> str:
        if dialect == "sqlite":
            return self.sql
        return _NAMED.sub(r"%(\1)s", self.sql + self.postgres_lock)


READ_CONTEXT = Statement("""
SELECT i.openid, i.member_id, m.state, a.path, k.state, k.approved_at, k.decided_in,
       c.id, c.request_id, c.nth, c.status, c.answer
FROM member_identities i
LEFT JOIN members m ON m.id = i.member_id
LEFT JOIN accounts a ON a.id = m.account_id
LEFT JOIN campaigns k ON k.id = :campaign
LEFT JOIN campaign_claims c ON c.campaign_id = :campaign AND c.member_id = i.member_id
WHERE i.id = :identity""", ContextRow)
_FREE_SLOT = """
SELECT s.id, s.number, s.amount_fen, s.code FROM campaign_slots s
WHERE s.campaign_id = :campaign AND s.claim_id IS NULL AND s.number {bound} :start
  AND EXISTS (SELECT 1 FROM campaigns WHERE id = :campaign AND state = 'open'
              AND decided_in IS NULL)
ORDER BY s.number LIMIT 1"""
_SKIP_LOCKED = " FOR UPDATE OF s SKIP LOCKED"
FREE_SLOT_FROM = Statement(_FREE_SLOT.format(bound=">="), SlotRow, _SKIP_LOCKED)
FREE_SLOT_BEFORE = Statement(_FREE_SLOT.format(bound="<"), SlotRow, _SKIP_LOCKED)
INSERT_CLAIM = Statement("""
INSERT INTO campaign_claims (campaign_id, member_id, identity_id, request_id, nth, status,
                             slot_id, score, answer, created_at, updated_at)
VALUES (:campaign, :member, :identity, :request_id, :nth, :status, :slot, :score, :answer,
        :now, :now)
RETURNING id""")
TAKE_SLOT = Statement(
    "UPDATE campaign_slots SET claim_id = :claim, taken_at = :now WHERE id = :slot")
# Both at once, where the dialect lets a CTE write (PostgreSQL; not SQLite). The slot row is
# already locked by this transaction's FREE_SLOT_*, so the update finds it.
INSERT_CLAIM_TAKE_SLOT = Statement("""
WITH claim AS (
  INSERT INTO campaign_claims (campaign_id, member_id, identity_id, request_id, nth, status,
                               slot_id, score, answer, created_at, updated_at)
  VALUES (:campaign, :member, :identity, :request_id, :nth, :status, :slot, :score, :answer,
          :now, :now)
  RETURNING id, slot_id)
UPDATE campaign_slots SET claim_id = claim.id, taken_at = :now FROM claim
WHERE campaign_slots.id = claim.slot_id
RETURNING claim.id""")
CAMPAIGN_STATE = Statement("SELECT state FROM campaigns WHERE id = :campaign")
# A claim by its unique key (campaign, member, request id).
ANSWERED = Statement("""
SELECT id, request_id, nth, status, answer FROM campaign_claims
WHERE campaign_id = :campaign AND member_id = :member AND request_id = :request_id""",
                     ClaimRow)
# A repeated request the gate would turn away: the member behind the identity, then their
# claim by the unique key (campaign, member, request id): two index lookups, one statement.
STORED_ANSWER = Statement("""
SELECT c.id, c.request_id, c.nth, c.status, c.answer
FROM member_identities i
JOIN campaign_claims c ON c.campaign_id = :campaign AND c.member_id = i.member_id
                      AND c.request_id = :request_id
WHERE i.id = :identity""", ClaimRow)

# Each statement's text per dialect, worked out once.
_SQL = {dialect: {statement: statement.for_dialect(dialect) for statement in (
    READ_CONTEXT, FREE_SLOT_FROM, FREE_SLOT_BEFORE, INSERT_CLAIM, TAKE_SLOT,
    INSERT_CLAIM_TAKE_SLOT, CAMPAIGN_STATE, ANSWERED, STORED_ANSWER)}
    for dialect in ("postgresql", "sqlite")}


# --- running them ------------------------------------------------------------------------

def is_postgres(db: Session) -> bool:
    return db.bind.dialect.name == "postgresql"


def _run(db: Session, statement: Statement, params: dict):
    """Run `statement` on the session's connection (its transaction begun as any other:
    BEGIN IMMEDIATE on a SQLite writer) and hand back the driver's cursor."""
    cursor = db.connection().connection.driver_connection.cursor()
    cursor.execute(_SQL[db.bind.dialect.name][statement], params)
    return cursor


def _first(db: Session, statement: Statement, params: dict):
    cursor = _run(db, statement, params)
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    return statement.row._make(row) if row is not None and statement.row else row


def _all(db: Session, statement: Statement, params: dict) -> list:
    """Every row of one read. On SQLite with no transaction open it runs on a bare pooled
    connection in autocommit: a lone SELECT is its own consistent snapshot there, so the
    session's BEGIN / ROLLBACK pair and bookkeeping would buy nothing."""
    if db.bind.dialect.name != "sqlite" or db.in_transaction():
        cursor = _run(db, statement, params)
        try:
            rows = cursor.fetchall()
        finally:
            cursor.close()
    else:
        connection = db.bind.raw_connection()
        try:
            cursor = connection.driver_connection.cursor()
            cursor.execute(_SQL["sqlite"][statement], params)
            rows = cursor.fetchall()
        finally:
            connection.close()  # back to the pool
    return list(map(statement.row._make, rows))


def read_context(db: Session, campaign_id: int, identity_id: int) -> list[ContextRow]:
    return _all(db, READ_CONTEXT, {"campaign": campaign_id, "identity": identity_id})


def free_slot(db: Session, campaign_id: int, start: int, *, wrapped: bool) -> SlotRow | None:
    """The free slot numbered from `start` up, or (`wrapped`) below it; on PostgreSQL locked,
    skipping those other claims hold."""
    return _first(db, FREE_SLOT_BEFORE if wrapped else FREE_SLOT_FROM,
                  {"campaign": campaign_id, "start": start})


def insert_claim(db: Session, new: NewClaim) -> int:
    """The new claim's id; a duplicate (member, nth) or (member, request id) raises one of
    `integrity_errors`. With a slot, the slot is taken too (on PostgreSQL in the same
    statement: a round trip costs the hub more CPU than the statement costs the database)."""
    params = new.__dict__
    if new.slot is not None and is_postgres(db):
        return _first(db, INSERT_CLAIM_TAKE_SLOT, params)[0]
    claim_id = _first(db, INSERT_CLAIM, params)[0]
    if new.slot is not None:
        _run(db, TAKE_SLOT, {"claim": claim_id, "now": new.now, "slot": new.slot}).close()
    return claim_id


def campaign_state(db: Session, campaign_id: int) -> str | None:
    row = _first(db, CAMPAIGN_STATE, {"campaign": campaign_id})
    return row[0] if row else None


def answered(db: Session, campaign_id: int, member_id: int, request_id: str) -> ClaimRow | None:
    return _first(db, ANSWERED, {"campaign": campaign_id, "member": member_id,
                                 "request_id": request_id})


def stored_answer(db: Session, campaign_id: int, identity_id: int,
                  request_id: str) -> ClaimRow | None:
    return _first(db, STORED_ANSWER, {"campaign": campaign_id, "identity": identity_id,
                                      "request_id": request_id})


# --- values as stored --------------------------------------------------------------------

def stored_time(db: Session, moment: dt.datetime):
    """A UTC time as UTCDateTime stores it: naive UTC; on SQLite SQLAlchemy's text form."""
    naive = moment.astimezone(dt.UTC).replace(tzinfo=None)
    if db.bind.dialect.name == "sqlite":
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f")
    return naive


def loaded_json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def integrity_errors(db: Session) -> tuple[type[Exception], ...]:
    """A unique key refused the write: raised by SQLAlchemy or, for the hot statements,
    by the driver itself."""
    return IntegrityError, db.bind.dialect.dbapi.IntegrityError


# --- the rarer statements ----------------------------------------------------------------

class ClaimantRow(NamedTuple):
    openid: str
    member_id: int | None
    member_state: str | None
    union_path: str | None


def claimant_of(db: Session, identity_id: int) -> ClaimantRow | None:
    """The identity's openid, its member, their roll state and their union's path."""
    row = db.execute(
        select(MemberIdentity.openid, MemberIdentity.member_id, Member.state, Account.path)
        .select_from(MemberIdentity)
        .outerjoin(Member, Member.id == MemberIdentity.member_id)
        .outerjoin(Account, Account.id == Member.account_id)
        .where(MemberIdentity.id == identity_id)).first()
    return ClaimantRow._make(row) if row is not None else None


def free_count(db: Session, campaign_id: int) -> int:
    """Free slots as committed, counting those other claims hold locked right now."""
    return db.scalar(select(func.count()).select_from(Slot).where(
        Slot.campaign_id == campaign_id, Slot.claim_id.is_(None))) or 0


def waitlist_position(db: Session, campaign_id: int, claim_id: int) -> int:
    """How many waitlisted claims of the campaign, this one included, came first."""
    return db.scalar(select(func.count()).select_from(Claim).where(
        Claim.campaign_id == campaign_id, Claim.status == ClaimStatus.waitlisted,
        Claim.id <= claim_id)) or 0


class DrawState(NamedTuple):
    state: str
    drawn_at: dt.datetime | None


def draw_state_shared(db: Session, campaign_id: int) -> DrawState | None:
    """The campaign's state and draw time, the row share-locked until commit on PostgreSQL:
    a draw (which locks it for update) waits for this transaction, or this one for it."""
    row = db.execute(select(Campaign.state, Campaign.drawn_at)
                     .where(Campaign.id == campaign_id).with_for_update(read=True)).first()
    return DrawState._make(row) if row is not None else None


# --- taking turns ------------------------------------------------------------------------

def advisory_lock(db: Session, campaign_id: int) -> None:
    """On PostgreSQL, one course claim or cancel of a campaign at a time (until commit)."""
    if is_postgres(db):
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_BASE + campaign_id})


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
