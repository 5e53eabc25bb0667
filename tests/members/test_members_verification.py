"""Real-name verification: a match makes a verified member who follows their union's chain;
every failure looks the same; attempts are limited per identity, openid and ID number."""

from __future__ import annotations

import pytest
from members_helpers import make_number
from sqlalchemy import func, select

from hub.accounts.services import get_account
from hub.members import follows, rolls, verification
from hub.members.models import Member, MemberIdentity, VerificationAttempt
from hub.ratelimits import RateLimits, rate_limits

NUMBER = make_number(501)


@pytest.fixture
def limits() -> RateLimits:
    return RateLimits.in_memory()


@pytest.fixture
def roll(db, demo, keys):
    rows = [(1, ["姓名", "身份证号", "手机号", "基层工会代码", "入会日期"]),
            (2, ["黄小明", NUMBER, "13800005555", "dg-humen-garment", "2020-01-01"]),
            (3, ["林小红", make_number(502), "", "dg-humen-port", ""])]
    rolls.import_roll(db, get_account(db, "dongguan"), rows, keys=keys)
    return db


def _person(db, openid="o-test-1", **kw) -> MemberIdentity:
    person = verification.sign_in(db, openid, **kw)
    db.commit()
    return person


def _attempt(db, person, name, number, keys, phone=None, *, limits):
    outcome = verification.verify(db, person, name, number, phone, limits=limits, keys=keys)
    db.commit()
    return outcome


def test_a_match_verifies_and_follows_the_chain(roll, keys, limits):
    db = roll
    person = _person(db)
    outcome = _attempt(db, person, "黄小明", NUMBER.lower(), keys, limits=limits)
    assert outcome.ok and outcome.error is None
    member = db.scalar(select(Member).where(Member.id == outcome.member.id))
    assert member.state == "verified" and member.verified_at and member.registered_at
    assert member.openid == "o-test-1" and person.member_id == member.id
    chain = [(a.code, own) for a, own in follows.followed(db, person)]
    assert chain == [("guangdong", True), ("dongguan", True), ("dg-humen", True),
                     ("dg-humen-garment", True)]
    # Verifying again is harmless.
    assert _attempt(db, person, "黄小明", NUMBER, keys, limits=limits).ok


def test_failures_look_the_same_whatever_was_wrong(roll, keys, limits):
    db = roll
    person = _person(db)
    answers = []
    for name, number, phone in [("黄小明", make_number(999), None),  # ID not on any roll
                                ("黄大明", NUMBER, None),  # wrong name
                                ("黄小明", NUMBER, "13900000000"),  # wrong phone
                                ("黄小明", "123", None),  # not even a number
                                ("", NUMBER, None)]:
        outcome = _attempt(db, person, name, number, keys, phone, limits=limits)
        assert not outcome.ok
        answers.append((type(outcome.error).__name__, outcome.error.status,
                        outcome.error.to_json()))
    assert len(set(map(repr, answers))) == 1
    assert answers[0][1] == 400 and "fields" not in answers[0][2]
    assert db.scalar(select(Member.state).where(Member.name == "黄小明")) == "imported"


def _fail_until_slowed(db, person, keys, limits, numbers):
    """Fail with wrong names on `numbers` (in turn) until the person must wait."""
    for count in range(1, 20):
        outcome = _attempt(db, person, "错误", numbers[count % len(numbers)], keys,
                           limits=limits)
        if outcome.error.status == 429:
            return count, outcome.error
    raise AssertionError("never slowed down")


def test_failures_slow_the_person_down_even_with_the_right_answer(roll, keys, limits):
    db = roll
    person = _person(db)
    numbers = [make_number(900 + i) for i in range(10)]  # a new number each time
    failures, error = _fail_until_slowed(db, person, keys, limits, numbers)
    assert failures == verification.FREE_FAILURES_PER_PERSON + 2
    assert 0 < error.retry_after <= verification.FIRST_WAIT
    assert "尝试次数过多" in error.message and "分钟" in error.message
    waiting = _attempt(db, person, "黄小明", NUMBER, keys, limits=limits)
    assert not waiting.ok and waiting.error.status == 429
    # The wait is on the person, not the roll entry: its owner may still verify.
    other = _person(db, "o-test-2")
    assert _attempt(db, other, "黄小明", NUMBER, keys, limits=limits).ok


def test_each_further_failure_waits_longer(roll, keys, limits):
    _, per_pair = verification._backoffs(limits)
    waits = []
    for _ in range(verification.FREE_FAILURES_PER_NUMBER + 4):
        per_pair.failed("id:x:identity:1")
        waits.append(per_pair.wait("id:x:identity:1"))
    free = verification.FREE_FAILURES_PER_NUMBER
    assert waits[:free] == [0] * free
    assert waits[free] <= 60 < waits[free + 1] <= 120 < waits[free + 2] <= 240
    assert per_pair.wait("id:x:identity:2") == 0  # someone else trying that number waits not


def test_one_number_tried_again_and_again_slows_down_sooner(roll, keys, limits):
    db = roll
    person = _person(db)
    failures, error = _fail_until_slowed(db, person, keys, limits, [make_number(777)])
    assert failures == verification.FREE_FAILURES_PER_NUMBER + 2
    assert error.status == 429


