"""What makes the manifest cheap: one indexed read in autocommit on a connection kept for
such reads, and WSGI middleware that answers before Flask when the rest is in process.

(The LED adapter has the same two pieces; adapters do not import each other.)
"""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine


class ConditionalShortcut:
    """In front of Flask for one GET path: `answer(environ)` gives (status, headers, body)
    when it can answer from one lookup and what is cached in process, or None to let Flask
    handle the request (and any error) as usual."""

    def __init__(self, wsgi_app, path: str, answer):
        self.wsgi_app, self.path, self.answer = wsgi_app, path, answer

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == self.path and environ.get("REQUEST_METHOD") == "GET":
            try:
                answered = self.answer(environ)
            except Exception:  # noqa: BLE001  (the view meets the same error and answers it)
                answered = None
            if answered is not None:
                status, headers, body = answered
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)


class LeanConnections:
    """A few DBAPI connections kept outside the engine's pool for one-statement reads.

    The pool pings a PostgreSQL connection when lending it and rolls it back when it comes
    back: two round trips around a one-row read. These connections run in autocommit (so
    there is nothing to roll back), are not pinged (a broken one raises, is dropped, and the
    request is answered the ordinary way), and are reused last-in first-out.
    """

    def __init__(self, engine: Engine, keep: int = 8):
        self.engine, self.keep = engine, keep
        self._idle: list = []
        self._lock = threading.Lock()

    def _open(self):
        """A detached connection (closing it really closes it) and the one cursor it keeps
        (a new cursor per read costs more than the read on PostgreSQL)."""
        fairy = self.engine.raw_connection()
        fairy.detach()
        if self.engine.dialect.name == "postgresql":
            fairy.dbapi_connection.autocommit = True
        # SQLite: the hub's connect hook already made it autocommit.
        return _Kept(fairy, fairy.dbapi_connection.cursor())

    def first(self, sql: str, params) -> tuple | None:
        """The first row; a kept connection that broke (the database restarted) is dropped
        and the read tried once more on a new one. Raises Unavailable when that fails too."""
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        try:
            row, connection = self._read(connection, sql, params)
        except Exception as exc:
            raise Unavailable(type(exc).__name__) from exc
        with self._lock:
            if len(self._idle) < self.keep:
                self._idle.append(connection)
                connection = None
        if connection is not None:
            connection.close()
        return row


    def _read(self, connection, sql: str, params):
        for attempt in (1, 2):
            fresh = connection is None
            if fresh:
                connection = self._open()
            try:
                connection.cursor.execute(sql, params)
                # fetchall, not fetchone: SQLite keeps a statement with rows left open, and
                # an open statement holds a read snapshot (and the WAL) until it is reset.
                rows = connection.cursor.fetchall()
                return (rows[0] if rows else None), connection
            except Exception:
                connection.close()  # broken or half-used: never lend it again
                connection = None
                if fresh or attempt == 2:
                    raise
        raise AssertionError("unreachable")


class _Kept:
    def __init__(self, fairy, cursor):
        self.fairy, self.cursor = fairy, cursor

    def close(self) -> None:
        try:
            self.cursor.close()
        finally:
            self.fairy.close()


class Unavailable(Exception):
    """The database did not answer a lean read."""


_LEAN: dict[int, LeanConnections] = {}


def lean(engine: Engine) -> LeanConnections:
    found = _LEAN.get(id(engine))
    if found is None or found.engine is not engine:
        found = _LEAN[id(engine)] = LeanConnections(engine)
    return found


