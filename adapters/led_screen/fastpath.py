"""Liveness without writes on the poll path: when each screen last polled is noted in memory
and a background thread writes it, all in one transaction, every few seconds.

Writing "last polled" on every poll would turn reads into writes. The lean reads and the
304 shortcut the poll also uses live in hub.pull (the splash manifest uses them too).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("hub.led")
FLUSH_SECONDS = 10.0


class Liveness:
    """When each screen last polled, kept in memory and written every FLUSH_SECONDS."""

    def __init__(self, table, column: str):
        self.table, self.column = table, column
        self._seen: dict[int, dt.datetime] = {}
        self._lock = threading.Lock()
        self._engine: Engine | None = None
        self._thread: threading.Thread | None = None

    def note(self, engine: Engine, screen_id: int, when: dt.datetime) -> None:
        with self._lock:
            self._seen[screen_id] = when
            self._engine = engine
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="led-liveness",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            self.flush()

    def flush(self) -> int:
        """Write what was noted since the last flush; returns how many screens."""
        with self._lock:
            seen, self._seen = self._seen, {}
            engine = self._engine
        if not seen or engine is None:
            return 0
        column = self.table.c[self.column]
        statement = update(self.table).where(
            self.table.c.id == bindparam("screen_id"),
            (column.is_(None)) | (column < bindparam("seen_at"))).values(
            {self.column: bindparam("seen_at")})
        rows = [{"screen_id": k, "seen_at": v} for k, v in sorted(seen.items())]
        try:
            with engine.begin() as connection:
                connection.execute(statement, rows)
        except SQLAlchemyError as exc:
            # Best effort, and not retried: the screens poll again within their interval.
            log.warning("could not record %d screens' polls: %s", len(rows), type(exc).__name__)
            return 0
        return len(rows)

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()
