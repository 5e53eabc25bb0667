"""The scheduler's tick: publish posts whose time came and expire those whose validity ended.

Run every few seconds by APScheduler in `hub run` and by each `hub worker`; safe to run in
several processes at once (posts are taken with SKIP LOCKED, see hub.posts.services.run_due).
"""

from __future__ import annotations

import logging

from hub.posts.services import run_due

log = logging.getLogger("hub.scheduler")
TICK_SECONDS = 5


def tick(sessions) -> None:
    with sessions() as db:
        done = run_due(db)
        db.commit()
    for post_id, what in done:
        log.info("scheduler: post %s %s", post_id, what)
