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
