"""Demo KPIs: 30 days of history for every demo account, so 东莞's and the province's trends and
the town leaderboard have something to show from the first start.

Past days only (today is counted live, as everywhere): accounts opened in the order the
province rolled the platform out (the province and cities first, then the towns, then the
grassroots unions), the member figures of the members demo's own history, and reads, active
members, LED plays, splash impressions and clicks and welfare value at the scale of the demo's
rolls, with a weekly rhythm and a rise as 地推 and 造势 take hold. Written in a few statements
(one rolled-up upsert per kind), so the demo still loads in a moment. Loading twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.kpis import counting, refresh
from hub.kpis.models import KpiAccountOpening, KpiDay
from hub.members.models import MemberStatsDay

HISTORY_DAYS = 30
# Where the demo's screens and splash outlets are (the LED and splash demos bind them).
SCREENS = {"dongguan": 2, "dg-humen": 1, "dg-changan": 1, "meizhou": 1}
SPLASH = {"guangdong": 9000, "dongguan": 4200, "meizhou": 1600}
# Average reads a day of an account's own posts, by level.
READS = {"province": 1800, "city": 900, "town": 160, "street": 160, "district": 120,
         "grassroots": 25}
# Welfare value (fen) a city's campaigns deliver on an average day: 东莞's 2.3 million yuan a
# year is about 630,000 fen a day; 梅州 less.
WELFARE = {"dongguan": 630_000, "meizhou": 120_000}


def load(db: Session) -> None:
    today = counting.local_day()
    first = today - dt.timedelta(days=HISTORY_DAYS - 1)
    if db.scalar(select(KpiDay.account_id).where(KpiDay.day < today).limit(1)) is not None:
        return
    accounts = list(db.scalars(select(Account).order_by(Account.path)))
    if not accounts:
        return
    rng = random.Random("kpis-demo")
    _open_accounts(db, accounts, first, rng)
    days = [first + dt.timedelta(days=n) for n in range(HISTORY_DAYS - 1)]
    for day in days:
        refresh.write_levels(db, day, _levels_on(db, day), refresh.day_start(
            day + dt.timedelta(days=1)))
    counting.add(db, _flows(db, accounts, days, rng))
    for day in days:
        refresh.write_welfare(db, day, _welfare_on(accounts, day, days, rng))
    db.flush()


def _open_accounts(db: Session, accounts: list[Account], first: dt.date,
                   rng: random.Random) -> None:
    """Back-dated openings: province and cities on the first day, towns over the first three
    weeks, grassroots unions after their town."""
    known = set(db.scalars(select(KpiAccountOpening.account_id)))
    start = refresh.day_start(first) + dt.timedelta(hours=2)
    for account in accounts:
        if account.id in known:
            continue
        if account.level in ("province", "city"):
            offset = dt.timedelta(hours=rng.randrange(8))
        elif account.level == "grassroots":
            offset = dt.timedelta(days=14 + rng.randrange(14), hours=rng.randrange(10))
        else:
            offset = dt.timedelta(days=rng.randrange(21), hours=rng.randrange(10))
        db.add(KpiAccountOpening(account_id=account.id, opened_at=start + offset, how="editor"))
    db.flush()


def _levels_on(db: Session, day: dt.date) -> refresh.Levels:
    """The members demo's history of that day, with the accounts opened by its end."""
    levels: refresh.Levels = {
        row.account_id: Counter(members_imported=row.imported, members_verified=row.verified)
        for row in db.scalars(select(MemberStatsDay).where(MemberStatsDay.day == day))}
    end = refresh.day_start(day + dt.timedelta(days=1))
    paths = db.scalars(select(Account.path).join(
        KpiAccountOpening, KpiAccountOpening.account_id == Account.id).where(
        KpiAccountOpening.opened_at < end))
    for account_id, opened in refresh.roll_up_paths(paths).items():
        levels.setdefault(account_id, Counter())["accounts_opened"] = opened
    return levels


def _rhythm(day: dt.date, days: list[dt.date], rng: random.Random) -> float:
    """Weekends lower, a rise of half over the month, and some noise."""
    weekend = 0.7 if day.weekday() >= 5 else 1.0
    rise = 1 + 0.5 * days.index(day) / max(len(days) - 1, 1)
    return weekend * rise * rng.uniform(0.85, 1.15)


def _flows(db: Session, accounts: list[Account], days: list[dt.date],
           rng: random.Random) -> counting.Counts:
    verified_own = _verified_per_union(db, days)
    counts: counting.Counts = {}
    for day in days:
        for account in accounts:
            pace = _rhythm(day, days, rng)
            values = Counter(reads=round(READS.get(account.level, 50) * pace))
            if account.code in SCREENS:
                values["led_plays"] = round(SCREENS[account.code] * 14 * 60 * 4 * pace / 1.5)
            if account.code in SPLASH:
                shown = round(SPLASH[account.code] * pace)
                values["splash_impressions"] = shown
                values["splash_clicks"] = round(shown * rng.uniform(0.025, 0.04))
            verified = verified_own.get((account.id, day), 0)
            if verified:
                values["active_members"] = round(verified * rng.uniform(0.22, 0.4) * pace)
            counts[(account.id, day)] = values
    return counts


def _verified_per_union(db: Session, days: list[dt.date]) -> dict[tuple[int, dt.date], int]:
    """Each grassroots union's own verified members on each day (the history rows of
    accounts with no children are their own)."""
    parents = set(db.scalars(select(Account.parent_id).where(Account.parent_id.is_not(None))))
    rows = db.execute(select(MemberStatsDay.account_id, MemberStatsDay.day,
                             MemberStatsDay.verified).where(MemberStatsDay.day.in_(days)))
    return {(account_id, day): verified for account_id, day, verified in rows
            if account_id not in parents}


def _welfare_on(accounts: list[Account], day: dt.date, days: list[dt.date],
                rng: random.Random) -> dict[str, int]:
    """Welfare value (fen) the cities' campaigns delivered that day, by account path."""
    return {account.path: round(WELFARE[account.code] * _rhythm(day, days, rng))
            for account in accounts if account.code in WELFARE}
