"""The KPI answers: for an account (or each of its children), every KPI's daily series over the
last N days (Beijing time) and its total, read from the daily rows rolled up the tree plus
today's part counted live.

- Flows (reads, active members, LED plays, splash impressions and clicks): the day's rows,
  today's included (they are added to as events happen). Total: the period's sum (for active
  members that is member-days, 人次: a member active on three days counts three times).
- Welfare value: closed days from the rows, today's counted from the campaigns now.
- Levels (accounts opened, members imported and verified) and the real-name rate: the value at
  the end of each day; today's is the last snapshot plus what changed since it. Total: now.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.kpis.counting import local_day
from hub.kpis.models import EVENT_METRICS, LEVEL_METRICS, WELFARE, KpiDay, KpiRefresh
from hub.kpis.refresh import changes_since, day_start, roll_up_paths, welfare_between

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
MAX_DAYS = 366
# Every KPI in the contract's order, with its label (the console, the workbook).
LABELS = {
    "accounts_opened": "开通账号数",
    "members_imported": "导入会员数",
    "members_verified": "实名会员数",
    "real_name_rate": "实名率（%）",
    "active_members": "活跃会员（人次）",
    "reads": "阅读量",
    "led_plays": "大屏播放次数",
    "splash_impressions": "开屏曝光",
    "splash_clicks": "开屏点击",
    "welfare_value_fen": "福利价值（元）",
}
KPIS = tuple(LABELS)
FLOWS = (*EVENT_METRICS, WELFARE)
# Money is counted (and answered by the API) in fen; people read it, and report it upward,
# in yuan: the console and the workbooks show these KPIs through `as_shown`.
IN_FEN = frozenset({WELFARE})
YUAN_FORMAT = "#,##0.00"  # the workbooks' number format for yuan


def as_shown(name: str, value: float) -> float:
    """A KPI's figure as people read it: money in yuan (two decimals), the rest as counted."""
    return round(value / 100, 2) if name in IN_FEN else value


@dataclass
class Series:
    total: float = 0
    points: list[tuple[dt.date, float]] = field(default_factory=list)

    def json(self) -> dict:
        return {"total": self.total,
                "series": [{"date": day.isoformat(), "value": value}
                           for day, value in self.points]}


def rate(verified: int, imported: int) -> float:
    """Real-name rate in percent, two decimals (as `hub.members.stats.Figures.rate`)."""
    return round(100 * verified / imported, 2) if imported else 0.0


def period(days: int, today: dt.date | None = None) -> list[dt.date]:
    today = today or local_day()
    return [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]


def kpis_of(db: Session, accounts: list[Account], days: int, *, within: Account | None = None
            ) -> dict[int, dict[str, Series]]:
    """Each account's KPIs over the last `days` days; `within` is an account whose subtree
    holds them all (their parent), which bounds the live counts."""
    if not accounts:
        return {}
    dates = period(days)
    ids = [account.id for account in accounts]
    last_before = select(func.max(KpiRefresh.day)).where(
        KpiRefresh.day < dates[0]).scalar_subquery()
    refreshes = dict(db.execute(select(KpiRefresh.day, KpiRefresh.at).where(
        or_(KpiRefresh.day >= dates[0], KpiRefresh.day == last_before))).all())
    before = next(((day, at) for day, at in sorted(refreshes.items(), reverse=True)
                   if day < dates[0]), None)
    latest = max(refreshes.items(), default=None)
    wanted = [KpiDay.day >= dates[0]]
    if before is not None:
        wanted.append(KpiDay.day == before[0])
    rows = {(row.account_id, row.day): row for row in db.scalars(select(KpiDay).where(
        KpiDay.account_id.in_(ids), or_(*wanted)))}
    live = _live_today(db, accounts, latest[1] if latest else EPOCH, within or accounts[0])
    return {account.id: _answer(account.id, dates, rows, refreshes, before, latest,
                                live.get(account.id, Counter()))
            for account in accounts}


