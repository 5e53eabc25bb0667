"""Course seats: a rush for few seats, the waitlist, cancelling hands the seat on, reminders."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from campaign_helpers import hammer, request_id
from sqlalchemy import select

from hub.campaigns import limits, schedule
from hub.campaigns.models import Claim, Slot
from hub.db import utcnow


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)


def _course(campaign, seats=5, starts_in=dt.timedelta(days=3), **extra):
    return campaign("course", account="meizhou", seats=seats, place="梅州市职工服务中心",
                    course_starts_at=(utcnow() + starts_in).isoformat(), **extra)


def _claim(campaign_id, person):
    def job(client):
        return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                           json={"request_id": request_id()})
    return job


def test_a_rush_for_seats_fills_them_and_queues_the_rest_in_order(app, db, people, campaign):
    made = _course(campaign, seats=5)
    crowd = people(30, union="mz-meijiang-hospital")
    answers = hammer(app, [_claim(made["id"], p) for p in crowd], threads=30)
    statuses = Counter(a.get_json()["status"] for a in answers)
    assert statuses == {"claimed": 5, "waitlisted": 25}, statuses
    seats = sorted(a.get_json()["seat"] for a in answers if a.get_json()["status"] == "claimed")
    assert seats == [1, 2, 3, 4, 5]
    positions = sorted(a.get_json()["position"] for a in answers
                       if a.get_json()["status"] == "waitlisted")
    assert positions == list(range(1, 26))


def test_cancelling_passes_the_seat_to_the_first_waiting(client, db, people, campaign):
    made = _course(campaign, seats=2)
    first, second, third, fourth = people(4, union="mz-meijiang-hospital")
    answers = [_claim(made["id"], p)(client).get_json() for p in (first, second, third, fourth)]
    assert [a["status"] for a in answers] == ["claimed", "claimed", "waitlisted", "waitlisted"]
    cancel = client.post(f"/mp/v1/campaigns/{made['id']}/cancel", headers=first.headers)
    assert cancel.status_code == 200, cancel.get_json()
    assert cancel.get_json()["seat_passed_to_waitlist"] is True
    seen = client.get(f"/mp/v1/campaigns/{made['id']}", headers=third.headers).get_json()
    assert seen["my_claims"][0]["status"] == "claimed"
    assert seen["my_claims"][0]["seat"] == answers[0]["seat"]
    fourth_now = client.get(f"/mp/v1/campaigns/{made['id']}",
                            headers=fourth.headers).get_json()["my_claims"][0]
    assert fourth_now["status"] == "waitlisted" and fourth_now["position"] == 1
    # The waiting one gives up: nobody moves, the seat count stays right.
    assert client.post(f"/mp/v1/campaigns/{made['id']}/cancel",
                       headers=fourth.headers).get_json()["seat_passed_to_waitlist"] is False
    again = client.post(f"/mp/v1/campaigns/{made['id']}/cancel", headers=first.headers)
    assert again.status_code == 409 and again.get_json()["error"] == "conflict"
    # Having cancelled, the first may queue again (their number was given back).
    back = _claim(made["id"], first)(client).get_json()
    assert back["status"] == "waitlisted" and back["position"] == 1
    db.rollback()
    taken = db.scalars(select(Slot.claim_id).where(Slot.campaign_id == made["id"])).all()
    holders = db.scalars(select(Claim.id).where(Claim.campaign_id == made["id"],
                                                Claim.status == "claimed")).all()
    assert sorted(taken) == sorted(holders) and len(holders) == 2


def test_cancels_racing_claims_never_leave_a_seat_empty_while_someone_waits(
        app, db, people, campaign):
    made = _course(campaign, seats=5)
    holders = people(5, union="mz-meijiang-hospital")
    for person in holders:
        assert _claim(made["id"], person)(app.test_client()).get_json()["status"] == "claimed"
    newcomers = people(20, union="mz-meijiang-hospital")

    def cancel(person):
        def job(client):
            return client.post(f"/mp/v1/campaigns/{made['id']}/cancel", headers=person.headers)
        return job

    jobs = [cancel(p) for p in holders] + [_claim(made["id"], p) for p in newcomers]
    answers = hammer(app, jobs, threads=25)
    assert all(a.status_code == 200 for a in answers), [a.get_json() for a in answers]
    db.rollback()
    free = db.scalars(select(Slot.id).where(Slot.campaign_id == made["id"],
                                            Slot.claim_id.is_(None))).all()
    claimed = db.scalars(select(Claim.id).where(Claim.campaign_id == made["id"],
                                                Claim.status == "claimed")).all()
    assert free == [] and len(claimed) == 5


def test_a_seat_given_up_with_nobody_waiting_stays_free(client, people, campaign):
    made = _course(campaign, seats=2)
    [member] = people(1, union="mz-meijiang-hospital")
    assert _claim(made["id"], member)(client).get_json()["seat"] in (1, 2)
    cancel = client.post(f"/mp/v1/campaigns/{made['id']}/cancel", headers=member.headers)
    assert cancel.get_json()["seat_passed_to_waitlist"] is False
    seen = client.get(f"/mp/v1/campaigns/{made['id']}", headers=member.headers).get_json()
    assert seen["stock_left"] == 2 and seen["my_claims"][0]["status"] == "cancelled"


def test_only_courses_can_be_cancelled(client, people, campaign):
    made = campaign("red_packet", budget_fen=100, count=1)
    [member] = people(1)
    answer = client.post(f"/mp/v1/campaigns/{made['id']}/cancel", headers=member.headers)
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_input"


def test_reminders_are_handed_out_once_when_the_course_is_near(app, client, people, campaign):
    soon = _course(campaign, seats=3, starts_in=dt.timedelta(hours=2), remind_minutes=180)
    later = _course(campaign, seats=3, starts_in=dt.timedelta(days=5), remind_minutes=60)
    [member, waiting_elsewhere] = people(2, union="mz-meijiang-hospital")
    _claim(soon["id"], member)(client)
    _claim(later["id"], member)(client)
    sessions = app.extensions["hub.sessions"]
    due = schedule.course_reminders(sessions)
    assert [(d["campaign_id"], d["openid"]) for d in due] == [(soon["id"], member.openid)]
    assert due[0]["place"] == "梅州市职工服务中心"
    assert schedule.course_reminders(sessions) == []
    assert schedule.course_reminders(sessions, utcnow() + dt.timedelta(days=4, hours=23,
                                                                       minutes=30))
