"""The scheduler's part of the KPIs (every quarter hour, in the housekeeping): the member
figures' snapshot, accounts newly opened, the levels of every account as of now (and, on a
day's first run, yesterday's closed exactly), and the welfare value of the days not closed.

Levels are snapshots (rolled up like `member_stats_daily`); the answers add what changed since
the snapshot (`hub.kpis.services`), so a figure is live while the heavy count over the rolls
runs only here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import delete, func, or_, select, union_all, update
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.models import AuditEvent
from hub.campaigns.models import Campaign, Claim, ClaimStatus, Kind, Slot
from hub.clock import SHANGHAI
from hub.db import utcnow
from hub.kpis.models import (
    LEVEL_METRICS,
    WELFARE,
    KpiAccountOpening,
    KpiActiveMember,
    KpiDay,
    KpiRefresh,
)
from hub.members import stats
from hub.members.models import Member
from hub.outlets.models import Outlet
from hub.pull.batches import upsert_insert

CHUNK = 1000
Levels = dict[int, Counter]  # account id -> Counter(level metric=value), rolled up


def day_start(day: dt.date) -> dt.datetime:
    """Midnight in Beijing, in UTC."""
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def refresh(db: Session, now: dt.datetime | None = None) -> int:
    """Everything above, in the caller's transaction; returns how many accounts have figures
    (what the housekeeping logs)."""
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    members = member_figures(db)
    stats.write_day(db, today, members)  # the member history's own snapshot, as before
    record_openings(db)
    levels = _levels(db, members)
    days = welfare_days(db, today)
    if not _snapshot_taken(db, today):
        _close_yesterday(db, today, levels)
    write_levels(db, today, levels, now)
    db.execute(delete(KpiActiveMember).where(KpiActiveMember.day < today - dt.timedelta(days=1)))
    for day in days:
        write_welfare(db, day, welfare_between(db, day_start(day),
                                               day_start(day + dt.timedelta(days=1))))
    return len(levels)


# -- levels ---------------------------------------------------------------------------------


def member_figures(db: Session) -> dict[int, stats.Figures]:
    """Every account's member figures over its subtree, in one grouped statement."""
    return stats.rolled_up(db)


def _levels(db: Session, members: dict[int, stats.Figures]) -> Levels:
    levels: Levels = {account_id: Counter(members_imported=f.imported,
                                          members_verified=f.verified)
                      for account_id, f in members.items()}
    for account_id, opened in opened_per_account(db).items():
        levels.setdefault(account_id, Counter())["accounts_opened"] = opened
    return levels


def opened_per_account(db: Session) -> Counter:
    """Accounts opened, rolled up: each counts for itself and its ancestors."""
    return roll_up_paths(db.scalars(select(Account.path).join(
        KpiAccountOpening, KpiAccountOpening.account_id == Account.id)))


def roll_up_paths(paths, weights=None, depth: int | None = None) -> Counter:
    """Counts at accounts (by path, each with its weight or 1), added to every ancestor; or,
    with `depth`, only to the ancestor at that depth (0: the root), all an answer needs."""
    totals: Counter = Counter()
    for index, path in enumerate(paths):
        ancestors = path.strip("/").split("/")
        if depth is not None:
            ancestors = ancestors[depth:depth + 1]
        for ancestor in ancestors:
            if ancestor:
                totals[int(ancestor)] += weights[index] if weights else 1
    return totals


def record_openings(db: Session) -> int:
    """Accounts opened since the last run: an outlet bound, or an editor's first audited
    action on the account (a post written, a roll imported, a campaign made)."""
    known = select(KpiAccountOpening.account_id)
    first: dict[int, tuple[dt.datetime, str]] = {}
    outlets = db.execute(select(Outlet.account_id, func.min(Outlet.created_at)).where(
        Outlet.account_id.not_in(known)).group_by(Outlet.account_id))
    editors = db.execute(select(AuditEvent.account_id, func.min(AuditEvent.at)).where(
        AuditEvent.actor_id.is_not(None), AuditEvent.account_id.is_not(None),
        AuditEvent.account_id.not_in(known)).group_by(AuditEvent.account_id))
    for how, rows in (("outlet", outlets), ("editor", editors)):
        for account_id, at in rows:
            if account_id not in first or at < first[account_id][0]:
                first[account_id] = (at, how)
    db.add_all(KpiAccountOpening(account_id=account_id, opened_at=at, how=how)
               for account_id, (at, how) in first.items())
    db.flush()
    return len(first)


