"""One-statement reads without a session: what lets thousands of devices poll all day.

Through the ORM a poll would pay for a session transaction (on SQLite an explicit BEGIN and
a ROLLBACK, on PostgreSQL a ping and a ROLLBACK) around a one-row read. Here the read is a
statement compiled once per engine and run in autocommit on a connection kept for such
reads.
"""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy.engine import Engine


class Unavailable(Exception):
    """The database did not answer a lean read."""


class _Kept:
    def __init__(self, fairy, cursor):
        self.fairy, self.cursor = fairy, cursor

    def close(self) -> None:
        """Best effort: a broken connection may refuse to close (SQLite raises on a closed
        one), and must not stop the read being tried again on a new one."""
        with contextlib.suppress(Exception):
            self.cursor.close()
        with contextlib.suppress(Exception):
            self.fairy.close()


class LeanConnections:
    """A few DBAPI connections kept outside the engine's pool for one-statement reads.

    The pool pings a PostgreSQL connection when lending it and rolls it back when it comes
    back: two round trips around a one-row read. These connections run in autocommit (so
    there is nothing to roll back), are not pinged (a broken one raises, is dropped, and the
    request is answered the ordinary way), and are reused last-in first-out.
    """

    def __init__(self, engine: Engine, keep: int = 8):
        self.engine, self.keep = engine, keep
        self._idle: list[_Kept] = []
        self._lock = threading.Lock()

    def _open(self) -> _Kept:
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

    def _read(self, connection: _Kept | None, sql: str, params):
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


_LEAN: dict[int, LeanConnections] = {}


def lean(engine: Engine) -> LeanConnections:
    """The engine's kept connections (an engine rebuilt under a reused id gets new ones)."""
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
        """The first row for these bound values; raises Unavailable."""
        params = self.compiled.construct_params(values)
        if self.positional:
            params = tuple(params[name] for name in self.compiled.positiontup)
        return lean(self.engine).first(self.sql, params)


_QUERIES: dict[tuple[int, str], RawQuery] = {}
_QUERIES_LOCK = threading.Lock()


def raw_query(engine: Engine, name: str, statement) -> RawQuery:
    """`statement` compiled for `engine`, once; `name` must be unique across the hub (prefix
    it with the adapter's name)."""
    key = (id(engine), name)
    query = _QUERIES.get(key)
    if query is None or query.engine is not engine:
        with _QUERIES_LOCK:
            query = _QUERIES[key] = RawQuery(engine, statement)
    return query