def _levels_of(row: KpiDay | None) -> dict[str, int]:
    return {name: (getattr(row, name) or 0) if row is not None else 0 for name in LEVEL_METRICS}


def _answer(account_id: int, dates: list[dt.date], rows: dict, refreshes: dict, before,
            latest, live: Counter) -> dict[str, Series]:
    """The series of one account: levels carried from refresh to refresh (an account with no
    row on a refresh day had none), flows as counted, today's levels and welfare live."""
    series = {name: Series() for name in KPIS}
    level = _levels_of(rows.get((account_id, before[0]))) if before else _levels_of(None)
    today = dates[-1]
    for day in dates:
        row = rows.get((account_id, day))
        if day in refreshes:
            level = _levels_of(row)
        if day == today:
            base = _levels_of(rows.get((account_id, latest[0]))) if latest else level
            level = {name: base[name] + live[name] for name in LEVEL_METRICS}
        for name in LEVEL_METRICS:
            series[name].points.append((day, level[name]))
        series["real_name_rate"].points.append(
            (day, rate(level["members_verified"], level["members_imported"])))
        for name in EVENT_METRICS:
            series[name].points.append((day, getattr(row, name, 0) or 0))
        welfare = live[WELFARE] if day == today else getattr(row, WELFARE, 0) or 0
        series[WELFARE].points.append((day, welfare))
    for name, values in series.items():
        values.total = values.points[-1][1] if name not in FLOWS else sum(
            value for _, value in values.points)
    return series


def _live_today(db: Session, accounts: list[Account], since: dt.datetime,
                within: Account) -> dict[int, Counter]:
    """What changed since the last refresh (levels), and today's welfare value."""
    depth = len(accounts[0].ancestor_ids()) - 1  # the accounts asked about are of one depth
    changes = changes_since(db, since, within.path, depth)
    welfare = welfare_between(db, day_start(local_day()), None, within.path)
    rolled = roll_up_paths(list(welfare), list(welfare.values()), depth)
    live: dict[int, Counter] = {}
    for account in accounts:
        values = Counter(changes.get(account.id, Counter()))
        values[WELFARE] = rolled.get(account.id, 0)
        live[account.id] = values
    return live


def kpis(db: Session, account: Account, days: int) -> dict[str, Series]:
    return kpis_of(db, [account], days)[account.id]


def children_of(db: Session, account: Account) -> list[Account]:
    return list(db.scalars(select(Account).where(Account.parent_id == account.id)
                           .order_by(Account.region_code, Account.code)))


def answer_json(account: Account, days: int, series: dict[str, Series]) -> dict:
    dates = series["reads"].points
    return {"account": {"code": account.code, "name": account.name}, "days": days,
            "from": dates[0][0].isoformat(), "to": dates[-1][0].isoformat(),
            **{name: series[name].json() for name in KPIS}}


# -- the 一盘棋 leaderboard ------------------------------------------------------------------


@dataclass
class Standing:
    account: Account
    rate: float
    verified_this_month: int
    active_this_month: int
    welfare_this_month_fen: int
    series: dict[str, Series]


def leaderboard(db: Session, account: Account, order: str = "rate") -> list[Standing]:
    """The children of `account` this month (Beijing time), ranked by `order`: the real-name
    rate, members newly verified, active members (人次) or welfare value delivered."""
    children = children_of(db, account)
    days = local_day().day + 1  # this month and the last day of the one before
    figures = kpis_of(db, children, days, within=account)
    standings = []
    for child in children:
        kpi = figures[child.id]
        verified = kpi["members_verified"].points
        standings.append(Standing(
            child, kpi["real_name_rate"].total, int(verified[-1][1] - verified[0][1]),
            int(sum(v for _, v in kpi["active_members"].points[1:])),
            int(sum(v for _, v in kpi[WELFARE].points[1:])), kpi))
    keys = {"rate": lambda s: s.rate, "growth": lambda s: s.verified_this_month,
            "active": lambda s: s.active_this_month, "welfare": lambda s: s.welfare_this_month_fen}
    return sorted(standings, key=keys.get(order, keys["rate"]), reverse=True)
