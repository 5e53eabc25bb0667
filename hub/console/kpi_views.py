"""The console's KPI dashboard for an account: every KPI over its subtree with its trend, the
children ranked (一盘棋: real-name rate, members verified this month, active members, welfare
value), and the workbook to send upward."""

from __future__ import annotations

from flask import Response, g, render_template, request

from hub.console import charts
from hub.console.blueprint import bp
from hub.console.views import account_for
from hub.kpis import counting, export, report, services

PERIODS = (7, 30, 90)
ORDERS = {"rate": "实名率", "growth": "本月新增实名", "active": "本月活跃（人次）",
          "welfare": "本月福利价值"}
PERCENT = {"real_name_rate"}


def _days() -> int:
    value = request.args.get("days", "30")
    return int(value) if value.isdigit() and int(value) in PERIODS else 30


@bp.get("/a/<code>/kpis")
def account_kpis(code: str):
    counting.flush()  # this process's latest counts, then a fresh read of them
    g.db.rollback()
    account = account_for(code)
    days = _days()
    order = request.args.get("order", "rate")
    order = order if order in ORDERS else "rate"
    figures = services.kpis(g.db, account, days)
    return render_template(
        "console/kpis.html", account=account, page="kpis", days=days, periods=PERIODS,
        order=order, orders=ORDERS, tiles=[_tile(name, figures[name], days)
                                           for name in services.KPIS],
        standings=services.leaderboard(g.db, account, order),
        this_month=f"{counting.local_day():%Y-%m}", first_month=_first_report_month())


def _first_report_month() -> str:
    today = counting.local_day()
    back = today.year * 12 + today.month - 1 - report.MONTHS_BACK
    return f"{back // 12:04d}-{back % 12 + 1:02d}"


def _tile(name: str, series: services.Series, days: int) -> dict:
    label = services.LABELS[name]
    unit = "%" if name in PERCENT else ""
    points = [(f"{day.month}/{day.day}", services.as_shown(name, value))
              for day, value in series.points]
    return {"name": name, "label": label, "total": services.as_shown(name, series.total),
            "unit": unit,
            "is_flow": name in services.FLOWS,
            "chart": charts.line_by_day(f"kpi-{name}", f"{label}，近 {days} 天", points,
                                        unit=unit, ceiling=100.0 if unit else None,
                                        width=380, height=160,
                                        today_partial=name in services.FLOWS)}


@bp.get("/a/<code>/kpis.xlsx")
def account_kpis_workbook(code: str):
    account = account_for(code)
    days = _days()
    return Response(export.workbook(g.db, account, days), mimetype=export.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="kpis-{account.code}-{days}d.xlsx"',
        "Cache-Control": "private, no-store"})


@bp.get("/a/<code>/kpis/report.xlsx")
def account_kpis_report(code: str):
    """The monthly report (月报) of the month picked on the dashboard (this month by default)."""
    account = account_for(code)
    month = report.parse_month(request.args.get("month") or f"{counting.local_day():%Y-%m}")
    return Response(report.workbook(g.db, account, month), mimetype=export.MEDIA_TYPE, headers={
        "Content-Disposition":
            f'attachment; filename="kpis-{account.code}-{month.first:%Y-%m}.xlsx"',
        "Cache-Control": "private, no-store"})
