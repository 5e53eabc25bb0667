"""Tables for campaigns: the campaign, its pre-created slots (red packets, voucher codes,
course seats, quiz prizes), members' claims, and partner merchants who redeem vouchers.

Stock is never a counter. Each unit is a row of `campaign_slots` created when the campaign
opens; a claim takes one free row (on PostgreSQL with FOR UPDATE SKIP LOCKED from a random
starting point), so concurrent claims lock different rows and none can oversell. A member's
limit is a unique key: claims are numbered 1..limit per (campaign, member).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow


class Kind:
    red_packet = "red_packet"
    voucher = "voucher"
    ticket = "ticket"
    course = "course"
    quiz = "quiz"

    ALL = ("red_packet", "voucher", "ticket", "course", "quiz")
    WITH_CODES = ("voucher", "ticket")
    # As editors and members read them (the console, the landing page).
    LABELS = {"red_packet": "红包雨", "voucher": "优惠券", "ticket": "电影票",
              "course": "课程报名", "quiz": "答题抽奖"}


class CampaignState:
    draft = "draft"  # being prepared; its promotion post is not live
    open = "open"  # the post is live: claims are taken within the window
    closed = "closed"  # the post was withdrawn or expired


class Approval:
    """A second person's decision on a campaign's terms (money, stock, window, eligibility):
    until it is `approved` the campaign does not open, whatever its post's state."""

    pending = "pending"  # awaiting a reviewer or admin who is not its creator or editor
    approved = "approved"
    rejected = "rejected"  # sent back with a note; an edit puts it back to pending

    LABELS = {"pending": "待审批", "approved": "已审批", "rejected": "已退回"}


class ClaimStatus:
    claimed = "claimed"  # a red packet, a voucher/ticket code, a course seat
    waitlisted = "waitlisted"  # a full course: waiting for a seat
    passed = "passed"  # a quiz passed, waiting for the draw
    won = "won"  # a quiz prize (instant or drawn)
    lost = "lost"  # a quiz passed without a prize
    cancelled = "cancelled"  # a seat or waitlist place given up

    # What still counts against a member's limit.
    ACTIVE = ("claimed", "waitlisted", "passed", "won", "lost")


class Merchant(Base):
    """A partner merchant that redeems vouchers (核销) with its own API key."""

    __tablename__ = "campaign_merchants"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # sha256 of the key: a leaked database does not leak usable keys. The key is printed once.
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    key_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=CampaignState.draft, index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    per_member_limit: Mapped[int] = mapped_column(Integer, default=1)
    # Account codes whose subtrees may claim besides the campaign account's own subtree.
    regions: Mapped[list] = mapped_column(JSON, default=list)
    # red_packet: the budget split into `units` packets; voucher/ticket/course/quiz: stock,
    # seats or prizes.
    units: Mapped[int] = mapped_column(Integer, default=0)
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    face_value_fen: Mapped[int | None] = mapped_column(Integer)
    merchant_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_merchants.id"))
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # course
    course_starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    remind_minutes: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[str] = mapped_column(String(200), default="")
    # quiz: [{"id", "text", "choices": [...], "answer": index}], pass mark in right answers
    questions: Mapped[list] = mapped_column(JSON, default=list)
    pass_mark: Mapped[int | None] = mapped_column(Integer)
    quiz_mode: Mapped[str | None] = mapped_column(String(8))  # instant | draw
    win_chance: Mapped[float | None] = mapped_column(Float)
    draw_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The seed that makes instant wins and the draw reproducible from the record.
    seed: Mapped[str] = mapped_column(String(64), default="")
    drawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Four eyes on money: who approved the current terms, and who changed them since.
    approval: Mapped[str] = mapped_column(String(16), default=Approval.pending,
                                          server_default=Approval.pending)
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approval_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Users who changed the terms since the last approval (the creator is always excluded
    # from approving besides them).
    changed_by: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "redis" once its stock was loaded into Redis (hub.campaigns.redis_claims): from then on
    # only Redis hands out its slots, and the database's claim path stays away from them.
    decided_in: Mapped[str | None] = mapped_column(String(8))


class Ceiling(Base):
    """An account's ceiling on one campaign, set by its admin: above it, only an admin of
    the parent account may approve. No row (or a None field) means no ceiling."""

    __tablename__ = "campaign_ceilings"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    # The money a campaign gives: a red-packet budget, or face value × stock.
    budget_fen: Mapped[int | None] = mapped_column(BigInteger)
    # Packets, codes, seats or prizes.
    stock: Mapped[int | None] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


FREE = text("claim_id IS NULL")


class Slot(Base):
    """One unit of stock: a red packet (amount), a voucher (code), a seat or a prize."""

    __tablename__ = "campaign_slots"
    __table_args__ = (
        UniqueConstraint("campaign_id", "number"),
        # Free slots only: a claim's scan skips the taken ones without reading them.
        Index("ix_campaign_slots_free", "campaign_id", "number",
              postgresql_where=FREE, sqlite_where=FREE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    claim_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_merchants.id"))


class Claim(Base):
    """A member's claim and the answer they got, returned again for a repeated request id."""

    __tablename__ = "campaign_claims"
    __table_args__ = (
        # The limit: claims numbered 1..limit; a cancelled claim gives its number back (NULL).
        UniqueConstraint("campaign_id", "member_id", "nth"),
        UniqueConstraint("campaign_id", "member_id", "request_id"),
        Index("ix_campaign_claims_campaign_id_status_id", "campaign_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("member_identities.id"))
    request_id: Mapped[str] = mapped_column(String(64))
    nth: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_slots.id"))
    score: Mapped[int | None] = mapped_column(Integer)
    # The body first answered, so a repeated request gets exactly it.
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
