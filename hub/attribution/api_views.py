"""Attribution in the editor API: a campaign's funnel by outlet and by 地推 code
(`GET /api/v1/campaigns/<id>/funnel`), an account's newly verified members by source
(`GET /api/v1/attribution/verified`), and 地推 codes with their mini-program code and
printable posters (`/api/v1/promo-codes`)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, Field

from hub import api
from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.api import route
from hub.attribution import codes, funnel
from hub.campaigns import services as campaigns
from hub.campaigns.services import get_campaign
from hub.clock import SHANGHAI, to_local
from hub.db import utcnow
from hub.errors import BadRequest, NotFound
from hub.users.permissions import require_role

bp = Blueprint("attribution_api", __name__, url_prefix="/api/v1")
TAG = "来源归因"
POSTER_TYPES = {"png": "image/png", "pdf": "application/pdf"}


class AccountRef(BaseModel):
    code: str
    name: str


class Figures(BaseModel):
    visits: int = Field(description="访问：落地页浏览与会员首次打开活动的次数")
    members: int = Field(description="首次从此来源打开活动的会员数")
    verified: int = Field(description="其中已实名认证的会员数")
    newly_verified: int = Field(description="其中在打开活动之后才完成实名认证的会员数")
    claims: int = Field(description="领取 / 报名 / 参与答题（不含已取消）")
    redeemed: int = Field(description="已在商户核销的券码")
    welfare_value_fen: int = Field(description="送达的福利价值（分）")
    # The contract's steps (DESIGN.md), beside the figures they are made of.
    seen: int = Field(description="看到：终端报告的展示次数（大屏播放、开屏曝光），不少于打开数")
    opened: int = Field(description="打开：同 visits")
    signed_in: int = Field(description="登录：同 members")
    claimed: int = Field(description="领取：同 claims")


class OutletRow(Figures):
    source: str = Field(description="来源：终端名（led、splash、wechat、web…）、share 或 direct")
    label: str


class CodeRow(Figures):
    code_id: int
    source: str = Field(description="dt-<地推码编号>")
    name: str
    place: str
    held_on: str
    account: AccountRef


class AccountRow(Figures):
    account: AccountRef
    codes: int = Field(description="该账号及其下级制作的地推码个数")


class FunnelOut(BaseModel):
    campaign_id: int
    account: str = Field(description="地推码按此账号的下级汇总")
    totals: Figures
    by_outlet: list[OutletRow]
    by_code: list[CodeRow]
    by_account: list[AccountRow] = Field(description="地推码的数据按下级账号（含其下级）汇总")


class FunnelQuery(BaseModel):
    account: str | None = Field(default=None, max_length=64,
                                description="只看此账号（活动所属账号或其下级）及其下级的地推码")


class VerifiedQuery(BaseModel):
    account: str = Field(max_length=64, description="账号代码（含其下级）")
    month: str | None = Field(default=None, pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$",
                              description="YYYY-MM（北京时间），默认本月")


class VerifiedRow(BaseModel):
    source: str
    label: str
    verified: int


class VerifiedOut(BaseModel):
    account: str
    month: str
    total: int
    by_source: list[VerifiedRow]


class PromoCodeIn(BaseModel):
    account: str = Field(max_length=64, description="制作地推码的账号")
    campaign_id: int = Field(ge=1, le=2**31 - 1, description="本账号或上级账号的活动")
    name: str = Field(min_length=1, max_length=60, description="地推活动名称")
    place: str = Field(min_length=1, max_length=100, description="地点")
    held_on: dt.date = Field(description="日期 YYYY-MM-DD")


class PromoCodeOut(BaseModel):
    id: int
    source: str
    name: str
    place: str
    held_on: str
    campaign_id: int
    account: AccountRef
    scene: str = Field(description="小程序码携带的 scene")
    page: str
    landing_url: str = Field(description="海报上活动页二维码的地址（带 src）")
    has_wxacode: bool = Field(description="false：未能从微信取得小程序码，海报只印活动页二维码")
    wxacode_url: str | None
    poster_urls: dict[str, str]


class PromoCodeList(BaseModel):
    items: list[PromoCodeOut]


class PromoCodeQuery(BaseModel):
    campaign_id: int = Field(ge=1, le=2**31 - 1)
    account: str | None = Field(default=None, max_length=64)


class PosterQuery(BaseModel):
    size: str = Field(default="a4", description="a4（A4 竖版）或 banner（80×200 cm 易拉宝）")


def _public_url() -> str:
    return current_app.config["HUB"].public_url


def _within(campaign_id: int, account_code: str | None):
    """The campaign and the account whose view of it is asked for: the campaign's own (its
    editors) or one beneath it (that account's editors, for their own 地推 codes)."""
    if account_code is None:
        return campaigns.editable_campaign(g.db, g.user, campaign_id)
    campaign = get_campaign(g.db, campaign_id)
    account = get_account(g.db, account_code)
    require_role(g.db, g.user, account, *campaigns.EDITOR_ROLES)
    if not account.is_within(g.db.get(Account, campaign.account_id)):
        raise BadRequest(f"活动不属于「{account.name}」或其上级", field="account")
    return campaign, account


@route(bp, "/campaigns/<int:campaign_id>/funnel", "GET",
       summary="活动漏斗：按终端和地推码的访问、会员、实名、领取、核销与福利价值（按下级汇总）",
       tag=TAG, query=FunnelQuery, response=FunnelOut)
def campaign_funnel(campaign_id: int, query: FunnelQuery):
    campaign, account = _within(campaign_id, query.account)
    return funnel.funnel(g.db, campaign, account)


@route(bp, "/attribution/verified", "GET",
       summary="本月（或指定月份）新实名会员的来源（终端、地推码、分享），按账号及其下级汇总",
       tag=TAG, query=VerifiedQuery, response=VerifiedOut)
def verified_sources(query: VerifiedQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, *campaigns.EDITOR_ROLES)
    month = query.month or to_local(utcnow()).strftime("%Y-%m")
    year, number = (int(part) for part in month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=SHANGHAI)
    rows = funnel.verified_by_source(g.db, account, start.astimezone(dt.UTC),
                                     end.astimezone(dt.UTC))
    return {"account": account.code, "month": month,
            "total": sum(row["verified"] for row in rows), "by_source": rows}


@route(bp, "/promo-codes", "POST", summary="新建地推码（取得小程序码，可打印海报）", tag=TAG,
       body=PromoCodeIn, response=PromoCodeOut, status=201)
def create_code(body: PromoCodeIn):
    account = get_account(g.db, body.account)
    code = codes.create(g.db, g.user, account, body.campaign_id, body.name, body.place,
                        body.held_on)
    return codes.code_json(g.db, code, _public_url())


@route(bp, "/promo-codes", "GET", summary="活动的地推码（本账号及下级制作的）", tag=TAG,
       query=PromoCodeQuery, response=PromoCodeList)
def list_codes(query: PromoCodeQuery):
    campaign, account = _within(query.campaign_id, query.account)
    return {"items": [codes.code_json(g.db, code, _public_url())
                      for code in codes.codes_for(g.db, campaign, account)]}


@route(bp, "/promo-codes/<int:code_id>", "GET", summary="一个地推码", tag=TAG,
       response=PromoCodeOut)
def get_code(code_id: int):
    return codes.code_json(g.db, codes.visible_code(g.db, g.user, code_id), _public_url())


def _binary(path: str, summary: str, media_type: str, query=None) -> None:
    api.OPERATIONS.append(api.Operation("get", path, summary, TAG, query=query,
                                        errors=(400, 404), media_type=media_type,
                                        path_types={"code_id": {"type": "integer"}}))


_binary("/api/v1/promo-codes/{code_id}/wxacode", "地推码的小程序码图片（微信生成）", "image/jpeg")
_binary("/api/v1/promo-codes/{code_id}/poster.png", "地推海报（PNG）", "image/png", PosterQuery)
_binary("/api/v1/promo-codes/{code_id}/poster.pdf", "地推海报（PDF）", "application/pdf",
        PosterQuery)


@bp.get("/promo-codes/<int:code_id>/wxacode")
def code_image(code_id: int):
    code = _code_for_download(code_id)
    if code.wxacode_image is None:
        raise NotFound("微信未能生成这个地推码的小程序码", field="code")
    mime = "image/png" if code.wxacode_image.startswith(b"\x89PNG") else "image/jpeg"
    return Response(code.wxacode_image, mimetype=mime)


@bp.get("/promo-codes/<int:code_id>/poster.png", defaults={"fmt": "png"})
@bp.get("/promo-codes/<int:code_id>/poster.pdf", defaults={"fmt": "pdf"})
def code_poster(code_id: int, fmt: str):
    code = _code_for_download(code_id)
    size = request.args.get("size", "a4")
    data = codes.poster_bytes(g.db, code, _public_url(), size, fmt)
    return Response(data, mimetype=POSTER_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename=promo-{code.id}-{size}.{fmt}"})


def _code_for_download(code_id: int):
    from hub.users.services import current_user_from_request

    g.user = current_user_from_request(g.db)
    return codes.visible_code(g.db, g.user, code_id)
