"""The hub's database as a pull adapter reaches it outside a request (deliveries, checks, the
CLI).

A pull outlet delivers by writing its own tables, but adapters get snapshots, not sessions.
The hub hands the adapter its configuration and session factory (`attach`, called by the
dispatcher; the blueprint does the same when an app registers it); a process that did
neither builds its own from the same HUB_* environment the hub reads. Each adapter keeps its
own Store, so one attached elsewhere never decides where another writes.
"""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy.orm import Session

from hub.config import Config
from hub.db import make_engine, make_session_factory


class Store:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions = None
        self._read_sessions = None
        self._config: Config | None = None

    def attach(self, sessions, config: Config) -> None:
        engine = sessions.kw["bind"]
        with self._lock:
            self._sessions, self._config = sessions, config
            self._read_sessions = make_session_factory(engine, read_only=True)

    def attach_from_app(self, state) -> None:
        """Blueprint hook (`bp.record`): use the registering app's sessions and settings."""
        app = state.app
        self.attach(app.extensions["hub.sessions"], app.config["HUB"])

    def attach_if_unset(self, db: Session, config: Config | None) -> None:
        """Adopt the database of a session the hub handed over (the demo loader's), unless
        the hub already attached its own."""
        if self._sessions is None and config is not None:
            self.attach(make_session_factory(db.get_bind()), config)

    def _ensure(self) -> None:
        if self._sessions is None:
            config = Config.from_env()
            self.attach(make_session_factory(make_engine(config.database_url)), config)

    @property
    def config(self) -> Config:
        self._ensure()
        return self._config

    @contextlib.contextmanager
    def session(self) -> Session:
        """A session that may write (on SQLite it takes the write lock when it begins)."""
        self._ensure()
        with self._sessions() as db:
            yield db

    @contextlib.contextmanager
    def reading(self) -> Session:
        """A session that only reads: it never waits for a writer, so a check run inside a
        publishing transaction cannot deadlock on it."""
        self._ensure()
        with self._read_sessions() as db:
            yield db
