"""Writing audit events in the same transaction as the change they record, and searching
them per account (the editor API and the console's audit page share `search`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.audit.models import AuditEvent
from hub.channels import all_channels

# Labels for the console, by action prefix (the longest that fits; outlets add their own, see
# action_labels; the console's audit_wording names each action in full).
ACTION_LABELS = {
    "account.topic.": "专题", "account.link.": "本地服务", "account.": "账号设置",
    "grant.": "授权", "user.": "编辑账户", "token.": "API 令牌",
    "post.": "稿件", "media.": "素材", "outlet.": "终端与凭据", "delivery.": "投递",
    "campaign.": "活动", "merchant.": "合作商户", "member.": "会员个人信息",
    "roll.": "会员名册导入", "login.": "登录", "promo_code.": "推广码",
}
SUBJECT_LABELS = {
    "post": "稿件", "delivery": "投递", "outlet": "终端", "user": "编辑", "token": "API 令牌",
    "account": "账号", "media": "素材", "campaign": "活动", "merchant": "商户", "member": "会员",
    "roll_import": "名册导入", "topic": "专题", "service_link": "本地服务链接",
    "promo_code": "推广码",
}


def record(
    db: Session,
    *,
    actor,
    action: str,
    account_id: int | None,
    subject_type: str,
    subject_id: int | None,
    **detail,
) -> AuditEvent:
    """Add an audit event; `actor` is a User or None for the hub itself. Never pass secrets
    or full ID numbers (identity.mask them)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else "system",
        account_id=account_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    db.add(event)
    return event


def action_labels() -> dict[str, str]:
    """Each action prefix's Chinese name: the hub's own, then those each outlet declares."""
    labels = dict(ACTION_LABELS)
    for channel in all_channels():
        labels.update(channel.audit_actions)
    return labels


def subject_labels() -> dict[str, str]:
    """Each subject type's Chinese name: the hub's own, then those each outlet declares."""
    labels = dict(SUBJECT_LABELS)
    for channel in all_channels():
        labels.update(channel.audit_subjects)
    return labels


@dataclass(frozen=True)
class Filters:
    """What an editor narrows the log to; every field is optional."""

    action: str | None = None  # a prefix: "post." or "post.publish"
    actor: str | None = None  # a username, or "system"
    subject_type: str | None = None
    subject_id: int | None = None
    since: dt.datetime | None = None  # UTC, inclusive
    until: dt.datetime | None = None  # UTC, exclusive


def _about_people_within(account: Account):
    """Events that belong to no account (an editor's API token, their login lock-out) belong
    to the accounts where the editor concerned holds a grant: their admins manage them."""
    from hub.users.models import Grant

    granted = (select(Grant.user_id).join(Account, Account.id == Grant.account_id)
               .where(Account.path.startswith(account.path)))
    return AuditEvent.account_id.is_(None) & or_(
        AuditEvent.actor_id.in_(granted),
        (AuditEvent.subject_type == "user") & AuditEvent.subject_id.in_(granted))


def search(db: Session, account: Account, filters: Filters, *, before: int | None = None,
           limit: int = 100) -> list[tuple[AuditEvent, str | None, str | None]]:
    """Events of the account's subtree, newest first, with their account's code and name;
    page on with `before` (the last id seen)."""
    stmt = (select(AuditEvent, Account.code, Account.name)
            .outerjoin(Account, AuditEvent.account_id == Account.id)
            .where(or_(Account.path.startswith(account.path), _about_people_within(account))))
    if filters.action:
        stmt = stmt.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        stmt = stmt.where(AuditEvent.actor_name == filters.actor)
    if filters.subject_type:
        stmt = stmt.where(AuditEvent.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == filters.subject_id)
    if filters.since:
        stmt = stmt.where(AuditEvent.at >= filters.since)
    if filters.until:
        stmt = stmt.where(AuditEvent.at < filters.until)
    if before:
        stmt = stmt.where(AuditEvent.id < before)
    return [tuple(row) for row in db.execute(stmt.order_by(AuditEvent.id.desc()).limit(limit))]
