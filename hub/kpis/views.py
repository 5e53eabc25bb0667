"""`/api/v1/kpis`: an account's KPIs with their daily series, rolled up its subtree, and the
same as a workbook (a sheet per KPI, the children as rows)."""

from __future__ import annotations

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, Field, ValidationError

from hub import api
from hub.accounts.services import get_account
from hub.api import route
from hub.errors import BadRequest
from hub.kpis import counting, export, report, services
from hub.users.permissions import require_role
from hub.users.services import current_user_from_request

bp = Blueprint("kpis_api", __name__, url_prefix="/api/v1")
TAG = "kpis"
EDITOR_ROLES = ("author", "reviewer", "admin")


@bp.before_request
def _counts_first():
    """This process's counts not yet written go in before the answer reads (see Pending)."""
    counting.flush()


class KpiQuery(BaseModel):
    account: str = Field(min_length=1, max_length=64, description="账号代码，指标汇总其全辖")
    days: int = Field(default=30, ge=1, le=services.MAX_DAYS, description="最近多少天（含今天）")


class Point(BaseModel):
    date: str = Field(description="YYYY-MM-DD（北京时间）")
    value: float


class KpiSeries(BaseModel):
    total: float = Field(description="流量指标为期间合计；存量指标与实名率为当前值")
    series: list[Point]


class AccountRef(BaseModel):
    code: str
    name: str


class KpisOut(BaseModel):
    account: AccountRef
    days: int
    first_day: str = Field(alias="from")
    last_day: str = Field(alias="to")
    accounts_opened: KpiSeries
    members_imported: KpiSeries
    members_verified: KpiSeries
    real_name_rate: KpiSeries
    active_members: KpiSeries
    reads: KpiSeries
    led_plays: KpiSeries
    splash_impressions: KpiSeries
    splash_clicks: KpiSeries
    welfare_value_fen: KpiSeries


def _account(query: KpiQuery | ReportQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, *EDITOR_ROLES)
    return account


@route(bp, "/kpis", "GET", summary="运营指标：账号全辖的各项指标及每日走势", tag=TAG,
       query=KpiQuery, response=KpisOut)
def kpis(query: KpiQuery):
    account = _account(query)
    return services.answer_json(account, query.days, services.kpis(g.db, account, query.days))


class ReportQuery(BaseModel):
    account: str = Field(min_length=1, max_length=64, description="账号代码，指标汇总其全辖")
    month: str = Field(min_length=1, max_length=7,
                       description="月份 YYYY-MM（北京时间），近 11 个月内")


def _query(model):
    g.user = current_user_from_request(g.db)
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        fields = {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}
        raise BadRequest(f"查询参数 中有字段不合要求：{', '.join(fields)}", fields=fields) from None


def _attachment(data: bytes, filename: str) -> Response:
    return Response(data, mimetype=export.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.get("/kpis/report.xlsx")
def kpis_monthly_report():
    query = _query(ReportQuery)
    account = _account(query)
    month = report.parse_month(query.month)
    return _attachment(report.workbook(g.db, account, month),
                       f"kpis-{account.code}-{month.first:%Y-%m}.xlsx")


@bp.get("/kpis/export.xlsx")
def kpis_workbook():
    query = _query(KpiQuery)
    account = _account(query)
    return _attachment(export.workbook(g.db, account, query.days),
                       f"kpis-{account.code}-{query.days}d.xlsx")


api.OPERATIONS.append(api.Operation(
    "get", "/api/v1/kpis/export.xlsx", "运营指标工作簿：每项指标一张表，下级账号逐行，每日一列",
    TAG, query=KpiQuery, media_type=export.MEDIA_TYPE))
api.OPERATIONS.append(api.Operation(
    "get", "/api/v1/kpis/report.xlsx",
    "运营指标月报工作簿：账号全辖及各下级账号的当月指标与上月环比", TAG, query=ReportQuery,
    media_type=export.MEDIA_TYPE))
