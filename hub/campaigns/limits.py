"""Rate limits on claims, per member identity and per WeChat user (openid).

With HUB_REDIS_URL the counts live in Redis, one limit for every web process. Without it they
are kept per process (gunicorn -w N lets N times through): enough against a tapping finger
or a stuck retry loop, which is what they are for; the database's unique keys, not these
limits, are what keep claims within a member's limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from hub.campaigns.errors import TooManyRequests

# Claims (and cancels) per window: a rain's impatient thumb taps a few times a second.
CLAIMS_PER_WINDOW = 10
WINDOW_SECONDS = 10.0


class LocalCounter:
    """A sliding window of hit times per key, in this process."""

    def __init__(self):
        self._hits: dict[str, deque] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return hits[0] + window_seconds - now
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys rather than grow without end
                self._hits = {k: v for k, v in self._hits.items() if v}
            return None


def check(counter, identity_id: int, openid: str, *, limit: int | None = None,
          window: float | None = None) -> None:
    """Raise TooManyRequests (429, Retry-After) when the member or the WeChat user has made
    too many claims in the window."""
    limit = limit or CLAIMS_PER_WINDOW
    window = window or WINDOW_SECONDS
    for key in (f"identity:{identity_id}", f"openid:{openid}"):
        wait = counter.hit(key, limit, window)
        if wait is not None:
            raise TooManyRequests(max(1, math.ceil(wait)))
