"""The KPI workbook a union sends upward: a sheet per KPI, the account's own line (its whole
subtree) first and then each child account's, a column per day and the period's total, as
`GET /api/v1/kpis` answers them (openpyxl), money in yuan rather than the API's fen."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.kpis import services

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOTAL_HEADER = "合计（存量指标为当前值）"


def workbook(db: Session, account: Account, days: int) -> bytes:
    own = services.kpis(db, account, days)
    children = services.children_of(db, account)
    figures = services.kpis_of(db, children, days, within=account)
    book = Workbook()
    book.remove(book.active)
    for name, label in services.LABELS.items():
        sheet = book.create_sheet(_sheet_title(label))
        dates = [day.isoformat() for day, _ in own[name].points]
        sheet.append(["账号代码", "账号名称", TOTAL_HEADER, *dates])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.append(_line(name, account, own[name], f"{account.name}（全辖）"))
        for child in children:
            sheet.append(_line(name, child, figures[child.id][name], child.name))
        if name in services.IN_FEN:
            _format_figures(sheet, services.YUAN_FORMAT)
        sheet.freeze_panes = "D2"
        sheet.column_dimensions["B"].width = 26
        sheet.column_dimensions["C"].width = 14
        for column in range(4, 4 + len(dates)):
            sheet.column_dimensions[get_column_letter(column)].width = 11
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(label: str) -> str:
    """Excel allows neither brackets of some kinds nor more than 31 characters in a title."""
    return label.replace("（", "(").replace("）", ")")[:31]


def _line(kpi: str, account: Account, series: services.Series, name: str) -> list:
    figures = [series.total, *(value for _, value in series.points)]
    return [account.code, name, *(services.as_shown(kpi, value) for value in figures)]


def _format_figures(sheet, number_format: str) -> None:
    """Every figure below the header (from column C) in `number_format`."""
    for row in sheet.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = number_format
