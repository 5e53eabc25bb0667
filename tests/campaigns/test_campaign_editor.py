"""Campaigns in the editor API and the console: creating drafts on promotion posts (and what is
refused), opening with the post, closing on withdrawal, figures, welfare rolled up the tree."""

from __future__ import annotations

import re

from campaign_helpers import approve_campaign, publish_post, request_id, window
from sqlalchemy import func, select

from hub.campaigns.models import Slot


def _create(client, token_for, user="dg-editor", **body):
    return client.post("/api/v1/campaigns", headers=token_for(user), json=body)


def test_a_campaign_opens_once_approved_and_its_promotion_is_published(client, db, token_for,
                                                                      promotion):
    post_id = promotion(publish=False)
    made = _create(client, token_for, account="dongguan", post_id=post_id, kind="red_packet",
                   title="百万红包雨", budget_fen=1_000_000, count=2_000, **window())
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["state"] == "draft" and body["stock_left"] == 2_000
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Slot).where(
        Slot.campaign_id == body["id"])) == 0  # nothing split yet
    publish_post(client, token_for, post_id, "dg-editor", "dg-reviewer")
    shown = client.get(f"/api/v1/campaigns/{body['id']}", headers=token_for("dg-editor"))
    assert shown.get_json()["state"] == "draft"  # live post, but nobody approved the money
    assert shown.get_json()["approval"] == "pending"
    approve_campaign(client, token_for, body["id"], "dg-reviewer")
    db.rollback()
    amounts = db.scalars(select(Slot.amount_fen).where(Slot.campaign_id == body["id"])).all()
    assert len(amounts) == 2_000 and sum(amounts) == 1_000_000 and min(amounts) >= 1
    shown = client.get(f"/api/v1/campaigns/{body['id']}", headers=token_for("dg-editor"))
    assert shown.get_json()["state"] == "open"
    listed = client.get("/api/v1/campaigns?account=dongguan", headers=token_for("dg-editor"))
    listed_ids = [c["id"] for c in listed.get_json()["items"]]  # newest first (+ demo ones)
    assert listed_ids[0] == body["id"] and listed_ids.count(body["id"]) == 1
    # Withdrawn and published again: the same packets, never split twice.
    client.post(f"/api/v1/posts/{post_id}/withdraw", headers=token_for("dg-reviewer"))
    assert client.get(f"/api/v1/campaigns/{body['id']}",
                      headers=token_for("dg-editor")).get_json()["state"] == "closed"


def test_what_editors_may_not_create(client, token_for, promotion, demo):
    promo = promotion()
    article = client.post("/api/v1/posts", headers=token_for("dg-editor"), json={
        "account": "dongguan", "title": "普通稿件", "body": "x"}).get_json()["id"]
    base = {"account": "dongguan", "post_id": promo, "kind": "red_packet", "title": "红包",
            **window()}

    def refused(status, field, user="dg-editor", **changes):
        answer = _create(client, token_for, user=user, **{**base, **changes})
        assert answer.status_code == status, answer.get_json()
        if field:
            assert field in answer.get_json().get("fields", {}), answer.get_json()
        return answer.get_json()

    refused(400, "budget_fen", count=10)
    refused(400, "count", budget_fen=100)
    refused(400, "budget_fen", budget_fen=5, count=10)
    refused(400, "post_id", post_id=article, budget_fen=100, count=1)
    refused(404, "post_id", post_id=999_999, budget_fen=100, count=1)
    refused(400, "ends_at", budget_fen=100, count=1, ends_at=base["starts_at"])
    refused(400, "regions", budget_fen=100, count=1, regions=["no-such-account"])
    refused(400, "kind", kind="lottery")
    refused(400, "merchant_id", kind="voucher", stock=5, face_value_fen=100, merchant_id=42,
            valid_until="2030-01-01T00:00:00")
    refused(400, "questions", kind="quiz", pass_mark=1, quiz_mode="instant", win_chance=0.5,
            prizes=1, questions=[{"text": "x", "choices": ["a", "b"], "answer": 5}])
    refused(400, "draw_at", kind="quiz", pass_mark=1, quiz_mode="draw", prizes=1,
            questions=[{"text": "x", "choices": ["a", "b"], "answer": 1}],
            draw_at=base["starts_at"])
    refused(403, None, user="mz-editor", budget_fen=100, count=1)
    refused(403, None, user="dg-reviewer", budget_fen=100, count=1)
    # A town runs campaigns on its own promotions, never on its city's (nor its city's money).
    refused(403, "post_id", user="hm-editor", account="dg-humen", budget_fen=100, count=1)
    unauthenticated = client.post("/api/v1/campaigns", json=base)
    assert unauthenticated.status_code == 401


