"""Tables for the KPIs: one row per account per day, rolled up over the account's subtree, the
members counted active today (to count each once), and when each account was opened.

`kpi_daily` holds two kinds of figures:
- flows, added to as events happen (reads, active members, LED plays, splash impressions and
  clicks) or written by the scheduler for closed days (welfare value delivered);
- levels (accounts opened, members imported and verified), the state at `snapshot_at`, which
  the scheduler writes every quarter hour; the API adds what changed since then.
Every row is the account's whole subtree, so an answer reads one row per day whatever the size
of the tree beneath.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, UTCDateTime
from hub.members.models import Member

# Counted as they happen (hub.kpis.counting), in this order in every answer.
EVENT_METRICS = ("reads", "active_members", "led_plays", "splash_impressions", "splash_clicks")
# The state at a snapshot: accounts opened, members on the rolls and verified.
LEVEL_METRICS = ("accounts_opened", "members_imported", "members_verified")
# Written per closed day by the scheduler, today's counted live.
WELFARE = "welfare_value_fen"


class KpiDay(Base):
    """An account's figures on one day (Beijing time), over its whole subtree."""

    __tablename__ = "kpi_daily"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reads: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    active_members: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    led_plays: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    splash_impressions: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    splash_clicks: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    welfare_value_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    accounts_opened: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    members_imported: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    members_verified: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # When the levels were taken; None: this row has only flows so far (levels carry over
    # from the day's refresh, see KpiRefresh, or from the last day that had one).
    snapshot_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class KpiRefresh(Base):
    """When the scheduler last took the levels on a day: an account with no row that day had
    none then. The last one is where an answer starts counting what changed."""

    __tablename__ = "kpi_refreshes"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class KpiActiveMember(Base):
    """A member counted active on a day: the day's set, kept two days, never a request log."""

    __tablename__ = "kpi_active_members"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    identity_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class KpiOutletReads(Base):
    """Reads an outlet's own figures gave for a day (WeChat's datacube, pulled the next day
    by the adapter): kept so a pull repeated or corrected replaces its figure in `kpi_daily`
    instead of adding it twice."""

    __tablename__ = "kpi_outlet_reads"

    outlet_id: Mapped[int] = mapped_column(
        ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reads: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    pulled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class KpiAccountOpening(Base):
    """When an account was opened: its first outlet bound, or its first editor at work."""

    __tablename__ = "kpi_account_openings"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    how: Mapped[str] = mapped_column(String(16))  # "outlet" | "editor"


# What changed on the rolls since a snapshot: the few rows imported or verified after it,
# found by time without reading a province's ten million members.
members = Member.__table__
Index("ix_members_imported_at", members.c.imported_at)
Index("ix_members_verified_at", members.c.verified_at,
      postgresql_where=text("verified_at IS NOT NULL"),
      sqlite_where=text("verified_at IS NOT NULL"))
