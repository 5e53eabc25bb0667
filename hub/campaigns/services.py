"""Setting campaigns up: creating drafts for a promotion post, changing their terms, and
describing them to editors and members. Who approves is hub.campaigns.approval; opening and
closing with the post is hub.campaigns.opening."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.accounts.services import get_account
from hub.audit.services import record
from hub.campaigns import approval, rules, schedule
from hub.campaigns.models import Approval, Campaign, CampaignState, Kind, Merchant, Slot
from hub.campaigns.schemas import CampaignCreate, CampaignUpdate
from hub.clock import local_iso
from hub.db import utcnow
from hub.errors import BadRequest, Conflict, NotFound
from hub.posts.models import Post
from hub.users.models import User
from hub.users.permissions import require_role

EDITOR_ROLES = ("author", "reviewer", "admin")
# Who runs a campaign once it is open: closes it early, draws a quiz, exports its lists (a
# reviewer approves terms; running it is the account's authors' and admins' work).
RUNNERS = ("author", "admin")


# --- creating ----------------------------------------------------------------------------

def create_campaign(db: Session, user: User, body: CampaignCreate) -> Campaign:
    """A draft campaign on a promotion post of its own account; it opens once a second person
    approved it (hub.campaigns.approval) and the post is live."""
    account = get_account(db, body.account)
    require_role(db, user, account, "author", "admin")
    post = _promotion_post(db, body.post_id, account)
    approval.check_post_is_own(post, account)
    _check_window(body)
    _check_regions(db, user, body.regions)
    campaign = Campaign(account_id=account.id, post_id=post.id, kind=body.kind,
                        state=CampaignState.draft, approval=Approval.pending, changed_by=[],
                        seed=secrets.token_hex(16), created_by_id=user.id,
                        created_at=utcnow())
    _set_terms(db, campaign, body, account)
    db.add(campaign)
    db.flush()
    record(db, actor=user, action="campaign.create", account_id=account.id,
           subject_type="campaign", subject_id=campaign.id, kind=campaign.kind,
           post_id=post.id, value_fen=approval.value_fen(campaign), units=campaign.units)
    return campaign


def _set_terms(db: Session, campaign: Campaign, body: CampaignCreate, account: Account) -> None:
    campaign.title, campaign.description = body.title, body.description
    campaign.starts_at, campaign.ends_at = body.starts_at, body.ends_at
    campaign.per_member_limit, campaign.regions = body.per_member_limit, list(body.regions)
    KIND_SETUP[body.kind](db, campaign, body, account)


# What the campaign gives: fixed once its slots exist (they were made from these).
STOCK_TERMS = ("units", "budget_fen", "face_value_fen")


def update_campaign(db: Session, user: User, campaign: Campaign, account: Account,
                    body: CampaignUpdate) -> Campaign:
    """Change a campaign's terms; any change asks a second person to approve it again."""
    require_role(db, user, account, "author", "admin")
    changes = body.model_dump(exclude_unset=True)
    merged = CampaignCreate(**{**terms_as_body(db, campaign), **changes})
    _check_window(merged)
    if "regions" in changes:
        _check_regions(db, user, merged.regions)
    before = _terms(campaign)
    _set_terms(db, campaign, merged, account)
    after = _terms(campaign)
    if campaign.opened_at is not None and any(before[k] != after[k] for k in STOCK_TERMS):
        raise Conflict("活动已开放过，红包、券码或名额已生成，不能再改金额、面值或数量；"
                       "请另建活动", field="units")
    changed = sorted(k for k in after if before[k] != after[k])
    if changed:
        approval.terms_changed(campaign, user)
        db.flush()
        record(db, actor=user, action="campaign.update", account_id=account.id,
               subject_type="campaign", subject_id=campaign.id, fields=changed)
    return campaign


def _terms(campaign: Campaign) -> dict:
    names = ("title", "description", "starts_at", "ends_at", "per_member_limit", "regions",
             "units", "budget_fen", "face_value_fen", "valid_from", "valid_until",
             "course_starts_at", "remind_minutes", "place", "questions", "pass_mark",
             "quiz_mode", "win_chance", "draw_at", "merchant_id")
    return {name: getattr(campaign, name) for name in names}


