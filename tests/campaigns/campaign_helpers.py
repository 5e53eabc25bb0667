"""Helpers shared by the campaign tests: request ids, hammering, publishing, approving (the one
place tests give a campaign its second person), time windows."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import threading
from dataclasses import dataclass

from hub.db import utcnow


@dataclass
class Person:
    identity_id: int
    openid: str
    member_id: int | None
    headers: dict


def request_id() -> str:
    return "req-" + secrets.token_hex(8)


def hammer(app, jobs, threads: int = 50):
    """Run `jobs` (callables taking a test client) on `threads` real threads, all released
    at once; returns their results in order."""
    results: list = [None] * len(jobs)
    barrier = threading.Barrier(min(threads, len(jobs)))
    lock = threading.Lock()
    queue = list(enumerate(jobs))

    def worker():
        client = app.test_client()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        while True:
            with lock:
                if not queue:
                    return
                index, job = queue.pop()
            try:
                results[index] = job(client)
            except Exception as exc:  # noqa: BLE001  (the test looks at every outcome)
                results[index] = exc

    pool = [threading.Thread(target=worker) for _ in range(min(threads, len(jobs)))]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    return results


def publish_post(client, token_for, post_id: int, author: str, reviewer: str | None) -> None:
    publisher = token_for(author)
    if reviewer:
        client.post(f"/api/v1/posts/{post_id}/submit", headers=publisher)
        publisher = token_for(reviewer)
        client.post(f"/api/v1/posts/{post_id}/approve", headers=publisher)
    done = client.post(f"/api/v1/posts/{post_id}/publish", headers=publisher)
    assert done.status_code == 200, done.get_json()


# A second person for each demo account's campaigns: a reviewer or admin of it or above.
APPROVERS = {"dongguan": "dg-reviewer", "meizhou": "gd-admin"}


def approver_for(account: str, creator: str) -> str:
    """A demo user who may approve `creator`'s campaign on `account` (not the creator)."""
    if account.startswith("mz-") or account == "meizhou":
        return "gd-admin" if creator != "gd-admin" else "no-second-person-in-the-demo"
    if account.startswith("dg-") or account == "dongguan":
        return "dg-reviewer" if creator != "dg-reviewer" else "gd-admin"
    return "dg-reviewer" if creator == "gd-admin" else "gd-admin"


def approve_campaign(client, token_for, campaign_id: int, approver: str) -> dict:
    """Approve as `approver`, a second person: the campaign opens if its post is live."""
    done = client.post(f"/api/v1/campaigns/{campaign_id}/approve", headers=token_for(approver),
                       json={})
    assert done.status_code == 200, done.get_json()
    return done.get_json()


def window(hours: float = 2) -> dict:
    now = utcnow()
    return {"starts_at": (now - dt.timedelta(minutes=5)).isoformat(),
            "ends_at": (now + dt.timedelta(hours=hours)).isoformat()}


def start_redis(directory, fsync: str = "always"):
    """A Redis of the test's own on a free 127.0.0.1 port, its append-only file fsynced as
    asked ("always": as claims decided in Redis need): (process, url). Stop it with
    `stop_redis`."""
    import socket
    import subprocess
    import time

    import redis

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--appendonly", "yes", "--appendfsync", fsync, "--save", "", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def stop_redis(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except Exception:  # noqa: BLE001
        process.kill()
