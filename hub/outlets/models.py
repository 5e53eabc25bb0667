"""The outlets table: one endpoint of one channel, owned by one account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.accounts.models import Account
from hub.db import Base, UTCDateTime, utcnow


class Outlet(Base):
    __tablename__ = "outlets"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    # The outlet's own identity within its channel: an appid, a site code, a screen group.
    key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(100))
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    # Credentials (app secrets, signing keys), Fernet-encrypted with the hub's key.
    secret_encrypted: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when the outlet's credentials stop working; cleared when an admin fixes them.
    broken_reason: Mapped[str | None] = mapped_column(Text)
    broken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship()
