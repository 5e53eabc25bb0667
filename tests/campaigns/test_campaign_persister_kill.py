"""The persister killed (SIGKILL, a real `hub campaigns persist` process) between its commit
and its acknowledgement, and at any moment of a run: the next persister writes what was left,
and every claim a member was answered ends up in the database exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from campaign_helpers import request_id

# The shared fixtures, imported by name: tests taking them as arguments are not redefinitions.
# ruff: noqa: F811
from redis_fixtures import config, durable_redis, rush  # noqa: F401
from sqlalchemy import func, select

from hub.campaigns.models import Campaign, Claim, Slot
from hub.campaigns.persister import FAULT_ENV

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not os.environ.get("HUB_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="claims are decided in Redis on PostgreSQL only")


@pytest.fixture
def answered(client, people, campaign, rush):
    """24 claims answered from Redis, none written yet: {claim id: amount}."""
    made = campaign("red_packet", budget_fen=3000, count=30)
    found = {}
    for person in people(24):
        answer = client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=person.headers,
                             json={"request_id": request_id()})
        assert answer.status_code == 200, answer.get_json()
        found[answer.get_json()["claim_id"]] = answer.get_json()["amount_fen"]
    return made["id"], found


def _persist(config, tmp_path, *args, **env) -> subprocess.Popen:
    environment = {**os.environ, "HUB_DATABASE_URL": config.database_url,
                   "HUB_REDIS_URL": config.redis_url, "HUB_SECRET_KEY": config.secret(),
                   "HUB_DEMO": "0", "HUB_RUN_WORKERS": "0", "HUB_AUTO_MIGRATE": "0",
                   "HUB_VAR_DIR": str(tmp_path / "var"), "HUB_PUBLIC_URL": config.public_url,
                   "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen(
        [sys.executable, "-c", "from hub.cli import main; main()", "campaigns", "persist",
         "--idle-ms", "0", *args], env=environment, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _saved(db, campaign_id: int) -> dict[int, int]:
    db.rollback()
    return {claim.id: claim.answer["amount_fen"] for claim in db.scalars(
        select(Claim).where(Claim.campaign_id == campaign_id))}


def _check_exactly_once(db, rush, campaign_id: int, answered: dict[int, int]) -> None:
    assert _saved(db, campaign_id) == answered
    taken = db.execute(select(func.count(Slot.claim_id), func.count(func.distinct(Slot.claim_id)))
                       .where(Slot.campaign_id == campaign_id)).one()
    assert tuple(taken) == (len(answered), len(answered))
    assert rush.lag()["unpersisted"] == 0


def _finish(config, tmp_path) -> None:
    after = _persist(config, tmp_path, "--once")
    assert after.wait(timeout=120) == 0, after.stderr.read().decode()[-2000:]


def test_killed_after_a_commit_and_again_mid_run_nothing_is_lost_or_doubled(
        db, config, tmp_path, rush, answered):
    campaign_id, claims = answered
    # 1. Killed between the commit of its second batch and that batch's acknowledgement.
    killed = _persist(config, tmp_path, "--batch", "5", **{FAULT_ENV: "2"})
    assert killed.wait(timeout=120) == -signal.SIGKILL, killed.stderr.read().decode()[-2000:]
    assert len(_saved(db, campaign_id)) == 10  # two batches committed, the second unacked
    assert rush.lag()["unpersisted"] == 24 - 5
    # 2. The next one takes the unacknowledged batch over, and is killed at some moment.
    running = _persist(config, tmp_path, "--batch", "1")
    deadline = time.monotonic() + 120
    while len(_saved(db, campaign_id)) < 13 and time.monotonic() < deadline:
        time.sleep(0.05)
    running.send_signal(signal.SIGKILL)
    assert running.wait(timeout=30) == -signal.SIGKILL
    assert 13 <= len(_saved(db, campaign_id)) <= 24
    # 3. A third writes the rest: every answered claim once, each slot taken by it alone.
    _finish(config, tmp_path)
    _check_exactly_once(db, rush, campaign_id, claims)


def test_seats_and_their_cancels_survive_a_killed_persister(client, db, config, tmp_path,
                                                           people, campaign, rush):
    import datetime as dt

    from hub.campaigns.gate import campaign_key
    from hub.campaigns.redis_places import Row
    from hub.db import utcnow

    made = campaign("course", account="meizhou", seats=3, place="梅州市职工服务中心",
                    course_starts_at=(utcnow() + dt.timedelta(days=3)).isoformat())
    crowd = people(8, union="mz-meijiang-hospital")
    for person in crowd:
        assert client.post(f"/mp/v1/campaigns/{made['id']}/claim", headers=person.headers,
                           json={"request_id": request_id()}).status_code == 200
    for person in (crowd[0], crowd[4], crowd[1]):  # seats pass on; a waiting one leaves
        assert client.post(f"/mp/v1/campaigns/{made['id']}/cancel",
                           headers=person.headers).status_code == 200
    killed = _persist(config, tmp_path, "--batch", "3", **{FAULT_ENV: "1"})
    assert killed.wait(timeout=120) == -signal.SIGKILL, killed.stderr.read().decode()[-2000:]
    _finish(config, tmp_path)
    ck = campaign_key(made["id"], db.get(Campaign, made["id"]).seed)
    expected = {}
    for raw in rush.redis.hvals(f"{rush.prefix}:c{ck}:rows"):
        row = Row.parse(raw)
        expected[row.entry.claim_id] = (row.status, row.slot.id if row.slot else None)
    db.rollback()
    saved = dict((claim, (status, slot)) for claim, status, slot in db.execute(
        select(Claim.id, Claim.status, Claim.slot_id).where(Claim.campaign_id == made["id"])))
    assert saved == expected and len(saved) == 8
    assert sorted(status for status, _ in saved.values()).count("claimed") == 3
    taken = dict(db.execute(select(Slot.claim_id, Slot.id).where(
        Slot.campaign_id == made["id"], Slot.claim_id.is_not(None))).all())
    assert taken == {claim: slot for claim, (_, slot) in saved.items() if slot is not None}
    assert rush.lag()["unpersisted"] == 0
