"""Where a promotion post leads: its campaign, as every outlet shows it. The mini-program
opens the campaign's page; everything else (the website's button, the LED slide's QR code,
the splash's link, WeChat's "阅读原文") leads to the campaign's landing page, `/c/<id>`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.campaigns.models import Campaign, CampaignState

MINIPROGRAM_PAGE = "pages/campaign/index?id={id}"


@dataclass(frozen=True)
class CampaignLink:
    campaign_id: int
    url: str  # the landing page, for outlets outside WeChat
    miniprogram_path: str


def campaigns_of(db: Session, post_ids: list[int]) -> dict[int, int]:
    """{post id: campaign id} for the posts that lead to a campaign (the first, if several);
    drafts are not shown to members."""
    if not post_ids:
        return {}
    rows = db.execute(select(Campaign.post_id, func.min(Campaign.id))
                      .where(Campaign.post_id.in_(post_ids),
                             Campaign.state != CampaignState.draft)
                      .group_by(Campaign.post_id))
    return dict(rows.all())


def link_for(db: Session, post_id: int, public_url: str) -> CampaignLink | None:
    campaign_id = campaigns_of(db, [post_id]).get(post_id)
    if campaign_id is None:
        return None
    return CampaignLink(campaign_id, f"{public_url}/c/{campaign_id}",
                        MINIPROGRAM_PAGE.format(id=campaign_id))
