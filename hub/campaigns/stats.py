"""What unions see of their campaigns: stock left, claims over time, redemption, winners,
and the welfare value delivered, per campaign and rolled up the account tree.

Welfare value counts what reached members: a red packet's amount once claimed; a voucher's
or ticket's face value once redeemed at the merchant (an issued, unused voucher delivered
nothing yet); a quiz prize's face value once won. Course seats carry no money value.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.accounts.models import Account
from hub.accounts.services import subtree
from hub.campaigns import phases
from hub.campaigns.models import Campaign, Claim, ClaimStatus, Kind, Slot
from hub.clock import to_local
from hub.db import utcnow
from hub.members.identity import mask_name
from hub.members.models import Member


def _in_subtree(account: Account):
    return select(Account.id).where(Account.path.startswith(account.path))


def claims_by_hour(db: Session, campaign: Campaign, *, last_hours: int = 48
                   ) -> list[tuple[str, int]]:
    """Claims per hour (Beijing time) from the first claim, at most the last 48 hours."""
    times = list(db.scalars(select(Claim.created_at).where(Claim.campaign_id == campaign.id)))
    if not times:
        return []
    per_hour = Counter(to_local(t).replace(minute=0, second=0, microsecond=0) for t in times)
    first, last = min(per_hour), max(per_hour)
    first = max(first, last - dt.timedelta(hours=last_hours - 1))
    hours = int((last - first).total_seconds() // 3600) + 1
    points = []
    for step in range(hours):
        hour = first + dt.timedelta(hours=step)
        points.append((f"{hour.month}/{hour.day} {hour.hour:02d}时", per_hour.get(hour, 0)))
    return points


def campaign_stats(db: Session, campaign: Campaign) -> dict:
    statuses = dict(db.execute(select(Claim.status, func.count()).where(
        Claim.campaign_id == campaign.id).group_by(Claim.status)).all())
    taken, redeemed, given = db.execute(select(
        func.count(Slot.claim_id), func.count(Slot.redeemed_at),
        func.coalesce(func.sum(Slot.amount_fen).filter(Slot.claim_id.is_not(None)), 0))
        .where(Slot.campaign_id == campaign.id)).one()
    total = db.scalar(select(func.count()).select_from(Slot).where(
        Slot.campaign_id == campaign.id)) or 0
    return {
        "campaign_id": campaign.id,
        "units": campaign.units,
        "stock_left": total - taken if campaign.opened_at else campaign.units,
        "taken": taken,
        "claims": statuses,
        "claims_by_hour": [{"hour": label, "claims": n}
                           for label, n in claims_by_hour(db, campaign)],
        "given_fen": int(given),
        "redeemed": redeemed,
        "redemption_rate": round(redeemed / taken, 4) if taken and campaign.kind in (
            Kind.voucher, Kind.ticket) else None,
        "winners": winners(db, campaign),
        "welfare_value_fen": welfare_values(db, [campaign.id]).get(campaign.id, 0),
    }


def winners(db: Session, campaign: Campaign) -> list[dict]:
    """Quiz winners, with names masked as unions publish them (陈*华)."""
    if campaign.kind != Kind.quiz:
        return []
    rows = db.execute(select(Claim.id, Member.name, Claim.created_at).join(
        Member, Member.id == Claim.member_id).where(
        Claim.campaign_id == campaign.id, Claim.status == ClaimStatus.won).order_by(Claim.id))
    return [{"claim_id": cid, "name": mask_name(name)} for cid, name, _ in rows]


def welfare_values(db: Session, campaign_ids: list[int]) -> dict[int, int]:
    """Welfare value delivered (fen) per campaign id; see the module note for what counts."""
    if not campaign_ids:
        return {}
    values: Counter = Counter()
    packets = db.execute(select(Slot.campaign_id, func.sum(Slot.amount_fen)).join(
        Campaign, Campaign.id == Slot.campaign_id).where(
        Slot.campaign_id.in_(campaign_ids), Campaign.kind == Kind.red_packet,
        Slot.claim_id.is_not(None)).group_by(Slot.campaign_id))
    for campaign_id, amount in packets:
        values[campaign_id] += int(amount or 0)
    redeemed = db.execute(select(Campaign.id, Campaign.face_value_fen, func.count(Slot.id)).join(
        Slot, Slot.campaign_id == Campaign.id).where(
        Campaign.id.in_(campaign_ids), Campaign.kind.in_(Kind.WITH_CODES),
        Slot.redeemed_at.is_not(None)).group_by(Campaign.id, Campaign.face_value_fen))
    for campaign_id, face, count in redeemed:
        values[campaign_id] += (face or 0) * count
    prizes = db.execute(select(Campaign.id, Campaign.face_value_fen, func.count(Claim.id)).join(
        Claim, Claim.campaign_id == Campaign.id).where(
        Campaign.id.in_(campaign_ids), Campaign.kind == Kind.quiz,
        Claim.status == ClaimStatus.won).group_by(Campaign.id, Campaign.face_value_fen))
    for campaign_id, face, count in prizes:
        values[campaign_id] += (face or 0) * count
    return dict(values)


def welfare_by_account(db: Session, account: Account) -> dict:
    """The welfare value of the account's subtree, per campaign and per child account (each
    child's figure covers its own subtree), for the console and the editor API."""
    campaigns = list(db.scalars(select(Campaign).where(
        Campaign.account_id.in_(_in_subtree(account))).order_by(Campaign.id.desc())))
    values = welfare_values(db, [c.id for c in campaigns])
    accounts = {a.id: a for a in subtree(db, account)}
    children = [a for a in accounts.values() if a.parent_id == account.id]
    now = utcnow()
    per_child: Counter = Counter()
    own = 0
    for campaign in campaigns:
        path = accounts[campaign.account_id].path
        child = next((c for c in children if path.startswith(c.path)), None)
        if child is None:
            own += values.get(campaign.id, 0)
        else:
            per_child[child.id] += values.get(campaign.id, 0)
    return {
        "account": {"code": account.code, "name": account.name},
        "total_fen": sum(values.values()),
        "own_fen": own,
        "children": [{"code": c.code, "name": c.name, "value_fen": per_child[c.id]}
                     for c in sorted(children, key=lambda c: -per_child[c.id])
                     if per_child[c.id]],
        "campaigns": [{"id": c.id, "title": c.title, "kind": c.kind, "state": c.state,
                       "phase": phases.phase(c, now), "account": accounts[c.account_id].code,
                       "account_name": accounts[c.account_id].name,
                       "value_fen": values.get(c.id, 0)} for c in campaigns],
    }
