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
from hub.pull.batches import upsert_insert

# Rows per statement when writing a day (5 values each: far below SQLite's and PostgreSQL's
# limits on a statement's parameters).
WRITE_CHUNK = 1000


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
    """Every account's figures over its own subtree (only the rolls inside `within`).

    One grouped statement joining the rolls to their accounts' paths: never a list of account
    ids sent back to the database (a province's 100,000 unions are past PostgreSQL's 65,535
    parameters per statement)."""
    query = select(Account.path, func.count(), func.count(Member.registered_at),
                   func.count(Member.verified_at)).join(
        Member, Member.account_id == Account.id).group_by(Account.path)
    if within is not None:
        query = query.where(Account.path.startswith(within.path))
    totals: dict[int, Figures] = {}
    for path, imported, registered, verified in db.execute(query):
        own = Figures(imported, registered, verified)
        for ancestor in (int(part) for part in path.strip("/").split("/") if part):
            totals.setdefault(ancestor, Figures()).add(own)
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
    """Write (or overwrite) `day`'s row of each account in `totals`: one upsert sent with a
    thousand accounts' rows at a time, not an object per account (a province has 100,000)."""
    db.flush()  # rows of that day added as objects go in first, then these overwrite them
    table = MemberStatsDay.__table__
    rows = [{"account_id": account_id, "day": day, "imported": f.imported,
             "registered": f.registered, "verified": f.verified}
            for account_id, f in sorted(totals.items())]
    if not rows:
        return
    statement = upsert_insert(db)(table)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "day"],
        set_={name: statement.excluded[name] for name in ("imported", "registered",
                                                           "verified")})
    for start in range(0, len(rows), WRITE_CHUNK):  # compiled once, sent a batch at a time
        db.execute(statement, rows[start:start + WRITE_CHUNK])
