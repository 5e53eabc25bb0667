"""The monthly KPI report a union sends upward (月度运营指标报表): for a month, the account's
KPIs over its subtree and each child's, beside the month before (环比), as a workbook in
Chinese (openpyxl). Figures are those `GET /api/v1/kpis` answers, day by day: flows summed
over the month (active members as 人次), levels (accounts opened, members, the real-name rate)
as at the month's last day, or today for the month under way. Money is in yuan (the API
answers fen), in cells formatted as such."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.errors import BadRequest
from hub.kpis import services
from hub.kpis.counting import local_day

CHANGE_HEADER = "环比（%）"
# This month and the ten before: the month before the earliest is still within the daily
# history an answer reads (`services.MAX_DAYS`).
MONTHS_BACK = 10


@dataclass(frozen=True)
class Month:
    first: dt.date

    @property
    def last(self) -> dt.date:
        following = (self.first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)

    @property
    def before(self) -> Month:
        return Month((self.first - dt.timedelta(days=1)).replace(day=1))

    def label(self) -> str:
        return f"{self.first.year}年{self.first.month}月"

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def parse_month(value: str | None, today: dt.date | None = None) -> Month:
    """YYYY-MM, not after this month, and recent enough that the month before it is within
    the daily history an answer reads (`services.MAX_DAYS`)."""
    today = today or local_day()
    try:
        first = dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        raise BadRequest("month 应为 YYYY-MM 格式的月份，如 2026-11",
                         fields={"month": "格式应为 YYYY-MM"}) from None
    back = (today.year - first.year) * 12 + today.month - first.month
    if back < 0:
        raise BadRequest("month 不能晚于本月", fields={"month": "不能晚于本月"})
    month = Month(first)
    if back > MONTHS_BACK or (today - month.before.first).days + 1 > services.MAX_DAYS:
        raise BadRequest("month 太早：月报只能查近 11 个月（本月及之前 10 个月）",
                         fields={"month": "只能查近 11 个月"})
    return month


def month_figures(series: dict[str, services.Series], month: Month) -> dict[str, float]:
    """Each KPI over `month` as people read it (money in yuan): flows summed, levels as at
    its last day with figures."""
    figures = {}
    for name, values in series.items():
        points = [value for day, value in values.points if day in month]
        if name in services.FLOWS:
            figures[name] = services.as_shown(name, sum(points))
        else:
            figures[name] = points[-1] if points else 0
    return figures


def change(now: float, before: float) -> float | None:
    """Month over month in percent (one decimal); None when there was nothing before."""
    return round(100 * (now - before) / before, 1) if before else None


def figures_by_account(db: Session, account: Account, month: Month
                       ) -> list[tuple[Account, str, dict[str, float], dict[str, float]]]:
    """(account, name shown, this month, the month before): the account over its subtree
    first, then each child."""
    days = (local_day() - month.before.first).days + 1
    own = services.kpis(db, account, days)
    children = services.children_of(db, account)
    theirs = services.kpis_of(db, children, days, within=account)
    rows = [(account, f"{account.name}（全辖）", own)]
    rows += [(child, child.name, theirs[child.id]) for child in children]
    return [(who, name, month_figures(series, month), month_figures(series, month.before))
            for who, name, series in rows]


def workbook(db: Session, account: Account, month: Month) -> bytes:
    rows = figures_by_account(db, account, month)
    book = Workbook()
    summary = book.active
    summary.title = "本级汇总"
    _summary_sheet(summary, account, month, rows[0])
    _children_sheet(book.create_sheet("下级账号"), account, month, rows[1:])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _title(sheet, text: str, width: int) -> None:
    sheet.append([text])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")


def _bold(row) -> None:
    for cell in row:
        cell.font = Font(bold=True)


def _summary_sheet(sheet, account: Account, month: Month, row) -> None:
    _, _, now, before = row
    _title(sheet, f"{account.name} 运营指标月报（{month.label()}）", 5)
    sheet.append(["指标", month.label(), month.before.label(), "增减", CHANGE_HEADER])
    _bold(sheet[2])
    for name, label in services.LABELS.items():
        sheet.append([label, now[name], before[name], round(now[name] - before[name], 2),
                      change(now[name], before[name])])
        if name in services.IN_FEN:
            for cell in sheet[sheet.max_row][1:4]:  # this month, the month before, 增减
                cell.number_format = services.YUAN_FORMAT
    sheet.append([])
    sheet.append(["说明：含本账号及全部下级工会，按北京时间统计。流量指标为当月合计（活跃会员按"
                  "人次计），存量指标与实名率为月末值；当月未完时统计到今天为止。环比空白表示上月为零。"])
    sheet.column_dimensions["A"].width = 20
    for column in "BCDE":
        sheet.column_dimensions[column].width = 16


def _children_sheet(sheet, account: Account, month: Month, rows) -> None:
    headers = ["账号代码", "账号名称"]
    for label in services.LABELS.values():
        headers += [f"{label} {month.label()}", f"{label} {CHANGE_HEADER}"]
    _title(sheet, f"{account.name} 下级账号运营指标（{month.label()}，与上月比）", len(headers))
    sheet.append(headers)
    _bold(sheet[2])
    money = [3 + 2 * index for index, kpi in enumerate(services.LABELS)
             if kpi in services.IN_FEN]  # the month's figure; the 环比 beside it is a percent
    for child, name, now, before in rows:
        line = [child.code, name]
        for kpi in services.LABELS:
            line += [now[kpi], change(now[kpi], before[kpi])]
        sheet.append(line)
        for column in money:
            sheet.cell(row=sheet.max_row, column=column).number_format = services.YUAN_FORMAT
    sheet.freeze_panes = "C3"
    sheet.column_dimensions["B"].width = 26
    for column in range(3, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 14
