"""The scheduler's tick: publish posts whose time came and expire those whose validity ended,
run campaign draws that fell due, and give each outlet that asks for it (`tick(sessions)` on
its channel, e.g. course reminders by subscribe message) its turn; every quarter of an hour,
housekeeping: today's member figures and KPIs (the history unions report) and forgetting
verification attempts no limit counts any more.

Run every few seconds by APScheduler in `hub run` and by each `hub worker`; safe to run in
several processes at once (posts are taken with SKIP LOCKED, see hub.posts.services.run_due;
two processes writing today's figures at once leave one of them, the same numbers).
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import IntegrityError, OperationalError

from hub import channels
from hub.campaigns import schedule
from hub.kpis import refresh as kpis
from hub.members import verification
from hub.posts.services import run_due

log = logging.getLogger("hub.scheduler")
TICK_SECONDS = 5
HOUSEKEEPING_SECONDS = 15 * 60
_next_housekeeping = 0.0  # per process; the first tick of a process does it at once


def tick(sessions) -> None:
    with sessions() as db:
        done = run_due(db)
        db.commit()
    for post_id, what in done:
        log.info("scheduler: post %s %s", post_id, what)
    schedule.due_draws(sessions)
    for channel in channels.all_channels():
        _guarded(channel)
    global _next_housekeeping
    if time.monotonic() >= _next_housekeeping:
        _next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
        housekeeping(sessions)


def _guarded(channel) -> None:
    """An outlet's own periodic work; its failure is logged, never the tick's end."""
    try:
        channel.tick(channel.context)
    except Exception:
        log.exception("scheduler: %s's tick failed", channel.name)


def housekeeping(sessions) -> None:
    """Today's rolled-up member figures, and old verification attempts pruned."""
    try:
        with sessions() as db:
            accounts = kpis.refresh(db)  # the member figures' snapshot, and the KPIs'
            pruned = verification.prune_attempts(db)
            db.commit()
    except (IntegrityError, OperationalError) as exc:  # another process got there first
        log.info("housekeeping skipped this time: %s", type(exc).__name__)
        return
    log.info("housekeeping: figures of %s accounts for today, %s old attempts pruned",
             accounts, pruned)
