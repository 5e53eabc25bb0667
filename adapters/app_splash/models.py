"""Tables of the app splash outlet: slots, items with their images, options, counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.ports import Base, UTCDateTime, utcnow

DEFAULT_SIZES = [[1080, 1920], [1242, 2688], [750, 1334], [1125, 2436]]


class SplashSlot(Base):
    """A place in the app that shows a splash (the launch screen); accounts reach it through
    splash outlets whose config names the slot."""

    __tablename__ = "splash_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # [[width, height], ...]: every item's image is drawn at each, from one upload.
    sizes: Mapped[list] = mapped_column(JSON, default=lambda: [list(s) for s in DEFAULT_SIZES])
    # Bumped whenever the slot's items change; the manifest's ETag starts from it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sha256 of the app key that signs the slot's impression and click reports in; NULL
    # until one is issued (`hub splash issue-key`), and then reports are refused without it.
    app_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)



class SplashItem(Base):
    """A promotion's splash in one slot through one outlet; kept after withdrawal so late
    impressions still count."""

    __tablename__ = "splash_items"
    __table_args__ = (UniqueConstraint("outlet_id", "post_id"),
                      Index("ix_splash_items_slot_live", "slot_id", "withdrawn_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("splash_slots.id", ondelete="CASCADE"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    post_version: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    regions: Mapped[list] = mapped_column(JSON, default=list)
    accounts: Mapped[list] = mapped_column(JSON, default=list)
    link: Mapped[dict] = mapped_column(JSON, default=dict)
    # The splash rules the app must follow (skip button, duration, tap area, no shake).
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    images: Mapped[list[SplashImage]] = relationship(cascade="all, delete-orphan",
                                               back_populates="item",
                                               order_by="SplashImage.width")


class SplashImage(Base):
    __tablename__ = "splash_images"
    __table_args__ = (UniqueConstraint("item_id", "width", "height"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("splash_items.id", ondelete="CASCADE"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))  # the hub's bytes
    # Copied from the stored file, so a playlist or manifest never reads the blobs.
    mime_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)

    item: Mapped[SplashItem] = relationship(back_populates="images")


class SplashEventBatch(Base):
    """An events batch already counted: the app may resend after a lost answer."""

    __tablename__ = "splash_event_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(64), unique=True)
    events: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SplashDailyCount(Base):
    """Impressions, clicks and skips of one item on one day (Asia/Shanghai)."""

    __tablename__ = "splash_daily_counts"
    __table_args__ = (UniqueConstraint("item_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    post_id: Mapped[int | None] = mapped_column(Integer, index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    skips: Mapped[int] = mapped_column(Integer, default=0)


class SplashMemberDay(Base):
    """How often one member saw one item on one day, for the daily cap. The member is kept
    as a hash: the hub needs to recognise them, not to know who they are."""

    __tablename__ = "splash_member_days"
    __table_args__ = (UniqueConstraint("member_hash", "day", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_hash: Mapped[str] = mapped_column(String(64))
    day: Mapped[dt.date] = mapped_column(Date)
    item_id: Mapped[int] = mapped_column(Integer)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
