"""What makes a poll cheap: one indexed SELECT on a pooled DBAPI connection, and liveness
noted in memory and written in batches.

Thousands of controllers poll all day and almost every poll is answered 304. Through the
ORM session a poll would pay for a session transaction (on SQLite an explicit BEGIN and a
ROLLBACK, on PostgreSQL a ping and a ROLLBACK) around a one-row read; here the read is a
statement compiled once per engine and run in autocommit on a connection kept for such
reads. Writing
"last polled" on every poll would turn reads into writes, so polls are only noted in memory
and a background thread writes them, all in one transaction, every few seconds.
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


class RawQuery:
    """A SELECT compiled once for one engine's dialect, run on a lean connection."""

    def __init__(self, engine: Engine, statement):
        self.engine = engine
        self.compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(self.compiled)
        self.positional = engine.dialect.positional

    def first(self, **values) -> tuple | None:
        params = self.compiled.construct_params(values)
        if self.positional:
            params = tuple(params[name] for name in self.compiled.positiontup)
        return lean(self.engine).first(self.sql, params)


_QUERIES: dict[tuple[int, str], RawQuery] = {}
_QUERIES_LOCK = threading.Lock()


def raw_query(engine: Engine, name: str, statement) -> RawQuery:
    key = (id(engine), name)
    query = _QUERIES.get(key)
    if query is None or query.engine is not engine:
        with _QUERIES_LOCK:
            query = _QUERIES[key] = RawQuery(engine, statement)
    return query


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


def root_of(environ) -> str:
    """"scheme://host/" as the client addressed the hub (what Flask's request.host gives)."""
    from werkzeug.wsgi import get_host

    return f"{environ['wsgi.url_scheme']}://{get_host(environ)}{environ.get('SCRIPT_NAME', '')}/"


class ConditionalShortcut:
    """WSGI middleware in front of Flask for one GET path answered by an ETag.

    `answer(environ)` returns (status, headers, body) when it can answer from one lookup and
    the in-process cache (a 304, or a 200 already built for this ETag), or None to let Flask
    handle the request (unknown tokens, 429s, a body not yet built, any error), in which
    case whatever it learnt is left in the environ for the view. The poll skips Flask's
    request context, routing and the hub's per-request session: most of what a 304 costs.
    """

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