def _snapshot_taken(db: Session, day: dt.date) -> bool:
    return db.get(KpiRefresh, day) is not None


def _close_yesterday(db: Session, today: dt.date, levels: Levels) -> None:
    """Yesterday's levels as they stood at midnight: now, less what came since (unless they
    were closed already: history written by a loader)."""
    midnight = day_start(today)
    if _closed(db, today - dt.timedelta(days=1)):
        return
    since = changes_since(db, midnight)
    closed = {account_id: Counter({name: max(0, now[name] - since.get(account_id, {}).get(
        name, 0)) for name in LEVEL_METRICS}) for account_id, now in levels.items()}
    write_levels(db, today - dt.timedelta(days=1), closed, midnight)


def _closed(db: Session, day: dt.date) -> bool:
    """Whether a day's levels were taken at its end (by the first run of the next day, or by
    a loader writing history)."""
    taken = db.get(KpiRefresh, day)
    return taken is not None and taken.at >= day_start(day + dt.timedelta(days=1))


def changes_since(db: Session, since: dt.datetime, path_prefix: str = "/",
                  depth: int | None = None) -> Levels:
    """Members imported or verified, and accounts opened, after `since`, rolled up (to the
    accounts at `depth` only, if given), within the subtree at `path_prefix`."""
    changes: Levels = {}
    rows = _changed_members(db, since, path_prefix)
    for index, name in ((1, "members_imported"), (2, "members_verified")):
        rolled = roll_up_paths([row[0] for row in rows], [row[index] for row in rows], depth)
        for account_id, n in rolled.items():
            if n:
                changes.setdefault(account_id, Counter())[name] = n
    opened = roll_up_paths(_openings_since(db, since, path_prefix), depth=depth)
    for account_id, n in opened.items():
        changes.setdefault(account_id, Counter())["accounts_opened"] = n
    return changes


def _changed_members(db: Session, since: dt.datetime, path_prefix: str) -> list[tuple]:
    """(path of the union, members imported since, verified since) within the subtree.

    Each side is found by its own time index. Within a city or a town, the join finds the
    subtree's accounts by the path index. For a whole tree (a province: its answer, and the
    scheduler's refresh) that join made PostgreSQL read all 100,000 accounts to place a few
    thousand members (EXPLAIN ANALYZE, 116-200 ms of the answer on the loaded bench); there
    the members are grouped by union first and each union's path read by primary key."""
    imported, verified = Member.imported_at >= since, Member.verified_at >= since
    counts = (func.count().filter(imported).label("imported"),
              func.count().filter(verified).label("verified"))
    if path_prefix.count("/") > 2:  # below a root: a subtree the path index narrows
        return db.execute(select(Account.path, *counts).join(
            Member, Member.account_id == Account.id).where(
            or_(imported, verified), Account.path.startswith(path_prefix)).group_by(
            Account.path)).all()
    changed = select(Member.account_id, *counts).where(or_(imported, verified)).group_by(
        Member.account_id).subquery()
    path = select(Account.path).where(Account.id == changed.c.account_id).scalar_subquery()
    return [row for row in db.execute(select(path, changed.c.imported, changed.c.verified))
            if row[0] and row[0].startswith(path_prefix)]


def _openings_since(db: Session, since: dt.datetime, path_prefix: str) -> list[str]:
    """Paths of accounts opened after `since`: recorded, or not recorded yet by the
    scheduler (an outlet bound, an editor at work)."""
    known = select(KpiAccountOpening.account_id)
    recorded = select(KpiAccountOpening.account_id).where(KpiAccountOpening.opened_at >= since)
    outlets = select(Outlet.account_id).where(Outlet.created_at >= since,
                                              Outlet.account_id.not_in(known))
    editors = select(AuditEvent.account_id).where(
        AuditEvent.at >= since, AuditEvent.actor_id.is_not(None),
        AuditEvent.account_id.is_not(None), AuditEvent.account_id.not_in(known))
    return list(db.scalars(select(Account.path).where(
        Account.id.in_(recorded.union(outlets, editors)), Account.path.startswith(path_prefix))))


