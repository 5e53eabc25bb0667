"""Course seats and instant quiz prizes decided in Redis (HUB_REDIS_URL on PostgreSQL, a
durable Redis of the tests' own), as red packets are: no seat or prize handed out twice, the
member's limit, a replay's first answer, cancels passing the seat to the first waiting, what
members see before the persister wrote it, and the database once it has, whatever order the
persister meets the entries in."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter

import pytest
from campaign_helpers import hammer, request_id

# The shared fixtures, imported by name: tests taking them as arguments are not redefinitions.
# ruff: noqa: F811
from redis_fixtures import config, durable_redis, persister, rush  # noqa: F401
from sqlalchemy import select
from test_campaign_quiz import QUESTIONS, RIGHT

from hub.campaigns import limits, redis_places
from hub.campaigns.models import Claim, Slot
from hub.db import utcnow
from tests.console.console_support import login

UNION = "mz-meijiang-hospital"
pytestmark = pytest.mark.skipif(
    not os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="claims are decided in Redis on PostgreSQL only")


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)


def _course(campaign, seats: int):
    return campaign("course", account="meizhou", seats=seats, place="梅州市职工服务中心",
                    course_starts_at=(utcnow() + dt.timedelta(days=3)).isoformat())


def _claim(client, campaign_id: int, person, rid: str | None = None, answers=None):
    body = {"request_id": rid or request_id()}
    if answers is not None:
        body["answers"] = answers
    return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                       json=body)


def _cancel(client, campaign_id: int, person):
    return client.post(f"/mp/v1/campaigns/{campaign_id}/cancel", headers=person.headers)


def _mine(client, campaign_id: int, person) -> list[dict]:
    return client.get(f"/mp/v1/campaigns/{campaign_id}",
                      headers=person.headers).get_json()["my_claims"]


def _saved(db, campaign_id: int) -> dict[int, tuple]:
    """{claim id: (member, status, seat number or None)} as the database holds them."""
    db.rollback()
    rows = db.execute(select(Claim.id, Claim.member_id, Claim.status, Slot.number)
                      .outerjoin(Slot, Slot.id == Claim.slot_id)
                      .where(Claim.campaign_id == campaign_id)).all()
    return {claim: (member, status, seat) for claim, member, status, seat in rows}


def _slots_follow_claims(db, campaign_id: int) -> None:
    """Every slot is taken by the one claim holding it, and only by it."""
    taken = dict(db.execute(select(Slot.id, Slot.claim_id).where(
        Slot.campaign_id == campaign_id, Slot.claim_id.is_not(None))).all())
    held = dict(db.execute(select(Claim.slot_id, Claim.id).where(
        Claim.campaign_id == campaign_id, Claim.slot_id.is_not(None))).all())
    assert taken == held


def test_a_rush_for_seats_in_redis_seats_and_queues_once_each(app, client, db, people,
                                                              campaign, rush, persister,
                                                              monkeypatch):
    monkeypatch.setattr(redis_places, "IDS_PER_TOP_UP", 3)  # the id pool runs dry mid-rush
    made = _course(campaign, seats=3)
    crowd = people(10, union=UNION)
    rids = {person.member_id: request_id() for person in crowd}
    jobs = [lambda c, p=person: (p, _claim(c, made["id"], p, rids[p.member_id]))
            for person in crowd]
    answers = {person.member_id: answer.get_json()
               for person, answer in hammer(app, jobs, threads=10)}
    assert Counter(a["status"] for a in answers.values()) == {"claimed": 3, "waitlisted": 7}
    assert sorted(a["seat"] for a in answers.values() if a["status"] == "claimed") == [1, 2, 3]
    assert sorted(a["position"] for a in answers.values()
                  if a["status"] == "waitlisted") == list(range(1, 8))
    assert len({a["claim_id"] for a in answers.values()}) == 10
    assert _saved(db, made["id"]) == {}  # decided in Redis, not written yet
    # A replay gets its first answer; a new request is over the member's limit.
    person = crowd[0]
    again = _claim(client, made["id"], person, rids[person.member_id])
    assert again.status_code == 200 and again.get_json() == answers[person.member_id]
    over = _claim(client, made["id"], person)
    assert over.status_code == 409 and over.get_json()["error"] == "already_claimed"
    assert _mine(client, made["id"], person)[0]["claim_id"] == answers[person.member_id][
        "claim_id"]
    # The persister writes each once, the seats taken by their holders.
    assert persister.drain() == 10
    assert _saved(db, made["id"]) == {
        a["claim_id"]: (member, a["status"], a.get("seat")) for member, a in answers.items()}
    _slots_follow_claims(db, made["id"])
    assert rush.lag()["unpersisted"] == 0


def test_a_seat_given_up_in_redis_passes_to_the_first_waiting(app, client, db, people,
                                                              campaign, rush, persister):
    made = _course(campaign, seats=2)
    first, second, third, fourth = people(4, union=UNION)
    answers = [_claim(client, made["id"], p).get_json() for p in (first, second, third, fourth)]
    assert [a["status"] for a in answers] == ["claimed", "claimed", "waitlisted", "waitlisted"]
    persister.drain()  # the claims are in the database; the cancels are not yet
    cancel = _cancel(client, made["id"], first)
    assert cancel.status_code == 200, cancel.get_json()
    assert cancel.get_json()["seat_passed_to_waitlist"] is True
    # Seen at once, before the persister wrote it.
    assert [(c["status"], c.get("seat")) for c in _mine(client, made["id"], third)] == [
        ("claimed", answers[0]["seat"])]
    assert [(c["status"], c["position"]) for c in _mine(client, made["id"], fourth)] == [
        ("waitlisted", 1)]
    assert _mine(client, made["id"], first)[0]["status"] == "cancelled"
    welfare = client.get("/mp/v1/me/welfare", headers=first.headers).get_json()
    assert welfare["items"] == []
    # The waiting one gives up: nobody moves; nothing left to give up answers a conflict.
    assert _cancel(client, made["id"], fourth).get_json()["seat_passed_to_waitlist"] is False
    again = _cancel(client, made["id"], first)
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    # Having cancelled, the first may queue again (their place number was given back).
    back = _claim(client, made["id"], first).get_json()
    assert back["status"] == "waitlisted" and back["position"] == 1
    # The persister's lag, in /healthz and on the campaign's page in the console.
    health = client.get("/healthz").get_json()
    assert health["claims_unpersisted"] == 4 and health["claims_oldest_unpersisted_seconds"] >= 0
    editor = app.test_client()
    assert login(editor, "mz-editor").status_code == 302
    page = editor.get(f"/console/campaigns/{made['id']}").get_data(as_text=True)
    assert "还有 4 条未写入" in page
    persister.drain()
    page = editor.get(f"/console/campaigns/{made['id']}").get_data(as_text=True)
    assert "已全部写入数据库" in page
    assert _saved(db, made["id"]) == {
        answers[0]["claim_id"]: (first.member_id, "cancelled", None),
        answers[1]["claim_id"]: (second.member_id, "claimed", answers[1]["seat"]),
        answers[2]["claim_id"]: (third.member_id, "claimed", answers[0]["seat"]),
        answers[3]["claim_id"]: (fourth.member_id, "cancelled", None),
        back["claim_id"]: (first.member_id, "waitlisted", None)}
    _slots_follow_claims(db, made["id"])
    assert _mine(client, made["id"], first)[-1]["position"] == 1


def test_entries_written_twice_or_out_of_order_change_nothing_back(client, db, people,
                                                                   campaign, rush, persister):
    made = _course(campaign, seats=1)
    holder, waiting = people(2, union=UNION)
    _claim(client, made["id"], holder)
    _claim(client, made["id"], waiting)
    _cancel(client, made["id"], holder)  # the seat passes on
    _cancel(client, made["id"], waiting)  # and is given up again: back in the stock
    entries = rush.redis.xrange(rush.stream)
    assert len(entries) == 5
    for entry in reversed(entries):  # the latest first, one batch each
        persister._write([entry])
    persister._write(entries)  # and all again, in order
    assert {status for _, status, _ in _saved(db, made["id"]).values()} == {"cancelled"}
    _slots_follow_claims(db, made["id"])
    assert db.scalar(select(Slot.claim_id).where(Slot.campaign_id == made["id"])) is None
    assert persister.drain() == 5
    assert _claim(client, made["id"], people(1, union=UNION)[0]).get_json()["seat"] == 1


def test_instant_prizes_in_redis_never_exceed_the_stock(app, client, db, people, campaign,
                                                        rush, persister):
    made = campaign("quiz", questions=QUESTIONS, pass_mark=3, quiz_mode="instant",
                    win_chance=0.9, prizes=3, face_value_fen=500)
    crowd = people(16)
    rids = {person.member_id: request_id() for person in crowd}
    jobs = [lambda c, p=person: (p, _claim(c, made["id"], p, rids[p.member_id], RIGHT))
            for person in crowd]
    answers = {person.member_id: answer.get_json()
               for person, answer in hammer(app, jobs, threads=16)}
    assert Counter(a["status"] for a in answers.values()) == {"won": 3, "lost": 13}
    assert {a["score"] for a in answers.values()} == {3}
    [member] = people(1)
    failed = _claim(client, made["id"], member, answers={"law": 1, "day": 1, "fee": 1})
    assert failed.status_code == 400 and failed.get_json()["error"] == "quiz_failed"
    someone = crowd[0]
    replay = _claim(client, made["id"], someone, rids[someone.member_id], RIGHT)
    assert replay.get_json() == answers[someone.member_id]
    over = _claim(client, made["id"], someone, answers={"law": 1, "day": 1, "fee": 1})
    assert over.status_code == 409 and over.get_json()["error"] == "already_claimed"
    assert persister.drain() == 16
    saved = _saved(db, made["id"])
    assert Counter(status for _, status, _ in saved.values()) == {"won": 3, "lost": 13}
    assert {claim: status for claim, (_, status, _) in saved.items()} == {
        a["claim_id"]: a["status"] for a in answers.values()}
    _slots_follow_claims(db, made["id"])


def test_seats_reloaded_from_the_database_still_pass_on(client, db, people, campaign, rush,
                                                        persister):
    made = _course(campaign, seats=1)
    holder, waiting = people(2, union=UNION)
    first = _claim(client, made["id"], holder).get_json()
    second = _claim(client, made["id"], waiting).get_json()
    persister.drain()
    rush.forget()  # Redis lost the campaign's keys; the claims are in the database
    assert _cancel(client, made["id"], holder).get_json()["seat_passed_to_waitlist"] is True
    assert _mine(client, made["id"], waiting)[0]["status"] == "claimed"
    over = _claim(client, made["id"], waiting)
    assert over.status_code == 409 and over.get_json()["error"] == "already_claimed"
    persister.drain()
    assert _saved(db, made["id"]) == {
        first["claim_id"]: (holder.member_id, "cancelled", None),
        second["claim_id"]: (waiting.member_id, "claimed", first["seat"])}
    _slots_follow_claims(db, made["id"])
