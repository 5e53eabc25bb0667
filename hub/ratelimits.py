"""Rate limits: console logins, LED screens' polls, real-name verification; and `Backoff`,
the growing waits after failed logins and verifications.

`init_rate_limits` (called by the app factory) keeps the counts in Redis when HUB_REDIS_URL
is set, so every web process counts the same attempts; otherwise in the process's memory,
where each of N processes counts on its own and a restart forgets.

The counting is the `limits` library's moving window, the engine Flask-Limiter runs on. The
Flask-Limiter extension itself is not used: none of the three limits is a route decorator's
(failed logins only, a success clearing the name's count; polls per screen at the screen's
own interval, before Flask has the request; failed verifications per person and per ID
number, inside the members module), and its request hooks cost 0.08–0.15 ms (two runs) on
every request even with no limit declared. The campaign claim gate keeps its own Redis
scripts (hub/campaigns/gate.py).
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from hub.config import Config

EXTENSION = "hub.rate_limits"
NAMESPACE = "hub"  # first part of every key, so the hub's counts are told apart in a shared Redis


class RateLimits:
    """Counts under rules such as "5 per 15 minutes", one count per key (a tuple of strings)."""

    def __init__(self, limiter: RateLimiter, storage):
        self._limiter = limiter
        self._storage = storage

    @classmethod
    def in_memory(cls) -> RateLimits:
        """Counts of their own, outside any app: the demo loader, tests of a module alone."""
        storage = MemoryStorage()
        return cls(MovingWindowRateLimiter(storage), storage)

    def wait(self, rule: str, *key: str) -> int:
        """Whole seconds until one more count under `rule` is allowed for `key`; 0: now."""
        item = parse(rule)
        if self._limiter.test(item, NAMESPACE, *key):
            return 0
        reset_at = self._limiter.get_window_stats(item, NAMESPACE, *key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def hit(self, rule: str, *key: str) -> bool:
        """Count one for `key`; False (and nothing counted) when `rule` allows no more."""
        return self._limiter.hit(parse(rule), NAMESPACE, *key)

    def clear(self, rule: str, *key: str) -> None:
        self._limiter.clear(parse(rule), NAMESPACE, *key)

    def count(self, rule: str, *key: str) -> int:
        """How many counts `key` has under `rule` in its window now."""
        item = parse(rule)
        stats = self._limiter.get_window_stats(item, NAMESPACE, *key)
        return item.amount - stats.remaining

    def forget_all(self) -> None:
        """Drop every count in the storage (tests; never on a shared Redis in production)."""
        self._storage.reset()


def init_rate_limits(app: Flask, config: Config) -> RateLimits:
    """The rate limits of `app`, counting in HUB_REDIS_URL's Redis or in memory."""
    storage = storage_from_string(config.redis_url or "memory://")
    limits = RateLimits(MovingWindowRateLimiter(storage), storage)
    app.extensions[EXTENSION] = limits
    return limits


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