def write_levels(db: Session, day: dt.date, levels: Levels, at: dt.datetime) -> None:
    """Every account's levels on `day` as of `at` (accounts not named have none: zero)."""
    db.execute(update(KpiDay).where(KpiDay.day == day).values(
        snapshot_at=at, **{name: 0 for name in LEVEL_METRICS}))
    taken = db.get(KpiRefresh, day) or KpiRefresh(day=day)
    taken.at = at
    db.add(taken)
    db.flush()
    rows = [{"account_id": account_id, "day": day, "snapshot_at": at,
             **{name: values.get(name, 0) for name in LEVEL_METRICS}}
            for account_id, values in sorted(levels.items())]
    _upsert(db, rows, (*LEVEL_METRICS, "snapshot_at"))


def _upsert(db: Session, rows: list[dict], columns: tuple[str, ...]) -> None:
    """One statement compiled once and sent with the rows as its parameter sets (batched by
    the driver): compiling a fresh thousand-row VALUES list per chunk took most of a
    province's refresh."""
    if not rows:
        return
    table = KpiDay.__table__
    statement = upsert_insert(db)(table)
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "day"],
        set_={name: statement.excluded[name] for name in columns})
    for start in range(0, len(rows), CHUNK):
        db.execute(statement, rows[start:start + CHUNK])


# -- welfare --------------------------------------------------------------------------------


def welfare_days(db: Session, today: dt.date) -> list[dt.date]:
    """The days still open: today, and yesterday until it is closed; on the first run, every
    day since the first campaign opened."""
    if db.scalar(select(KpiRefresh.day).limit(1)) is not None:
        return [today] if _closed(db, today - dt.timedelta(days=1)) else [
            today - dt.timedelta(days=1), today]
    first = db.scalar(select(func.min(Campaign.opened_at)))
    if first is None:
        return [today]
    start = min(first.astimezone(SHANGHAI).date(), today)
    return [start + dt.timedelta(days=n) for n in range((today - start).days + 1)]


def welfare_between(db: Session, start: dt.datetime, end: dt.datetime | None = None,
                    path_prefix: str = "/") -> dict[str, int]:
    """Welfare value delivered between two times (fen), by the path of each campaign's account
    (not rolled up): red packets claimed, vouchers and tickets redeemed, quiz prizes won (as
    `hub.campaigns.stats` counts it). One statement."""

    def window(column):
        return (column >= start) if end is None else column.between(start, end - _TICK)

    parts = union_all(
        select(Campaign.account_id, Slot.amount_fen.label("fen")).join(
            Slot, Slot.campaign_id == Campaign.id).where(
            Campaign.kind == Kind.red_packet, Slot.claim_id.is_not(None), window(Slot.taken_at)),
        select(Campaign.account_id, Campaign.face_value_fen).join(
            Slot, Slot.campaign_id == Campaign.id).where(
            Campaign.kind.in_(Kind.WITH_CODES), window(Slot.redeemed_at)),
        select(Campaign.account_id, Campaign.face_value_fen).join(
            Claim, Claim.campaign_id == Campaign.id).where(
            Campaign.kind == Kind.quiz, Claim.status == ClaimStatus.won,
            window(Claim.updated_at)),
    ).subquery()
    rows = db.execute(select(Account.path, func.sum(parts.c.fen)).join(
        parts, parts.c.account_id == Account.id).where(
        Account.path.startswith(path_prefix)).group_by(Account.path))
    return {path: int(fen or 0) for path, fen in rows if fen}


_TICK = dt.timedelta(microseconds=1)


def write_welfare(db: Session, day: dt.date, own: dict[str, int]) -> None:
    """The day's welfare value, rolled up from each campaign's account (by its path),
    replacing the day's."""
    rolled = roll_up_paths(list(own), list(own.values()))
    db.execute(update(KpiDay).where(KpiDay.day == day).values({WELFARE: 0}))
    _upsert(db, [{"account_id": account_id, "day": day, WELFARE: fen}
                 for account_id, fen in sorted(rolled.items()) if fen], (WELFARE,))
