"""Claims decided in Redis (HUB_REDIS_URL on PostgreSQL, a Redis of the test's own with
`appendfsync always`): the answers, replays, what members see before the persister wrote the
claims, the persister's batches, stock reloaded when Redis lost its keys, and the refusal of
a Redis that would lose acknowledged claims."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter

import pytest
from campaign_helpers import hammer, request_id, start_redis, stop_redis

# The shared fixtures, imported by name: tests taking them as arguments are not redefinitions.
# ruff: noqa: F811
from redis_fixtures import config, durable_redis, persister, rush  # noqa: F401
from sqlalchemy import func, select

from hub.campaigns import redis_claims
from hub.campaigns.models import Campaign, Claim, Slot
from hub.config import Config, ConfigError
from hub.db import make_session_factory, utcnow

pytestmark = pytest.mark.skipif(
    not os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="claims are decided in Redis on PostgreSQL only")


def _claim(client, campaign_id: int, person, rid: str | None = None):
    return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                       json={"request_id": rid or request_id()})


def _saved(db, campaign_id: int) -> list[Claim]:
    db.rollback()
    return list(db.scalars(select(Claim).where(Claim.campaign_id == campaign_id)))


def test_claims_answered_from_redis_reach_the_database_once(client, db, people, campaign,
                                                            rush, persister):
    made = campaign("red_packet", budget_fen=1000, count=5)
    crowd = people(7)
    rids = [request_id() for _ in crowd]
    answers = [_claim(client, made["id"], person, rid)
               for person, rid in zip(crowd, rids, strict=True)]
    assert Counter(a.status_code for a in answers) == {200: 5, 409: 2}
    assert {a.get_json()["error"] for a in answers if a.status_code == 409} == {"sold_out"}
    won = {person.member_id: a.get_json() for person, a in zip(crowd, answers, strict=True)
           if a.status_code == 200}
    assert sum(answer["amount_fen"] for answer in won.values()) == 1000
    assert _saved(db, made["id"]) == []  # decided in Redis, not written yet
    # The first claim went through Flask (which loaded the stock), its repeat through the
    # lean path: the same bytes.
    winner = crowd[0]
    again = _claim(client, made["id"], winner, rids[0])
    assert again.status_code == 200 and again.get_data() == answers[0].get_data()
    # What the member sees is right at once, from Redis until persisted...
    welfare = client.get("/mp/v1/me/welfare", headers=winner.headers).get_json()
    assert [item["claim_id"] for item in welfare["items"]] == [won[winner.member_id]["claim_id"]]
    mine = client.get(f"/mp/v1/campaigns/{made['id']}", headers=winner.headers).get_json()
    assert [c["claim_id"] for c in mine["my_claims"]] == [won[winner.member_id]["claim_id"]]
    assert mine["stock_left"] == 0 and mine["reason_code"] == "already_claimed"
    assert rush.lag()["unpersisted"] == 5
    # ...and after the persister wrote the claims, the same, from the database.
    assert persister.drain() == 5
    assert persister.drain() == 0
    saved = _saved(db, made["id"])
    assert {c.id: c.member_id for c in saved} == {a["claim_id"]: m for m, a in won.items()}
    slots = db.execute(select(Slot.claim_id, Slot.amount_fen).where(
        Slot.campaign_id == made["id"])).all()
    assert sorted(claim for claim, _ in slots) == sorted(c.id for c in saved)
    assert {c.id: c.answer["amount_fen"] for c in saved} == {
        a["claim_id"]: a["amount_fen"] for a in won.values()}
    assert client.get("/mp/v1/me/welfare", headers=winner.headers).get_json() == welfare
    assert rush.lag()["unpersisted"] == 0
    assert client.get("/healthz").get_json()["claims_unpersisted"] == 0


def _merchant(app) -> int:
    from hub.accounts.services import get_account
    from hub.campaigns import redemption

    with make_session_factory(app.extensions["hub.engine"])() as db:
        merchant = redemption.create_merchant(db, get_account(db, "dongguan"), "东莞影城")
        db.commit()
        return merchant.id


def test_a_member_limit_and_a_closed_campaign_are_judged_with_redis(app, client, people,
                                                                    campaign, rush,
                                                                    token_for):
    made = campaign("voucher", stock=10, face_value_fen=500, merchant_id=_merchant(app),
                    valid_until=(utcnow() + dt.timedelta(days=30)).isoformat(),
                    per_member_limit=2)
    [member] = people(1)
    first, second = _claim(client, made["id"], member), _claim(client, made["id"], member)
    assert first.status_code == second.status_code == 200
    assert first.get_json()["code"] != second.get_json()["code"]
    third = _claim(client, made["id"], member)
    assert third.status_code == 409 and third.get_json()["error"] == "already_claimed"
    rid = request_id()
    [other] = people(1)
    kept = _claim(client, made["id"], other, rid).get_json()
    withdrawn = client.post(f"/api/v1/posts/{made['post_id']}/withdraw",
                            headers=token_for("dg-reviewer"))
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert _claim(client, made["id"], other, rid).get_json() == kept  # its first answer
    refused = _claim(client, made["id"], other)
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_open"


def test_stock_lost_from_redis_is_reloaded_from_the_database(client, db, people, campaign,
                                                             rush, persister):
    made = campaign("red_packet", budget_fen=400, count=4)
    early = people(2)
    rids = [request_id() for _ in early]
    pairs = list(zip(early, rids, strict=True))
    first = [_claim(client, made["id"], p, rid).get_json() for p, rid in pairs]
    persister.drain()
    rush.forget()  # Redis lost the campaign's keys (the claims are in the database)
    assert [_claim(client, made["id"], p, rid).get_json() for p, rid in pairs] == first
    late = [_claim(client, made["id"], p) for p in people(3)]
    assert Counter(a.status_code for a in late) == {200: 2, 409: 1}
    persister.drain()
    saved = _saved(db, made["id"])
    assert len(saved) == 4 and sum(c.answer["amount_fen"] for c in saved) == 400


def test_the_database_path_stays_away_from_slots_redis_holds(client, db, people, campaign,
                                                            rush, writer):
    made = campaign("red_packet", budget_fen=300, count=3)
    [member] = people(1)
    assert _claim(client, made["id"], member).status_code == 200  # loaded into Redis
    with writer() as session:
        assert session.get(Campaign, made["id"]).decided_in == "redis"
    free = db.scalar(select(func.count()).select_from(Slot).where(
        Slot.campaign_id == made["id"], Slot.claim_id.is_(None)))
    assert free == 3  # the database still counts them free; only Redis hands them out


@pytest.mark.parametrize("fsync, accepted, refused", [
    ("everysec", "always", True), ("everysec", "everysec", False), ("always", "always", False)])
def test_a_redis_that_could_lose_claims_is_refused_unless_accepted(
        tmp_path, caplog, fsync, accepted, refused):
    process, url = start_redis(tmp_path, fsync=fsync)
    try:
        settings = Config.from_env({"HUB_REDIS_URL": url, "HUB_REDIS_DURABILITY": accepted,
                                    "HUB_DATABASE_URL": "postgresql://unused"})
        with caplog.at_level(logging.ERROR, logger="hub.campaigns.redis_claims"):
            found = redis_claims.for_config(settings)
        assert (found is None) == refused
        if refused:
            assert "appendfsync everysec" in caplog.text
    finally:
        stop_redis(process)


def test_an_unknown_durability_is_refused_naming_its_variable():
    with pytest.raises(ConfigError, match="HUB_REDIS_DURABILITY"):
        Config.from_env({"HUB_REDIS_DURABILITY": "never"})


def test_concurrent_replays_through_redis_get_their_first_answer(app, people, campaign,
                                                                 rush):
    made = campaign("red_packet", budget_fen=600, count=6)
    crowd = people(10)
    rids = {person.member_id: request_id() for person in crowd}
    jobs = [lambda c, p=person: (p.member_id, _claim(c, made["id"], p, rids[p.member_id]))
            for person in crowd for _ in range(4)]
    results = hammer(app, jobs, threads=20)
    by_member: dict[int, set] = {}
    for member_id, answer in results:
        assert answer.status_code in (200, 409), answer.get_json()
        by_member.setdefault(member_id, set()).add(
            (answer.status_code, answer.get_data(as_text=True)))
    assert all(len(seen) == 1 for seen in by_member.values())
    assert sum(1 for seen in by_member.values() if next(iter(seen))[0] == 200) == 6
