"""Smoke: a red-packet campaign on a published promotion, claimed once by a member."""

from campaign_helpers import request_id


def test_red_packet_claimed_once(client, people, campaign):
    made = campaign("red_packet", budget_fen=1000, count=10)
    assert made["state"] == "open", made
    [alice] = people(1)
    rid = request_id()
    first = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=alice.headers,
                        json={"request_id": rid})
    assert first.status_code == 200, first.get_json()
    again = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=alice.headers,
                        json={"request_id": rid})
    assert again.get_json() == first.get_json()
    other = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=alice.headers,
                        json={"request_id": request_id()})
    assert other.status_code == 409 and other.get_json()["error"] == "already_claimed"
    seen = client.get(f"/mp/v1/campaigns/{made['id']}", headers=alice.headers).get_json()
    assert seen["stock_left"] == 9 and seen["eligible"] is False, seen
