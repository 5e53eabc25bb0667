"""Background work of a hub process: the delivery dispatcher beside the scheduled jobs.

The jobs are defined once (`scheduled_jobs`) and run by APScheduler in both modes:
- embedded (`hub run`): the scheduler and a dispatcher thread inside the web process;
- scale-out (`hub worker`): each worker runs the scheduler beside its dispatcher, which holds
  the main thread. Any number of workers run the same jobs at once without doing one twice:
  each job takes its rows with SKIP LOCKED (due posts, due draws; see hub.scheduler), and
  SQLite lets one writer in at a time. Queued roll imports are one of these jobs: each is
  taken by one conditional UPDATE (hub.members.roll_jobs).
With Redis deciding claims, the claims persister (hub.campaigns.persister) runs beside them,
in a thread of its own, in both modes.
The app factory starts none of this, so gunicorn's web workers never each run their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from hub import scheduler
from hub.campaigns import persister
from hub.config import Config
from hub.deliveries.worker import DB_ERRORS, Dispatcher
from hub.members import roll_jobs
from hub.members.identity import IdKeys

log = logging.getLogger("hub.runtime")
# APScheduler logs every run of every job at INFO: one line each five seconds says nothing.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


def scheduled_jobs(sessions, config: Config | None = None) -> BackgroundScheduler:
    """The hub's periodic jobs, not yet started. The tick's first run is at once: whatever
    fell due while no process ran goes out now. With `config`, queued roll imports run too
    (they need the keys for ID numbers)."""
    jobs = BackgroundScheduler(timezone="UTC")
    jobs.add_job(_tick, "interval", args=[sessions], seconds=scheduler.TICK_SECONDS,
                 id="tick", max_instances=1, coalesce=True,
                 next_run_time=dt.datetime.now(dt.UTC))
    if config is not None:
        jobs.add_job(_roll_imports, "interval", args=[sessions, IdKeys.from_config(config)],
                     seconds=roll_jobs.POLL_SECONDS, id="roll_imports", max_instances=1,
                     coalesce=True, next_run_time=dt.datetime.now(dt.UTC))
    return jobs


def _roll_imports(sessions, keys: IdKeys) -> None:
    """Queued roll imports, one at a time in this process (others' workers take others)."""
    try:
        roll_jobs.run_pending(sessions, keys)
    except DB_ERRORS as exc:
        log.warning("roll imports: database unavailable (%s); trying again in %ss",
                    type(exc).__name__, roll_jobs.POLL_SECONDS)


def _tick(sessions) -> None:
    """The scheduler's tick; a database that stops answering is waited out, not a traceback
    every few seconds (the next tick tries again)."""
    try:
        scheduler.tick(sessions)
    except DB_ERRORS as exc:
        log.warning("scheduler: database unavailable (%s); next tick in %ss",
                    type(exc).__name__, scheduler.TICK_SECONDS)


class Workers:
    """A dispatcher and the scheduled jobs, for one process."""

    def __init__(self, config: Config, sessions, *, worker_id: str | None = None):
        self.dispatcher = Dispatcher(config, sessions, worker_id=worker_id)
        self.jobs = scheduled_jobs(sessions, config)
        self.thread: threading.Thread | None = None
        self.persister = persister.for_config(config, sessions)
        self.persister_thread: threading.Thread | None = None

    def start(self) -> Workers:
        """Both in the background (embedded mode)."""
        self.jobs.start()
        self._start_persister()
        self.thread = threading.Thread(target=self.dispatcher.run_forever, name="dispatcher",
                                       daemon=True)
        self.thread.start()
        return self

    def run(self) -> None:
        """The jobs in the background, the dispatcher in this thread until `stop()`
        (`hub worker`)."""
        self.jobs.start()
        self._start_persister()
        try:
            self.dispatcher.run_forever()
        finally:
            self._stop_jobs()

    def stop(self) -> None:
        self._stop_jobs()
        self.dispatcher.stop(wait=False)
        if self.thread is not None:
            self.thread.join(timeout=5)

    def _start_persister(self) -> None:
        if self.persister is not None:
            self.persister_thread = threading.Thread(target=self.persister.run_forever,
                                                     name="claims-persister", daemon=True)
            self.persister_thread.start()

    def _stop_jobs(self) -> None:
        if self.jobs.running:
            self.jobs.shutdown(wait=False)
        if self.persister is not None:
            self.persister.stop()


def start_embedded_workers(app) -> Workers:
    config = app.config["HUB"]
    return Workers(config, app.extensions["hub.sessions"]).start()
