"""The optional Redis gate in front of claims (HUB_REDIS_URL): it turns away claims on a
sold-out campaign before the database, and members who already used their limit before the
claim's write transaction. The database stays the record.

The gate only ever learns facts after the database committed them, and only facts that stay
true: a red-packet, voucher or ticket campaign never gets stock back, and its claims are never
cancelled. Course seats (cancellations) and quizzes are never gated. So a gate that lost its
keys (Redis restarted, flushed, evicted) only lets more through to the database, and a gate
that cannot be reached is skipped: in doubt, the database decides. After a failure the gate
stays skipped for a few seconds (a circuit breaker), so an outage costs one timeout per
process rather than one or two per claim.

Campaign keys carry the campaign's random seed besides its id (`campaign_key`): after a
database restore or rebuild, or with two deployments sharing one Redis, a reused id must not
find another campaign's sold-out flag or answers.
"""

from __future__ import annotations

import json
import logging
import threading
import time

log = logging.getLogger("hub.campaigns.gate")

GATED_KINDS = ("red_packet", "voucher", "ticket")
# KEYS[1] sold-out flag, KEYS[2] answers {request_id: answer} of a member or an identity;
# ARGV[1] request id, ARGV[2] the member's limit (0: do not judge the limit). Answers {0} pass,
# {1} sold out, {2} already used the limit, {3, answer} this very request was answered before.
_CHECK = """
local answer = redis.call('hget', KEYS[2], ARGV[1])
if answer then return {3, answer} end
local limit = tonumber(ARGV[2])
if limit > 0 and redis.call('hlen', KEYS[2]) >= limit then return {2} end
if redis.call('exists', KEYS[1]) == 1 then return {1} end
return {0}
"""
# A claim's first look, in one round trip: rate limits (KEYS[1] the identity's, KEYS[2] the
# openid's: ARGV[1] window ms, ARGV[2] claims per window), then KEYS[4] the identity's answers
# for request ARGV[3], then KEYS[3] the sold-out flag. {4, ms to wait} when limited.
_ENTRY = """
for i = 1, 2 do
  local n = redis.call('incr', KEYS[i])
  if n == 1 then redis.call('pexpire', KEYS[i], ARGV[1]) end
  if n > tonumber(ARGV[2]) then return {4, redis.call('pttl', KEYS[i])} end
end
local answer = redis.call('hget', KEYS[4], ARGV[3])
if answer then return {3, answer} end
if redis.call('exists', KEYS[3]) == 1 then return {1} end
return {0}
"""
# After a committed claim: its answer under request id ARGV[1] in the member's (KEYS[1]) and
# the identity's (KEYS[2]) answers, both kept ARGV[3] seconds. One call, one reply to parse,
# where a MULTI/EXEC pipeline of the four commands has six.
_LEARN = """
for i = 1, 2 do
  redis.call('hset', KEYS[i], ARGV[1], ARGV[2])
  redis.call('expire', KEYS[i], ARGV[3])
end
"""
# Fixed window: count this hit, start the window on the first one.
_HIT = """
local n = redis.call('incr', KEYS[1])
if n == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return redis.call('pttl', KEYS[1]) end
return -1
"""

PASS, SOLD_OUT, LIMIT_USED, REPEAT, RATE_LIMITED = 0, 1, 2, 3, 4
# After a failure, Redis is left alone this long (per process): long enough that a rush
# does not queue on timeouts, short enough that the gate is back soon after Redis is.
BREAK_SECONDS = 5.0


def campaign_key(campaign_id: int, seed: str) -> str:
    """What the gate calls a campaign: unique per campaign row, not just per id."""
    return f"{campaign_id}.{seed[:16]}" if seed else str(campaign_id)


