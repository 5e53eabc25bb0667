"""Roll imports as background jobs: the upload is looked at (format, header) and stored in
parts, the editor gets the job at once (202), and a worker (embedded scheduler or
`hub worker`) runs it off the request, chunk by chunk, keeping its progress and heartbeat on
the import's row and stopping between chunks when asked to. A job whose worker died (no
heartbeat for STALE) is marked failed; importing the file again completes it.

Taking a job is one conditional UPDATE (queued -> running): any number of workers poll, and
each job runs once. The uploaded parts are deleted when the job ends: the roll's personal
data lives on only in the members table.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import tempfile

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.services import record as audit
from hub.db import utcnow
from hub.errors import Conflict, HubError
from hub.members import identity, rolls
from hub.members.models import RollImport, RollUploadPart
from hub.members.roll_parsing import open_roll, read_columns
from hub.members.roll_writing import ImportCancelled, plain_error
from hub.users.models import User

log = logging.getLogger("hub.members.rolls")

PART_BYTES = 4 * 1024 * 1024
POLL_SECONDS = 2
STALE = dt.timedelta(minutes=10)  # far past the slowest chunk (and an XLSX's first row)
DIED = "导入中断（处理进程停止），已写入的行保留；请重新上传该文件以完成导入"
FINISHED = ("done", "failed", "cancelled")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


# --- in the request ----------------------------------------------------------------------

def first_look(stream, filename: str) -> str:
    """The roll's format, after reading just enough to refuse now (400/413) what the job
    would refuse anyway: an .xls, a broken or inflating workbook, a header missing a column,
    a file without rows."""
    fmt, rows = open_roll(stream, filename)
    try:
        read_columns(rows)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
        stream.seek(0)
    return fmt


def queue(db: Session, account: Account, stream, filename: str, *, actor,
          keys: identity.IdKeys) -> RollImport:
    """Store the upload (sealed: it is full of ID numbers) for a worker and return its
    queued import (committed)."""
    fmt = first_look(stream, filename)
    job = RollImport(account_id=account.id, user_id=actor.id if actor else None,
                     filename=(filename or "")[:200], format=fmt, state="queued",
                     rows_total=0, rows_accepted=0, rows_rejected=0, inserted=0, updated=0,
                     started_at=utcnow())
    db.add(job)
    db.flush()
    seq = 0
    while part := stream.read(PART_BYTES):
        db.add(RollUploadPart(import_id=job.id, seq=seq, data=keys.seal(part)))
        db.flush()
        seq += 1
    audit(db, actor=actor, action="roll.import", account_id=account.id,
          subject_type="roll_import", subject_id=job.id, filename=job.filename, format=fmt)
    db.commit()
    return job


def cancel(db: Session, job: RollImport, *, actor) -> RollImport:
    """A queued job ends now; a running one stops after its current chunk."""
    now = utcnow()
    ended = db.execute(update(RollImport).where(RollImport.id == job.id,
                                                RollImport.state == "queued")
                       .values(state="cancelled", finished_at=now,
                               error="已按要求取消，未导入任何行")).rowcount
    if ended:
        db.execute(delete(RollUploadPart).where(RollUploadPart.import_id == job.id))
    else:
        asked = db.execute(update(RollImport).where(RollImport.id == job.id,
                                                    RollImport.state == "running")
                           .values(cancel_requested=True)).rowcount
        if not asked:
            db.rollback()
            raise Conflict("该导入已经结束，无法取消", field="import")
    audit(db, actor=actor, action="roll.import.cancel", account_id=job.account_id,
          subject_type="roll_import", subject_id=job.id)
    db.commit()
    db.refresh(job)
    return job


def rate(job: RollImport, now: dt.datetime | None = None) -> float | None:
    """Rows read per second since the job started running (to its end, once ended)."""
    if job.running_at is None:
        return None
    until = job.finished_at or now or utcnow()
    seconds = (until - job.running_at).total_seconds()
    return round(job.rows_total / seconds, 1) if seconds > 0 else None


# --- in the worker -----------------------------------------------------------------------

def run_pending(sessions, keys: identity.IdKeys, *, worker: str | None = None,
                limit: int = 10) -> list[int]:
    """Run queued imports one after another (up to `limit`); returns the ids run."""
    worker = worker or worker_name()
    fail_stale(sessions)
    done = []
    for _ in range(limit):
        job_id = take(sessions, worker)
        if job_id is None:
            break
        run(sessions, job_id, keys)
        done.append(job_id)
    return done


def fail_stale(sessions) -> None:
    """Jobs whose worker stopped beating: failed, their parts deleted."""
    with sessions() as db:
        now = utcnow()
        stale = list(db.scalars(select(RollImport.id).where(
            RollImport.state == "running", RollImport.heartbeat_at < now - STALE)))
        if not stale:
            return
        db.execute(update(RollImport).where(RollImport.id.in_(stale),
                                            RollImport.state == "running")
                   .values(state="failed", error=DIED, finished_at=now))
        db.execute(delete(RollUploadPart).where(RollUploadPart.import_id.in_(stale)))
        db.commit()
    log.warning("roll imports %s: worker stopped; marked failed", stale)


def take(sessions, worker: str) -> int | None:
    """The oldest queued job, now running here; None when there is none (or another worker
    took it first)."""
    with sessions() as db:
        job_id = db.scalar(select(RollImport.id).where(RollImport.state == "queued")
                           .order_by(RollImport.id).limit(1))
        if job_id is None:
            return None
        now = utcnow()
        taken = db.execute(update(RollImport).where(RollImport.id == job_id,
                                                    RollImport.state == "queued")
                           .values(state="running", worker=worker, running_at=now,
                                   heartbeat_at=now)).rowcount
        db.commit()
    return job_id if taken else None


def run(sessions, job_id: int, keys: identity.IdKeys) -> None:
    """Import one taken job's file; however it ends, it ends (never left running) and its
    uploaded parts are deleted."""
    with sessions() as db, tempfile.TemporaryFile() as spool:
        job = db.get(RollImport, job_id)
        try:
            _spool(db, job_id, spool, keys)
            account = db.get(Account, job.account_id)
            actor = db.get(User, job.user_id) if job.user_id else None
            fmt, rows = open_roll(spool, job.filename)
            rolls.import_roll(db, account, rows, keys=keys, actor=actor,
                              filename=job.filename, fmt=fmt, record=job,
                              between_chunks=_checkpoint(db))
        except HubError as exc:  # what the first look could not see (rare): in its words
            db.rollback()
            _end(db, job, "failed", exc.message)
        except Exception as exc:  # only the type is logged: a message may quote a row
            db.rollback()
            log.error("roll import %s failed: %s", job_id, type(exc).__name__)
            _end(db, job, "failed", plain_error(exc))
        finally:
            db.rollback()
            db.execute(delete(RollUploadPart).where(RollUploadPart.import_id == job_id))
            db.commit()


def _spool(db: Session, job_id: int, spool, keys: identity.IdKeys) -> None:
    """The upload, unsealed into a temporary file (XLSX needs to seek)."""
    seqs = list(db.scalars(select(RollUploadPart.seq).where(RollUploadPart.import_id == job_id)
                           .order_by(RollUploadPart.seq)))
    for seq in seqs:  # one part in memory at a time
        spool.write(keys.unseal(db.scalar(select(RollUploadPart.data).where(
            RollUploadPart.import_id == job_id, RollUploadPart.seq == seq))))
    spool.seek(0)
    db.commit()


def _checkpoint(db: Session):
    def between_chunks(job: RollImport) -> None:
        job.heartbeat_at = utcnow()  # saved with the next chunk's commit
        asked = db.scalar(select(RollImport.cancel_requested).where(RollImport.id == job.id))
        if asked:
            raise ImportCancelled()
    return between_chunks


def _end(db: Session, job: RollImport, state: str, error: str | None) -> None:
    if job.state in FINISHED:
        return
    job.state, job.error, job.finished_at = state, error, utcnow()
    audit(db, actor=None, action=f"roll.import.{state}", account_id=job.account_id,
          subject_type="roll_import", subject_id=job.id, error=error)
    db.commit()