def test_figures_and_welfare_roll_up_the_tree(client, people, campaign, token_for, writer,
                                              promotion):
    from hub.accounts.services import get_account
    from hub.campaigns import redemption

    city = campaign("red_packet", budget_fen=10_000, count=4, title="东莞红包雨")
    with writer() as db:
        merchant = redemption.create_merchant(db, get_account(db, "dongguan"), "虎门影城")
        key = redemption.issue_key(db, merchant)
        db.commit()
        merchant_id = merchant.id
    town = campaign("ticket", account="dg-humen", user="hm-editor", stock=3,
                    face_value_fen=3_500, merchant_id=merchant_id,
                    valid_until="2031-01-01T00:00:00", title="虎门电影票")
    crowd = people(3)
    given = 0
    for person in crowd:
        given += client.post(f"/mp/v1/campaigns/{city['id']}/claim", headers=person.headers,
                             json={"request_id": request_id()}).get_json()["amount_fen"]
    codes = [client.post(f"/mp/v1/campaigns/{town['id']}/claim", headers=p.headers,
                         json={"request_id": request_id()}).get_json()["code"] for p in crowd]
    client.post("/merchant/v1/redeem", headers={"Authorization": f"Merchant {key}"},
                json={"code": codes[0]})
    figures = client.get(f"/api/v1/campaigns/{town['id']}/stats",
                         headers=token_for("dg-editor")).get_json()
    assert figures["stock_left"] == 0 and figures["taken"] == 3 and figures["redeemed"] == 1
    assert figures["redemption_rate"] == round(1 / 3, 4)
    assert figures["welfare_value_fen"] == 3_500
    assert sum(row["claims"] for row in figures["claims_by_hour"]) == 3
    packets = client.get(f"/api/v1/campaigns/{city['id']}/stats",
                         headers=token_for("dg-editor")).get_json()
    assert packets["given_fen"] == given and packets["stock_left"] == 1
    welfare = client.get("/api/v1/welfare?account=dongguan",
                         headers=token_for("dg-editor")).get_json()
    assert welfare["total_fen"] == given + 3_500
    assert welfare["own_fen"] == given
    assert welfare["children"] == [{"code": "dg-humen", "name": "虎门镇总工会",
                                    "value_fen": 3_500}]
    province = client.get("/api/v1/welfare?account=guangdong",
                          headers=token_for("gd-admin")).get_json()
    assert province["children"][0]["code"] == "dongguan"
    assert province["children"][0]["value_fen"] == given + 3_500
    assert client.get("/api/v1/welfare?account=dongguan",
                      headers=token_for("mz-editor")).status_code == 403


def test_console_shows_welfare_with_an_svg_chart_and_no_inline_script(client, campaign,
                                                                      people, demo):
    made = campaign("red_packet", budget_fen=5_000, count=5, title="红包雨")
    [member] = people(1)
    client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=member.headers,
                json={"request_id": request_id()})
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/console/login", data={"username": "dg-editor",
                                        "password": "gonghui-demo-2026", "csrf_token": token})
    listing = client.get("/console/a/dongguan/campaigns")
    assert listing.status_code == 200, listing.text[:500]
    assert "送达福利价值" in listing.text and "红包雨" in listing.text
    assert "<svg" in listing.text and "<script" not in listing.text
    assert " style=" not in listing.text
    one = client.get(f"/console/campaigns/{made['id']}")
    assert one.status_code == 200 and "每小时参与人次" in one.text and "<svg" in one.text
    assert "已审批" in one.text
    assert client.get("/console/campaigns/999999").status_code == 404


def test_the_campaign_endpoints_are_in_the_openapi_document(client, app):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    claim = paths["/mp/v1/campaigns/{campaign_id}/claim"]["post"]
    assert claim["security"] == [{"member": []}]
    assert {"409", "429"} <= set(claim["responses"])
    assert "/api/v1/campaigns" in paths and "/merchant/v1/redeem" in paths
    assert "/mp/v1/me/welfare" in paths


def test_qr_images_only_for_well_formed_codes(client):
    assert client.get("/mp/v1/codes/abc/qr.png").status_code == 404
    good = client.get("/mp/v1/codes/ABCDEFGHJKMN/qr.png")
    assert good.status_code == 200 and good.mimetype == "image/png"
