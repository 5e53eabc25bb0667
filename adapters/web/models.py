"""Tables of the union websites: what each site shows (one entry per site and post) and the
API keys of partner websites that read them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.ports import Base, UTCDateTime, utcnow


class WebEntry(Base):
    """A post as one site shows it. Withdrawing keeps the row as a tombstone (`live` false) so
    partners asking "what changed since" hear about the removal too."""

    __tablename__ = "web_entries"
    __table_args__ = (
        UniqueConstraint("outlet_id", "post_id"),
        Index("ix_web_entries_site_listing", "outlet_id", "live", "published_at"),
        Index("ix_web_entries_changes", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # Where the post was written; differs from account_id when it was pushed down (下发).
    origin_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    # The delivery that put this version here: only that delivery's withdrawal takes it down,
    # so a late withdrawal of an older version never removes a newer one.
    delivery_key: Mapped[str] = mapped_column(String(128))
    live: Mapped[bool] = mapped_column(Boolean, default=True)
    kind: Mapped[str] = mapped_column(String(16), default="article")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    column_slug: Mapped[str | None] = mapped_column(String(40))
    cover_url: Mapped[str | None] = mapped_column(String(1000))
    link_url: Mapped[str | None] = mapped_column(String(1000))
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PartnerKey(Base):
    """An API key of a partner website, good for one account and everything beneath it.
    Only the key's sha256 is kept; `hint` (its first characters) tells keys apart."""

    __tablename__ = "web_partner_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    partner: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
