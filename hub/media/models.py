"""Tables for media metadata and their bytes, and the content-addressed blobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class Media(Base):
    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("account_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    # Where a crop must stay, as fractions of the displayed width and height (see
    # content.layout.focal); found on upload, an editor may move it. None: the middle.
    focal_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    focal_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Bytes live in the row so scale-out processes on other machines need no shared disk.
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def focal(self) -> tuple[float, float] | None:
        if self.focal_x is None or self.focal_y is None:
            return None
        return (self.focal_x, self.focal_y)


class Blob(Base):
    """Bytes named by their sha256, stored once whoever needs them (an LED screen's drawn
    card, a splash image): a URL built from the hash never changes meaning. Read and write
    them through hub.media.blobs."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    byte_size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
