"""A campaign's phase as people name it, read from its approval, its state and its window.

`Campaign.state` says whether claims are taken at all (its post is live and its terms
approved), not whether the window has come: an open campaign that starts next month has not
started, and one whose window has passed is over, whatever its state.
"""

from __future__ import annotations

import datetime as dt

from hub.campaigns.models import Approval, Campaign, CampaignState
from hub.campaigns.rules import Window

LABELS = {
    "pending": "待审批",  # waiting for a second person
    "rejected": "已退回",  # sent back with a note
    "awaiting_post": "待稿件发布",  # approved; opens when its promotion post goes live
    "not_started": "未开始",  # open, its window still to come
    "running": "进行中",
    "ended": "已结束",  # closed, or its window is past
}


def phase(campaign: Campaign, now: dt.datetime) -> str:
    """One of LABELS' keys."""
    if campaign.state == CampaignState.closed or now >= campaign.ends_at:
        return "ended"
    if campaign.approval != Approval.approved:
        return "rejected" if campaign.approval == Approval.rejected else "pending"
    if campaign.state != CampaignState.open:
        return "awaiting_post"
    return "not_started" if Window(campaign.starts_at, campaign.ends_at).check(now) else "running"


def label(campaign: Campaign, now: dt.datetime) -> str:
    return LABELS[phase(campaign, now)]
