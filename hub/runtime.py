"""Background work of a hub process: the delivery dispatcher and the scheduler.

Embedded mode (`hub run`): one dispatcher thread and one APScheduler in the web process.
Scale-out (`hub worker`): each worker runs a dispatcher and the scheduler tick; both take
their rows with SKIP LOCKED, so running several is safe. The app factory starts none of this,
so gunicorn's web workers never each run their own.
"""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from hub import scheduler
from hub.config import Config
from hub.deliveries.worker import Dispatcher

log = logging.getLogger("hub.runtime")


class EmbeddedWorkers:
    def __init__(self, config: Config, sessions):
        self.sessions = sessions
        self.dispatcher = Dispatcher(config, sessions)
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.scheduler.add_job(scheduler.tick, "interval", args=[sessions],
                               seconds=scheduler.TICK_SECONDS, id="due-posts", max_instances=1,
                               coalesce=True)
        self.thread = threading.Thread(target=self.dispatcher.run_forever, name="dispatcher",
                                       daemon=True)

    def start(self) -> EmbeddedWorkers:
        scheduler.tick(self.sessions)  # whatever fell due while the hub was down goes now
        self.scheduler.start()
        self.thread.start()
        return self

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)
        self.dispatcher.stop(wait=False)
        self.thread.join(timeout=5)


def start_embedded_workers(app) -> EmbeddedWorkers:
    config = app.config["HUB"]
    return EmbeddedWorkers(config, app.extensions["hub.sessions"]).start()
