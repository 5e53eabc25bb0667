"""Tables for union accounts and their ordered columns (栏目)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db import Base, UTCDateTime, utcnow


class Level(enum.StrEnum):
    province = "province"
    city = "city"
    district = "district"
    town = "town"
    street = "street"
    grassroots = "grassroots"


# A child's level must sit below its parent's; district, town and street are one tier.
LEVEL_TIER = {
    Level.province: 0,
    Level.city: 1,
    Level.district: 2,
    Level.town: 2,
    Level.street: 2,
    Level.grassroots: 3,
}


class Account(Base):
    __tablename__ = "accounts"
    # text_pattern_ops lets PostgreSQL use the index for "path LIKE 'prefix%'" in any collation.
    __table_args__ = (
        Index("ix_accounts_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    # "/1/4/17/": ancestors and self, so a subtree is one indexed LIKE 'prefix%' query.
    path: Mapped[str] = mapped_column(String(400))
    short_name: Mapped[str | None] = mapped_column(String(30))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    theme_color: Mapped[str] = mapped_column(String(7), default="#C8102E")
    intro: Mapped[str] = mapped_column(Text, default="")
    requires_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Account | None] = relationship(remote_side=[id])
    columns: Mapped[list[Column]] = relationship(
        back_populates="account", order_by="Column.position", cascade="all, delete-orphan"
    )

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def is_within(self, other: Account) -> bool:
        return self.path.startswith(other.path)


class Column(Base):
    __tablename__ = "account_columns"
    __table_args__ = (UniqueConstraint("account_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[Account] = relationship(back_populates="columns")


class Topic(Base):
    """A topic (专题): a named, ordered collection of posts with its own page on the account's
    site and in the mini-program, shown while its window is open and it is not closed."""

    __tablename__ = "account_topics"
    __table_args__ = (Index("ix_account_topics_account_id_position", "account_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text, default="")
    cover_media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Closed by an editor: off every page at once, kept (with its posts) to reopen.
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship()
    entries: Mapped[list[TopicPost]] = relationship(
        order_by="TopicPost.position", cascade="all, delete-orphan")


class TopicPost(Base):
    """A post in a topic, at its place in the topic's order."""

    __tablename__ = "account_topic_posts"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("account_topics.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ServiceLink(Base):
    """A link to a local service (链接本地服务资源: 法律援助, 职工书屋 booking, a partner's H5
    or mini-program), configured by the account's admin and shown on its pages and on those
    of every account beneath it that does not hide it."""

    __tablename__ = "account_service_links"
    __table_args__ = (Index("ix_account_service_links_account_id_position",
                            "account_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    icon: Mapped[str] = mapped_column(String(20))
    # "web": `url` (https) opens; "miniprogram": `mp_path` in the mini-program `mp_appid`
    # (None: the 粤工惠 mini-program itself).
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(500))
    mp_appid: Mapped[str | None] = mapped_column(String(32))
    mp_path: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship()


class HiddenServiceLink(Base):
    """An account beneath a link's owner that does not show it (nor do accounts beneath it)."""

    __tablename__ = "account_service_link_hides"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("account_service_links.id", ondelete="CASCADE"), primary_key=True,
        index=True)
