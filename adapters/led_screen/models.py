"""Tables of the LED outlet: screens, groups, playlist items, rendered files, proof of play."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.ports import Base, UTCDateTime, utcnow


class Screen(Base):
    """One controller and the LED canvas it drives, at its exact pixel size."""

    __tablename__ = "led_screens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(200), default="")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    orientation: Mapped[str] = mapped_column(String(16), default="landscape")
    controller: Mapped[str] = mapped_column(String(16), default="generic")
    # Controllers that draw scrolling text themselves get text items instead of pictures.
    draws_text: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"at": "07:00", "percent": 80}, ...] in Asia/Shanghai; the controller applies them.
    brightness: Mapped[list] = mapped_column(JSON, default=list)
    on_time: Mapped[str | None] = mapped_column(String(5))
    off_time: Mapped[str | None] = mapped_column(String(5))
    poll_seconds: Mapped[int] = mapped_column(Integer, default=60)
    # Polls closer together than this get 429 with Retry-After.
    min_poll_seconds: Mapped[int] = mapped_column(Integer, default=5)
    # sha256 of the device token; NULL when revoked or never issued. Indexed: every poll
    # starts with this lookup.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    token_revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Bumped whenever what this screen must show changes; the ETag is built from it.
    playlist_version: Mapped[int] = mapped_column(Integer, default=1)
    last_poll_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reported_status: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    groups: Mapped[list[ScreenGroup]] = relationship(secondary="led_group_screens",
                                                     back_populates="screens")


class ScreenGroup(Base):
    __tablename__ = "led_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    screens: Mapped[list[Screen]] = relationship(secondary="led_group_screens",
                                                 back_populates="groups",
                                                 order_by="Screen.code")


class LedGroupScreen(Base):
    __tablename__ = "led_group_screens"

    group_id: Mapped[int] = mapped_column(ForeignKey("led_groups.id", ondelete="CASCADE"),
                                          primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("led_screens.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)


class LedPairing(Base):
    """A short code a new controller shows on its canvas until an editor claims it."""

    __tablename__ = "led_pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    # sha256 of the secret only the controller holds; it trades it for a token once claimed.
    claim_hash: Mapped[str] = mapped_column(String(64), unique=True)
    screen_id: Mapped[int | None] = mapped_column(
        ForeignKey("led_screens.id", ondelete="CASCADE"))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedItem(Base):
    """A post's LED form on one outlet (a group or a screen); kept after withdrawal so late
    proof-of-play still finds its post."""

    __tablename__ = "led_items"
    __table_args__ = (UniqueConstraint("outlet_id", "post_id"),
                      Index("ix_led_items_outlet_live", "outlet_id", "withdrawn_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    post_version: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(16), default="normal")  # normal|interrupt|default
    form: Mapped[str] = mapped_column(String(8), default="auto")  # auto|image|text|video
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    duration_seconds: Mapped[int] = mapped_column(Integer, default=10)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    share_of_voice: Mapped[int] = mapped_column(Integer, default=100)
    schedule: Mapped[list] = mapped_column(JSON, default=list)
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Text style for controllers that draw text; video passed through as given.
    text_style: Mapped[dict] = mapped_column(JSON, default=dict)
    video: Mapped[dict | None] = mapped_column(JSON)
    # Screens of the outlet this item cannot be shown on, with the reason (editors see it).
    skipped: Mapped[dict] = mapped_column(JSON, default=dict)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    renditions: Mapped[list[LedRendition]] = relationship(cascade="all, delete-orphan",
                                                       back_populates="item")


class LedRendition(Base):
    """The item drawn at one canvas size."""

    __tablename__ = "led_renditions"
    __table_args__ = (UniqueConstraint("item_id", "width", "height"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("led_items.id", ondelete="CASCADE"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))  # the hub's bytes
    # Copied from the stored file, so a playlist or manifest never reads the blobs.
    mime_type: Mapped[str] = mapped_column(String(40))
    byte_size: Mapped[int] = mapped_column(Integer)

    item: Mapped[LedItem] = relationship(back_populates="renditions")


class LedPlayBatch(Base):
    """A proof-of-play batch already counted: the same batch sent again counts once."""

    __tablename__ = "led_play_batches"
    __table_args__ = (UniqueConstraint("screen_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("led_screens.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(String(64))
    records: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedPlayHour(Base):
    """Plays of one item on one screen within one hour (UTC), summed from the batches."""

    __tablename__ = "led_play_hours"
    __table_args__ = (UniqueConstraint("screen_id", "item_id", "hour"),
                      Index("ix_led_play_hours_post", "post_id", "hour"))

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("led_screens.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(Integer)
    post_id: Mapped[int | None] = mapped_column(Integer)
    hour: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    plays: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[int] = mapped_column(Integer, default=0)



class XiboDisplay(Base):
    """A Xibo-compatible player known by its hardware key: it waits until an admin approves
    it as a screen of an account (or refuses it); then it gets what that screen gets."""

    __tablename__ = "led_xibo_displays"

    id: Mapped[int] = mapped_column(primary_key=True)
    hardware_key: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    client_type: Mapped[str] = mapped_column(String(40), default="")
    client_version: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[str] = mapped_column(String(16), default="waiting")  # waiting|approved|refused
    screen_id: Mapped[int | None] = mapped_column(
        ForeignKey("led_screens.id", ondelete="SET NULL"), unique=True)
    # The canvas the player said it has (NotifyStatus), used when it is approved.
    reported_width: Mapped[int | None] = mapped_column(Integer)
    reported_height: Mapped[int | None] = mapped_column(Integer)
    # What the player said last (NotifyStatus, MediaInventory, SubmitLog), bounded.
    status: Mapped[dict] = mapped_column(JSON, default=dict)
    screenshot_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    screenshot_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedOperatedSlot(Base):
    """A rented billboard's slot: the operator plays the hub's packages and reports back."""

    __tablename__ = "led_operated_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("led_screens.id", ondelete="CASCADE"),
                                           unique=True)
    operator: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200), default="")
    seconds_per_loop: Mapped[int] = mapped_column(Integer)
    loops_per_hour: Mapped[int] = mapped_column(Integer)
    from_date: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD, Asia/Shanghai
    to_date: Mapped[str] = mapped_column(String(10))
    start: Mapped[str] = mapped_column(String(5), default="00:00")  # daily hours
    end: Mapped[str] = mapped_column(String(5), default="24:00")
    # Where the operator is told of a withdrawal (a signed POST); empty: nobody is told.
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedOperatorVideo(Base):
    """An item's slide as the MP4 an operator plays (its canvas, the slot's seconds), made
    once and kept: the checksum on the schedule sheet and in play reports must not change
    when a newer encoder would write other bytes."""

    __tablename__ = "led_operator_videos"
    __table_args__ = (UniqueConstraint("item_id", "post_version", "width", "height", "seconds",
                                       name="uq_led_operator_videos_version_canvas"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("led_items.id", ondelete="CASCADE"),
                                         index=True)
    post_version: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    md5: Mapped[str] = mapped_column(String(32))
    byte_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
