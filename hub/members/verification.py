"""Real-name verification (实名认证) against the rolls, and signing in WeChat identities.

The mini-program backend calls `sign_in` with the openid (and unionid, phone) it got from
WeChat, then `verify` with what the member typed. A match of name and ID number (and the
phone, when one is given and the roll has one) makes the person a verified member of their
grassroots union and has them follow it and its chain up to the province.

Failures slow the one who fails down rather than lock anyone out: they are counted per
WeChat identity (identity, openid, unionid) and per (ID number tried, identity), each with
growing waits (hub/ratelimits.py `Backoff`, counted on the app's rate limits: in Redis, one
count for every web process, when HUB_REDIS_URL is set; else per process). Nothing is counted
per ID number alone, so strangers failing on someone's number never keep its owner from
verifying with the right name and number. A wait is answered 429 with Retry-After. Every
attempt is also recorded in member_verification_attempts (when, under which keys, whether it
matched), for answering a member who asks why they must wait. A failure says the same
thing whatever was wrong, and does the same work whether or not the number is on a roll, so
it tells nobody which field was wrong or whether an ID exists.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import zlib
from dataclasses import dataclass

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.errors import BadRequest, HubError
from hub.members import follows, identity, rebinding
from hub.members.models import Member, MemberIdentity, MemberState, VerificationAttempt
from hub.ratelimits import Backoff, RateLimits, in_words

log = logging.getLogger("hub.members.verification")

WINDOW = dt.timedelta(hours=24)
# Free failures in a day before waits start, per WeChat identity (any numbers) and per
# (number, identity); then 1 minute, doubling, up to 6 hours.
FREE_FAILURES_PER_PERSON = 4
FREE_FAILURES_PER_NUMBER = 2
FIRST_WAIT, LONGEST_WAIT = 60, 6 * 3600
# The one answer to every failure (it tells nobody what was wrong, or whether an ID number is
# on a roll), and so it says what a member who changed WeChat account can do (换绑).
MISMATCH = ("实名信息与会员名册不一致，或已绑定其他微信号。请核对后重试；如更换了微信号，"
            "请先授权手机号（须与名册登记的手机号一致）再认证，或联系所属工会解绑")


class TooManyAttempts(HubError):
    """429 with Retry-After (hub/api.py `error_response` adds the header)."""

    status, code = 429, "too_many_attempts"

    def __init__(self, retry_after: int):
        super().__init__(f"尝试次数过多，请 {in_words(retry_after)}后再试")
        self.retry_after = retry_after


class VerificationFailed(HubError):
    status, code = 400, "verification_failed"


@dataclass
class Outcome:
    """What a verification came to; `error` is what the caller raises after committing."""

    ok: bool
    member: Member | None = None
    error: HubError | None = None

    def raise_for_failure(self) -> Member:
        if self.error is not None:
            raise self.error
        return self.member


def sign_in(db: Session, openid: str, *, unionid: str | None = None,
            phone: str | None = None) -> MemberIdentity:
    """The identity behind a WeChat openid, created on first sign-in. A phone number WeChat
    vouched for (getuserphonenumber) that is on a roll marks that member as registered."""
    if not openid or len(openid) > 64:
        raise BadRequest("缺少有效的 openid", field="openid")
    person = db.scalar(select(MemberIdentity).where(MemberIdentity.openid == openid))
    if person is None:
        person = _first_sign_in(db, openid, unionid)
    elif unionid and not person.unionid:
        person.unionid = unionid
    if phone:
        person.phone = phone
        _register_by_phone(db, phone)
    db.flush()
    return person


def _first_sign_in(db: Session, openid: str, unionid: str | None) -> MemberIdentity:
    """A new identity; when a simultaneous first sign-in (the mini-program's launch and its
    first page both call wx.login) created it a moment ago, that one."""
    try:
        with db.begin_nested():
            person = MemberIdentity(openid=openid, unionid=unionid, created_at=utcnow())
            db.add(person)
            db.flush()
        return person
    except IntegrityError:
        return db.scalar(select(MemberIdentity).where(MemberIdentity.openid == openid))


def _register_by_phone(db: Session, phone: str) -> None:
    """The roll entry with this mobile number counts as registered; when several entries
    share the number (a family phone) none is picked: verification will tell them apart."""
    found = db.scalars(select(Member).where(Member.mobile == phone).limit(2)).all()
    if len(found) == 1 and found[0].registered_at is None:
        member = found[0]
        member.registered_at = member.updated_at = utcnow()
        member.state = MemberState.registered


def _limit_keys(person: MemberIdentity) -> list[str]:
    """The keys a failure of the person counts under; verify adds the (number, person) key."""
    keys = [f"identity:{person.id}", f"openid:{person.openid}"]
    if person.unionid:
        keys.append(f"unionid:{person.unionid}")
    return keys


def _backoffs(limits: RateLimits) -> tuple[Backoff, Backoff]:
    """(per person, per number and person)."""
    return (Backoff(limits, "verification", free=FREE_FAILURES_PER_PERSON, first=FIRST_WAIT,
                    longest=LONGEST_WAIT),
            Backoff(limits, "verification", free=FREE_FAILURES_PER_NUMBER, first=FIRST_WAIT,
                    longest=LONGEST_WAIT))


def _serialise(db: Session, key: str) -> None:
    """Concurrent attempts by one person take turns (until the transaction ends), so none
    slips past the count between its check and its failure being counted (SQLite's BEGIN
    IMMEDIATE already lets one writer in at a time)."""
    if db.bind.dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                   {"k": zlib.crc32(key.encode()) + (0x6D656D << 32)})


def _record(db: Session, keys: list[str], ok: bool) -> None:
    now = utcnow()
    db.add_all(VerificationAttempt(key=key, at=now, ok=ok) for key in keys)
    db.flush()


def _matches(member: Member | None, name: str, phone: str | None) -> bool:
    # Compare in constant time and always compare something, found or not.
    on_roll = member.name if member is not None else "\0"
    same_name = hmac.compare_digest(on_roll.encode(), name.encode())
    same_phone = True
    if phone and member is not None and member.mobile:
        same_phone = hmac.compare_digest(member.mobile.encode(), phone.encode())
    return member is not None and same_name and same_phone


def verify(db: Session, member_identity: MemberIdentity, name: str, id_number: str,
           phone: str | None = None, *, limits: RateLimits,
           keys: identity.IdKeys | None = None) -> Outcome:
    """Check name, ID number (and phone) against the rolls for a signed-in identity; a
    failure counts on `limits` (the app's: `hub.ratelimits.rate_limits()`).

    Records the attempt in `db` without committing: the caller commits, then calls
    `outcome.raise_for_failure()` (or use `verify_and_commit`), so the record stays even
    though the request ends in an error."""
    keys = keys or identity.current_keys()
    person = member_identity
    name = (name or "").strip()
    number = identity.normalise(id_number or "")
    digest = keys.digest(number)  # any string hashes: a malformed number costs the same
    personal = _limit_keys(person)
    pair = f"id:{digest}:identity:{person.id}"
    per_person, per_pair = _backoffs(limits)
    _serialise(db, personal[0])
    wait = max([per_person.wait(key) for key in personal] + [per_pair.wait(pair)])
    if wait:
        return Outcome(False, error=TooManyAttempts(wait))
    member = db.scalar(select(Member).where(Member.id_hash == digest))
    taken = rebinding.bound_elsewhere(member, person)
    moving = taken and rebinding.phone_vouches(member, phone)
    if not name or (taken and not moving) or not _matches(member, name, phone):
        _record(db, personal + [f"id:{digest}"], ok=False)
        for key in personal:
            per_person.failed(key)
        per_pair.failed(pair)
        log.info("verification failed for identity %s", person.id)
        return Outcome(False, error=VerificationFailed(MISMATCH))
    _record(db, personal, ok=True)
    if moving:
        rebinding.rebind(db, member, person)
    _mark_verified(db, person, member)
    log.info("identity %s verified as member %s", person.id, member.id)
    return Outcome(True, member=member)


def verify_and_commit(db: Session, member_identity: MemberIdentity, name: str, id_number: str,
                      phone: str | None = None, *, limits: RateLimits,
                      keys: identity.IdKeys | None = None) -> Member:
    """`verify`, commit (the attempt is recorded either way), and raise when it failed."""
    outcome = verify(db, member_identity, name, id_number, phone, limits=limits, keys=keys)
    db.commit()
    return outcome.raise_for_failure()


def _mark_verified(db: Session, person: MemberIdentity, member: Member) -> None:
    now = utcnow()
    if person.member_id not in (None, member.id):
        # The identity was tied to another roll entry before: that one is released.
        db.execute(update(Member).where(Member.id == person.member_id)
                   .values(openid=None, unionid=None)
                   .execution_options(synchronize_session=False))
    member.openid, member.unionid = person.openid, person.unionid
    member.registered_at = member.registered_at or now
    member.verified_at = member.verified_at or now
    member.state, member.updated_at = MemberState.verified, now
    person.member_id = member.id
    db.flush()
    follows.follow_own_chain(db, person, member)


def member_of(db: Session, person: MemberIdentity) -> Member | None:
    return db.get(Member, person.member_id) if person.member_id else None


def prune_attempts(db: Session, *, keep: dt.timedelta = WINDOW * 2) -> int:
    """Forget attempts older than any window counts (for a daily job); returns how many."""
    result = db.execute(delete(VerificationAttempt).where(
        VerificationAttempt.at < utcnow() - keep))
    return result.rowcount or 0
