"""`/c/<id>`: a campaign's public landing page, where every outlet outside WeChat leads (the
website's "立即参与" button, the QR code on an LED slide, the splash's link). It says what the
campaign is and how to take part: in the union mini-program, at the page it names. Each view
counts in the campaign's funnel under the `src` its link carried (the outlet that showed it,
or a 地推 code)."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from hub.accounts.models import Account
from hub.attribution import sources
from hub.campaigns import phases, services
from hub.campaigns.links import MINIPROGRAM_PAGE
from hub.campaigns.models import Campaign, CampaignState, Kind
from hub.clock import to_local
from hub.db import utcnow

bp = Blueprint("campaign_landing", __name__, template_folder="templates")


@bp.get("/c/<int:campaign_id>")
def landing(campaign_id: int):
    campaign = g.db.get(Campaign, campaign_id)
    if campaign is None or campaign.state == CampaignState.draft:
        abort(404)
    src = sources.clean(request.args.get("src"))
    page = MINIPROGRAM_PAGE.format(id=campaign.id) + (f"&src={src}" if src else "")
    response = render_template(
        "campaigns/landing.html", campaign=campaign, phase=phases.label(campaign, utcnow()),
        kind=Kind.LABELS.get(campaign.kind, "活动"), account=g.db.get(Account, campaign.account_id),
        starts=to_local(campaign.starts_at), ends=to_local(campaign.ends_at),
        left=services.stock_left(g.db, campaign.id),
        page=page)
    sources.record_landing_view(g.db, campaign.id, src)
    # Not cached by browsers or proxies: each view is counted by the funnel.
    return response, 200, {"Cache-Control": "no-store"}
