"""Writing member rolls (会员导入) to the database: a chunk of parsed rows at a time, each
looked up against the members already known (one query), written with bulk statements and
committed, and the import's record and rejections kept.

Duplicates within the file are found through the members table itself (the row last written
by this import remembers its line), never through a set of every number seen. Good rows go
in, bad rows change nothing, and importing the same roll again updates rather than adds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import String, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.services import record
from hub.db import utcnow
from hub.members import bulk, identity
from hub.members.models import Member, RollImport, RollRejection
from hub.members.roll_parsing import (
    Rejected,
    Row,
    masked_number,
    parsed_chunks,
    read_columns,
)
from hub.members.roll_unions import UnionDirectory, UnionProblem

log = logging.getLogger("hub.members.rolls")


@dataclass
class Report:
    """What an import did; `rejections` holds the first of them (all are in the database)."""

    record: RollImport
    rejections: list[Rejected] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.record.rows_rejected > len(self.rejections)


class ImportCancelled(Exception):
    """Raised between chunks by a job whose editor asked it to stop."""


class RollImporter:
    """Imports one roll into `account`'s subtree; `run(rows)` takes (line, cells) pairs.

    `record`: an import queued earlier (a background job) to run, instead of a new one;
    `between_chunks(record)`: called after each chunk's commit (progress, cancel)."""

    def __init__(self, db: Session, account: Account, keys: identity.IdKeys, *, actor=None,
                 filename: str = "", fmt: str = "csv", chunk_rows: int, reported: int,
                 commit: bool = True, record: RollImport | None = None,
                 between_chunks: Callable[[RollImport], None] | None = None):
        self.db, self.account, self.keys, self.actor = db, account, keys, actor
        # Commit chunk by chunk (an upload); without, the caller's transaction holds it all.
        self._save = db.commit if commit else db.flush
        self.commits = commit
        self.chunk_rows, self.reported = chunk_rows, reported
        self.today = dt.date.today()
        self.unions = UnionDirectory(db, account)  # the subtree, read once per import
        self.record = record or RollImport(
            account_id=account.id, user_id=actor.id if actor else None,
            filename=(filename or "")[:200], format=fmt, state="running", rows_total=0,
            rows_accepted=0, rows_rejected=0, inserted=0, updated=0, started_at=utcnow())
        self.between_chunks = between_chunks
        self.report = Report(self.record)

    def run(self, rows: Iterable[tuple[int, list]]) -> Report:
        columns, rows = read_columns(rows)
        if self.record.id is None:  # a queued job was audited when it was uploaded
            self.db.add(self.record)
            self.db.flush()
            self._audit("roll.import", filename=self.record.filename,
                        format=self.record.format)
        self._save()
        try:
            for chunk in parsed_chunks(rows, columns, today=self.today, size=self.chunk_rows):
                self._write_chunk(chunk)
                if self.between_chunks is not None:
                    self.between_chunks(self.record)
        except ImportCancelled:
            self._finish("cancelled", "已按要求取消；取消前已导入的行保留")
            return self.report
        except Exception as exc:
            self.db.rollback()
            self._finish("failed", plain_error(exc))
            raise
        self._finish("done", None)
        return self.report

    def save(self) -> None:
        """Commit (or, inside the caller's transaction, flush) what was written."""
        self._save()

    def _finish(self, state: str, error: str | None) -> None:
        self.record.state, self.record.error = state, error
        self.record.finished_at = utcnow()
        self.db.add(self.record)
        self._audit(f"roll.import.{state}", rows_total=self.record.rows_total,
                    rows_accepted=self.record.rows_accepted,
                    rows_rejected=self.record.rows_rejected, inserted=self.record.inserted,
                    updated=self.record.updated)
        self._save()
        log.info("roll import %s into %s: %s, %d rows, %d accepted, %d rejected",
                 self.record.id, self.account.code, state, self.record.rows_total,
                 self.record.rows_accepted, self.record.rows_rejected)

    def _audit(self, action: str, **detail) -> None:
        """Who imported a roll, and how it ended (in the commit that starts or ends it)."""
        record(self.db, actor=self.actor, action=action, account_id=self.account.id,
               subject_type="roll_import", subject_id=self.record.id, **detail)

    # one chunk: validate against the database, then write in three bulk statements

    def _write_chunk(self, parsed: list[Row | Rejected]) -> None:
        if self.commits and self.db.bind.dialect.name == "postgresql":
            # A chunk's commit need not wait for the disk: the import's last commit (its
            # record marked done) is synchronous and flushes every chunk before it, and an
            # import cut short is incomplete either way (importing again completes it).
            self.db.execute(text("SET LOCAL synchronous_commit = off"))
        rejected = [p for p in parsed if isinstance(p, Rejected)]
        rows = [p for p in parsed if isinstance(p, Row)]
        for row in rows:
            row.digest = self.keys.digest(row.number)
        rows = self._known_unions(rows, rejected)
        rows = self._unique_in_chunk(rows, rejected)
        existing = self._existing(rows)
        new, known = [], []
        for row in rows:
            found = existing.get(row.digest)
            if found is None:
                new.append(row)
            elif found["last_import_id"] == self.record.id:
                line = found["last_import_line"]
                rejected.append(Rejected(row.line, "duplicate_in_file",
                                         f"身份证号与第 {line} 行重复", row_cells(row)))
            elif found["account_id"] != row.union_id:
                rejected.append(Rejected(row.line, "on_other_roll", "已在其他工会的会员名册中",
                                         row_cells(row)))
            else:
                known.append(row)
        self._stage(new, known)
        self._reject(rejected)
        self.record.rows_total += len(parsed)
        self.record.rows_accepted += len(new) + len(known)
        self.record.rows_rejected += len(rejected)
        self.record.inserted += len(new)
        self.record.updated += len(known)
        self.db.add(self.record)
        self._save()

    def _known_unions(self, rows: list[Row], rejected: list[Rejected]) -> list[Row]:
        """The rows naming a grassroots union below the account (by code or full name), each
        given its union's id; the others rejected with the reason."""
        self.unions.look_outside({row.union for row in rows})
        kept = []
        for row in rows:
            try:
                row.union_id = self.unions.resolve(row.union).id
            except UnionProblem as problem:
                rejected.append(Rejected(row.line, problem.code, problem.reason, row_cells(row)))
            else:
                kept.append(row)
        return kept

    def _unique_in_chunk(self, rows: list[Row], rejected: list[Rejected]) -> list[Row]:
        first_line: dict[str, int] = {}
        kept = []
        for row in rows:
            if row.digest in first_line:
                rejected.append(Rejected(row.line, "duplicate_in_file",
                                         f"身份证号与第 {first_line[row.digest]} 行重复",
                                         row_cells(row)))
                continue
            first_line[row.digest] = row.line
            kept.append(row)
        return kept

    def _existing(self, rows: list[Row]) -> dict[str, dict]:
        if not rows:
            return {}
        digests = [row.digest for row in rows]
        if self.db.bind.dialect.name == "postgresql":
            # One array parameter instead of thousands: far less to send and to parse.
            matching = Member.id_hash == func.any(
                bindparam("digests", digests, type_=ARRAY(String)))
        else:
            matching = Member.id_hash.in_(digests)
        found = self.db.execute(
            select(Member.id_hash, Member.account_id, Member.last_import_id,
                   Member.last_import_line).where(matching))
        return {r.id_hash: r._asdict() for r in found}

    def _stage(self, new: list[Row], known: list[Row]) -> None:
        # Only new rows are encrypted: a known row has the same number (the hash matched).
        staged = [bulk.StagedRow(row.digest, row.union_id, row.name, row.mobile,
                                 self.keys.encrypt(row.number), row.join_date, row.line, False)
                  for row in new]
        staged += [bulk.StagedRow(row.digest, row.union_id, row.name, row.mobile, "",
                                  row.join_date, row.line, True) for row in known]
        bulk.write(self.db, staged, import_id=self.record.id, now=utcnow())

    def _reject(self, rejected: list[Rejected]) -> None:
        if not rejected:
            return
        rejected.sort(key=lambda r: r.line)
        room = self.reported - len(self.report.rejections)
        if room > 0:
            self.report.rejections.extend(rejected[:room])
        self.db.execute(insert(RollRejection.__table__), [
            {"import_id": self.record.id, "line": r.line, "code": r.code, "reason": r.reason,
             "cells": r.cells} for r in rejected])


def row_cells(row: Row) -> list[str]:
    """A parsed row rejected by the writer, as the report shows its cells (ID masked)."""
    return [row.name, masked_number(row.number), row.mobile or "", row.union,
            row.join_date.isoformat() if row.join_date else ""]


def plain_error(exc: Exception) -> str:
    # The type only: a driver's message can quote row values, and values here are personal.
    return f"导入中断（{type(exc).__name__}），已写入的行保留，可修正后重新导入"
