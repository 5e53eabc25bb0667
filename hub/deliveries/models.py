"""Tables for deliveries (one per post version and target), every attempt, and post reach."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow
from hub.outlets.models import Outlet

STATES = ("pending", "sending", "delivered", "retrying", "failed", "withdrawn")
# States a worker takes up: due pending/retrying rows, and sending rows whose lease ran out.
TAKEABLE = ("pending", "retrying", "sending")


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # the outlet's account
    channel: Mapped[str] = mapped_column(String(32))
    # What the worker must bring about: the post on the outlet, off it, or an event sent.
    goal: Mapped[str] = mapped_column(String(16), default="publish")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the row is next due; while "sending" it is the lease's end.
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    external_url: Mapped[str | None] = mapped_column(String(1000))
    replaces_external_id: Mapped[str | None] = mapped_column(String(200))
    event: Mapped[dict | None] = mapped_column(JSON)  # for goal "notify"
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    outlet: Mapped[Outlet] = relationship()


class DeliveryAttempt(Base):
    """One try at one delivery: who, when, and how it ended (healthchecks-style send log)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    goal: Mapped[str] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))  # ok, transient, permanent, ...
    error: Mapped[str | None] = mapped_column(Text)


class PostReach(Base):
    """An account a published post reached; `pushed` marks posts that came from above (下发)."""

    __tablename__ = "post_reach"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True)
    pushed: Mapped[bool] = mapped_column(Boolean, default=False)
