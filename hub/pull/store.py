"""The hub's database as a pull adapter reaches it outside a request (deliveries, checks, the
CLI).

A pull outlet delivers by writing its own tables, but adapters get snapshots, not sessions.
The bootstrap hands each adapter its context once (`Channel.attach`), and the adapter hands it
to its Store. Nothing here builds an engine of its own: a Store used before the bootstrap
attached it is a wiring bug, and says so.
"""

from __future__ import annotations

import contextlib

from sqlalchemy.orm import Session


class Store:
    def __init__(self) -> None:
        self._context = None

    def attach(self, context) -> None:
        """The adapter's `hub.channels.ChannelContext` (its config and session factories)."""
        self._context = context

    def _attached(self):
        if self._context is None:
            raise RuntimeError("adapter store used before the hub's bootstrap attached it")
        return self._context

    @property
    def config(self):
        return self._attached().config

    @contextlib.contextmanager
    def session(self) -> Session:
        """A session that may write (on SQLite it takes the write lock when it begins)."""
        with self._attached().sessions() as db:
            yield db

    @contextlib.contextmanager
    def reading(self) -> Session:
        """A session that only reads: it never waits for a writer, so a check run inside a
        publishing transaction cannot deadlock on it."""
        with self._attached().read_sessions() as db:
            yield db
