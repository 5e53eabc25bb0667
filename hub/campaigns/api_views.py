"""Campaigns in the editor API (`/api/v1/campaigns`): create drafts on promotion posts, change
them, approve or reject them (a second person), read and list them, their figures, the draw,
each account's campaign ceiling, and the welfare value rolled up an account's tree."""

from __future__ import annotations

from flask import Blueprint, g
from pydantic import BaseModel, Field
from sqlalchemy import select

from hub.accounts.services import get_account
from hub.api import route
from hub.campaigns import approval, services, stats
from hub.campaigns.models import Merchant
from hub.campaigns.schemas import (
    ApprovalBody,
    CampaignCreate,
    CampaignListOut,
    CampaignOut,
    CampaignQuery,
    CampaignStatsOut,
    CampaignUpdate,
    CeilingBody,
    CeilingOut,
    DrawOut,
    MerchantListOut,
    RejectBody,
    WelfareOut,
)
from hub.users.permissions import require_role

bp = Blueprint("campaigns_api", __name__, url_prefix="/api/v1")
TAG = "活动"


class AccountQuery(BaseModel):
    account: str = Field(description="账号代码")


@route(bp, "/campaigns", "POST",
       summary="新建活动（草稿；经另一位审核员或管理员审批、且所属推广稿件发布后开放）", tag=TAG,
       body=CampaignCreate, response=CampaignOut, status=201, errors=(409,))
def create(body: CampaignCreate):
    campaign = services.create_campaign(g.db, g.user, body)
    return services.describe(g.db, campaign, for_editor=True)


@route(bp, "/campaigns", "GET", summary="本账号及下级账号的活动", tag=TAG, query=CampaignQuery,
       response=CampaignListOut)
def list_for_account(query: CampaignQuery):
    account = get_account(g.db, query.account)
    found = services.list_campaigns(g.db, g.user, account)
    return {"items": [services.describe(g.db, c, for_editor=True) for c in found]}


@route(bp, "/campaigns/<int:campaign_id>", "GET", summary="活动详情", tag=TAG,
       response=CampaignOut)
def get_one(campaign_id: int):
    campaign, _ = services.editable_campaign(g.db, g.user, campaign_id)
    return services.describe(g.db, campaign, for_editor=True)


@route(bp, "/campaigns/<int:campaign_id>", "PATCH",
       summary="修改活动（时间、范围、金额、数量等；修改后须重新审批，审批前暂停领取）", tag=TAG,
       body=CampaignUpdate, response=CampaignOut, errors=(409,))
def update(campaign_id: int, body: CampaignUpdate):
    campaign, account = services.editable_campaign(g.db, g.user, campaign_id)
    # Every process's claims read the edited terms once approved again: their copies are
    # keyed on the approval's time (hub.campaigns.claims.facts_of).
    services.update_campaign(g.db, g.user, campaign, account, body)
    return services.describe(g.db, campaign, for_editor=True)


@route(bp, "/campaigns/<int:campaign_id>/approve", "POST",
       summary="审批通过活动（须为本账号或上级的审核员、管理员，且不是创建或修改者；"
               "超过账号上限须上级账号管理员）", tag=TAG, body=ApprovalBody,
       response=CampaignOut, errors=(409,))
def approve(campaign_id: int, body: ApprovalBody):
    campaign, account = services.editable_campaign(g.db, g.user, campaign_id)
    approval.approve(g.db, g.user, campaign, account, body.note)
    return services.describe(g.db, campaign, for_editor=True)


@route(bp, "/campaigns/<int:campaign_id>/reject", "POST", summary="退回活动（须写明理由）",
       tag=TAG, body=RejectBody, response=CampaignOut, errors=(409,))
def reject(campaign_id: int, body: RejectBody):
    campaign, account = services.editable_campaign(g.db, g.user, campaign_id)
    approval.reject(g.db, g.user, campaign, account, body.note)
    return services.describe(g.db, campaign, for_editor=True)


@route(bp, "/accounts/<code>/campaign-ceiling", "GET", summary="账号的单个活动金额、数量上限",
       tag=TAG, response=CeilingOut)
def get_ceiling(code: str):
    account = get_account(g.db, code)
    require_role(g.db, g.user, account, *services.EDITOR_ROLES)
    return approval.ceiling_json(g.db, account)


@route(bp, "/accounts/<code>/campaign-ceiling", "PUT",
       summary="设置账号的单个活动上限（本账号管理员；超过上限的活动须上级账号管理员审批）",
       tag=TAG, body=CeilingBody, response=CeilingOut)
def put_ceiling(code: str, body: CeilingBody):
    account = get_account(g.db, code)
    approval.set_ceiling(g.db, g.user, account, body.budget_fen, body.stock)
    return approval.ceiling_json(g.db, account)


@route(bp, "/campaigns/<int:campaign_id>/stats", "GET",
       summary="活动数据：剩余库存、每小时参与、核销率、中奖名单、福利价值", tag=TAG,
       response=CampaignStatsOut)
def campaign_stats(campaign_id: int):
    campaign, _ = services.editable_campaign(g.db, g.user, campaign_id)
    return stats.campaign_stats(g.db, campaign)


@route(bp, "/campaigns/<int:campaign_id>/draw", "POST",
       summary="开奖（答题后抽奖；答题结束后即可，到点也会自动开奖）", tag=TAG,
       response=DrawOut, errors=(409,))
def draw(campaign_id: int):
    campaign, _ = services.draw_early(g.db, g.user, campaign_id)
    g.db.commit()
    return {"campaign_id": campaign.id, "winners": stats.winners(g.db, campaign),
            "seed": campaign.seed}


@route(bp, "/welfare", "GET", summary="福利价值（按活动、按下级账号汇总）", tag=TAG,
       query=AccountQuery, response=WelfareOut)
def welfare(query: AccountQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, *services.EDITOR_ROLES)
    return stats.welfare_by_account(g.db, account)


@route(bp, "/merchants", "GET", summary="可选的合作商户（本账号及上级账号的）", tag=TAG,
       query=AccountQuery, response=MerchantListOut)
def merchants(query: AccountQuery):
    account = get_account(g.db, query.account)
    require_role(g.db, g.user, account, *services.EDITOR_ROLES)
    found = g.db.scalars(select(Merchant).where(Merchant.account_id.in_(account.ancestor_ids()),
                                                Merchant.active.is_(True)).order_by(Merchant.id))
    return {"items": [{"id": m.id, "name": m.name} for m in found]}
