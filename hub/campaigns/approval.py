"""Four eyes on campaign money: who may set a campaign up (its post, its eligibility), who may
approve or reject it, the per-account ceiling above which the parent's admin must approve,
and what sends an approved campaign back for approval.

A campaign gives value (packets, codes, seats, prizes) whatever its account's review setting
for words: it opens only once a reviewer or admin of its account (or above) who neither
created it nor changed it since the last approval has approved its terms.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.services import record
from hub.campaigns import opening
from hub.campaigns.models import Approval, Campaign, CampaignState, Ceiling, Kind
from hub.clock import local_iso
from hub.db import utcnow
from hub.errors import Conflict, Forbidden
from hub.posts.models import Post
from hub.users.models import User
from hub.users.permissions import granted_accounts, require_role, roles_on

APPROVERS = frozenset({"reviewer", "admin"})


# --- what a creator may set up -----------------------------------------------------------

def check_post_is_own(post: Post, account: Account) -> None:
    """A campaign spends its own account's money behind its own account's post: an
    ancestor's post (the city's, the province's) is not a town's to attach money to."""
    if post.account_id != account.id:
        raise Forbidden("活动只能挂在本账号自己的推广稿件上，不能挂在上级或其他账号的稿件上",
                        field="post_id")


def check_regions_within_grants(db: Session, user: User, regions: list[Account]) -> None:
    """Extra eligibility may only reach accounts inside the editor's own grants."""
    mine = granted_accounts(db, user)
    outside = [a.code for a in regions if not any(a.is_within(top) for top in mine)]
    if outside:
        raise Forbidden(f"活动范围超出你的权限，不能包含：{', '.join(outside)}", field="regions")


# --- ceilings ----------------------------------------------------------------------------

def value_fen(campaign: Campaign) -> int:
    """The money a campaign gives away: the red-packet budget, or face value × stock."""
    if campaign.kind == Kind.red_packet:
        return campaign.budget_fen or 0
    return (campaign.face_value_fen or 0) * campaign.units


def ceiling_of(db: Session, account: Account) -> Ceiling | None:
    return db.get(Ceiling, account.id)


def set_ceiling(db: Session, user: User, account: Account, budget_fen: int | None,
                stock: int | None) -> Ceiling:
    require_role(db, user, account, "admin")
    ceiling = ceiling_of(db, account) or Ceiling(account_id=account.id)
    ceiling.budget_fen, ceiling.stock = budget_fen, stock
    ceiling.set_by_id, ceiling.updated_at = user.id, utcnow()
    db.add(ceiling)
    db.flush()
    record(db, actor=user, action="campaign.ceiling", account_id=account.id,
           subject_type="account", subject_id=account.id, budget_fen=budget_fen, stock=stock)
    return ceiling


def over_ceiling(db: Session, campaign: Campaign, account: Account) -> list[str]:
    """What of the campaign exceeds its account's ceiling, in words (empty: nothing)."""
    ceiling = ceiling_of(db, account)
    if ceiling is None:
        return []
    found = []
    if ceiling.budget_fen is not None and value_fen(campaign) > ceiling.budget_fen:
        found.append(f"金额 {value_fen(campaign) / 100:.2f} 元超过上限 "
                     f"{ceiling.budget_fen / 100:.2f} 元")
    if ceiling.stock is not None and campaign.units > ceiling.stock:
        found.append(f"数量 {campaign.units} 超过上限 {ceiling.stock}")
    return found


def ceiling_json(db: Session, account: Account) -> dict:
    ceiling = ceiling_of(db, account)
    return {"account": account.code,
            "budget_fen": ceiling.budget_fen if ceiling else None,
            "stock": ceiling.stock if ceiling else None}


# --- approving ---------------------------------------------------------------------------

def approval_refusal(db: Session, user: User, campaign: Campaign,
                     account: Account) -> str | None:
    """Why `user` may not approve the campaign's terms, in words; None when they may (the
    console offers its buttons only then)."""
    if not roles_on(db, user, account) & APPROVERS:
        return f"只有账号「{account.name}」或其上级的审核员、管理员可以审批活动"
    if user.id == campaign.created_by_id or user.id in (campaign.changed_by or []):
        return "不能审批自己创建或修改的活动，须由另一位审核员或管理员审批"
    excess = over_ceiling(db, campaign, account)
    above = account.parent or account
    if excess and "admin" not in roles_on(db, user, above):
        return f"{'；'.join(excess)}，须由上级账号「{above.name}」的管理员审批"
    return None


def _check_approver(db: Session, user: User, campaign: Campaign, account: Account) -> None:
    refusal = approval_refusal(db, user, campaign, account)
    if refusal is not None:
        raise Forbidden(refusal)


def _check_pending(campaign: Campaign) -> None:
    if campaign.approval != Approval.pending:
        label = Approval.LABELS.get(campaign.approval, campaign.approval)
        raise Conflict(f"活动{label}，不在待审批状态")


def check_approvable(db: Session, user: User, campaign: Campaign, account: Account) -> None:
    """Refuse, in words, unless `user` may approve the campaign now (the console asks before
    it shows the confirmation)."""
    _check_approver(db, user, campaign, account)
    _check_pending(campaign)


def approve(db: Session, user: User, campaign: Campaign, account: Account,
            note: str = "") -> Campaign:
    """Approve the campaign's terms; it opens now if its post is live."""
    check_approvable(db, user, campaign, account)
    campaign.approval, campaign.approval_note = Approval.approved, note
    campaign.approved_by_id, campaign.approved_at = user.id, utcnow()
    campaign.changed_by = []
    record(db, actor=user, action="campaign.approve", account_id=account.id,
           subject_type="campaign", subject_id=campaign.id, value_fen=value_fen(campaign),
           units=campaign.units, **({"note": note} if note else {}))
    post = db.get(Post, campaign.post_id)
    if post is not None and post.state == "published":
        opening.open_campaign(db, campaign)
    db.flush()
    return campaign


def reject(db: Session, user: User, campaign: Campaign, account: Account,
           note: str) -> Campaign:
    """Send the campaign back with a note; a change to it asks for approval again."""
    if not roles_on(db, user, account) & APPROVERS:
        raise Forbidden(f"只有账号「{account.name}」或其上级的审核员、管理员可以退回活动")
    _check_pending(campaign)
    campaign.approval, campaign.approval_note = Approval.rejected, note
    campaign.approved_by_id, campaign.approved_at = user.id, utcnow()
    record(db, actor=user, action="campaign.reject", account_id=account.id,
           subject_type="campaign", subject_id=campaign.id, note=note)
    db.flush()
    return campaign


def terms_changed(campaign: Campaign, user: User) -> None:
    """The terms changed: approval is asked for again, and claims stop until it is given
    (the campaign reopens on approval if its post is still live)."""
    campaign.approval = Approval.pending
    campaign.approved_by_id = campaign.approved_at = None
    campaign.changed_by = sorted({*(campaign.changed_by or []), user.id})
    campaign.state = CampaignState.draft


def approval_json(db: Session, campaign: Campaign, account: Account) -> dict:
    approver = db.get(User, campaign.approved_by_id) if campaign.approved_by_id else None
    above = account.parent or account
    return {"approval": campaign.approval,
            "approval_label": Approval.LABELS.get(campaign.approval, campaign.approval),
            "approved_by": approver.username if approver else None,
            "approved_at": local_iso(campaign.approved_at),
            "approval_note": campaign.approval_note,
            "approval_needs_admin_of": above.code if over_ceiling(db, campaign, account)
            else None}
