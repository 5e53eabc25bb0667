"""Delivery rules free of the database: backoff, and what an outcome does to a delivery."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 600.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> dt.timedelta:
        """Exponential backoff with jitter: half fixed, half random, so retries spread out."""
        rng = rng or random
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return dt.timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))

    def gives_up(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


def state_after_success(job_goal: str, current_goal: str) -> str:
    """A send that succeeded: the row is done, unless its goal changed while it was in flight
    (withdrawn during the send), in which case it goes back to the queue to be taken down."""
    if job_goal == "withdraw":
        return "withdrawn"
    if current_goal == "withdraw":
        return "pending"
    return "delivered"


def state_after_failure(*, transient: bool, attempt: int, current_goal: str,
                        policy: RetryPolicy, job_goal: str = "publish") -> str:
    if current_goal == "withdraw" and job_goal == "publish" and not transient:
        return "withdrawn"  # it never got there and is no longer wanted there
    if transient and not policy.gives_up(attempt):
        return "retrying"
    return "failed"