def test_the_openid_is_limited_across_identities(roll, keys, limits):
    db = roll
    person = _person(db, "o-shared", unionid="u-1")
    numbers = [make_number(900 + i) for i in range(10)]
    for i in range(verification.FREE_FAILURES_PER_PERSON + 1):
        _attempt(db, person, "错误", numbers[i], keys, limits=limits)
    # A second identity row with the same unionid (another app of the same person).
    twin = MemberIdentity(openid="o-other-app", unionid="u-1")
    db.add(twin)
    db.commit()
    assert _attempt(db, twin, "黄小明", NUMBER, keys, limits=limits).error.status == 429


def test_strangers_failing_on_a_number_never_keep_its_owner_out(roll, keys, limits):
    db = roll
    for i in range(30):
        guesser = _person(db, f"o-guess-{i}")
        for _ in range(3):
            _attempt(db, guesser, f"猜{i}", NUMBER, keys, limits=limits)
    owner = _attempt(db, _person(db, "o-real"), "黄小明", NUMBER, keys, limits=limits)
    assert owner.ok and owner.member.name == "黄小明"


def test_a_wait_is_answered_429_with_retry_after(app, client, roll, keys):
    db = roll
    person = _person(db)
    for i in range(verification.FREE_FAILURES_PER_PERSON + 1):
        _attempt(db, person, "错误", make_number(900 + i), keys, limits=rate_limits(app))
    with app.test_request_context():
        from hub.api import error_response

        outcome = _attempt(db, person, "黄小明", NUMBER, keys, limits=rate_limits(app))
        response, status = error_response(outcome.error)
    assert status == 429
    assert 0 < int(response.headers["Retry-After"]) <= verification.FIRST_WAIT
    assert "请" in response.get_json()["message"]


def test_attempts_survive_the_failed_request(app, roll, keys):
    db = roll
    person = _person(db)
    with app.test_request_context(), pytest.raises(verification.VerificationFailed):
        verification.verify_and_commit(db, person, "错误", NUMBER, limits=rate_limits(app))
    db.rollback()  # what a failing request does after the error
    assert db.scalar(select(func.count()).select_from(VerificationAttempt)) == 3
    # The failure counts on the app's limits too: the same number twice more and the person
    # must wait.
    for _ in range(verification.FREE_FAILURES_PER_NUMBER):
        _attempt(db, person, "错误", NUMBER, keys, limits=rate_limits(app))
    assert _attempt(db, person, "黄小明", NUMBER, keys, limits=rate_limits(app)).error.status == 429


def test_a_member_verified_by_someone_else_cannot_be_taken(roll, keys, limits):
    db = roll
    assert _attempt(db, _person(db, "o-first"), "黄小明", NUMBER, keys, limits=limits).ok
    second = _attempt(db, _person(db, "o-second"), "黄小明", NUMBER, keys, limits=limits)
    assert second.error.status == 400
    assert second.error.message == verification.MISMATCH


def test_signing_in_with_the_rolls_phone_registers(roll):
    db = roll
    _person(db, "o-phone", phone="13800005555")
    member = db.scalar(select(Member).where(Member.name == "黄小明"))
    assert member.state == "registered" and member.registered_at and not member.verified_at
    assert verification.sign_in(db, "o-phone").phone == "13800005555"
    with pytest.raises(verification.BadRequest):
        verification.sign_in(db, "")


def test_unfollowing_ones_own_union_is_refused(roll, keys, limits):
    from hub.errors import Conflict

    db = roll
    person = _person(db)
    _attempt(db, person, "黄小明", NUMBER, keys, limits=limits)
    meizhou = get_account(db, "meizhou")
    assert follows.follow(db, person, meizhou) and not follows.follow(db, person, meizhou)
    with pytest.raises(Conflict):
        follows.unfollow(db, person, get_account(db, "dg-humen"))
    assert follows.unfollow(db, person, meizhou)
    db.commit()
    assert "meizhou" not in [a.code for a, _ in follows.followed(db, person)]


def test_old_attempts_are_pruned(roll, keys, limits):
    import datetime as dt

    db = roll
    person = _person(db)
    _attempt(db, person, "错误", NUMBER, keys, limits=limits)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    db.add(VerificationAttempt(key="identity:0", at=old, ok=False))
    db.commit()
    assert verification.prune_attempts(db) == 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(VerificationAttempt)) == 3


def test_a_phone_shared_by_two_roll_entries_registers_neither(db, demo, keys):
    rows = [(1, ["姓名", "身份证号", "手机号", "基层工会代码", "入会日期"]),
            (2, ["父亲", make_number(801), "13600001111", "dg-humen-port", ""]),
            (3, ["女儿", make_number(802), "13600001111", "dg-humen-port", ""])]
    rolls.import_roll(db, get_account(db, "dongguan"), rows, keys=keys)
    _person(db, "o-family", phone="13600001111")
    assert set(db.scalars(select(Member.state))) == {"imported"}
