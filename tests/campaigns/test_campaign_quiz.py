"""Quizzes: pass marks, instant wins within the prize stock, draws at a set time that can be
replayed from the stored seed, and the editor API around them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from campaign_helpers import hammer, request_id
from sqlalchemy import select

from hub.campaigns import limits, rules, schedule
from hub.campaigns.models import Claim
from hub.db import utcnow

QUESTIONS = [
    {"id": "law", "text": "《中华人民共和国工会法》规定，工会是谁自愿结合的工人阶级群众组织？",
     "choices": ["职工", "企业", "政府"], "answer": 0},
    {"id": "day", "text": "国际劳动节是哪一天？", "choices": ["5月1日", "10月1日"], "answer": 0},
    {"id": "fee", "text": "会费按工资的百分之几缴纳？", "choices": ["0.5%", "5%"], "answer": 0},
]
RIGHT = {"law": 0, "day": 0, "fee": 0}


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)


def _answer(campaign_id, person, answers):
    def job(client):
        return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                           json={"request_id": request_id(), "answers": answers})
    return job


def test_failing_the_quiz_can_be_tried_again(client, people, campaign):
    made = campaign("quiz", questions=QUESTIONS, pass_mark=2, quiz_mode="instant",
                    win_chance=1.0, prizes=5, face_value_fen=500)
    assert "answer" not in client.get(f"/mp/v1/campaigns/{made['id']}",
                                      headers=people(1)[0].headers).get_json()["questions"][0]
    [member] = people(1)
    failed = _answer(made["id"], member, {"law": 1, "day": 0, "fee": 1})(client)
    body = failed.get_json()
    assert failed.status_code == 400 and body["error"] == "quiz_failed"
    assert body["score"] == 1 and body["pass_mark"] == 2
    unknown = _answer(made["id"], member, {"nope": 1})(client)
    assert unknown.status_code == 400 and unknown.get_json()["fields"] == {
        "answers": unknown.get_json()["message"]}
    empty = _answer(made["id"], member, None)(client)
    assert empty.status_code == 400
    won = _answer(made["id"], member, RIGHT)(client).get_json()
    assert won["status"] == "won" and won["score"] == 3


def test_instant_wins_never_exceed_the_prizes(app, people, campaign):
    made = campaign("quiz", questions=QUESTIONS, pass_mark=3, quiz_mode="instant",
                    win_chance=0.9, prizes=4)
    crowd = people(30)
    answers = hammer(app, [_answer(made["id"], p, RIGHT) for p in crowd], threads=30)
    statuses = Counter(a.get_json()["status"] for a in answers)
    assert statuses["won"] == 4 and statuses["lost"] == 26, statuses


def test_the_draw_picks_among_those_who_passed_reproducibly(app, client, db, people, campaign,
                                                           token_for):
    now = utcnow()
    made = campaign("quiz", questions=QUESTIONS, pass_mark=3, quiz_mode="draw", prizes=3,
                    face_value_fen=1000, ends_at=(now + dt.timedelta(hours=1)).isoformat(),
                    draw_at=(now + dt.timedelta(hours=2)).isoformat())
    crowd = people(10)
    for person in crowd:
        assert _answer(made["id"], person, RIGHT)(client).get_json()["status"] == "passed"
    early = client.post(f"/api/v1/campaigns/{made['id']}/draw", headers=token_for("dg-editor"))
    assert early.status_code == 409 and "开奖" in early.get_json()["message"]
    sessions = app.extensions["hub.sessions"]
    assert schedule.due_draws(sessions) == []
    assert schedule.due_draws(sessions, now + dt.timedelta(hours=2, seconds=1)) == [made["id"]]
    assert schedule.due_draws(sessions, now + dt.timedelta(hours=3)) == []  # never twice
    db.rollback()
    claims = db.execute(select(Claim.id, Claim.status).where(
        Claim.campaign_id == made["id"])).all()
    winners = sorted(cid for cid, status in claims if status == "won")
    assert len(winners) == 3
    assert {status for _, status in claims} == {"won", "lost"}
    stats = client.get(f"/api/v1/campaigns/{made['id']}/stats",
                       headers=token_for("dg-editor")).get_json()
    assert [w["claim_id"] for w in stats["winners"]] == winners
    assert stats["welfare_value_fen"] == 3000
    seed = client.get(f"/api/v1/campaigns/{made['id']}", headers=token_for("dg-editor")
                      ).get_json()["seed"]
    assert rules.draw(seed, [cid for cid, _ in claims], 3) == winners  # replayable
    mine = client.get(f"/mp/v1/campaigns/{made['id']}", headers=crowd[0].headers).get_json()
    assert mine["my_claims"][0]["status"] in ("won", "lost")


def test_editors_draw_once_answering_closed(client, people, campaign, token_for):
    now = utcnow()
    made = campaign("quiz", questions=QUESTIONS, pass_mark=1, quiz_mode="draw", prizes=1,
                    starts_at=(now - dt.timedelta(hours=2)).isoformat(),
                    ends_at=(now - dt.timedelta(minutes=1)).isoformat(),
                    draw_at=(now + dt.timedelta(days=1)).isoformat())
    drawn = client.post(f"/api/v1/campaigns/{made['id']}/draw", headers=token_for("dg-editor"))
    assert drawn.status_code == 200, drawn.get_json()
    assert drawn.get_json()["winners"] == []
    twice = client.post(f"/api/v1/campaigns/{made['id']}/draw", headers=token_for("dg-editor"))
    assert twice.status_code == 409
    stranger = client.post(f"/api/v1/campaigns/{made['id']}/draw",
                           headers=token_for("mz-editor"))
    assert stranger.status_code == 403
