"""Tables for attribution: the 地推 codes unions print, each member's first visit to a campaign
with the source that brought them (and anonymous visits to the public landing page), and each
member's first and last source, the member who shared with them, and the source that was
last before they verified."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class PromoCode(Base):
    """A 地推 code: one event in one place (a town's square on a Saturday), for one campaign.
    Its mini-program code image is fetched once and kept (WeChat makes it the same each
    time; a poster drawn again needs no second call)."""

    __tablename__ = "promo_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    name: Mapped[str] = mapped_column(String(60))
    place: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    wxacode_image: Mapped[bytes | None] = mapped_column(LargeBinary)


class CampaignVisit(Base):
    """A visit to a campaign with its source: one row per member (their first visit; a
    member's later visits change their last source, not the funnel), and one row per
    view of the public landing page (no member known there)."""

    __tablename__ = "campaign_visits"
    __table_args__ = (
        # NULLs are distinct in a unique index on SQLite and PostgreSQL alike: anonymous
        # landing views all fit, a member fits once per campaign.
        Index("uq_campaign_visits_member", "campaign_id", "identity_id", unique=True),
        Index("ix_campaign_visits_source", "campaign_id", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_identities.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberSource(Base):
    """Where one member came from: the first source that brought them, the latest one, who
    shared with them first, and the source in force (within the window) when they
    verified their real name."""

    __tablename__ = "member_sources"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("member_identities.id", ondelete="CASCADE"), primary_key=True)
    first_source: Mapped[str] = mapped_column(String(32))
    first_campaign_id: Mapped[int | None] = mapped_column(Integer)
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_source: Mapped[str] = mapped_column(String(32))
    last_campaign_id: Mapped[int | None] = mapped_column(Integer)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_identities.id", ondelete="SET NULL"))
    verified_source: Mapped[str | None] = mapped_column(String(32))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
