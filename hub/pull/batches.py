"""Reports devices send in batches (proof of play, impressions): each batch is counted once
however often it is resent, times in the future are refused, and per-period totals are
added to with an upsert.

A device resends a batch whenever it did not see the answer; a row per batch id, written in
the same transaction as the counts, is what makes the second send change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db import utcnow
from hub.errors import BadRequest

BatchId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                               description="批次号；同一批次重复上报只计一次")]
FUTURE_SLACK = dt.timedelta(days=1)  # device clocks drift; a day ahead is a wrong clock


class BatchIn(BaseModel):
    """A report batch; subclasses add the list of records."""

    model_config = ConfigDict(extra="forbid")
    batch_id: BatchId


class BatchOut(BaseModel):
    batch_id: str
    accepted: int
    duplicate: bool


def refuse_future(times: Iterable[dt.datetime], field: str, message: str) -> None:
    """BadRequest naming the first time more than a day ahead; `field` is formatted with
    the record's index (e.g. "plays.{}.started_at")."""
    latest = utcnow() + FUTURE_SLACK
    for index, when in enumerate(times):
        if when > latest:
            raise BadRequest(message, field=field.format(index))


def count_once(db: Session, marker, batch_id: str, size: int, count: Callable[[], None],
               out: type[BatchOut]) -> BatchOut:
    """Add `marker` (the batch's row, unique by batch id) and run `count` with it; a batch
    already counted rolls back and is answered as a duplicate."""
    try:
        db.add(marker)
        db.flush()
    except IntegrityError:
        db.rollback()
        return out(batch_id=batch_id, accepted=0, duplicate=True)
    count()
    return out(batch_id=batch_id, accepted=size, duplicate=False)


def upsert_insert(db: Session):
    """The dialect's `insert` (with on_conflict_do_update) for the session's database."""
    if db.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
