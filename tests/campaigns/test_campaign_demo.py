"""The demo campaigns: a 东莞 red-packet rain and a 梅州 course on published promotions, and
cinema tickets a partner merchant redeems; loading twice changes nothing."""

from __future__ import annotations

from campaign_helpers import request_id
from sqlalchemy import func, select

from hub.campaigns import demo as campaigns_demo
from hub.campaigns import redemption
from hub.campaigns.models import Campaign, Merchant, Slot


def test_demo_campaigns_are_open_and_work_end_to_end(client, writer, people, config, demo,
                                                     token_for):
    for _ in range(2):
        with writer() as db:
            campaigns_demo.load(db, config)
            db.commit()
    with writer() as db:
        found = {c.title: c for c in db.scalars(select(Campaign))}
        assert len(found) == 3 and all(c.state == "open" for c in found.values())
        rain = found[campaigns_demo.RAIN]
        course = found[campaigns_demo.COURSE]
        tickets = found[campaigns_demo.TICKETS]
        assert db.scalar(select(func.sum(Slot.amount_fen)).where(
            Slot.campaign_id == rain.id)) == 1_000_000
        assert db.scalar(select(func.count()).select_from(Slot).where(
            Slot.campaign_id == rain.id)) == 2_000
        assert course.units == 30
        merchant = db.scalar(select(Merchant).where(Merchant.name == campaigns_demo.MERCHANT))
        assert merchant.key_hash is None  # no key until someone issues one with the CLI
        key = redemption.issue_key(db, merchant)
        db.commit()
    [dongguan_member] = people(1)
    [meizhou_member] = people(1, union="mz-meijiang-hospital")
    packet = client.post(f"/mp/v1/campaigns/{rain.id}/claim", headers=dongguan_member.headers,
                         json={"request_id": request_id()})
    assert packet.status_code == 200 and packet.get_json()["amount_fen"] >= 1
    seat = client.post(f"/mp/v1/campaigns/{course.id}/claim", headers=meizhou_member.headers,
                       json={"request_id": request_id()})
    assert seat.get_json()["status"] == "claimed"
    ticket = client.post(f"/mp/v1/campaigns/{tickets.id}/claim",
                         headers=dongguan_member.headers, json={"request_id": request_id()})
    redeemed = client.post("/merchant/v1/redeem", headers={"Authorization": f"Merchant {key}"},
                           json={"code": ticket.get_json()["code"]})
    assert redeemed.status_code == 200, redeemed.get_json()
    welfare = client.get("/api/v1/welfare?account=guangdong",
                         headers=token_for("gd-admin")).get_json()
    assert welfare["total_fen"] == packet.get_json()["amount_fen"] + 3_500
