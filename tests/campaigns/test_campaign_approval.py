"""Four eyes on campaign money: a campaign opens only once a second person (a reviewer or admin
of its account or above, neither its creator nor an editor of its terms) approved it; a
creator stays inside their own account's posts and their own grants; changes ask again; an
account's ceiling sends large campaigns to the parent's admin."""

from __future__ import annotations

import datetime as dt

from campaign_helpers import approve_campaign, request_id, window

from hub.accounts.services import get_account
from hub.db import utcnow
from hub.users.services import create_user, grant_role


def _create(client, token_for, user, **body):
    return client.post("/api/v1/campaigns", headers=token_for(user),
                       json={"kind": "red_packet", "title": "红包雨", **window(), **body})


def _claim(client, person, campaign_id):
    return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                       json={"request_id": request_id()})


def _audit_actions(client, token_for, campaign_id):
    events = client.get("/api/v1/audit?account=dongguan",
                        headers=token_for("gd-admin")).get_json()["events"]
    return [e["action"] for e in events
            if e["subject_type"] == "campaign" and e["subject_id"] == campaign_id]


def test_a_campaign_on_a_live_post_stays_shut_until_a_second_person_approves(
        client, token_for, promotion, people):
    post_id = promotion("dongguan")
    made = _create(client, token_for, "dg-editor", account="dongguan", post_id=post_id,
                   budget_fen=10_000, count=10)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["state"] == "draft" and body["approval"] == "pending"
    [member] = people(1)
    assert _claim(client, member, body["id"]).status_code == 404
    assert client.get(f"/mp/v1/campaigns/{body['id']}", headers=member.headers
                      ).status_code == 404
    assert client.get(f"/mp/v1/posts/{post_id}", headers=member.headers
                      ).get_json()["campaign_id"] is None
    own = client.post(f"/api/v1/campaigns/{body['id']}/approve", headers=token_for("dg-editor"),
                      json={})
    assert own.status_code == 403 and "审" in own.get_json()["message"]
    approved = approve_campaign(client, token_for, body["id"], "dg-reviewer")
    assert approved["state"] == "open" and approved["approval"] == "approved"
    assert approved["approved_by"] == "dg-reviewer"
    assert _claim(client, member, body["id"]).status_code == 200
    assert client.get(f"/mp/v1/posts/{post_id}", headers=member.headers
                      ).get_json()["campaign_id"] == body["id"]
    again = client.post(f"/api/v1/campaigns/{body['id']}/approve",
                        headers=token_for("gd-admin"), json={})
    assert again.status_code == 409
    assert "campaign.approve" in _audit_actions(client, token_for, body["id"])


def test_the_creator_never_approves_even_as_an_admin(client, token_for, promotion):
    made = _create(client, token_for, "gd-admin", account="dongguan",
                   post_id=promotion("dongguan"), budget_fen=100, count=1).get_json()
    refused = client.post(f"/api/v1/campaigns/{made['id']}/approve",
                          headers=token_for("gd-admin"), json={})
    assert refused.status_code == 403
    assert "不能审批自己" in refused.get_json()["message"]
    assert approve_campaign(client, token_for, made["id"], "dg-reviewer")["state"] == "open"


def test_a_town_author_cannot_spend_the_citys_post_or_reach_beyond_their_grants(
        client, token_for, promotion):
    city_post = promotion("dongguan")
    on_city = _create(client, token_for, "hm-editor", account="dg-humen", post_id=city_post,
                      budget_fen=10_000_000_000, count=200_000)
    assert on_city.status_code == 403 and "post_id" in on_city.get_json()["fields"]
    town_post = promotion("dg-humen")
    wider = _create(client, token_for, "hm-editor", account="dg-humen", post_id=town_post,
                    budget_fen=10_000_000_000, count=200_000, regions=["meizhou", "guangdong"])
    assert wider.status_code == 403
    assert "regions" in wider.get_json()["fields"]
    assert "meizhou" in wider.get_json()["message"]
    inside = _create(client, token_for, "hm-editor", account="dg-humen", post_id=town_post,
                     budget_fen=10_000, count=10, regions=["dg-humen-port"])
    assert inside.status_code == 201 and inside.get_json()["state"] == "draft"


