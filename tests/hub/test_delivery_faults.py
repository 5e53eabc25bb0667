"""Faults that lose nothing: real `hub worker` processes killed, crowded, cut off from the
database, or simply not running when a post falls due; and running workers' scheduled jobs
publishing a post once when it falls due."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from hub.accounts.services import get_account
from hub.db import utcnow
from hub.deliveries.models import Delivery, DeliveryAttempt
from hub.outlets.services import bind_outlet

HUB = str(Path(sys.executable).parent / "hub")


def _bind_targets(db, config, receiver, count: int) -> None:
    meizhou = get_account(db, "meizhou")
    for number in range(count):
        bind_outlet(db, meizhou, channel="loopback", key=f"t{number:04d}",
                    name=f"测试屏 {number}", config={"url": receiver.url},
                    hub_secret=config.secret())
    db.commit()


def _publish(client, token_for) -> int:
    headers = token_for("mz-editor")
    post = client.post("/api/v1/posts", headers=headers,
                       json={"account": "meizhou", "title": "故障演练", "body": "x"}).get_json()
    assert client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers).status_code == 200
    return post["id"]


class Workers:
    """`hub worker` processes on the test database; all are killed when the test ends."""

    def __init__(self, database_url: str, tmp_path: Path):
        self.env = dict(os.environ, HUB_DATABASE_URL=database_url, HUB_SECRET_KEY="test-secret",
                        HUB_VAR_DIR=str(tmp_path), HUB_LEASE_SECONDS="2", HUB_POLL_SECONDS="0.05",
                        HUB_WORKER_THREADS="8", HUB_RETRY_BASE_SECONDS="0.1",
                        HUB_RETRY_CAP_SECONDS="0.5")
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, url: str | None = None) -> subprocess.Popen:
        env = dict(self.env, HUB_DATABASE_URL=url) if url else self.env
        log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen([HUB, "worker", "--id", name], env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(database_url, tmp_path):
    running = Workers(database_url, tmp_path)
    yield running
    running.stop_all()


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _states(db) -> dict[str, int]:
    db.rollback()
    rows = db.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
    return dict(rows)


def _each_target_holds_the_post_once(receiver, count: int) -> None:
    items = receiver.store.snapshot()["items"]
    assert sorted(items) == [f"t{n:04d}" for n in range(count)]
    assert all(len(held) == 1 for held in items.values())


def test_a_worker_killed_mid_fan_out_loses_nothing(client, token_for, db, config, receiver,
                                                   workers):
    receiver.store.latency = 0.05
    _bind_targets(db, config, receiver, 120)
    _publish(client, token_for)
    first = workers.start("doomed")
    _wait(lambda: len(receiver.store.snapshot()["items"]) >= 30, 60, "the fan-out to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    states = _states(db)
    assert states.get("delivered", 0) < 120, "the kill came too late to test anything"
    workers.start("rescuer")
    _wait(lambda: _states(db) == {"delivered": 120}, 90, "every delivery to be delivered")
    _each_target_holds_the_post_once(receiver, 120)


def test_three_workers_never_take_the_same_delivery_at_once(client, token_for, db, config,
                                                            receiver, workers):
    # Slow enough that one worker alone would need seconds: all three take part (what they
    # share is up to the machine; that none takes a delivery another holds is not).
    receiver.store.latency = 0.1
    _bind_targets(db, config, receiver, 300)
    names = ("w1", "w2", "w3")
    for name in names:
        workers.start(name)
    _wait(lambda: all("Scheduler started" in workers.log(name) for name in names), 60,
          "all three workers to start")
    _publish(client, token_for)
    _wait(lambda: _states(db) == {"delivered": 300}, 120, "every delivery to be delivered")
    assert receiver.store.snapshot()["overlaps"] == []
    attempts = db.execute(select(DeliveryAttempt.delivery_id, DeliveryAttempt.worker)).all()
    assert len(attempts) == 300, "a delivery was taken more than once"
    _each_target_holds_the_post_once(receiver, 300)


class TcpProxy:
    """A TCP relay to PostgreSQL that can refuse and cut connections, then come back."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener = None
        self.resume()

    def resume(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def pause(self) -> None:
        """Close the listening socket (new connections refused) and cut every open one."""
        self.listener.close()
        with self.lock:
            for conn in self.connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self.connections.clear()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # Shut down before closing: a bare close() while the other direction's thread is
            # blocked in recv() sends no FIN, and PostgreSQL would keep that session (and the
            # rows its open transaction locked) forever.
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()


def test_database_unavailable_for_seconds_loses_nothing(client, token_for, db, config, receiver,
                                                        workers, database_url):
    receiver.store.latency = 0.05
    _bind_targets(db, config, receiver, 150)
    if database_url.startswith("postgresql"):
        url = make_url(database_url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        workers.start("cut-off", url.set(port=proxy.port).render_as_string(hide_password=False))
        outage = proxy.pause, proxy.resume
    else:
        lock_holder = {}

        def take_lock():
            conn = sqlite3.connect(make_url(database_url).database, isolation_level=None)
            conn.execute("BEGIN EXCLUSIVE")
            lock_holder["conn"] = conn

        def release_lock():
            lock_holder["conn"].execute("ROLLBACK")
            lock_holder["conn"].close()

        workers.start("cut-off")
        outage = take_lock, release_lock
    time.sleep(1.0)
    _publish(client, token_for)
    _wait(lambda: len(receiver.store.snapshot()["items"]) >= 20, 60, "delivery to start")
    down, up = outage
    down()
    time.sleep(3)
    up()
    _wait(lambda: _states(db) == {"delivered": 150}, 120, "every delivery after the outage")
    _each_target_holds_the_post_once(receiver, 150)


def test_a_post_that_fell_due_while_nothing_ran_goes_out_at_next_start(
        client, token_for, db, config, receiver, workers):
    _bind_targets(db, config, receiver, 3)
    headers = token_for("mz-editor")
    post = client.post("/api/v1/posts", headers=headers,
                       json={"account": "meizhou", "title": "定时稿", "body": "x"}).get_json()
    at = (utcnow() + dt.timedelta(seconds=1)).isoformat()
    scheduled = client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers,
                            json={"at": at}).get_json()
    assert scheduled["state"] == "scheduled"
    time.sleep(1.5)  # the time passes; no process is running
    assert client.get(f"/api/v1/posts/{post['id']}", headers=headers).get_json()["state"] == \
        "scheduled"
    workers.start("morning")
    _wait(lambda: _states(db) == {"delivered": 3}, 60, "the scheduled post's deliveries")
    assert client.get(f"/api/v1/posts/{post['id']}", headers=headers).get_json()["state"] == \
        "published"
    _each_target_holds_the_post_once(receiver, 3)


def test_running_workers_publish_a_scheduled_post_once_when_it_falls_due(
        client, token_for, db, config, receiver, workers):
    """Every worker runs the scheduled jobs (APScheduler beside its dispatcher); two running
    them at once publish the post once."""
    _bind_targets(db, config, receiver, 3)
    names = ("early", "late")
    for name in names:
        workers.start(name)
    _wait(lambda: all("Scheduler started" in workers.log(name) for name in names), 60,
          "both workers' scheduler to start")
    headers = token_for("mz-editor")
    post = client.post("/api/v1/posts", headers=headers,
                       json={"account": "meizhou", "title": "定时稿", "body": "x"}).get_json()
    at = (utcnow() + dt.timedelta(seconds=2)).isoformat()
    scheduled = client.post(f"/api/v1/posts/{post['id']}/publish", headers=headers,
                            json={"at": at}).get_json()
    assert scheduled["state"] == "scheduled"
    _wait(lambda: _states(db) == {"delivered": 3}, 60, "the scheduled post's deliveries")
    assert client.get(f"/api/v1/posts/{post['id']}", headers=headers).get_json()["state"] == \
        "published"
    went_live = f"scheduler: post {post['id']} go_live"
    assert sum(workers.log(name).count(went_live) for name in names) == 1
    _each_target_holds_the_post_once(receiver, 3)
