"""Bulk writes of one roll chunk, the fast way each database offers: COPY into a temporary
staging table and two set-based statements on PostgreSQL; the driver's executemany with
prepared tuples on SQLite. Going around the ORM's per-row parameter handling is what takes an
import past 20,000 rows a second; the statements stay plain upserts on both.

Rows arrive as `StagedRow`s: `known` rows are on the same union's roll already (an update);
the others are new (an insert that updates instead if another import added the number
meanwhile, but only on the same union's roll).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from hub.db import UTCDateTime

COLUMNS = ("id_hash", "account_id", "name", "mobile", "id_encrypted", "join_date", "line",
           "known")


@dataclass(slots=True)
class StagedRow:
    id_hash: str
    account_id: int
    name: str
    mobile: str | None
    id_encrypted: str
    join_date: dt.date | None
    line: int
    known: bool


def write(db: Session, rows: list[StagedRow], *, import_id: int, now: dt.datetime) -> None:
    if not rows:
        return
    if db.bind.dialect.name == "postgresql":
        _write_postgresql(db, rows, import_id, now)
    else:
        _write_sqlite(db, rows, import_id, now)


# --- PostgreSQL ------------------------------------------------------------------------------

STAGE = """
CREATE TEMPORARY TABLE IF NOT EXISTS member_roll_stage (
    id_hash varchar(64), account_id integer, name varchar(50), mobile varchar(20),
    id_encrypted text, join_date date, line integer, known boolean
) ON COMMIT DELETE ROWS
"""
INSERT_NEW = """
INSERT INTO members (account_id, name, mobile, id_hash, id_encrypted, join_date, state,
                     imported_at, updated_at, last_import_id, last_import_line)
SELECT account_id, name, mobile, id_hash, id_encrypted, join_date, 'imported',
       :now, :now, :import_id, line
FROM member_roll_stage WHERE NOT known
ON CONFLICT (id_hash) DO UPDATE SET
    name = excluded.name, mobile = excluded.mobile, join_date = excluded.join_date,
    last_import_id = excluded.last_import_id, last_import_line = excluded.last_import_line,
    updated_at = excluded.updated_at
WHERE members.account_id = excluded.account_id
"""
UPDATE_KNOWN = """
UPDATE members SET name = s.name, mobile = s.mobile, join_date = s.join_date,
    last_import_id = :import_id, last_import_line = s.line, updated_at = :now
FROM member_roll_stage s
WHERE s.known AND members.id_hash = s.id_hash AND members.account_id = s.account_id
"""


def _timed(sql: str):
    return text(sql).bindparams(bindparam("now", type_=UTCDateTime))


def _write_postgresql(db: Session, rows: list[StagedRow], import_id: int,
                      now: dt.datetime) -> None:
    connection = db.connection()
    connection.exec_driver_sql(STAGE)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(
            f"COPY member_roll_stage ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row.id_hash, row.account_id, row.name, row.mobile,
                            row.id_encrypted, row.join_date, row.line, row.known))
    params = {"now": now, "import_id": import_id}
    if any(not row.known for row in rows):
        connection.execute(_timed(INSERT_NEW), params)
    if any(row.known for row in rows):
        connection.execute(_timed(UPDATE_KNOWN), params)
    # Emptied now, not only at commit: an import inside a caller's transaction stages again.
    connection.exec_driver_sql("TRUNCATE member_roll_stage")


# --- SQLite ----------------------------------------------------------------------------------

SQLITE_INSERT = """
INSERT INTO members (account_id, name, mobile, id_hash, id_encrypted, join_date, state,
                     imported_at, updated_at, last_import_id, last_import_line)
VALUES (?, ?, ?, ?, ?, ?, 'imported', ?, ?, ?, ?)
ON CONFLICT (id_hash) DO UPDATE SET
    name = excluded.name, mobile = excluded.mobile, join_date = excluded.join_date,
    last_import_id = excluded.last_import_id, last_import_line = excluded.last_import_line,
    updated_at = excluded.updated_at
WHERE members.account_id = excluded.account_id
"""
SQLITE_UPDATE = """
UPDATE members SET name = ?, mobile = ?, join_date = ?, last_import_id = ?,
    last_import_line = ?, updated_at = ?
WHERE id_hash = ? AND account_id = ?
"""


def _write_sqlite(db: Session, rows: list[StagedRow], import_id: int, now: dt.datetime) -> None:
    connection = db.connection()
    dialect = connection.dialect
    # The column types' own conversions, applied once here instead of per row and per value.
    stamp = UTCDateTime().bind_processor(dialect)(now)
    to_date = _date_processor(dialect)
    new = [(r.account_id, r.name, r.mobile, r.id_hash, r.id_encrypted, to_date(r.join_date),
            stamp, stamp, import_id, r.line) for r in rows if not r.known]
    known = [(r.name, r.mobile, to_date(r.join_date), import_id, r.line, stamp, r.id_hash,
              r.account_id) for r in rows if r.known]
    if new:
        connection.exec_driver_sql(SQLITE_INSERT, new)
    if known:
        connection.exec_driver_sql(SQLITE_UPDATE, known)


def _date_processor(dialect):
    from sqlalchemy import Date

    process = Date().bind_processor(dialect) or (lambda value: value)
    return lambda value: None if value is None else process(value)
