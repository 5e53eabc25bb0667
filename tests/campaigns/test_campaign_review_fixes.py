"""The review's findings on the campaign engine, each proved: repeats the gate would refuse are
replayed from the database, gate keys belong to one campaign row, Redis is never waited on
inside a transaction and is skipped for a while after it fails, editors' draws take the row
lock, a draw-quiz entry cannot land after the draw, failed reminders are retried, and the
claim's schema says what a repeat gets."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import threading
import time

import pytest
from campaign_helpers import hammer, request_id
from sqlalchemy import select, update

from hub.campaigns import claims, limits, schedule
from hub.campaigns.gate import LIMIT_USED, SOLD_OUT, Gate, campaign_key
from hub.campaigns.models import Campaign, Claim
from hub.db import utcnow

REDIS = os.environ.get("HUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
QUESTIONS = [{"id": "day", "text": "国际劳动节是哪一天？", "choices": ["5月1日", "10月1日"],
              "answer": 0}]


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)


@pytest.fixture
def gate(app):
    made = Gate(REDIS, prefix=f"test:campaigns:{secrets.token_hex(6)}")
    try:
        made.redis.ping()
    except Exception:  # noqa: BLE001  (as the other gate tests: no Redis, no test)
        pytest.skip(f"no Redis at {REDIS}")
    app.extensions["hub.campaigns.gate"] = made
    app.extensions["hub.campaigns.counter"] = made
    yield made
    made.forget()


def _post(client, campaign_id, person, rid=None, **extra):
    return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                       json={"request_id": rid or request_id(), **extra})


def _seed(writer, campaign_id: int) -> str:
    with writer() as db:
        return db.scalar(select(Campaign.seed).where(Campaign.id == campaign_id))


# --- 1. a repeat the gate would refuse gets the database's answer -------------------------

def test_a_repeat_the_gate_forgot_is_replayed_after_the_campaign_sold_out(client, people,
                                                                         campaign, gate):
    made = campaign("red_packet", budget_fen=100, count=1)
    first, late = people(2)
    rid = request_id()
    won = _post(client, made["id"], first, rid)
    assert won.status_code == 200
    gate.forget()  # learn_claim failed, or its keys expired
    assert _post(client, made["id"], late).get_json()["error"] == "sold_out"  # gate learns it
    again = _post(client, made["id"], first, rid)
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == won.get_json()
    other = _post(client, made["id"], first)  # a new request of the same member is refused
    assert other.status_code == 409 and other.get_json()["error"] == "sold_out"


@pytest.mark.parametrize("verdict", [LIMIT_USED, SOLD_OUT])
def test_a_repeat_the_member_gate_refuses_is_replayed(app, client, people, campaign, gate,
                                                      monkeypatch, verdict):
    """A double tap whose read came before the first tap committed, and whose gate check
    came after it (but before, or without, the gate learning the answer)."""
    made = campaign("red_packet", budget_fen=500, count=5)
    [member] = people(1)
    rid = request_id()
    won = _post(client, made["id"], member, rid).get_json()
    gate.forget()
    real_read = claims.read_claim_context

    def stale_read(*args, **kwargs):  # the snapshot from before the first tap's commit
        return real_read(*args, **kwargs)._replace(earlier=[])

    monkeypatch.setattr(claims, "read_claim_context", stale_read)
    monkeypatch.setattr(gate, "check_member", lambda *args: (verdict, None))
    again = _post(client, made["id"], member, rid)
    assert again.status_code == 200 and again.get_json() == won
    refused = _post(client, made["id"], member)
    assert refused.status_code == 409
    assert refused.get_json()["error"] == ("already_claimed" if verdict == LIMIT_USED
                                           else "sold_out")


# --- 2. gate keys belong to one campaign row ----------------------------------------------

def test_another_campaign_with_the_same_id_does_not_sell_this_one_out(client, people,
                                                                     campaign, gate, writer):
    made = campaign("red_packet", budget_fen=300, count=3)
    [member] = people(1)
    rid = request_id()
    # What another deployment sharing this Redis (or this one before a restore) left under
    # the same campaign and member ids.
    stale = campaign_key(made["id"], secrets.token_hex(16))
    gate.learn_sold_out(stale)
    gate.learn_claim(stale, member.member_id, member.identity_id, rid, {"status": "claimed"})
    gate.learn_sold_out(str(made["id"]))  # the old key, by the bare id
    answer = _post(client, made["id"], member, rid)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["campaign_id"] == made["id"] and "claim_id" in answer.get_json()
    mine = campaign_key(made["id"], _seed(writer, made["id"]))
    assert mine != stale and mine != str(made["id"])
    assert gate.redis.hexists(f"{gate.prefix}:c{mine}:m{member.member_id}", rid)


def test_campaign_keys_differ_by_seed():
    assert campaign_key(7, "a" * 32) != campaign_key(7, "b" * 32)
    assert campaign_key(7, "a" * 32).startswith("7.")


# --- 3. Redis trouble never holds the database, and is skipped for a while ----------------

def test_no_gate_call_is_made_while_a_database_connection_is_held(app, client, people,
                                                                  campaign, gate):
    pool = app.extensions["hub.engine"].pool
    baseline = pool.checkedout()
    held: list[tuple[str, int]] = []
    for name in ("enter", "check_member", "learn_claim", "learn_sold_out"):
        real = getattr(gate, name)

        def watched(*args, _real=real, _name=name, **kwargs):
            held.append((_name, pool.checkedout()))
            return _real(*args, **kwargs)

        setattr(gate, name, watched)
    made = campaign("red_packet", budget_fen=200, count=2)
    first, second, late = people(3)
    rid = request_id()
    assert _post(client, made["id"], first, rid).status_code == 200
    assert _post(client, made["id"], first).get_json()["error"] == "already_claimed"
    assert _post(client, made["id"], second).status_code == 200
    assert _post(client, made["id"], late).get_json()["error"] == "sold_out"
    assert _post(client, made["id"], first, rid).status_code == 200
    assert {name for name, _ in held} == {"enter", "check_member", "learn_claim",
                                          "learn_sold_out"}
    assert all(count == baseline for _, count in held), held


def test_claims_go_on_quickly_when_redis_is_down(app, client, people, campaign):
    down = Gate("redis://127.0.0.1:1/0")  # a closed port
    app.extensions["hub.campaigns.gate"] = down
    made = campaign("red_packet", budget_fen=500, count=5)
    crowd = people(6)
    started = time.monotonic()
    answers = [_post(client, made["id"], person) for person in crowd]
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200] * 5 + [409]
    assert answers[-1].get_json()["error"] == "sold_out"
    assert not down.available  # the breaker is open: the next claims skip Redis
    assert elapsed < 3, elapsed


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers: a Redis that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


def test_a_hanging_redis_costs_one_timeout_not_one_per_claim(app, client, people, campaign,
                                                              silent_redis):
    hanging = Gate(silent_redis)
    app.extensions["hub.campaigns.gate"] = hanging
    calls = []
    real_entry = hanging._entry

    def counted(*args, **kwargs):
        calls.append(1)
        return real_entry(*args, **kwargs)

    hanging._entry = counted
    made = campaign("red_packet", budget_fen=600, count=6)
    crowd = people(6)
    started = time.monotonic()
    answers = [_post(client, made["id"], person) for person in crowd]
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [200] * 6
    assert len(calls) == 1  # then the breaker kept every claim away from Redis
    # Without the breaker: two 0.5 s timeouts per claim, 6 s in all.
    assert elapsed < 2.5, elapsed


def test_the_breaker_closes_again_after_its_time(monkeypatch):
    from hub.campaigns import gate as gate_module

    monkeypatch.setattr(gate_module, "BREAK_SECONDS", 0.05)
    broken = Gate("redis://127.0.0.1:1/0")
    assert broken.check_member("1.x", 1, "req-00000001", 1) == (gate_module.PASS, None)
    assert not broken.available
    time.sleep(0.1)
    assert broken.available


# --- 4. editors' draws take the campaign row's lock ---------------------------------------

def _drawable_quiz(campaign, people, client, writer, entrants=4, prizes=2) -> dict:
    """A draw quiz with passed entrants, whose answering has just closed."""
    now = utcnow()
    made = campaign("quiz", questions=QUESTIONS, pass_mark=1, quiz_mode="draw", prizes=prizes,
                    ends_at=(now + dt.timedelta(hours=1)).isoformat(),
                    draw_at=(now + dt.timedelta(days=1)).isoformat())
    for person in people(entrants):
        assert _post(client, made["id"], person, answers={"day": 0}).get_json()["status"] == \
            "passed"
    with writer() as db:
        db.execute(update(Campaign).where(Campaign.id == made["id"])
                   .values(ends_at=now - dt.timedelta(minutes=1)))
        db.commit()
    return made


def test_an_editor_draw_during_another_draw_waits_and_answers_409(app, client, db, people,
                                                                   campaign, token_for,
                                                                   writer):
    made = _drawable_quiz(campaign, people, client, writer)
    answers = []
    with writer() as scheduler:  # the scheduler is drawing: row locked, not yet committed
        schedule.run_draw(scheduler, schedule.lock_for_draw(scheduler, made["id"]),
                          early=True)
        clicker = threading.Thread(target=lambda: answers.append(app.test_client().post(
            f"/api/v1/campaigns/{made['id']}/draw", headers=token_for("dg-editor"))))
        clicker.start()
        time.sleep(0.3)  # the click is waiting on the lock
        scheduler.commit()
    clicker.join(timeout=30)
    [answer] = answers
    assert answer.status_code == 409, answer.get_json()
    assert answer.get_json()["message"] == "已经开过奖了"
    db.rollback()
    statuses = db.scalars(select(Claim.status).where(Claim.campaign_id == made["id"])).all()
    assert sorted(statuses) == ["lost", "lost", "won", "won"]


def test_a_double_click_on_draw_draws_once(app, client, db, people, campaign, token_for,
                                           writer):
    made = _drawable_quiz(campaign, people, client, writer)
    headers = token_for("dg-editor")
    answers = hammer(app, [lambda c: c.post(f"/api/v1/campaigns/{made['id']}/draw",
                                            headers=headers)] * 2, threads=2)
    assert sorted(a.status_code for a in answers) == [200, 409]
    db.rollback()
    statuses = db.scalars(select(Claim.status).where(Claim.campaign_id == made["id"])).all()
    assert sorted(statuses) == ["lost", "lost", "won", "won"]


# --- 5. a draw-quiz entry cannot land after the draw --------------------------------------

def test_a_quiz_entry_that_read_before_an_early_draw_is_refused(client, db, people, campaign,
                                                                writer):
    now = utcnow()
    made = campaign("quiz", questions=QUESTIONS, pass_mark=1, quiz_mode="draw", prizes=1,
                    ends_at=(now + dt.timedelta(hours=1)).isoformat(),
                    draw_at=(now + dt.timedelta(days=1)).isoformat())
    entrant, late = people(2)
    assert _post(client, made["id"], entrant, answers={"day": 0}).status_code == 200
    with writer() as editor:  # drawn "after ends_at" while this claim is still in flight
        schedule.run_draw(editor, schedule.lock_for_draw(editor, made["id"]),
                          now + dt.timedelta(hours=1, seconds=1), early=True)
        editor.commit()
    refused = _post(client, made["id"], late, answers={"day": 0})
    assert refused.status_code == 409 and refused.get_json()["error"] == "ended"
    db.rollback()
    assert db.scalars(select(Claim.status).where(Claim.campaign_id == made["id"])).all() == [
        "won"]


# --- 6. a reminder that failed to send is handed out again --------------------------------

def test_a_reminder_that_was_not_sent_is_handed_out_again(app, client, people, campaign):
    soon = campaign("course", account="meizhou", seats=3, place="梅州市职工服务中心",
                    course_starts_at=(utcnow() + dt.timedelta(hours=1)).isoformat(),
                    remind_minutes=120)
    [member] = people(1, union="mz-meijiang-hospital")
    claimed = _post(client, soon["id"], member).get_json()
    sessions = app.extensions["hub.sessions"]
    [due] = schedule.course_reminders(sessions)
    assert due["claim_id"] == claimed["claim_id"] and due["openid"] == member.openid
    assert schedule.course_reminders(sessions) == []
    assert schedule.reminder_not_sent(sessions, due["claim_id"]) is True
    [again] = schedule.course_reminders(sessions)
    assert again == due
    assert schedule.course_reminders(sessions) == []  # sent this time: once only
    assert schedule.reminder_not_sent(sessions, 10**9) is False


# --- 7. the claim's schema says what a repeat gets ----------------------------------------

def test_the_claim_schema_says_a_repeat_replays_the_first_answer(client):
    document = client.get("/api/openapi.json").get_json()
    claim = document["paths"]["/mp/v1/campaigns/{campaign_id}/claim"]["post"]
    body = claim["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schemas = document["components"]["schemas"]
    described = schemas[body.rsplit("/", 1)[1]]
    assert "第一次的答复" in described["description"] and "my_claims" in \
        described["description"]
    assert "my_claims" in described["properties"]["request_id"]["description"]
    assert "my_claims" in schemas["ClaimAnswer"]["description"]
