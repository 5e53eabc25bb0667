"""Content-addressed bytes any adapter may keep: put bytes, get back their sha256; get the
bytes and their content type by that sha256. One table (`blobs`) for the whole hub."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.media.models import Blob


def put(db: Session, data: bytes, content_type: str) -> str:
    """Store `data` unless it is already there (by anyone); returns its sha256. Part of the
    caller's transaction; two writers storing the same bytes at once are both fine."""
    sha256 = hashlib.sha256(data).hexdigest()
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(dialect.insert(Blob).values(
        sha256=sha256, content_type=content_type, byte_size=len(data), data=data,
    ).on_conflict_do_nothing(index_elements=["sha256"]))
    return sha256


def get(db: Session, sha256: str) -> tuple[bytes, str] | None:
    """(bytes, content type) stored under `sha256`, or None."""
    row = db.execute(select(Blob.data, Blob.content_type).where(Blob.sha256 == sha256)).first()
    return (row.data, row.content_type) if row else None
