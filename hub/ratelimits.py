"""Rate limits on Flask-Limiter: console logins, LED screens' polls, real-name verification;
and `Backoff`, the growing waits after failed logins and verifications.

`init_rate_limits` (called by the app factory) sets Flask-Limiter up on the app, with its
storage in HUB_REDIS_URL's Redis when that is set, so every web process counts the same
attempts; otherwise in the process's memory, where each of N processes counts on its own.

None of the three limits is a route decorator's: failed logins only (a success clears the
name's count), polls per screen at the screen's own interval before Flask has the request,
failed verifications per person and per ID number inside the members module. So they count
through `RateLimits` on the moving-window limiter Flask-Limiter built over its storage.
Flask-Limiter's request hooks cost every Flask request about 40-90 µs of CPU (measured with
no limit declared); the paths that carry the load (LED polls, the lean claim path) answer
before Flask and do not pay it.

If Redis stops answering, the counts go on in the process's memory (as Flask-Limiter's
in-memory fallback does), with a warning, and move back to Redis once it answers: a login or
a poll never fails because the counting store is down. The campaign claim gate keeps its own
Redis scripts (hub/campaigns/gate.py).
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from hub.config import Config

EXTENSION = "hub.rate_limits"
NAMESPACE = "hub"  # first part of every key, so the hub's counts are told apart in a shared Redis
RETRY_STORAGE_AFTER = 30  # seconds on the fallback before Redis is asked again

log = logging.getLogger(__name__)


class RateLimits:
    """Counts under rules such as "5 per 15 minutes", one count per key (a tuple of strings).

    Counted on `limiter`; while its storage fails, on a limiter in this process's memory."""

    def __init__(self, limiter: RateLimiter, storage):
        self._limiter, self._storage = limiter, storage
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._fallback_until = 0.0  # time.monotonic() until which the fallback counts

    @classmethod
    def in_memory(cls) -> RateLimits:
        """Counts of their own, outside any app: the demo loader, tests of a module alone."""
        storage = MemoryStorage()
        return cls(MovingWindowRateLimiter(storage), storage)

    def _ask(self, method: str, *args):
        if time.monotonic() >= self._fallback_until:
            try:
                return getattr(self._limiter, method)(*args)
            except StorageError as exc:
                log.warning("rate-limit storage unreachable (%s); counting in memory for %d s",
                            type(exc.storage_error).__name__, RETRY_STORAGE_AFTER)
                self._fallback_until = time.monotonic() + RETRY_STORAGE_AFTER
        return getattr(self._fallback, method)(*args)

    def wait(self, rule: str, *key: str) -> int:
        """Whole seconds until one more count under `rule` is allowed for `key`; 0: now."""
        item = parse(rule)
        if self._ask("test", item, NAMESPACE, *key):
            return 0
        reset_at = self._ask("get_window_stats", item, NAMESPACE, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def hit(self, rule: str, *key: str) -> bool:
        """Count one for `key`; False (and nothing counted) when `rule` allows no more."""
        return self._ask("hit", parse(rule), NAMESPACE, *key)

    def clear(self, rule: str, *key: str) -> None:
        self._ask("clear", parse(rule), NAMESPACE, *key)

    def count(self, rule: str, *key: str) -> int:
        """How many counts `key` has under `rule` in its window now."""
        item = parse(rule)
        stats = self._ask("get_window_stats", item, NAMESPACE, *key)
        return item.amount - stats.remaining

    def forget_all(self) -> None:
        """Drop every count in the storage (tests; never on a shared Redis in production)."""
        self._storage.reset()


def init_rate_limits(app: Flask, config: Config) -> RateLimits:
    """Flask-Limiter on `app`, counting in HUB_REDIS_URL's Redis or in memory; the hub's
    three limits count on its limiter (`rate_limits()`)."""
    limiter = Limiter(_client_address, app=app, strategy="moving-window",
                      storage_uri=config.redis_url or "memory://", key_prefix=NAMESPACE,
                      storage_options={"wrap_exceptions": True},
                      in_memory_fallback_enabled=True, swallow_errors=True)
    limits = RateLimits(limiter.limiter, limiter.storage)
    app.extensions[EXTENSION] = limits
    return limits


def _client_address() -> str:
    return request.remote_addr or "unknown"


def rate_limits(app: Flask | None = None) -> RateLimits:
    """The rate limits of `app` (default: the current app)."""
    return (app or current_app).extensions[EXTENSION]


class Backoff:
    """Growing waits instead of a lock-out: the first `free` failures of a key in a day cost
    nothing; each one after that makes the next attempt wait, `first` seconds and twice as
    long each time, up to `longest`. A success (or an admin) clears the key.

    Counted on RateLimits, so the waits are shared through Redis like the other limits: the
    day's failures under one rule, and the wait since the latest failure under a rule "1 per
    <that wait>", which the next attempt tests."""

    COUNT_RULE = "1000 per 24 hours"

    def __init__(self, limits: RateLimits, name: str, *, free: int, first: int, longest: int):
        self.limits, self.name = limits, name
        self.free, self.first, self.longest = free, first, longest

    def delay_after(self, failures: int) -> int:
        """Seconds the next attempt waits after `failures` failures in the window."""
        if failures <= self.free:
            return 0
        return min(self.longest, self.first * 2 ** min(failures - self.free - 1, 30))

    def _delays(self) -> list[int]:
        return sorted({self.delay_after(n) for n in range(self.free + 1, self.free + 32)})

    def wait(self, *key: str) -> int:
        """Whole seconds until `key` may try again; 0: now."""
        delay = self.delay_after(self.limits.count(self.COUNT_RULE, self.name, "failures", *key))
        if not delay:
            return 0
        return self.limits.wait(f"1 per {delay} seconds", self.name, "since", *key)

    def failed(self, *key: str) -> int:
        """Count a failure of `key`; returns the seconds its next attempt must wait."""
        self.limits.hit(self.COUNT_RULE, self.name, "failures", *key)
        delay = self.delay_after(self.limits.count(self.COUNT_RULE, self.name, "failures", *key))
        if delay:
            self.limits.hit(f"1 per {delay} seconds", self.name, "since", *key)
        return delay

    def clear(self, *key: str) -> None:
        self.limits.clear(self.COUNT_RULE, self.name, "failures", *key)
        for delay in self._delays():
            self.limits.clear(f"1 per {delay} seconds", self.name, "since", *key)


def in_words(seconds: int) -> str:
    """A wait as a member or editor reads it: "30 秒", "5 分钟", "2 小时"."""
    if seconds < 60:
        return f"{max(1, seconds)} 秒"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} 分钟"
    return f"{math.ceil(seconds / 3600)} 小时"