def terms_as_body(db: Session, campaign: Campaign) -> dict:
    """The campaign as the creation body that would make it: an edit is checked as a whole."""
    account = db.get(Account, campaign.account_id)
    units_field = {Kind.red_packet: "count", Kind.voucher: "stock", Kind.ticket: "stock",
                   Kind.course: "seats", Kind.quiz: "prizes"}[campaign.kind]
    body = {"account": account.code, "post_id": campaign.post_id, "kind": campaign.kind,
            "title": campaign.title, "description": campaign.description,
            "starts_at": campaign.starts_at, "ends_at": campaign.ends_at,
            "per_member_limit": campaign.per_member_limit, "regions": list(campaign.regions),
            units_field: campaign.units, "budget_fen": campaign.budget_fen,
            "face_value_fen": campaign.face_value_fen, "merchant_id": campaign.merchant_id,
            "valid_from": campaign.valid_from, "valid_until": campaign.valid_until,
            "course_starts_at": campaign.course_starts_at,
            "remind_minutes": campaign.remind_minutes, "place": campaign.place,
            "questions": list(campaign.questions) or None, "pass_mark": campaign.pass_mark,
            "quiz_mode": campaign.quiz_mode, "win_chance": campaign.win_chance,
            "draw_at": campaign.draw_at}
    return {name: value for name, value in body.items() if value is not None}


def _promotion_post(db: Session, post_id: int, account: Account) -> Post:
    post = db.get(Post, post_id)
    if post is None:
        raise NotFound(f"没有编号为 {post_id} 的稿件", field="post_id")
    if post.kind != "promotion":
        raise BadRequest("活动只能挂在推广类稿件（kind=promotion）上", field="post_id")
    if post.account_id not in account.ancestor_ids():
        raise BadRequest("推广稿件须属于本账号或其上级账号", field="post_id")
    return post


def _check_window(body: CampaignCreate) -> None:
    if body.ends_at <= body.starts_at:
        raise BadRequest("结束时间须晚于开始时间", field="ends_at")


def _check_regions(db: Session, user: User, codes: list[str]) -> None:
    if not codes:
        return
    found = list(db.scalars(select(Account).where(Account.code.in_(codes))))
    missing = [code for code in codes if code not in {a.code for a in found}]
    if missing:
        raise BadRequest(f"没有这些账号：{', '.join(missing)}", field="regions")
    approval.check_regions_within_grants(db, user, found)


def _need(value, field: str, what: str):
    if value is None:
        raise BadRequest(f"缺少{what}（{field}）", field=field)
    return value


def _setup_red_packet(db, campaign: Campaign, body: CampaignCreate, account) -> None:
    campaign.budget_fen = _need(body.budget_fen, "budget_fen", "总金额（分）")
    campaign.units = _need(body.count, "count", "红包个数")
    if campaign.budget_fen < campaign.units:
        raise BadRequest("总金额不足以让每个红包至少 0.01 元", field="budget_fen")


def _setup_voucher(db, campaign: Campaign, body: CampaignCreate, account) -> None:
    campaign.units = _need(body.stock, "stock", "库存")
    campaign.face_value_fen = _need(body.face_value_fen, "face_value_fen", "面值（分）")
    merchant = db.get(Merchant, _need(body.merchant_id, "merchant_id", "合作商户"))
    if merchant is None or not merchant.active or merchant.account_id not in account.ancestor_ids():
        raise BadRequest("没有这个合作商户（须为本账号或上级账号的商户）", field="merchant_id")
    campaign.merchant_id = merchant.id
    campaign.valid_from = body.valid_from or body.starts_at
    campaign.valid_until = _need(body.valid_until, "valid_until", "有效期截止时间")
    if campaign.valid_until <= campaign.valid_from:
        raise BadRequest("有效期截止须晚于生效时间", field="valid_until")


def _setup_course(db, campaign: Campaign, body: CampaignCreate, account) -> None:
    campaign.units = _need(body.seats, "seats", "名额")
    campaign.course_starts_at = _need(body.course_starts_at, "course_starts_at", "开课时间")
    campaign.remind_minutes = body.remind_minutes or 24 * 60
    campaign.place = body.place


def _setup_quiz(db, campaign: Campaign, body: CampaignCreate, account) -> None:
    questions = [q.model_dump() for q in _need(body.questions, "questions", "题目")]
    try:
        campaign.questions = rules.check_questions(questions)
    except rules.RuleError as exc:
        raise BadRequest(exc.message, field=exc.field) from None
    campaign.pass_mark = _need(body.pass_mark, "pass_mark", "及格题数")
    if campaign.pass_mark > len(questions):
        raise BadRequest("及格题数不能多于题目数", field="pass_mark")
    campaign.quiz_mode = _need(body.quiz_mode, "quiz_mode", "开奖方式（instant 或 draw）")
    campaign.units = _need(body.prizes, "prizes", "奖品数量")
    campaign.face_value_fen = body.face_value_fen
    if campaign.quiz_mode == "instant":
        campaign.win_chance = _need(body.win_chance, "win_chance", "中奖概率")
    else:
        campaign.draw_at = _need(body.draw_at, "draw_at", "开奖时间")
        if campaign.draw_at < body.ends_at:
            raise BadRequest("开奖时间须在答题结束之后", field="draw_at")


