"""Opening campaigns for claims once a second person approved them and their post is live
(the stock made as rows: red packets split, codes and seats), closing them when the post
comes down, and the codes people type at a till."""

from __future__ import annotations

import secrets

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.campaigns import rules
from hub.campaigns.models import Approval, Campaign, CampaignState, Kind, Slot
from hub.db import utcnow

# Codes people type at a till: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def open_for_post(db: Session, post) -> None:
    for campaign in db.scalars(select(Campaign).where(Campaign.post_id == post.id)):
        open_campaign(db, campaign)


def close_for_post(db: Session, post) -> None:
    for campaign in db.scalars(select(Campaign).where(Campaign.post_id == post.id,
                                                      Campaign.state == CampaignState.open)):
        campaign.state = CampaignState.closed


def open_campaign(db: Session, campaign: Campaign) -> None:
    """Open for claims, if a second person approved it; the first time, create every slot
    (split the packets, make codes)."""
    if campaign.state == CampaignState.open or campaign.approval != Approval.approved:
        return
    if campaign.opened_at is None:
        db.execute(insert(Slot), slot_rows(campaign))
        campaign.opened_at = utcnow()
    campaign.state = CampaignState.open
    db.flush()


def slot_rows(campaign: Campaign) -> list[dict]:
    """The campaign's stock as rows: numbered from 1, with amounts or codes by kind."""
    rows = [{"campaign_id": campaign.id, "number": n} for n in range(1, campaign.units + 1)]
    if campaign.kind == Kind.red_packet:
        amounts = rules.split_red_packets(campaign.budget_fen, campaign.units,
                                          rules.seeded(campaign.seed, "split"))
        for row, amount in zip(rows, amounts, strict=True):
            row["amount_fen"] = amount
    if campaign.kind in Kind.WITH_CODES or (campaign.kind == Kind.quiz and campaign.merchant_id):
        for row in rows:
            row["code"] = new_code()
    return rows


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """What a merchant typed or scanned: spaces, dashes and case do not matter."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())
