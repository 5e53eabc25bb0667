"""Member figures per account, rolled up the tree: imported, registered, verified and the
real-name rate (verified ÷ imported), now and day by day (the history unions report).

Today's figures are counted from the rolls; earlier days come from daily snapshots
(member_stats_daily), written by `take_snapshot` after each import and by whoever schedules it
once a day, and backfilled by the demo with the figures unions reported before the hub.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.clock import SHANGHAI
from hub.db import utcnow
from hub.members.models import Member, MemberStatsDay


@dataclass
class Figures:
    imported: int = 0
    registered: int = 0
    verified: int = 0

    @property
    def rate(self) -> float:
        """Real-name rate in percent, two decimals (Meizhou: 153,300 ÷ 197,600 = 77.58)."""
        return round(100 * self.verified / self.imported, 2) if self.imported else 0.0

    def add(self, other: Figures) -> None:
        self.imported += other.imported
        self.registered += other.registered
        self.verified += other.verified


def today() -> dt.date:
    return utcnow().astimezone(SHANGHAI).date()


def own_figures(db: Session, within: Account | None = None) -> dict[int, Figures]:
    """Figures of each grassroots union's own roll (optionally only within a subtree)."""
    query = select(Member.account_id, func.count(), func.count(Member.registered_at),
                   func.count(Member.verified_at)).group_by(Member.account_id)
    if within is not None:
        query = query.join(Account, Account.id == Member.account_id).where(
            Account.path.startswith(within.path))
    return {account_id: Figures(imported, registered, verified)
            for account_id, imported, registered, verified in db.execute(query)}


def rolled_up(db: Session, within: Account | None = None) -> dict[int, Figures]:
    """Every account's figures over its own subtree (only accounts inside `within`)."""
    own = own_figures(db, within)
    paths = dict(db.execute(select(Account.id, Account.path)
                            .where(Account.id.in_(own))).all())
    totals: dict[int, Figures] = {}
    for account_id, figures in own.items():
        for ancestor in (int(part) for part in paths[account_id].strip("/").split("/")):
            totals.setdefault(ancestor, Figures()).add(figures)
    return totals


def figures_for(db: Session, account: Account) -> tuple[Figures, list[tuple[Account, Figures]]]:
    """The account's figures and those of each of its children."""
    totals = rolled_up(db, account)
    children = list(db.scalars(select(Account).where(Account.parent_id == account.id)
                               .order_by(Account.path)))
    return (totals.get(account.id, Figures()),
            [(child, totals.get(child.id, Figures())) for child in children])


def history(db: Session, account: Account, days: int = 30) -> list[tuple[dt.date, Figures]]:
    """Day by day for the last `days` days: snapshots, with today counted live."""
    first = today() - dt.timedelta(days=days - 1)
    rows = db.scalars(select(MemberStatsDay).where(MemberStatsDay.account_id == account.id,
                                                   MemberStatsDay.day >= first,
                                                   MemberStatsDay.day < today())
                      .order_by(MemberStatsDay.day))
    points = [(row.day, Figures(row.imported, row.registered, row.verified)) for row in rows]
    current, _ = figures_for(db, account)
    return points + [(today(), current)]


def take_snapshot(db: Session, day: dt.date | None = None) -> int:
    """Write (or overwrite) every account's rolled-up figures for `day` (today by default)."""
    totals = rolled_up(db)
    write_day(db, day or today(), totals)
    return len(totals)


def write_day(db: Session, day: dt.date, totals: dict[int, Figures]) -> None:
    existing = {row.account_id: row for row in db.scalars(
        select(MemberStatsDay).where(MemberStatsDay.day == day))}
    for account_id, figures in totals.items():
        row = existing.get(account_id) or MemberStatsDay(account_id=account_id, day=day)
        row.imported, row.registered, row.verified = (figures.imported, figures.registered,
                                                       figures.verified)
        db.add(row)
    db.flush()
