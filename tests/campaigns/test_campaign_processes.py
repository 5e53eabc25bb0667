"""Claims from two web processes at once (gunicorn -w 2 on 127.0.0.1, as deployed): the
database's keys and locks, not anything inside one process, keep the packets right."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from campaign_helpers import request_id
from sqlalchemy import func, select

from hub.campaigns.models import Claim, Slot

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(config, tmp_path):
    """The hub under gunicorn with two sync workers, on the test database."""
    port = _free_port()
    env = {**os.environ, "HUB_DATABASE_URL": config.database_url,
           "HUB_SECRET_KEY": config.secret(), "HUB_RUN_WORKERS": "0", "HUB_DEMO": "0",
           "HUB_AUTO_MIGRATE": "0", "HUB_VAR_DIR": str(tmp_path / "var"),
           "PYTHONPATH": str(ROOT)}
    env.pop("HUB_REDIS_URL", None)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "60", "rush_app:hub()"],
        cwd=ROOT / "bench", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield port
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def _post(port: int, path: str, headers: dict, body: dict) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", path, body=json.dumps(body),
                       headers={**headers, "Content-Type": "application/json"})
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read() or b"{}")


def test_two_processes_never_oversell_nor_answer_a_double_tap_twice(served, db, people,
                                                                     campaign):
    made = campaign("red_packet", budget_fen=9_999, count=60)
    crowd = people(80)
    taps = []
    for person in crowd:
        rid = request_id()
        taps += [(person, rid), (person, rid)]  # every member taps twice, same request id
    results: list = [None] * len(taps)
    lock = threading.Lock()
    order = list(range(len(taps)))

    def worker():
        while True:
            with lock:
                if not order:
                    return
                index = order.pop()
            person, rid = taps[index]
            results[index] = _post(served, f"/mp/v1/campaigns/{made['id']}/claim",
                                   person.headers, {"request_id": rid})

    pool = [threading.Thread(target=worker) for _ in range(40)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    statuses = Counter(status for status, _ in results)
    assert statuses[200] == 120 and statuses[409] == 40, statuses  # 60 winners × 2 taps
    for first, second in zip(results[::2], results[1::2], strict=True):
        assert first == second  # a double tap, answered the same both times
    db.rollback()
    assert db.scalar(select(func.sum(Slot.amount_fen)).where(
        Slot.campaign_id == made["id"], Slot.claim_id.is_not(None))) == 9_999
    assert db.scalar(select(func.count(func.distinct(Claim.member_id))).where(
        Claim.campaign_id == made["id"])) == 60
    assert db.scalar(select(func.count()).select_from(Claim).where(
        Claim.campaign_id == made["id"])) == 60