KIND_SETUP = {Kind.red_packet: _setup_red_packet, Kind.voucher: _setup_voucher,
              Kind.ticket: _setup_voucher, Kind.course: _setup_course, Kind.quiz: _setup_quiz}


# --- reading ---------------------------------------------------------------------------

def get_campaign(db: Session, campaign_id: int) -> Campaign:
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"没有编号为 {campaign_id} 的活动", field="campaign")
    return campaign


def editable_campaign(db: Session, user: User, campaign_id: int,
                      roles=EDITOR_ROLES) -> tuple[Campaign, Account]:
    campaign = get_campaign(db, campaign_id)
    account = db.get(Account, campaign.account_id)
    require_role(db, user, account, *roles)
    return campaign, account


def list_campaigns(db: Session, user: User, account: Account) -> list[Campaign]:
    require_role(db, user, account, *EDITOR_ROLES)
    below = select(Account.id).where(Account.path.startswith(account.path))
    return list(db.scalars(select(Campaign).where(Campaign.account_id.in_(below))
                           .order_by(Campaign.id.desc()).limit(200)))


def stock_left(db: Session, campaign_id: int) -> int:
    """Free slots, counted (no stock row to keep in step, so none to contend on)."""
    return db.scalar(select(func.count()).select_from(Slot).where(
        Slot.campaign_id == campaign_id, Slot.claim_id.is_(None))) or 0


def allowed_paths(db: Session, campaign: Campaign) -> list[str]:
    """Account paths whose subtrees may claim: the campaign's account and its regions."""
    query = select(Account.path).where(Account.id == campaign.account_id)
    if campaign.regions:
        query = select(Account.path).where((Account.id == campaign.account_id)
                                           | Account.code.in_(campaign.regions))
    return list(db.scalars(query))


@dataclass
class AccountRef:
    code: str
    name: str


def describe(db: Session, campaign: Campaign, *, for_editor: bool) -> dict:
    """A campaign as JSON; editors also see answers, the merchant and the seed once drawn."""
    account = db.get(Account, campaign.account_id)
    body = {
        "id": campaign.id, "kind": campaign.kind, "title": campaign.title,
        "description": campaign.description, "state": campaign.state,
        "account": {"code": account.code, "name": account.name},
        "post_id": campaign.post_id,
        "starts_at": local_iso(campaign.starts_at), "ends_at": local_iso(campaign.ends_at),
        "per_member_limit": campaign.per_member_limit,
        "units": campaign.units,
        "stock_left": stock_left(db, campaign.id) if campaign.opened_at else campaign.units,
    }
    kind_fields = {
        Kind.red_packet: {"budget_fen": campaign.budget_fen, "count": campaign.units},
        Kind.voucher: _voucher_fields(db, campaign),
        Kind.ticket: _voucher_fields(db, campaign),
        Kind.course: {"seats": campaign.units, "place": campaign.place,
                      "course_starts_at": local_iso(campaign.course_starts_at),
                      "remind_minutes": campaign.remind_minutes},
        Kind.quiz: {"pass_mark": campaign.pass_mark, "quiz_mode": campaign.quiz_mode,
                    "prizes": campaign.units, "face_value_fen": campaign.face_value_fen,
                    "draw_at": local_iso(campaign.draw_at),
                    "drawn_at": local_iso(campaign.drawn_at),
                    "questions": (campaign.questions if for_editor
                                  else rules.public_questions(campaign.questions))},
    }[campaign.kind]
    body.update(kind_fields)
    if for_editor:
        body.update(approval.approval_json(db, campaign, account))
        body.update(regions=campaign.regions, opened_at=local_iso(campaign.opened_at),
                    win_chance=campaign.win_chance,
                    seed=campaign.seed if campaign.drawn_at else None)
    return body


def _voucher_fields(db: Session, campaign: Campaign) -> dict:
    merchant = db.get(Merchant, campaign.merchant_id) if campaign.merchant_id else None
    return {"stock": campaign.units, "face_value_fen": campaign.face_value_fen,
            "merchant": {"id": merchant.id, "name": merchant.name} if merchant else None,
            "valid_from": local_iso(campaign.valid_from),
            "valid_until": local_iso(campaign.valid_until)}



def draw_early(db: Session, user: User, campaign_id: int) -> tuple[Campaign, list]:
    """An editor draws a quiz's winners now (after answering closed), audited. The campaign
    is locked and read again first: a double click, or the scheduler drawing at this moment,
    is waited for and then refused 409 (already drawn) by run_draw, never drawn twice."""
    campaign, account = editable_campaign(db, user, campaign_id, roles=RUNNERS)
    campaign = schedule.lock_for_draw(db, campaign.id)
    winners = schedule.run_draw(db, campaign, early=True)
    record(db, actor=user, action="campaign.draw", account_id=account.id,
           subject_type="campaign", subject_id=campaign.id, winners=len(winners))
    return campaign, winners
