"""A replayed request id always gets its first answer, however the copies race: in the
database's claim path (no Redis) the member's earlier claims and the request-id lookup are
read in one statement, one snapshot, so a copy never sees the limit used without also seeing
which request used it; a copy that loses a race on the unique keys reads again."""

from __future__ import annotations

import pytest
from campaign_helpers import hammer, request_id

from hub.campaigns import limits


@pytest.fixture(autouse=True)
def _no_rate_limit(monkeypatch):
    monkeypatch.setattr(limits, "CLAIMS_PER_WINDOW", 100_000)


def _tap(campaign_id: int, person, rid: str):
    def job(client):
        answer = client.post(f"/mp/v1/campaigns/{campaign_id}/claim", headers=person.headers,
                             json={"request_id": rid})
        return person.member_id, rid, answer.status_code, answer.get_data(as_text=True)
    return job


@pytest.mark.parametrize("limit", [1, 2])
def test_concurrent_copies_of_a_request_all_get_its_first_answer(app, people, campaign, limit):
    made = campaign("red_packet", budget_fen=800, count=8, per_member_limit=limit)
    crowd = people(8)
    # Each member: one request sent four times at once, and (limit 2) a second one twice.
    jobs = []
    for person in crowd:
        jobs += [_tap(made["id"], person, rid) for rid in [request_id()] * 4]
        if limit == 2:
            jobs += [_tap(made["id"], person, rid) for rid in [request_id()] * 2]
    results = hammer(app, jobs, threads=24)
    seen: dict[str, set] = {}
    for result in results:
        assert not isinstance(result, Exception), result
        _, rid, status, body = result
        assert status in (200, 409), body
        seen.setdefault(rid, set()).add((status, body))
    for rid, answers in seen.items():
        won = {answer for answer in answers if answer[0] == 200}
        # A request that was granted is granted to every copy, with the same body.
        assert not won or answers == won, (rid, answers)
        assert len(won) <= 1, (rid, answers)
    granted = [next(iter(a)) for a in seen.values() if next(iter(a))[0] == 200]
    assert len(granted) == 8  # every packet went, none twice
