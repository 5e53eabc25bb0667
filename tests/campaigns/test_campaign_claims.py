"""Claiming red packets and vouchers under real concurrency, repeated request ids, the
member's limit, and every refusal a member can meet."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from campaign_helpers import hammer, request_id
from sqlalchemy import func, select

from hub.campaigns import limits
from hub.campaigns.models import Claim, Slot
from hub.db import utcnow
from hub.members import sessions


@pytest.fixture
def no_rate_limit(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)


def _claim(campaign_id, person, rid=None, **extra):
    def job(client):
        return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                           json={"request_id": rid or request_id(), **extra})
    return job


def test_a_rush_never_oversells_and_gives_exactly_the_budget(app, db, people, campaign,
                                                             no_rate_limit):
    made = campaign("red_packet", budget_fen=12_345, count=40)
    crowd = people(60)
    answers = hammer(app, [_claim(made["id"], p) for p in crowd], threads=50)
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: 40, 409: 20}, codes
    assert {a.get_json()["error"] for a in answers if a.status_code == 409} == {"sold_out"}
    amounts = [a.get_json()["amount_fen"] for a in answers if a.status_code == 200]
    assert sum(amounts) == 12_345
    db.rollback()
    slots = db.execute(select(Slot.claim_id, Slot.amount_fen).where(
        Slot.campaign_id == made["id"])).all()
    assert all(claim_id is not None for claim_id, _ in slots)
    assert len({claim_id for claim_id, _ in slots}) == 40  # no slot given twice
    assert sum(amount for _, amount in slots) == 12_345
    per_member = db.execute(select(Claim.member_id, func.count()).where(
        Claim.campaign_id == made["id"]).group_by(Claim.member_id)).all()
    assert len(per_member) == 40 and all(n == 1 for _, n in per_member)


def test_one_member_tapping_fast_gets_no_more_than_the_limit(app, db, people, campaign,
                                                             no_rate_limit):
    made = campaign("voucher", stock=30, per_member_limit=2, face_value_fen=2000,
                    merchant_id=_merchant(app), valid_until=_later(30))
    [greedy] = people(1)
    answers = hammer(app, [_claim(made["id"], greedy) for _ in range(40)], threads=40)
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: 2, 409: 38}, codes
    assert {a.get_json()["error"] for a in answers if a.status_code == 409} == {
        "already_claimed"}
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Claim).where(
        Claim.member_id == greedy.member_id)) == 2
    codes_given = [a.get_json()["code"] for a in answers if a.status_code == 200]
    assert len(set(codes_given)) == 2


def test_a_repeated_request_gets_the_first_answer_even_when_raced(app, db, people, campaign,
                                                                  no_rate_limit):
    made = campaign("red_packet", budget_fen=500, count=5)
    [member] = people(1)
    rid = request_id()
    answers = hammer(app, [_claim(made["id"], member, rid) for _ in range(30)], threads=30)
    assert {a.status_code for a in answers} == {200}
    bodies = {str(sorted(a.get_json().items())) for a in answers}
    assert len(bodies) == 1
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Claim).where(
        Claim.campaign_id == made["id"])) == 1


def test_the_repeat_is_answered_after_sell_out_too(client, people, campaign):
    made = campaign("red_packet", budget_fen=100, count=1)
    first, second = people(2)
    rid = request_id()
    won = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=first.headers,
                      json={"request_id": rid})
    late = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=second.headers,
                       json={"request_id": request_id()})
    again = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=first.headers,
                        json={"request_id": rid})
    assert late.status_code == 409 and late.get_json()["error"] == "sold_out"
    assert again.status_code == 200 and again.get_json() == won.get_json()
    assert won.get_json()["amount_fen"] == 100


def _merchant(app) -> int:
    from hub.accounts.services import get_account
    from hub.campaigns import redemption
    from hub.db import make_session_factory

    with make_session_factory(app.extensions["hub.engine"])() as db:
        merchant = redemption.create_merchant(db, get_account(db, "dongguan"), "东莞影城")
        redemption.issue_key(db, merchant)
        db.commit()
        return merchant.id


def _later(days: int) -> str:
    return (utcnow() + dt.timedelta(days=days)).isoformat()


# --- every refusal -----------------------------------------------------------------------

def _error(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"] == code, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body  # Chinese
    return body


def test_refusals_for_who_the_member_is(client, people, campaign, config):
    made = campaign("red_packet", budget_fen=1000, count=10)
    url = f"/mp/v1/campaigns/{made['id']}/claim"
    body = {"request_id": request_id()}
    [unverified] = people(1, verified=False)
    [stranger] = people(1, union="mz-meijiang-hospital")
    [no_roll] = people(1, tied=False)
    _error(client.post(url, headers=unverified.headers, json=body), 403, "unverified")
    _error(client.post(url, headers=no_roll.headers, json=body), 403, "unverified")
    _error(client.post(url, headers=stranger.headers, json=body), 403, "not_eligible")
    _error(client.post(url, json=body), 401, "unauthorized")
    _error(client.post(url, headers={"Authorization": "Member forged.token.value"}, json=body),
           401, "unauthorized")
    other_secret = sessions.issue("not-the-hubs-secret", unverified.identity_id,
                                  unverified.openid)
    _error(client.post(url, headers={"Authorization": f"Member {other_secret}"}, json=body),
           401, "unauthorized")
    ghost = sessions.issue(config.secret(), 999_999, "o-nobody")
    _error(client.post(url, headers={"Authorization": f"Member {ghost}"}, json=body),
           401, "unauthorized")
    seen = client.get(f"/mp/v1/campaigns/{made['id']}", headers=stranger.headers).get_json()
    assert seen["eligible"] is False and seen["reason_code"] == "not_eligible"
    assert "地区" in seen["reason"]


def test_listed_regions_may_claim(client, people, campaign):
    # Beyond 东莞 only someone whose grants reach 梅州 may widen a 东莞 campaign to it.
    made = campaign("red_packet", user="gd-admin", budget_fen=1000, count=10,
                    regions=["mz-meijiang"])
    [guest] = people(1, union="mz-meijiang-hospital")
    answer = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=guest.headers,
                         json={"request_id": request_id()})
    assert answer.status_code == 200, answer.get_json()


def test_refusals_for_when(client, people, campaign):
    now = utcnow()
    soon = campaign("red_packet", budget_fen=1000, count=10,
                    starts_at=(now + dt.timedelta(hours=1)).isoformat(),
                    ends_at=(now + dt.timedelta(hours=2)).isoformat())
    over = campaign("red_packet", budget_fen=1000, count=10,
                    starts_at=(now - dt.timedelta(hours=2)).isoformat(),
                    ends_at=(now - dt.timedelta(hours=1)).isoformat())
    [member] = people(1)
    for made, code in ((soon, "not_started"), (over, "ended")):
        _error(client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=member.headers,
                           json={"request_id": request_id()}), 409, code)
        seen = client.get(f"/mp/v1/campaigns/{made['id']}", headers=member.headers).get_json()
        assert seen["reason_code"] == code and seen["eligible"] is False


def test_refusals_for_what(client, people, campaign, promotion, token_for):
    [member] = people(1)
    draft_post = promotion(publish=False)
    draft = campaign("red_packet", post_id=draft_post, budget_fen=1000, count=10)
    assert draft["state"] == "draft"
    _error(client.post(f"/mp/v1/campaigns/{draft['id']}/claim", headers=member.headers,
                       json={"request_id": request_id()}), 404, "not_found")
    _error(client.get(f"/mp/v1/campaigns/{draft['id']}", headers=member.headers), 404,
           "not_found")
    _error(client.post("/mp/v1/campaigns/987654/claim", headers=member.headers,
                       json={"request_id": request_id()}), 404, "not_found")
    made = campaign("red_packet", budget_fen=1000, count=10)
    url = f"/mp/v1/campaigns/{made['id']}/claim"
    _error(client.post(url, headers=member.headers, json={"request_id": "short"}), 400,
           "invalid_input")
    _error(client.post(url, headers=member.headers, json={}), 400, "invalid_input")
    _error(client.post(url, headers=member.headers, data="{not json",
                       content_type="application/json"), 400, "invalid_input")
    _error(client.post(url, headers=member.headers,
                       json={"request_id": request_id(), "extra": 1}), 400, "invalid_input")
    withdrawn = client.post(f"/api/v1/posts/{made['post_id']}/withdraw",
                            headers=token_for("dg-reviewer"))
    assert withdrawn.status_code == 200, withdrawn.get_json()
    _error(client.post(url, headers=member.headers, json={"request_id": request_id()}), 409,
           "not_open")


def test_too_many_claims_get_429_with_retry_after(client, people, campaign, monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 3)
    made = campaign("red_packet", budget_fen=1000, count=10)
    [member] = people(1)
    url = f"/mp/v1/campaigns/{made['id']}/claim"
    answers = [client.post(url, headers=member.headers, json={"request_id": request_id()})
               for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 409, 409, 429]
    body = _error(answers[-1], 429, "too_many_requests")
    assert int(answers[-1].headers["Retry-After"]) >= 1, body


def test_the_openid_is_limited_even_across_identities(app, client, people, campaign,
                                                     monkeypatch, config):
    """Two sessions naming the same WeChat user share its limit."""
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 2)
    made = campaign("red_packet", budget_fen=1000, count=10)
    [member] = people(1)
    url = f"/mp/v1/campaigns/{made['id']}/claim"
    for _ in range(2):
        client.get(f"/mp/v1/campaigns/{made['id']}", headers=member.headers)
        client.post(url, headers=member.headers, json={"request_id": request_id()})
    counter = app.extensions["hub.campaigns.counter"]
    assert counter.hit(f"openid:{member.openid}", 2, 10) is not None


def test_member_sees_the_campaign_and_their_welfare(client, people, campaign):
    made = campaign("red_packet", budget_fen=3000, count=3, title="东莞红包雨")
    [member] = people(1)
    before = client.get(f"/mp/v1/campaigns/{made['id']}", headers=member.headers).get_json()
    assert before["eligible"] is True and before["reason"] is None
    assert before["reason_code"] is None
    assert before["stock_left"] == 3 and before["my_claims"] == []
    assert before["kind"] == "red_packet" and before["account"]["code"] == "dongguan"
    assert before["starts_at"].endswith("+08:00")
    got = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=member.headers,
                      json={"request_id": request_id()}).get_json()
    after = client.get(f"/mp/v1/campaigns/{made['id']}", headers=member.headers).get_json()
    assert after["stock_left"] == 2 and after["reason_code"] == "already_claimed"
    assert after["my_claims"][0]["amount_fen"] == got["amount_fen"]
    welfare = client.get("/mp/v1/me/welfare", headers=member.headers).get_json()
    assert welfare["items"][0]["title"] == "东莞红包雨"
    assert welfare["total_fen"] == got["amount_fen"]
