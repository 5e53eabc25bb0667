"""An edited campaign's terms reach every web process at once: each process keeps a copy of
a campaign's terms for its claims, and an edit made through one process (approved again)
must not leave another claiming on the old window or eligibility until it restarts."""

from __future__ import annotations

import datetime as dt

import pytest
from campaign_helpers import approve_campaign, request_id

from hub import campaigns
from hub.app import create_app
from hub.db import utcnow


@pytest.fixture
def other_process(config, app):
    """A second app on the same database: what another gunicorn worker is."""
    second = create_app(config)
    campaigns.register(second)
    yield second.test_client()
    second.extensions["hub.engine"].dispose()


def _claim(client, campaign_id: int, person):
    return client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                       json={"request_id": request_id()})


def test_a_new_window_applies_in_a_process_that_already_claimed(client, other_process,
                                                                people, campaign, token_for):
    made = campaign("red_packet", budget_fen=1000, count=10)
    first, second = people(2)
    assert _claim(other_process, made["id"], first).status_code == 200  # its copy is made
    later = utcnow() + dt.timedelta(days=1)
    edited = client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("dg-editor"),
                          json={"starts_at": later.isoformat(),
                                "ends_at": (later + dt.timedelta(days=1)).isoformat()})
    assert edited.status_code == 200, edited.get_json()
    approve_campaign(client, token_for, made["id"], "dg-reviewer")
    refused = _claim(other_process, made["id"], second)
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["error"] == "not_started"


def test_narrowed_regions_apply_in_a_process_that_already_claimed(client, other_process,
                                                                  people, campaign,
                                                                  token_for):
    made = campaign("red_packet", account="dongguan", budget_fen=1000, count=10,
                    user="gd-admin", regions=["meizhou"])
    [dongguan_member] = people(1)
    [meizhou_member] = people(1, union="mz-meixian")
    assert _claim(other_process, made["id"], dongguan_member).status_code == 200
    edited = client.patch(f"/api/v1/campaigns/{made['id']}", headers=token_for("gd-admin"),
                          json={"regions": []})
    assert edited.status_code == 200, edited.get_json()
    approve_campaign(client, token_for, made["id"], "dg-reviewer")
    refused = _claim(other_process, made["id"], meizhou_member)
    assert refused.status_code == 403, refused.get_json()
    assert refused.get_json()["error"] == "not_eligible"