class Gate:
    def __init__(self, url: str, prefix: str = "hub:campaigns", *, ttl_seconds: int = 30 * 86400):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.ttl = ttl_seconds
        self._check = self.redis.register_script(_CHECK)
        self._hit = self.redis.register_script(_HIT)
        self._entry = self.redis.register_script(_ENTRY)
        self._learn = self.redis.register_script(_LEARN)
        # While Redis cannot be reached, rate limits are counted in this process instead.
        from hub.campaigns.limits import LocalCounter

        self.fallback = LocalCounter()
        self._closed_until = 0.0  # monotonic time until which Redis is skipped
        self._breaker = threading.Lock()

    @property
    def available(self) -> bool:
        """False for a few seconds after Redis failed: callers skip the gate meanwhile."""
        return time.monotonic() >= self._closed_until

    def _failed(self, exc: Exception, what: str) -> None:
        with self._breaker:
            first = self.available
            self._closed_until = time.monotonic() + BREAK_SECONDS
        if first:  # one line per outage window, not one per claim
            log.warning("%s: %s; skipped for %.0f s", what, type(exc).__name__, BREAK_SECONDS)

    def _sold_key(self, campaign: str) -> str:
        return f"{self.prefix}:c{campaign}:sold"

    def _member_key(self, campaign: str, member_id: int) -> str:
        return f"{self.prefix}:c{campaign}:m{member_id}"

    def _identity_key(self, campaign: str, identity_id: int) -> str:
        return f"{self.prefix}:c{campaign}:i{identity_id}"

    def enter(self, campaign: str, identity_id: int, openid: str, request_id: str, *,
              rate_limit: int, window_seconds: float) -> tuple[int, object]:
        """A claim's first look before any database read, in one round trip: (RATE_LIMITED,
        seconds to wait), (REPEAT, the stored answer), (SOLD_OUT, None) or (PASS, None).
        `campaign` is `campaign_key(id, seed)`."""
        rate_keys = [f"{self.prefix}:rate:identity:{identity_id}",
                     f"{self.prefix}:rate:openid:{openid}"]
        if not self.available:
            return self._enter_locally(rate_keys, rate_limit, window_seconds)
        try:
            found = self._entry(keys=[*rate_keys, self._sold_key(campaign),
                                      self._identity_key(campaign, identity_id)],
                                args=[int(window_seconds * 1000), rate_limit, request_id])
        except Exception as exc:  # the database decides; rate limits are counted here
            self._failed(exc, "campaign gate unavailable")
            return self._enter_locally(rate_keys, rate_limit, window_seconds)
        code = int(found[0])
        if code == RATE_LIMITED:
            return RATE_LIMITED, max(int(found[1]), 1) / 1000
        if code == REPEAT:
            return REPEAT, json.loads(found[1])
        return code, None

    def _enter_locally(self, rate_keys: list[str], rate_limit: int,
                       window_seconds: float) -> tuple[int, object]:
        for key in rate_keys:
            wait = self.fallback.hit(key, rate_limit, window_seconds)
            if wait is not None:
                return RATE_LIMITED, wait
        return PASS, None

    def check_member(self, campaign: str, member_id: int, request_id: str,
                     limit: int) -> tuple[int, dict | None]:
        """Before the write transaction: also whether the member has used their limit."""
        return self._run(self._member_key(campaign, member_id), campaign, request_id, limit)

    def _run(self, answers_key: str, campaign: str, request_id: str,
             limit: int) -> tuple[int, dict | None]:
        """(PASS|SOLD_OUT|LIMIT_USED|REPEAT, stored answer for REPEAT); PASS when in doubt."""
        if not self.available:
            return PASS, None
        try:
            found = self._check(keys=[self._sold_key(campaign), answers_key],
                                args=[request_id, limit])
        except Exception as exc:  # an unreachable gate must not stop claims: the DB decides
            self._failed(exc, "campaign gate unavailable")
            return PASS, None
        if int(found[0]) == REPEAT:
            return REPEAT, json.loads(found[1])
        return int(found[0]), None

    def learn_claim(self, campaign: str, member_id: int, identity_id: int, request_id: str,
                    answer: dict) -> None:
        """After the database committed a claim: remember its answer for repeats (skipped
        while the breaker is open: the database holds the answer, and a repeat that the gate
        turns away is looked up there first)."""
        if not self.available:
            return
        value = json.dumps(answer, ensure_ascii=False)
        try:
            self._learn(keys=[self._member_key(campaign, member_id),
                              self._identity_key(campaign, identity_id)],
                        args=[request_id, value, self.ttl])
        except Exception as exc:
            self._failed(exc, "campaign gate not updated")

    def learn_sold_out(self, campaign: str) -> None:
        if not self.available:
            return
        try:
            self.redis.set(self._sold_key(campaign), 1, ex=self.ttl)
        except Exception as exc:
            self._failed(exc, "campaign gate not updated")

    def hit(self, key: str, limit: int, window_seconds: float) -> float | None:
        """Count a hit on a rate-limit key: None when allowed, else seconds to wait (counted
        in this process while Redis is unavailable)."""
        if not self.available:
            return self.fallback.hit(f"{self.prefix}:rate:{key}", limit, window_seconds)
        try:
            wait_ms = int(self._hit(keys=[f"{self.prefix}:rate:{key}"],
                                    args=[int(window_seconds * 1000), limit]))
        except Exception as exc:
            self._failed(exc, "rate limit store unavailable")
            return self.fallback.hit(f"{self.prefix}:rate:{key}", limit, window_seconds)
        return None if wait_ms < 0 else max(wait_ms, 1) / 1000

    def forget(self) -> None:
        """Delete every key under this gate's prefix (tests and benchmarks clean up)."""
        for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000):
            self.redis.delete(key)
