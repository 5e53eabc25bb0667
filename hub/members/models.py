"""Tables for members: the rolls unions import, the WeChat users who sign in, their follows,
verification attempts, roll imports with their rejected rows, and daily stats per account.

Two people-tables on purpose: `members` is the roll (what a union says about a person, keyed
by the hash of their ID number); `member_identities` is whoever signs in through WeChat. A
successful verification ties an identity to a roll entry. Follows belong to the identity, so
someone can read and follow before verifying.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime, utcnow
from hub.posts.models import Post


class MemberState:
    imported = "imported"  # on a roll, never seen in the app
    registered = "registered"  # signed in through WeChat with the roll's mobile number
    verified = "verified"  # passed real-name verification against the roll


class Member(Base):
    __tablename__ = "members"
    # Most roll entries never sign in: partial indexes skip their NULLs (a million rows
    # imported means two fewer index entries each).
    __table_args__ = (
        Index("uq_members_openid", "openid", unique=True,
              postgresql_where=text("openid IS NOT NULL"),
              sqlite_where=text("openid IS NOT NULL")),
        Index("ix_members_unionid", "unionid", postgresql_where=text("unionid IS NOT NULL"),
              sqlite_where=text("unionid IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The grassroots union (基层工会) whose roll the member is on.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    mobile: Mapped[str | None] = mapped_column(String(20), index=True)
    # HMAC-SHA256 of the ID number under a key derived from the hub's secret: for matching.
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The number encrypted with hub.crypto: only ever decrypted to show it masked.
    id_encrypted: Mapped[str] = mapped_column(Text)
    join_date: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default=MemberState.imported)
    openid: Mapped[str | None] = mapped_column(String(64))
    unionid: Mapped[str | None] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Which import last wrote the row, and from which line: finds duplicates within one file
    # without keeping the file's numbers in memory.
    last_import_id: Mapped[int | None] = mapped_column(Integer)
    last_import_line: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberIdentity(Base):
    """A WeChat user of the mini-program (by openid), once they have signed in."""

    __tablename__ = "member_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberFollow(Base):
    """An identity follows an account; `own` marks their union and its chain (not removable)."""

    __tablename__ = "member_follows"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("member_identities.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True)
    own: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberSubscription(Base):
    """How many subscribe messages (订阅消息) of one template a member allowed and are unsent.

    WeChat lets a mini-program send one message per "allow" tap; the mini-program reports
    each tap here, and every message sent uses one up."""

    __tablename__ = "member_subscriptions"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("member_identities.id", ondelete="CASCADE"), primary_key=True)
    template: Mapped[str] = mapped_column(String(32), primary_key=True)
    allowances: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class VerificationAttempt(Base):
    """One real-name verification attempt, counted under each key it is limited by."""

    __tablename__ = "member_verification_attempts"
    __table_args__ = (Index("ix_member_verification_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "identity:12", "openid:o6_b…", "unionid:…", "id:<hash>": never an ID number itself.
    key: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)


class RollImport(Base):
    """One uploaded roll and its outcome."""

    __tablename__ = "member_imports"
    __table_args__ = (Index("ix_member_imports_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    format: Mapped[str] = mapped_column(String(8), default="csv")
    # queued (uploaded, waiting for a worker), running, done, failed, cancelled
    state: Mapped[str] = mapped_column(String(16), default="running")
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The background job (hub.members.roll_jobs): who runs it, since when, alive when.
    running_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())


class RollUploadPart(Base):
    """A piece of an uploaded roll waiting for its import; deleted when the import ends."""

    __tablename__ = "member_import_parts"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("member_imports.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RollRejection(Base):
    """A row of a roll that was not taken, with its line number and the reason (no ID number)."""

    __tablename__ = "member_import_rejections"
    __table_args__ = (Index("ix_member_import_rejections_import_id_line", "import_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("member_imports.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(200))
    # The row's cells as read, the ID number masked, for the rejection report.
    cells: Mapped[list | None] = mapped_column(JSON)


class MemberStatsDay(Base):
    """An account's figures on one day, rolled up over its subtree: the history unions report."""

    __tablename__ = "member_stats_daily"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    registered: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)


# The merged feed (hub.members.feed) walks each followed account's published posts newest
# first, and each account above them for its pushed-down posts, stopping after a page: these
# partial indexes on posts make each walk a few index pages however many posts there are.
posts = Post.__table__
PUBLISHED = text("state = 'published'")
PUBLISHED_AND_PUSHED = text("state = 'published' AND push_down IS NOT NULL")
Index("ix_posts_feed", posts.c.account_id, posts.c.published_at, posts.c.id,
      postgresql_where=PUBLISHED, sqlite_where=PUBLISHED)
Index("ix_posts_feed_pushed", posts.c.account_id, posts.c.published_at, posts.c.id,
      postgresql_where=PUBLISHED_AND_PUSHED, sqlite_where=PUBLISHED_AND_PUSHED)
