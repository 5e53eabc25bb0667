"""Tables of the WeChat adapter: shared access tokens, what each delivery has on WeChat,
daily call counts, followers per union account, and callbacks already handled."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.ports import Base, UTCDateTime, utcnow


class WeChatAccessToken(Base):
    """One access token per app for every process; `holder` is whoever may refresh it now."""

    __tablename__ = "wechat_access_tokens"

    appid: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_encrypted: Mapped[str | None] = mapped_column(Text)  # Fernet, as outlet secrets
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(100))
    held_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refreshes: Mapped[int] = mapped_column(Integer, default=0)


class WeChatPublication(Base):
    """What one delivery has on WeChat: its draft, its publish job, its article.

    Written before and after each step, so a retry knows what WeChat already has and never
    publishes the same delivery twice.
    """

    __tablename__ = "wechat_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    appid: Mapped[str] = mapped_column(String(32), index=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    # drafted -> submitting -> submitted -> published | failed | deleted
    status: Mapped[str] = mapped_column(String(16), default="new")
    thumb_media_id: Mapped[str | None] = mapped_column(String(200))
    draft_media_id: Mapped[str | None] = mapped_column(String(200))
    publish_id: Mapped[str | None] = mapped_column(String(64), index=True)
    publish_status: Mapped[int | None] = mapped_column(Integer)
    article_id: Mapped[str | None] = mapped_column(String(200))
    article_url: Mapped[str | None] = mapped_column(String(1000))
    submit_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checks: Mapped[int] = mapped_column(Integer, default=0)  # freepublish/get asked
    mass_draft_media_id: Mapped[str | None] = mapped_column(String(200))
    mass_msg_id: Mapped[str | None] = mapped_column(String(64))
    mass_note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WeChatCallUsage(Base):
    """Calls of a rationed API (freepublish/get: 100 a day) per app and Beijing day."""

    __tablename__ = "wechat_call_usage"

    appid: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # 2026-11-24, Beijing
    api: Mapped[str] = mapped_column(String(40), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class WeChatFollower(Base):
    """A follower of an official account and the union account they came through
    (a parametric QR code `qrscene_<account code>`; the outlet's own account otherwise)."""

    __tablename__ = "wechat_followers"
    __table_args__ = (UniqueConstraint("appid", "openid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appid: Mapped[str] = mapped_column(String(32))
    openid: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    scene: Mapped[str | None] = mapped_column(String(64))
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    followed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    unfollowed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class WeChatInbound(Base):
    """A callback already handled (WeChat repeats a push it thinks went unanswered)."""

    __tablename__ = "wechat_inbound"
    __table_args__ = (UniqueConstraint("appid", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appid: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class WeChatSubscribeNotice(Base):
    """One subscribe message to one member: sent, refused by WeChat (the member has no
    allowance left) or failed, with WeChat's answer. Unique per (post, member, template), so
    a post reaching several accounts the member follows, or a retried delivery, sends once."""

    __tablename__ = "wechat_subscribe_notices"
    __table_args__ = (UniqueConstraint("post_id", "identity_id", "template"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # "news", or "course_reminder:<campaign id>" (one reminder per course, however many
    # courses a promotion post carries).
    template: Mapped[str] = mapped_column(String(32), default="news")
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("member_identities.id", ondelete="CASCADE"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # sent, refused, failed
    msgid: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