def test_changing_the_terms_after_approval_asks_again_and_stops_claims(
        client, token_for, people, campaign):
    made = campaign("red_packet", budget_fen=10_000, count=10)
    assert made["state"] == "open"
    [member] = people(1)
    later = (utcnow() + dt.timedelta(days=3)).isoformat()
    changed = client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("dg-editor"),
                           json={"ends_at": later, "regions": ["dg-humen"]})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["approval"] == "pending" and changed.get_json()["state"] == "draft"
    assert _claim(client, member, made["id"]).status_code == 404
    # The money is fixed once the packets are split.
    more = client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("dg-editor"),
                        json={"budget_fen": 10_000_000})
    assert more.status_code == 409
    reopened = approve_campaign(client, token_for, made["id"], "dg-reviewer")
    assert reopened["state"] == "open" and reopened["regions"] == ["dg-humen"]
    assert _claim(client, member, made["id"]).status_code == 200
    # Whoever changed the terms is a creator of them: not their approver.
    client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("gd-admin"),
                 json={"per_member_limit": 2})
    own = client.post(f"/api/v1/campaigns/{made['id']}/approve", headers=token_for("gd-admin"),
                      json={})
    assert own.status_code == 403
    assert approve_campaign(client, token_for, made["id"], "dg-reviewer")["state"] == "open"
    assert _audit_actions(client, token_for, made["id"]).count("campaign.approve") == 3


def test_a_change_before_opening_can_raise_the_budget_and_still_needs_approval(
        client, token_for, promotion):
    made = _create(client, token_for, "dg-editor", account="dongguan",
                   post_id=promotion("dongguan", publish=False), budget_fen=1_000, count=10)
    made = approve_campaign(client, token_for, made.get_json()["id"], "dg-reviewer")
    assert made["approval"] == "approved" and made["state"] == "draft"  # post not live yet
    raised = client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("dg-editor"),
                          json={"budget_fen": 1_000_000, "count": 100})
    assert raised.status_code == 200, raised.get_json()
    assert raised.get_json()["approval"] == "pending"
    assert raised.get_json()["budget_fen"] == 1_000_000
    nulled = client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("dg-editor"),
                          json={"budget_fen": None})
    assert nulled.status_code == 400 and "budget_fen" in nulled.get_json()["fields"]


def test_a_rejection_needs_a_note_and_a_change_sends_it_back(client, token_for, promotion):
    made = _create(client, token_for, "dg-editor", account="dongguan",
                   post_id=promotion("dongguan"), budget_fen=1_000, count=10).get_json()
    url = f"/api/v1/campaigns/{made['id']}"
    assert client.post(f"{url}/reject", headers=token_for("dg-reviewer"),
                       json={}).status_code == 400
    rejected = client.post(f"{url}/reject", headers=token_for("dg-reviewer"),
                           json={"note": "金额请先报批"})
    assert rejected.get_json()["approval"] == "rejected"
    assert rejected.get_json()["approval_note"] == "金额请先报批"
    assert client.post(f"{url}/approve", headers=token_for("gd-admin"),
                       json={}).status_code == 409
    client.patch(url, headers=token_for("dg-editor"), json={"count": 5})
    assert client.get(url, headers=token_for("dg-editor")).get_json()["approval"] == "pending"
    assert "campaign.reject" in _audit_actions(client, token_for, made["id"])


def test_above_the_accounts_ceiling_only_the_parents_admin_approves(
        client, token_for, promotion, writer):
    with writer() as db:
        admin = create_user(db, "hm-admin", "hm-admin-password", "虎门管理员")
        grant_role(db, admin, get_account(db, "dg-humen"), "admin")
        db.commit()
    ceiling = {"budget_fen": 500_000, "stock": 1_000}
    assert client.put("/api/v1/accounts/dg-humen/campaign-ceiling",
                      headers=token_for("hm-editor"), json=ceiling).status_code == 403
    set_ = client.put("/api/v1/accounts/dg-humen/campaign-ceiling",
                      headers=token_for("hm-admin"), json=ceiling)
    assert set_.status_code == 200 and set_.get_json()["budget_fen"] == 500_000
    post_id = promotion("dg-humen")
    small = _create(client, token_for, "hm-editor", account="dg-humen", post_id=post_id,
                    budget_fen=100_000, count=100).get_json()
    assert approve_campaign(client, token_for, small["id"], "hm-admin")["state"] == "open"
    large = _create(client, token_for, "hm-editor", account="dg-humen", post_id=post_id,
                    budget_fen=10_000_000, count=100).get_json()
    assert large["approval_needs_admin_of"] == "dongguan"
    for refused_by in ("hm-admin", "dg-reviewer"):
        refused = client.post(f"/api/v1/campaigns/{large['id']}/approve",
                              headers=token_for(refused_by), json={})
        assert refused.status_code == 403 and "上级" in refused.get_json()["message"]
    many = _create(client, token_for, "hm-editor", account="dg-humen", post_id=post_id,
                   budget_fen=100_000, count=5_000).get_json()
    assert client.post(f"/api/v1/campaigns/{many['id']}/approve", headers=token_for("hm-admin"),
                       json={}).status_code == 403
    assert approve_campaign(client, token_for, large["id"], "gd-admin")["state"] == "open"
    shown = client.get("/api/v1/accounts/dg-humen/campaign-ceiling",
                       headers=token_for("hm-editor")).get_json()
    assert shown == {"account": "dg-humen", "budget_fen": 500_000, "stock": 1_000}
