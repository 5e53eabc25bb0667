"""The dispatcher: takes due deliveries, calls the outlets in a bounded thread pool, records
what happened. One runs inside `hub run` (embedded) or in each `hub worker` (scale-out).

Threads only call outlets. Taking work and writing outcomes are batched through the database
(one claim transaction for many rows; one recorder thread committing many outcomes at once),
so a slow outlet never holds a transaction and the disk flushes stay few."""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue as queues
import socket
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.exc import DBAPIError, OperationalError

from hub import channels
from hub.channels import DeliveryError, DeliveryJob, TransientError
from hub.config import Config
from hub.deliveries import queue
from hub.deliveries.policy import RetryPolicy

log = logging.getLogger("hub.worker")
DB_ERRORS = (OperationalError, DBAPIError)
GATHER_SECONDS = 0.01  # after a wake-up, let a few more sends finish before claiming again
RECORD_BATCH = 500
# Jobs claimed ahead per channel, as a multiple of its concurrency: the next batch is ready
# while this one is on the wire, so outlets never wait for our bookkeeping.
PREFETCH = 4


class Dispatcher:
    def __init__(self, config: Config, sessions, *, worker_id: str | None = None):
        self.config = config
        self.sessions = sessions
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.policy = RetryPolicy(config.max_attempts, config.retry_base_seconds,
                                  config.retry_cap_seconds)
        self.lease = dt.timedelta(seconds=config.lease_seconds)
        self.pools: dict[str, ThreadPoolExecutor] = {}  # one per channel, sized to its bound
        self.queued: dict[str, int] = defaultdict(int)  # claimed, not yet back from the outlet
        self.unrecorded = 0  # back from the outlet, outcome not yet committed
        self.lanes: dict[str, threading.BoundedSemaphore] = {}
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.wake_event = threading.Event()
        self.outcomes: queues.Queue = queues.Queue()
        self.recorder = threading.Thread(target=self._record_loop, name="recorder", daemon=True)
        self.recorder.start()

    # -- taking work ---------------------------------------------------------------------
    def limit(self, name: str) -> int:
        channel = channels.get_channel(name)
        return min(self.config.concurrency_for(name, channel.max_concurrency),
                   self.config.worker_threads)

    def capacity(self, name: str) -> int:
        with self.lock:
            return max(0, PREFETCH * self.limit(name) - self.queued[name])

    def _pool(self, name: str) -> ThreadPoolExecutor:
        if name not in self.pools:
            self.pools[name] = ThreadPoolExecutor(self.limit(name),
                                                  thread_name_prefix=f"deliver-{name}")
        return self.pools[name]

    def run_once(self) -> int:
        """Take what is due for every channel with free capacity; returns how many taken."""
        taken_total = 0
        for name in channels.channel_names():
            free = self.capacity(name)
            if free == 0:
                continue
            with self.sessions() as db:
                jobs = queue.claim(db, worker=self.worker_id, channel=name, limit=free,
                                   lease=self.lease, policy=self.policy,
                                   public_url=self.config.public_url,
                                   hub_secret=self.config.secret())
            with self.lock:
                self.queued[name] += len(jobs)
            for job in jobs:
                self._pool(name).submit(self._execute, name, job)
            taken_total += len(jobs)
        return taken_total

    def run_forever(self) -> None:
        """Loop until stopped; a database that stops answering is waited out, not fatal."""
        backoff = self.config.poll_seconds
        while not self.stop_event.is_set():
            try:
                taken = self.run_once()
                backoff = self.config.poll_seconds
            except DB_ERRORS as exc:
                log.warning("database unavailable (%s); retrying in %.1fs",
                            type(exc).__name__, backoff)
                taken = 0
                backoff = min(backoff * 2, 5.0)
            if not taken:
                if self.wake_event.wait(backoff):
                    time.sleep(GATHER_SECONDS)
                self.wake_event.clear()

    def stop(self, wait: bool = True) -> None:
        self.stop_event.set()
        self.wake_event.set()
        for pool in list(self.pools.values()):
            pool.shutdown(wait=wait, cancel_futures=not wait)
        self.outcomes.put(None)
        if wait:
            self.recorder.join(timeout=self.config.lease_seconds)

    def wait_idle(self, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not any(self.queued.values()) and not self.unrecorded:
                    return True
            time.sleep(0.01)
        return False

    # -- doing work ----------------------------------------------------------------------
    def _lane(self, key: str) -> threading.BoundedSemaphore:
        with self.lock:
            if key not in self.lanes:
                self.lanes[key] = threading.BoundedSemaphore(self.config.lane_concurrency)
            return self.lanes[key]

    def _execute(self, name: str, job: DeliveryJob) -> None:
        channel = channels.get_channel(name)
        with self._lane(f"{name}:{channel.lane(job.outlet)}"):
            result = self._call(channel, job)
        with self.lock:
            self.queued[name] -= 1
            self.unrecorded += 1
        self.outcomes.put(queue.Outcome(job.delivery_id, job.attempt, job.goal, result))
        self.wake_event.set()

    def _call(self, channel, job: DeliveryJob):
        try:
            if job.goal == "withdraw":
                channel.withdraw(job)
                return None
            if job.goal == "notify":
                return channel.notify(job)
            return channel.deliver(job)
        except DeliveryError as exc:
            return exc
        except Exception as exc:  # an adapter bug must not lose the delivery: retry it
            log.exception("delivery %s: adapter %s raised", job.delivery_id, channel.name)
            return TransientError(f"终端适配器内部错误：{type(exc).__name__}")

    # -- recording -----------------------------------------------------------------------
    def _record_loop(self) -> None:
        while True:
            first = self.outcomes.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < RECORD_BATCH:
                try:
                    item = self.outcomes.get_nowait()
                except queues.Empty:
                    break
                if item is None:
                    self.outcomes.put(None)  # finish this batch, then stop
                    break
                batch.append(item)
            self._record(batch)

    def _record(self, outcomes: list) -> None:
        """Commit a batch of outcomes, waiting out a database outage for up to a lease."""
        deadline = time.monotonic() + self.config.lease_seconds
        delay = 0.2
        while True:
            try:
                with self.sessions() as db:
                    states = queue.record_outcomes(db, outcomes, self.policy)
                break
            except DB_ERRORS:
                if time.monotonic() + delay > deadline:
                    # The rows' leases will run out and another attempt repeats the sends.
                    log.error("could not record %d outcomes; their leases will expire",
                              len(outcomes))
                    states = None
                    break
                time.sleep(delay)
                delay = min(delay * 2, 3.0)
            except Exception:
                log.exception("recording %d outcomes failed; their leases will expire",
                              len(outcomes))
                states = None
                break
        if states:
            for outcome, state in zip(outcomes, states, strict=True):
                log.info("delivery %s: %s", outcome.delivery_id, state)
        with self.lock:
            self.unrecorded -= len(outcomes)
