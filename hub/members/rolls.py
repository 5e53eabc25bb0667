"""Importing member rolls (会员导入): CSV or XLSX, streamed in chunks, upserted, reported.

A roll is read row by row and handled a chunk at a time: each chunk is validated
(hub.members.roll_parsing), then looked up against the members already known, written with
bulk statements and committed (hub.members.roll_writing), so memory stays flat however long
the file is and other writers get their turn on SQLite.

Every rejected row is recorded with its line number and a reason in Chinese; good rows go
in, bad rows change nothing, and importing the same roll again updates rather than adds.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.members import identity, stats
from hub.members.models import RollImport, RollRejection
from hub.members.roll_parsing import open_roll
from hub.members.roll_writing import Report, RollImporter

CHUNK_ROWS = 2000
REPORTED_REJECTIONS = 1000  # kept in memory for the answer; all of them are in the database


def import_roll(db: Session, account: Account, rows: Iterable[tuple[int, list]], *,
                keys: identity.IdKeys, actor=None, filename: str = "", fmt: str = "csv",
                chunk_rows: int | None = None, commit: bool = True,
                record: RollImport | None = None, between_chunks=None) -> Report:
    """Import (line, cells) rows into `account`'s subtree, chunk by chunk, then record the
    day's figures; commits as it goes unless `commit` is False. A background job passes its
    queued `record` and a `between_chunks` callback (hub.members.roll_jobs)."""
    importer = RollImporter(db, account, keys, actor=actor, filename=filename, fmt=fmt,
                            chunk_rows=chunk_rows or CHUNK_ROWS,
                            reported=REPORTED_REJECTIONS, commit=commit, record=record,
                            between_chunks=between_chunks)
    report = importer.run(rows)
    stats.take_snapshot(db)
    importer.save()
    return report


def import_file(db: Session, account: Account, stream, filename: str, *,
                keys: identity.IdKeys, actor=None) -> Report:
    """Import a roll from a binary stream (CSV in UTF-8 or GB18030, or XLSX)."""
    fmt, rows = open_roll(stream, filename)
    return import_roll(db, account, rows, keys=keys, actor=actor, filename=filename, fmt=fmt)


def rejections(db: Session, record: RollImport, *, after_line: int = 0,
               limit: int = 500) -> list[RollRejection]:
    """An import's rejected rows in line order, a page at a time."""
    return list(db.scalars(
        select(RollRejection).where(RollRejection.import_id == record.id,
                                    RollRejection.line > after_line)
        .order_by(RollRejection.line, RollRejection.id).limit(limit)))
